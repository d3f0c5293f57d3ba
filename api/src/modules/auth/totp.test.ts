import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, totpAt, verifyTotp } from './totp.js';

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
  it('accepts one step of drift and no more', () => {
    const now = 1_700_000_000_000;
    expect(verifyTotp(secret, totpAt(secret, now - 30_000), now)).toBe(true);
    expect(verifyTotp(secret, totpAt(secret, now - 90_000), now)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', now)).toBe(false);
  });
});
