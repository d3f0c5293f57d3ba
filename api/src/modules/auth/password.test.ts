import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { dummyHash, hashPassword, verifyPassword } from './password.js';

describe('password hashes', () => {
  it('uses argon2id at OWASP’s floor (19 MiB, 2 passes), whatever the tests seed their accounts with', async () => {
    const stored = await hashPassword('Correct-Horse-1');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, 'Correct-Horse-1')).toBe(true);
    expect(await verifyPassword(stored, 'Correct-Horse-2')).toBe(false);
    expect(await dummyHash()).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('verifies a hash by the parameters stored in it, and refuses a malformed one without throwing', async () => {
    const cheap = await hash('Correct-Horse-1', { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect(await verifyPassword(cheap, 'Correct-Horse-1')).toBe(true);
    expect(await verifyPassword('not-a-hash', 'Correct-Horse-1')).toBe(false);
  });
});
