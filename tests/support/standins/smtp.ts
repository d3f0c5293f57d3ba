/**
 * A real SMTP server on 127.0.0.1 (smtp-server), every accepted mail parsed with mailparser.
 *
 *   const smtp = await startSmtpStandin();
 *   // SMTP_URL = smtp.url  (smtp://127.0.0.1:<port>, no TLS, any or no login accepted)
 *   smtp.refuseNext(2, 451, '4.3.0 try again later'); // the next two RCPT TO answered 451
 *   await smtp.waitForMails(1); smtp.mails[0].subject …
 *   await smtp.stop();
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope (MAIL FROM, RCPT TO), which may differ from the headers. */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  html: string;
  /** The Message-ID header, with its angle brackets. */
  messageId: string;
  parsed: ParsedMail;
}

export interface SmtpStandin {
  url: string;
  port: number;
  /** Mails accepted so far, in order. */
  mails: ReceivedMail[];
  /** Connections that broke inside a mail's transaction (a sender killed mid-send: ECONNRESET). */
  connectionErrors: Error[];
  /** Answer the next `count` RCPT TO commands with `code` (e.g. 451 temporary, 550 mailbox unavailable). */
  refuseNext(count: number, code: number, message?: string): void;
  /** Resolves when at least `count` mails have arrived (rejects after `timeoutMs`). */
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

export async function startSmtpStandin(): Promise<SmtpStandin> {
  const mails: ReceivedMail[] = [];
  const connectionErrors: Error[] = [];
  const refusals: { code: number; message: string }[] = [];
  const server = new SMTPServer({
    secure: false,
    // No STARTTLS: the loopback stand-in has no certificate, and nodemailer only upgrades when offered.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'standin' }),
    onRcptTo(_address, _session, cb) {
      const refusal = refusals.shift();
      if (!refusal) return cb();
      const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
      cb(err);
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            parsed,
          });
          cb(null, `Ok: queued as STANDIN${mails.length}`);
        })
        .catch((e: Error) => cb(e));
    },
    logger: false,
  });
  // smtp-server re-emits a connection that breaks after MAIL FROM as the server's 'error': with no
  // listener that is an uncaught exception in the test process, whereas a real server logs it and
  // goes on serving. Tests that kill a sending worker count on the latter.
  server.on('error', (err) => connectionErrors.push(err));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    connectionErrors,
    refuseNext(count, code, message = `${code} refused by the stand-in`) {
      for (let i = 0; i < count; i++) refusals.push({ code, message });
    },
    async waitForMails(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > deadline) throw new Error(`waited for ${count} mails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return mails;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
