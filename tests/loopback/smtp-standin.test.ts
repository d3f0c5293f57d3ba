/**
 * The SMTP stand-in itself, where the worker-kill tests lean on it: a sender that dies in the
 * middle of a mail (its socket reset after MAIL FROM, as a SIGKILL leaves it) is recorded, and the
 * stand-in goes on accepting mail, as a real server would.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailAdapter } from '#activities/notify/channels/email.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';
import { message } from './fixtures.js';

/**
 * Speaks SMTP a command at a time: each waits for the server's final reply line and fails at once,
 * with what the server said, if its code is not the one expected.
 */
async function rawSession(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let received = '';
  let pending: { code: string; resolve: () => void; reject: (e: Error) => void } | undefined;
  socket.on('data', (chunk: string) => {
    received += chunk;
    const final = /^(\d{3}) .*\r\n/m.exec(received);
    if (!final || !pending) return;
    const { code, resolve, reject } = pending;
    pending = undefined;
    if (final[1] === code) resolve();
    else reject(new Error(`expected ${code}, the stand-in said: ${received}`));
    received = '';
  });
  const reply = (code: string) =>
    new Promise<void>((resolve, reject) => (pending = { code, resolve, reject }));
  await reply('220');
  return {
    socket,
    async send(line: string, code: string) {
      const answered = reply(code);
      socket.write(`${line}\r\n`);
      await answered;
    },
  };
}

describe('the SMTP stand-in', () => {
  let smtp: SmtpStandin;
  beforeAll(async () => {
    smtp = await startSmtpStandin();
  });
  afterAll(() => smtp.stop());

  it('records a sender reset inside a mail and goes on accepting the next one', async () => {
    const s = await rawSession(smtp.port);
    await s.send('EHLO worker.example.cn', '250');
    await s.send('MAIL FROM:<notify@county.example.cn>', '250');
    await s.send('RCPT TO:<xqz.op@example.cn>', '250');
    await s.send('DATA', '354');
    // What the kernel does for a process killed with the connection open: RST, not FIN. (Reset
    // with its own bytes still unsent, the socket may just close on the server's side instead.)
    s.socket.resetAndDestroy();

    await expect
      .poll(() => smtp.connectionErrors.map((e) => (e as NodeJS.ErrnoException).code), { timeout: 10_000 })
      .toContain('ECONNRESET');
    const sut = createEmailAdapter({ url: smtp.url, from: 'notify@county.example.cn', timeoutMs: 5_000 });
    await sut.send(message({ address: 'xqz.op@example.cn', deliveryId: 'd-after-reset' }));
    const mails = await smtp.waitForMails(1);
    expect(mails.map((m) => m.messageId)).toEqual(['<d-after-reset@county.example.cn>']);
  });
});
