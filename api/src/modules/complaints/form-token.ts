/**
 * The complaint form's token: when the form was served and a random nonce, signed. A submission
 * must carry a valid one, sent back no sooner than a person could fill the form in (robots post
 * at once) and within a day. The nonce also names the submission: the same form sent twice (a
 * double click, a resent POST) is one complaint.
 */
import crypto from 'node:crypto';

const DAY_MS = 86_400_000;

export function formTokens(key: Buffer, now: () => number = Date.now) {
  const sign = (body: string) => crypto.createHmac('sha256', key).update(`form:${body}`).digest('base64url');
  return {
    issue(): string {
      const body = `${now().toString(36)}.${crypto.randomBytes(12).toString('base64url')}`;
      return `${body}.${sign(body)}`;
    },
    /** 'ok', or why the token is refused. */
    check(token: string, minFillMs: number): 'ok' | 'invalid' | 'tooSoon' | 'expired' {
      const m = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!m) return 'invalid';
      const expected = Buffer.from(sign(`${m[1]}.${m[2]}`));
      if (!crypto.timingSafeEqual(expected, Buffer.from(m[3]!))) return 'invalid';
      const age = now() - parseInt(m[1]!, 36);
      if (age < minFillMs) return 'tooSoon';
      if (age > DAY_MS) return 'expired';
      return 'ok';
    },
  };
}
