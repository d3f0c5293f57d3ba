import { describe, expect, it } from 'vitest';
import { passwordProblems } from './password-policy.js';

describe('password policy', () => {
  it('accepts a long password with three character classes', () => {
    expect(passwordProblems('Sanzhang@2026', 'mbz.op')).toEqual([]);
    expect(passwordProblems('correct-horse-7Battery', 'admin')).toEqual([]);
  });
  it.each([
    ['Ab1!', 'too short'],
    ['alllowercaseletters', 'one class'],
    ['lowercase12345678', 'two classes'],
  ])('refuses %s (%s)', (pw) => {
    expect(passwordProblems(pw, 'someone').length).toBeGreaterThan(0);
  });
  it('refuses a password containing the username, in any case', () => {
    const problems = passwordProblems('XQZ.OP-Strong-2026', 'xqz.op');
    expect(problems).toEqual([{ zh: '密码不能包含用户名', en: 'must not contain the username' }]);
  });
});
