/**
 * E-mail, the chat robots and the outbox through their real transport against stand-ins on
 * loopback (tests/support/standins): what arrives there is checked field by field, and each
 * refusal comes back as a DeliveryError with the right `retryable`. SMS: notify-sms.test.ts.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryUncertain, type ChannelAdapter } from '#activities/notify/channel.js';
import type { ChannelsConfig, RobotConfig } from '#activities/notify/channels/config.js';
import { createDingtalkAdapter, dingtalkSign, signedWebhook } from '#activities/notify/channels/dingtalk.js';
import { createEmailAdapter } from '#activities/notify/channels/email.js';
import { channelStatus, outboundAdapters } from '#activities/notify/channels/index.js';
import { createWecomAdapter } from '#activities/notify/channels/wecom.js';
import { startRobotStandin, type RobotStandin } from '../support/standins/robots.js';
import { startSmtpStandin, type SmtpStandin } from '../support/standins/smtp.js';
import { closedPort, LINK, message, refusal } from './fixtures.js';

describe('e-mail over SMTP', () => {
  let smtp: SmtpStandin;
  let sut: ChannelAdapter;
  beforeAll(async () => {
    smtp = await startSmtpStandin();
    sut = createEmailAdapter({
      url: smtp.url,
      from: '三账一表 <noreply@county.example.cn>',
      timeoutMs: 5_000,
    });
  });
  afterAll(() => smtp.stop());

  it('delivers the Chinese subject and body, the link and a Message-ID derived from the delivery', async () => {
    const result = await sut.send(
      message({ address: 'wang.fang@county.example.cn', deliveryId: 'd-mail-1' }),
    );
    const [mail] = await smtp.waitForMails(1);
    expect(mail!.envelope.to).toEqual(['wang.fang@county.example.cn']);
    expect(mail!.envelope.from).toBe('noreply@county.example.cn');
    expect(mail!.subject).toBe(message().subject);
    expect(mail!.text).toContain('请尽快办理开工。');
    expect(mail!.text).toContain(LINK);
    expect(mail!.html).toContain(`href="${LINK}"`);
    expect(mail!.html).toContain('查看详情');
    expect(mail!.messageId).toBe('<d-mail-1@county.example.cn>');
    expect(result.vendorId).toBe('STANDIN1');
  });

  it('the same delivery sent again carries the same Message-ID', async () => {
    await sut.send(message({ address: 'a@county.example.cn', deliveryId: 'd-mail-2' }));
    await sut.send(message({ address: 'a@county.example.cn', deliveryId: 'd-mail-2' }));
    const mails = await smtp.waitForMails(3);
    expect(mails[1]!.messageId).toBe(mails[2]!.messageId);
  });

  it('a 4xx answer is retryable, a 5xx one is not', async () => {
    smtp.refuseNext(1, 451, '4.3.0 try again later');
    const temporary = await refusal(sut, message({ address: 'b@county.example.cn' }));
    expect(temporary.code).toBe('smtp-451');
    expect(temporary.retryable).toBe(true);

    smtp.refuseNext(1, 550, '5.1.1 mailbox unavailable');
    const permanent = await refusal(sut, message({ address: 'nobody@county.example.cn' }));
    expect(permanent.code).toBe('smtp-550');
    expect(permanent.retryable).toBe(false);

    // And the server takes mail again afterwards.
    const before = smtp.mails.length;
    await sut.send(message({ address: 'c@county.example.cn' }));
    expect(smtp.mails.length).toBe(before + 1);
  });

  it('a server that does not answer is retryable', async () => {
    const down = createEmailAdapter({
      url: `smtp://127.0.0.1:${await closedPort()}`,
      from: 'x@county.example.cn',
    });
    const e = await refusal(down, message({ address: 'd@county.example.cn' }));
    expect(e.retryable).toBe(true);
  });
});

describe('DingTalk robots', () => {
  // Fixed inputs: this timestamp's signature holds '+', '/' and '=', the three characters
  // that must be percent-encoded in the query.
  const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
  const TS = 1_796_140_800_000;
  const SIGN = 'tjli/s1TSSAXrLuQic+qEdOjSlUerfkI8gHDoxQlZII=';
  const SIGN_ENCODED = 'tjli%2Fs1TSSAXrLuQic%2BqEdOjSlUerfkI8gHDoxQlZII%3D';

  let robots: RobotStandin;
  let sut: ChannelAdapter;
  beforeAll(async () => {
    robots = await startRobotStandin({ now: () => TS + 5_000 });
    const config = (
      name: string,
      token: string,
      secret: string | null,
      registered = secret,
    ): RobotConfig => ({
      name,
      webhook: robots.dingtalkRobot(token, registered ?? undefined),
      secret,
      orgUnits: [],
      minSeverity: 'info',
    });
    sut = createDingtalkAdapter({
      robots: [
        config('county', 'tok-county', SECRET),
        config('wrong-secret', 'tok-wrong', 'SECnot-the-one', SECRET),
        config('unsigned', 'tok-plain', null),
      ],
      now: () => TS,
      timeoutMs: 5_000,
    });
  });
  afterAll(() => robots.stop());

  it('signs base64(HMAC-SHA256(secret, "timestamp\\nsecret")) and percent-encodes + / =', () => {
    expect(dingtalkSign(SECRET, TS)).toBe(SIGN);
    expect(createHmac('sha256', SECRET).update(`${TS}\n${SECRET}`).digest('base64')).toBe(SIGN);
    const url = signedWebhook('https://oapi.dingtalk.com/robot/send?access_token=abc', SECRET, TS);
    expect(url).toBe(
      `https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=${TS}&sign=${SIGN_ENCODED}`,
    );
    expect(signedWebhook('https://oapi.dingtalk.com/robot/send?access_token=abc', null, TS)).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc',
    );
  });

  it('a message with a link is an actionCard with a 查看详情 button, signed as the stand-in verifies', async () => {
    const result = await sut.send(message({ address: 'county' }));
    const req = robots.requests.at(-1)!;
    expect(req.signature).toBe('ok');
    expect(req.rawQuery).toBe(`access_token=tok-county&timestamp=${TS}&sign=${SIGN_ENCODED}`);
    expect(req.body).toEqual({
      msgtype: 'actionCard',
      actionCard: {
        title: message().subject,
        text: message().markdown,
        singleTitle: '查看详情',
        singleURL: LINK,
      },
    });
    expect(result.vendorId).toBeNull();
    expect(sut.bucketOf('county')).toBe('dingtalk:county');
  });

  it('a message without a link is markdown; English gets an English button', async () => {
    await sut.send(message({ address: 'unsigned', link: null }));
    expect(robots.requests.at(-1)!.body).toEqual({
      msgtype: 'markdown',
      markdown: { title: message().subject, text: message().markdown },
    });
    await sut.send(message({ address: 'county', locale: 'en' }));
    expect(robots.requests.at(-1)!.body.actionCard.singleTitle).toBe('Details');
  });

  it('a wrong secret is refused for good; sending too fast waits a minute', async () => {
    const wrong = await refusal(sut, message({ address: 'wrong-secret' }));
    expect(robots.requests.at(-1)!.signature).toBe('mismatch');
    expect(wrong.code).toBe('310000');
    expect(wrong.retryable).toBe(false);

    robots.failNext('tok-county', 130101);
    const fast = await refusal(sut, message({ address: 'county' }));
    expect(fast.code).toBe('130101');
    expect(fast.retryable).toBe(true);
    expect(fast.retryAfterMs).toBe(60_000);
  });

  it('a post taken whose answer does not come in time is uncertain, never resent by itself', async () => {
    const impatient = createDingtalkAdapter({
      robots: [
        {
          name: 'county',
          webhook: robots.dingtalkRobot('tok-slow', SECRET),
          secret: SECRET,
          orgUnits: [],
          minSeverity: 'info',
        },
      ],
      now: () => TS,
      timeoutMs: 300,
    });
    robots.stall(1, 3_000);
    const before = robots.requests.length;
    const e = await refusal(impatient, message({ address: 'county' }));
    expect(e).toBeInstanceOf(DeliveryUncertain);
    expect(e.retryable).toBe(false);
    expect(robots.requests.length).toBe(before + 1);
  });

  it('a robot name not configured is refused for good', async () => {
    const e = await refusal(sut, message({ address: 'nobody' }));
    expect(e.code).toBe('unknown-robot');
    expect(e.retryable).toBe(false);
  });
});

describe('WeCom robots', () => {
  let robots: RobotStandin;
  let sut: ChannelAdapter;
  beforeAll(async () => {
    robots = await startRobotStandin();
    const robot = (name: string, webhook: string): RobotConfig => ({
      name,
      webhook,
      secret: null,
      orgUnits: [],
      minSeverity: 'info',
    });
    sut = createWecomAdapter({
      robots: [
        robot('township', robots.wecomRobot('key-1')),
        robot('deleted', `${robots.url}/cgi-bin/webhook/send?key=gone`),
      ],
      timeoutMs: 5_000,
    });
  });
  afterAll(() => robots.stop());

  it('cuts long Chinese markdown on a character boundary so that it and the link fit 4096 bytes', async () => {
    // 3-byte characters after one ASCII byte: a cut by bytes alone would land inside a character.
    const long = 'x' + '逾期未开工请尽快办理。'.repeat(300) + '末尾';
    await sut.send(message({ address: 'township', markdown: long }));
    const content: string = robots.requests.at(-1)!.body.markdown.content;
    const bytes = Buffer.byteLength(content, 'utf8');
    expect(bytes).toBeLessThanOrEqual(4096);
    expect(bytes).toBeGreaterThan(4096 - 3 - 3); // not cut more than one character too early
    expect(content).not.toContain('\uFFFD');
    expect(content.endsWith(`\n\n[查看详情](${LINK})`)).toBe(true);
    expect(content).toContain('…');
    expect(content).not.toContain('末尾');
    expect(long.startsWith(content.slice(0, content.indexOf('…')))).toBe(true);
  });

  it('4-byte characters are not split either, and short markdown is sent whole', async () => {
    await sut.send(message({ address: 'township', markdown: '😀'.repeat(2000), link: null }));
    const content: string = robots.requests.at(-1)!.body.markdown.content;
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(4096);
    expect(Buffer.from(content, 'utf8').toString('utf8')).toBe(content);
    expect(/^(😀)+…$/u.test(content)).toBe(true);

    await sut.send(message({ address: 'township' }));
    expect(robots.requests.at(-1)!.body).toEqual({
      msgtype: 'markdown',
      markdown: { content: `${message().markdown}\n\n[查看详情](${LINK})` },
    });
  });

  it('the frequency limit is retryable after a minute; an invalid webhook is final', async () => {
    robots.failNext('key-1', 45009);
    const fast = await refusal(sut, message({ address: 'township' }));
    expect([fast.code, fast.retryable, fast.retryAfterMs]).toEqual(['45009', true, 60_000]);

    const gone = await refusal(sut, message({ address: 'deleted' }));
    expect([gone.code, gone.retryable]).toEqual(['93000', false]);
    expect(sut.bucketOf('township')).toBe('wecom:township');
  });
});

describe('the outbox file and the configured set', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-outbox-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const base: ChannelsConfig = {
    publicUrl: 'http://console.example.cn',
    email: null,
    sms: null,
    smsTemplates: { deadline: null, text: null },
    dingtalk: [],
    wecom: [],
    outbox: { file: path.join(dir, 'nested', 'outbox.jsonl') },
  };

  it('with nothing configured only the outbox is built, and it appends one JSON line per message', async () => {
    const adapters = outboundAdapters(base);
    expect(Object.keys(adapters)).toEqual(['outbox']);
    await adapters.outbox!.send(message({ deliveryId: 'd-o-1' }));
    await adapters.outbox!.send(message({ deliveryId: 'd-o-2', address: 'county' }));
    const lines = fs
      .readFileSync(base.outbox!.file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.deliveryId, l.address])).toEqual([
      ['d-o-1', '+8613800138000'],
      ['d-o-2', 'county'],
    ]);
    expect(lines[0].subject).toBe(message().subject);
    expect(Date.parse(lines[0].at)).not.toBeNaN();
  });

  it('builds exactly the configured channels, and their status names no secret', () => {
    const config: ChannelsConfig = {
      ...base,
      email: { url: 'smtp://mailer:p%40ss-w0rd@mail.example.cn:587', from: 'noreply@example.cn' },
      sms: {
        vendor: 'aliyun',
        accessKeyId: 'LTAI-id',
        accessKeySecret: 'the-aliyun-secret',
        endpoint: 'dysmsapi.aliyuncs.com',
        signName: '某县',
      },
      dingtalk: [
        {
          name: 'county',
          webhook: 'https://oapi.dingtalk.com/robot/send?access_token=the-token',
          secret: 'SECthe-dingtalk-secret',
          orgUnits: [],
          minSeverity: 'warning',
        },
      ],
      outbox: null,
    };
    expect(Object.keys(outboundAdapters(config)).sort()).toEqual(['dingtalk', 'email', 'sms']);
    const status = channelStatus(config);
    expect(status.map((s) => [s.name, s.live])).toEqual([
      ['email', true],
      ['sms', true],
      ['dingtalk', true],
      ['wecom', false],
      ['outbox', false],
    ]);
    expect(status[0]!.detail).toBe('smtp://mail.example.cn:587');
    const all = JSON.stringify(status);
    for (const secret of [
      'p%40ss-w0rd',
      'p@ss-w0rd',
      'mailer',
      'the-aliyun-secret',
      'the-token',
      'SECthe-dingtalk-secret',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
