/**
 * What the platform prints as a day or a time is the county's (UTC+8), not UTC's: an instant's own
 * first characters are a day early for anything done before 08:00 there. Each case is an instant of
 * 01:30 in the county, 17:30 the day before in UTC.
 */
import { describe, expect, it } from 'vitest';
import { localDateText } from '#api/modules/circulars/render-pdf.js';
import { exportLine } from '#api/modules/imports/ledger-export.js';
import { complaintLookupPage } from '#api/public/complaint-pages.js';
import { liftedAlready } from '#api/modules/negative-list/service.js';
import { countyPage } from '#api/public/pages.js';
import { monthCutoffInstant, rankingMonthFor } from '#domain/ranking/report.js';

const EARLY = new Date('2026-12-05T17:30:00Z'); // 2026-12-06 01:30 in the county

describe("the county's clock", () => {
  it('dates a ledger export by the day it was made in the county', () => {
    expect(exportLine('县水务局', EARLY)).toBe('导出单位：县水务局  导出时间：2026-12-06');
  });

  it('shows a villager the day the complaint was filed in the county', () => {
    const html = complaintLookupPage({
      lang: 'zh-CN',
      result: {
        receiptDisplay: 'TS-2026-0001',
        status: 'submitted',
        subject: { kind: 'project', code: 'XM-1', name: '便民桥' },
        category: 'funds',
        submittedAt: EARLY.toISOString(),
        answeredAt: null,
        closedAt: null,
        publicAnswer: null,
      },
    });
    expect(html).toContain('<td>2026-12-06</td>');
    expect(html).not.toContain('2026-12-05');
  });

  it("links the public portal's open data to the county's year on New Year's morning", () => {
    const html = countyPage('zh-CN', [], [], Date.parse('2026-12-31T17:30:00Z'));
    expect(html).toContain('href="/public/oc4ids/packages/2027"');
  });

  it("tells the office when a negative-list entry was lifted on the county's clock", () => {
    expect(liftedAlready(EARLY).text).toEqual({
      zh: '该条目已于 2026-12-06 01:30 移出',
      en: 'the entry was lifted on 2026-12-06 01:30',
    });
  });

  it("dates a circular by the county's day", () => {
    expect(localDateText(EARLY.toISOString())).toBe('2026年12月6日');
  });

  it("ranks the month that ended at the county's midnight, not UTC's", () => {
    // 2026-12-01 00:30 in the county is still November 30th in UTC: November is over.
    expect(rankingMonthFor(Date.parse('2026-11-30T16:30:00Z'))).toBe('2026-11');
    expect(rankingMonthFor(Date.parse('2026-11-30T15:59:59Z'))).toBe('2026-10');
    expect(rankingMonthFor(Date.parse('2026-01-01T00:00:00Z'))).toBe('2025-12');
    expect(new Date(monthCutoffInstant('2026-11')).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(new Date(monthCutoffInstant('2026-12')).toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });
});
