import { describe, expect, it } from 'vitest';
import {
  fenFromDb,
  fenSumEquals,
  formatBasisPoints,
  formatWanYuan,
  formatYuan,
  MAX_FEN,
  parseYuan,
  sumFen,
} from './money.js';
import { createProjectSchema, fen, textProblem } from './schemas.js';

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

  it('reads digits typed in full width, as a Chinese input method gives them, as the same money', () => {
    expect(parseYuan('１２，３４５．６７')).toBe(1_234_567);
    expect(parseYuan('　８．５　')).toBe(850);
    for (const bad of ['１．２３４', '－１', '٣']) expect(parseYuan(bad), bad).toBeNull();
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

  it('takes amounts up to 10^12 分 and no more, naming the ceiling', () => {
    expect(fen.safeParse(MAX_FEN).success).toBe(true);
    for (const bad of [MAX_FEN + 1, 2 ** 53, -1, 0.5])
      expect(fen.safeParse(bad).success, String(bad)).toBe(false);
    expect(fen.safeParse(MAX_FEN + 1).error?.issues[0]?.message).toContain('100 亿元');
    expect(parseYuan('10000000000.00')).toBe(MAX_FEN);
    expect(parseYuan('10000000000.01')).toBeNull();
  });

  it('compares a sum with its total in bigint, and never throws on amounts that are not 分', () => {
    expect(fenSumEquals([2 ** 52, 2 ** 52 - 1], 2 ** 53 - 1)).toBe(true);
    expect(fenSumEquals([2 ** 53 - 1, 2 ** 53 - 1], 2 ** 53 - 1)).toBe(false);
    expect(fenSumEquals([1, 2], 4)).toBe(false);
    expect(fenSumEquals([-1, 0.5], 1)).toBeNull();
    expect(fenSumEquals([1], 'x')).toBeNull();
    // The project schema reports the bad amounts and does not throw on their sum.
    const bad = createProjectSchema.safeParse({
      budgetFen: -5,
      fundSources: [
        { kind: 'sector', amountFen: -5 },
        { kind: 'social', amountFen: 2 ** 53 - 1 },
      ],
    });
    expect(bad.success).toBe(false);
  });

  it('formats totals beyond 2^53 exactly, from bigint or decimal strings', () => {
    expect(formatYuan('9100000000000000')).toBe('91,000,000,000,000.00');
    expect(formatWanYuan(9_100_000_000_000_001n)).toBe('9,100,000,000.00');
  });

  it('finds what PostgreSQL could not keep in a string', () => {
    expect(textProblem('王五')).toBeNull();
    expect(textProblem('𝌆')).toBeNull();
    expect(textProblem('王\u0000五')).toBe('nul');
    expect(textProblem('a\ud800')).toBe('surrogate');
    expect(textProblem('\udc00a')).toBe('surrogate');
  });
});
