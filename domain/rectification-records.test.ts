import { describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_CONFIG, type IsWorkday } from './deadlines.js';
import { renderNotification } from './notifications/templates.js';
import { closedOnTime, rectificationSerial, termDueDate, termLadder } from './rectification-records.js';

/** Weekends off, and 2026-10-01…10-07 (国庆) off, with Saturday 10-10 a 调休 working day. */
const workday: IsWorkday = (d) => {
  if (d === '2026-10-10') return true;
  if (d >= '2026-10-01' && d <= '2026-10-07') return false;
  const day = new Date(`${d}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
};
const realClock = { dayMs: 86_400_000, originMs: 0 };

describe('rectification rules', () => {
  it('writes the serial with the prefix, year and number', () => {
    expect(rectificationSerial('城口监督整改', 2026, 7)).toBe('城口监督整改〔2026〕7号');
  });

  it('counts a term in calendar days, or in working days across a holiday and its make-up day', () => {
    expect(termDueDate('2026-09-29', 5, 'calendar', workday)).toBe('2026-10-04');
    // 09-30 (Wed), then 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休), 10-12 (Mon)
    expect(termDueDate('2026-09-29', 5, 'working', workday)).toBe('2026-10-12');
  });

  it('plans the ladder after the due date, leaving out a reminder that falls on the first day', () => {
    const cfg = { ...DEFAULT_DEADLINE_CONFIG, reminderDays: 7, grace1Days: 7, grace2Days: 15 };
    const long = termLadder('2026-11-02', '2026-11-30', cfg, 'calendar', realClock, workday);
    expect(long.map((s) => [s.step, s.date, s.daysLate])).toEqual([
      ['reminder', '2026-11-23', 0],
      ['overdue', '2026-12-01', 1],
      ['escalated', '2026-12-08', 8],
      ['interview', '2026-12-23', 23],
    ]);
    // 2026-12-01 00:00 in China is 2026-11-30 16:00 UTC.
    expect(long[1]!.atMs).toBe(Date.parse('2026-11-30T16:00:00Z'));
    const short = termLadder('2026-11-27', '2026-11-30', cfg, 'calendar', realClock, workday);
    expect(short.map((s) => s.step)).toEqual(['overdue', 'escalated', 'interview']);
  });

  it('closes on time only if no term of any problem was answered late', () => {
    expect(closedOnTime([{ late: false }, { late: false }])).toBe(true);
    expect(closedOnTime([{ late: false }, { late: true }])).toBe(false);
  });

  it('renders a ladder step of a notice in Chinese and in English, with a link to the notice', () => {
    const facts = {
      kind: 'rectification' as const,
      noticeId: '00000000-0000-4000-8000-000000000001',
      serial: '城口监督整改〔2026〕7号',
      title: '关于资金管理问题的整改通知',
      step: 'escalated' as const,
      dueDate: '2026-11-30',
      daysLate: 8,
      problems: [1, 3],
    };
    const opts = { baseUrl: 'https://console.test', smsTemplates: { deadline: null, text: 'SMS_2' } };
    const zh = renderNotification(facts, 'zh-CN', opts);
    expect(zh.subject).toBe('【上报县级】城口监督整改〔2026〕7号：关于资金管理问题的整改通知，已逾期 8 天');
    expect(zh.text).toContain('问题 1、3，整改期限 2026-11-30');
    expect(zh.text).toContain('此事项已上报县级督办。');
    expect(zh.link).toBe(
      'https://console.test/supervision/rectifications/00000000-0000-4000-8000-000000000001',
    );
    expect(zh.sms).toEqual({
      templateCode: 'SMS_2',
      params: { title: '上报县级城口监督整改〔2026〕7号' },
    });
    const en = renderNotification(facts, 'en', opts);
    expect(en.subject).toBe(
      '[Escalated to county] 城口监督整改〔2026〕7号: 关于资金管理问题的整改通知, 8 days late',
    );
    expect(en.text).toContain('Issue: problems 1, 3, due 2026-11-30');
  });
});
