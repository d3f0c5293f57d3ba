/**
 * Password policy (等保2.0 三级 identity requirements): length, character classes, not the
 * username, not one of the recent passwords (checked by the caller against stored hashes).
 */
import type { Bilingual } from './errors.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;
export const PASSWORD_HISTORY_DEPTH = 5;

export function passwordProblems(password: string, username: string): Bilingual[] {
  const problems: Bilingual[] = [];
  if (password.length < PASSWORD_MIN_LENGTH)
    problems.push({
      zh: `密码至少 ${PASSWORD_MIN_LENGTH} 位`,
      en: `at least ${PASSWORD_MIN_LENGTH} characters`,
    });
  if (password.length > PASSWORD_MAX_LENGTH)
    problems.push({
      zh: `密码最多 ${PASSWORD_MAX_LENGTH} 位`,
      en: `at most ${PASSWORD_MAX_LENGTH} characters`,
    });
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3)
    problems.push({
      zh: '须包含大写字母、小写字母、数字、符号中的至少三类',
      en: 'use at least 3 of: upper case, lower case, digit, symbol',
    });
  const user = username.toLowerCase();
  if (user.length >= 3 && password.toLowerCase().includes(user))
    problems.push({ zh: '密码不能包含用户名', en: 'must not contain the username' });
  return problems;
}
