import { describe, expect, it } from 'vitest';
import { cstDate } from './deadlines.js';
import { parsingIn } from './errors.js';
import { createInterviewSchema, createNegativeEntrySchema } from './talks-schemas.js';

const talk = (heldAt: string) =>
  createInterviewSchema.safeParse({
    kind: 'individual',
    heldAt,
    interviewers: '县专项监督办主任 李明',
    subjects: [{ unitCode: 'xqz', name: '张建国' }],
    reason: '项目开工严重逾期',
    agreed: '十日内开工',
  });
const listing = (listedOn: string) =>
  createNegativeEntrySchema.safeParse({ unitCode: 'xqz', reason: '整改不力', listedOn });
const refused = (r: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => [i.path.join('.'), i.message]);

const DAY = 86_400_000;
/** A county day `n` days from today, as the console's pickers write it. */
const day = (n: number) => cstDate(Date.now() + n * DAY);

// The console checks its forms with these schemas before sending: a talk or a listing dated after
// today is caught in the form, named, as the api would refuse it.
describe('a talk and a listing are recorded once they happened', () => {
  it('refuses a talk held tomorrow, in the caller’s language, and takes one later today', () => {
    expect(refused(talk(`${day(1)}T09:00:00+08:00`))).toEqual([['heldAt', '约谈时间不能晚于今天']]);
    expect(parsingIn('en', () => refused(talk(`${day(1)}T09:00:00+08:00`)))).toEqual([
      ['heldAt', 'a talk is recorded once held: not after today'],
    ]);
    expect(talk(`${day(0)}T23:30:00+08:00`).success).toBe(true);
    expect(talk(`${day(-30)}T09:00:00+08:00`).success).toBe(true);
  });

  it('reports a time that is no time as such, not as one after today', () => {
    expect(refused(talk('昨天'))?.map(([path]) => path)).toEqual(['heldAt', 'heldAt']);
    expect(refused(talk('昨天'))?.some(([, m]) => m?.includes('今天'))).toBe(false);
  });

  it('refuses a listing dated after today', () => {
    expect(refused(listing(day(1)))).toEqual([['listedOn', '日期不能晚于今天']]);
    expect(listing(day(0)).success).toBe(true);
  });
});
