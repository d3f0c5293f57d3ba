import { describe, expect, it } from 'vitest';
import { cstDate } from './deadlines.js';
import { IMPORT_ROW_SCHEMAS } from './imports.js';

const visit = (visitedOn: string) =>
  IMPORT_ROW_SCHEMAS.visits.safeParse({
    projectCode: 'CK2026-001',
    villageCode: 'mbz-ljc',
    visitedOn,
    supervisor: '陈大明',
    findings: '正常',
  });
const progress = (month: string, percent: string) =>
  IMPORT_ROW_SCHEMAS.progress.safeParse({
    projectCode: 'ＣＫ２０２６－００１',
    month,
    percent,
    narrative: '过半',
  });

describe('cells of an imported ledger typed as Chinese spreadsheets hold them', () => {
  it('reads a date with slashes, dots, 年月日 or in full width', () => {
    for (const typed of [
      '2026-05-06',
      '2026/5/6',
      '2026.5.6',
      '2026年5月6日',
      ' 2026 年 5 月 6 日 ',
      '２０２６－０５－０６',
    ])
      expect(visit(typed).data?.visitedOn, typed).toBe('2026-05-06');
  });

  it('still refuses what is not a date, and a day that does not exist', () => {
    const messages = (typed: string) => visit(typed).error?.issues.map((i) => i.message);
    expect(messages('5/6/2026')).toEqual(['日期格式应为 YYYY-MM-DD']);
    expect(messages('2026年5月')).toEqual(['日期格式应为 YYYY-MM-DD']);
    expect(messages('2026/2/30')).toEqual(['不是有效日期']);
  });

  it('refuses the progress of a month that has not begun, and takes this month’s', () => {
    const month = (n: number) => cstDate(Date.now() + n * 32 * 86_400_000).slice(0, 7);
    expect(progress(month(1), '50').error?.issues.map((i) => i.message)).toEqual(['月份不能晚于本月']);
    expect(progress(month(0), '50').success).toBe(true);
  });

  it('reads a month, a percentage and a code the same way', () => {
    expect(progress('2026年5月', '50%').data).toEqual({
      projectCode: 'CK2026-001',
      month: '2026-05',
      percent: 50,
      narrative: '过半',
    });
    expect(progress('２０２６／１２', '１００％').data).toMatchObject({ month: '2026-12', percent: 100 });
    expect(progress('2026年13月', '50').success).toBe(false);
    expect(progress('2026-05', '101%').success).toBe(false);
    expect(progress('2026-05', '50.5%').success).toBe(false);
  });
});
