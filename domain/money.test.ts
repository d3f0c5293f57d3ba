import { describe, expect, it } from 'vitest';
import { fenFromDb, formatBasisPoints, formatWanYuan, formatYuan, parseYuan, sumFen } from './money.js';

describe('money in 分', () => {
  it('adds 0.10 元 and 0.20 元 to exactly 0.30 元', () => {
    const total = sumFen([parseYuan('0.10')!, parseYuan('0.20')!]);
    expect(total).toBe(30);
    expect(formatYuan(total)).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3); // what floating point would have done
  });

  it('parses 元 text without floating point, and refuses what is not money', () => {
    expect(parseYuan('12,345.67')).toBe(1_234_567);
    expect(parseYuan('8')).toBe(800);
    expect(parseYuan('8.5')).toBe(850);
    for (const bad of ['', '1.234', '-1', '1e3', 'abc', '1,23']) expect(parseYuan(bad), bad).toBeNull();
  });

  it('formats 元 and 万元 as Chinese ledgers print them', () => {
    expect(formatYuan(123_456_789)).toBe('1,234,567.89');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatWanYuan(86_500_00)).toBe('8.65');
    expect(formatWanYuan(1_234_567)).toBe('1.23');
    expect(formatWanYuan(1_235_000)).toBe('1.24'); // half up
    expect(formatWanYuan(210_000_000_00)).toBe('21,000.00');
  });

  it('keeps sums exact beyond 2^53 intermediate risk and refuses totals out of range', () => {
    expect(sumFen([Number.MAX_SAFE_INTEGER - 1, 1])).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => sumFen([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
    expect(fenFromDb('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => fenFromDb('9007199254740992')).toThrow(RangeError);
  });

  it('prints a rate in basis points as a percentage without floating point', () => {
    expect(formatBasisPoints(1234)).toBe('12.34%');
    expect(formatBasisPoints(5)).toBe('0.05%');
    expect(formatBasisPoints(10000)).toBe('100.00%');
    expect(formatBasisPoints(0)).toBe('0.00%');
  });
});
