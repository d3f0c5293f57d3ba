import { afterEach, describe, expect, it, vi } from 'vitest';
import { countyToday, countyYear, pickerDay } from './use-format';

describe("the county's calendar in the browser", () => {
  afterEach(() => vi.useRealTimers());

  it('is already the new year at 01:00 in the county, still the old one in UTC', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-31T17:00:00Z') });
    expect([countyToday(), countyYear()]).toEqual(['2027-01-01', 2027]);
  });

  it('is still the old year at 07:59 on 31 December in the county', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-30T23:59:00Z') });
    expect([countyToday(), countyYear()]).toEqual(['2026-12-31', 2026]);
  });
});

describe("a date picker's day", () => {
  it('is the calendar day the picker shows, in the browser’s own days, padded', () => {
    expect([pickerDay(new Date(2026, 0, 5)), pickerDay(new Date(2026, 11, 31, 23, 59))]).toEqual([
      '2026-01-05',
      '2026-12-31',
    ]);
  });
});
