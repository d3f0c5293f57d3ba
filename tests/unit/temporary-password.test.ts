import { describe, expect, it } from 'vitest';
import { passwordProblems } from '#domain/password-policy.js';
import { TEMPORARY_PASSWORD_SETS, temporaryPassword } from '#api/modules/admin/account-admin.service.js';

/** Letters and digits with a twin (0/O, 1/l/I, 2/Z, 5/S, 8/B, c/C …): the digits stay, the letters go. */
const LOOK_ALIKES = /[0Oo1lIiZzSsBcjkpuvwxy]/;

describe('a temporary password', () => {
  it('is four groups of four without look-alike characters, and meets the policy', () => {
    for (let n = 0; n < 500; n++) {
      const p = temporaryPassword();
      expect(p).toMatch(/^([A-Za-z0-9]{4}-){3}[A-Za-z0-9]{4}$/);
      expect(p).not.toMatch(LOOK_ALIKES);
      expect(passwordProblems(p, 'mbz.op')).toEqual([]);
    }
  });

  it('draws from sets that share no look-alike pair', () => {
    const all = TEMPORARY_PASSWORD_SETS.join('');
    for (const [a, b] of [
      '0O',
      '1l',
      '1I',
      'lI',
      '2Z',
      '5S',
      '8B',
      'cC',
      'kK',
      'pP',
      'uU',
      'vV',
      'wW',
      'xX',
      'yY',
    ])
      expect(all.includes(a!) && all.includes(b!), `${a}/${b}`).toBe(false);
  });
});
