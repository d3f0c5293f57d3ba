/** TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as authenticator apps implement it. */
import crypto from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error('invalid base32');
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function newTotpSecret(): string {
  return base32Encode(crypto.randomBytes(20));
}

const STEP_MS = 30_000;

/** The RFC 6238 time step (counter) that `timeMs` falls in. */
export function totpStepAt(timeMs: number): number {
  return Math.floor(timeMs / STEP_MS);
}

/** The code of one counter value (RFC 4226 HOTP, dynamic truncation, 6 digits). */
function hotp(secret: string, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const offset = mac[mac.length - 1]! & 15;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

export function totpAt(secret: string, timeMs: number, stepSeconds = 30): string {
  return hotp(secret, Math.floor(timeMs / 1000 / stepSeconds));
}

/** The time step a code was accepted for, or why it was refused. */
export type TotpCheck = { step: number } | { refused: 'wrong' | 'reused' };

/**
 * Checks a code against the current step and one step either side (clock drift). A code of a step at
 * or before `lastStep`, the last one accepted for the account, is refused as reused: RFC 6238 §5.2
 * says a code must not be accepted twice (so there is deliberately no check that ignores it). The
 * caller must record the returned step atomically with a re-check of `lastStep` (the auth service
 * does it with one conditional UPDATE), or two concurrent uses of one code could both pass.
 */
export function checkTotp(
  secret: string,
  code: string,
  lastStep: number | null,
  nowMs = Date.now(),
): TotpCheck {
  if (!/^\d{6}$/.test(code)) return { refused: 'wrong' };
  const now = totpStepAt(nowMs);
  const given = Buffer.from(code);
  // Every candidate is compared (no early exit), in constant time.
  const matched = [now - 1, now, now + 1].filter((step) =>
    crypto.timingSafeEqual(Buffer.from(hotp(secret, step)), given),
  );
  if (matched.length === 0) return { refused: 'wrong' };
  // The earliest unused step that matches: taking a later one would spend a code not yet typed.
  const fresh = matched.find((step) => lastStep === null || step > lastStep);
  return fresh === undefined ? { refused: 'reused' } : { step: fresh };
}

export function otpauthUri(secret: string, username: string): string {
  const label = encodeURIComponent(`三账一表:${username}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent('三账一表')}&algorithm=SHA1&digits=6&period=30`;
}
