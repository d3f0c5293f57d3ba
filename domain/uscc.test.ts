import { describe, expect, it } from 'vitest';
import { isValidUscc, usccCheckChar } from './uscc.js';

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts a code whose check character matches and refuses any other', () => {
    const sut = isValidUscc;
    expect(sut('91350100M000100Y43')).toBe(true);
    expect(sut('91350100M000100Y44')).toBe(false);
    expect(sut('91350100M000100Y4')).toBe(false);
    expect(sut('91350100M0001O0Y43')).toBe(false); // O is not in the alphabet
    const first17 = '91500229MA5U7K3Q1';
    expect(sut(first17 + usccCheckChar(first17))).toBe(true);
  });
});
