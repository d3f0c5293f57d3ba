import { describe, expect, it } from 'vitest';
import { RANKING_CONFIG } from './config.js';

describe('the ranking configuration as published', () => {
  it('names each indicator as a heading in both languages: English capitalised, Chinese without Latin', () => {
    const labels = RANKING_CONFIG.indicators.map((i) => i.label);
    expect(labels.filter((l) => !/^[A-Z]/.test(l.en)).map((l) => l.en)).toEqual([]);
    expect(labels.filter((l) => /[A-Za-z]/.test(l.zh)).map((l) => l.zh)).toEqual([]);
  });

  it('weighs the indicators to 100 points', () => {
    expect(RANKING_CONFIG.indicators.reduce((sum, i) => sum + i.weight, 0)).toBe(100);
  });
});
