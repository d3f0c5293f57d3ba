import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, checkTotp, totpAt, totpStepAt } from './totp.js';

describe('TOTP', () => {
  // RFC 6238 Appendix B test vectors (SHA-1, secret "12345678901234567890"), last 6 digits.
  const secret = base32Encode(Buffer.from('12345678901234567890'));
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('at %i s gives %s', (t, code) => {
    expect(totpAt(secret, t * 1000)).toBe(code);
  });
  it('round-trips base32', () => {
    const buf = Buffer.from('any bytes \u0000\u00ff');
    expect(base32Decode(base32Encode(buf))).toEqual(buf);
  });
  it('accepts one step of drift and no more, and says which step matched', () => {
    const now = 1_700_000_000_000;
    const step = totpStepAt(now);
    expect(step).toBe(56_666_666);
    expect(checkTotp(secret, totpAt(secret, now - 30_000), null, now)).toEqual({ step: step - 1 });
    expect(checkTotp(secret, totpAt(secret, now), null, now)).toEqual({ step });
    expect(checkTotp(secret, totpAt(secret, now + 30_000), null, now)).toEqual({ step: step + 1 });
    expect(checkTotp(secret, totpAt(secret, now - 60_000), null, now)).toEqual({ refused: 'wrong' });
    expect(checkTotp(secret, totpAt(secret, now + 60_000), null, now)).toEqual({ refused: 'wrong' });
    expect(checkTotp(secret, 'abcdef', null, now)).toEqual({ refused: 'wrong' });
    expect(checkTotp(secret, '12345', null, now)).toEqual({ refused: 'wrong' });
  });
  it('refuses a code of the last accepted step or an earlier one as reused (RFC 6238 §5.2)', () => {
    const now = 1_700_000_000_000;
    const step = totpStepAt(now);
    const current = totpAt(secret, now);
    expect(checkTotp(secret, current, step - 1, now)).toEqual({ step });
    expect(checkTotp(secret, current, step, now)).toEqual({ refused: 'reused' });
    expect(checkTotp(secret, current, step + 1, now)).toEqual({ refused: 'reused' });
    expect(checkTotp(secret, totpAt(secret, now - 30_000), step, now)).toEqual({ refused: 'reused' });
    // The next step's code is still good (clock drift), and so is the current one a step later.
    expect(checkTotp(secret, totpAt(secret, now + 30_000), step, now)).toEqual({ step: step + 1 });
    expect(checkTotp(secret, totpAt(secret, now + 30_000), step, now + 30_000)).toEqual({ step: step + 1 });
    // A wrong code stays wrong, whatever was used before.
    const wrong = current === '000000' ? '000001' : '000000';
    expect(checkTotp(secret, wrong, step, now)).toEqual({ refused: 'wrong' });
  });
});
