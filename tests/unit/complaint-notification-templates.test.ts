/**
 * The words of a complaint's time-limit message (kind `complaint`): rendered in the recipient's
 * language, naming the subject and the time limit, never the reporter. A message of a run
 * scheduled before complaint messages carried facts (kind `text`) is rendered as written.
 */
import { describe, expect, it } from 'vitest';
import type { NotificationFacts } from '#domain/notify-schemas.js';
import { renderNotification, type RenderOptions } from '#domain/notifications/templates.js';

type ComplaintFacts = Extract<NotificationFacts, { kind: 'complaint' }>;

const opts: RenderOptions = {
  baseUrl: 'https://console.example.cn',
  smsTemplates: { deadline: 'SMS_DEADLINE', text: 'SMS_TEXT' },
};
const ID = '00000000-0000-4000-8000-0000000c0001';

function facts(over: Partial<ComplaintFacts> = {}): ComplaintFacts {
  return {
    kind: 'complaint',
    complaintId: ID,
    subject: { kind: 'project', text: 'CK2026-001 村道硬化' },
    phase: 'answer',
    step: 'overdue',
    dueDate: '2026-11-30',
    daysLate: 2,
    ...over,
  };
}

describe('complaint time-limit message', () => {
  it('is English for an English reader: subject, text, markdown and link', () => {
    const sut = renderNotification(facts(), 'en', opts);
    expect(sut.subject).toBe('[Complaint answer overdue] project CK2026-001 村道硬化');
    expect(sut.text).toBe(
      [
        'Complaint about project CK2026-001 村道硬化',
        'Status: answer due 2026-11-30, 2 days late',
        'Please handle and answer it as soon as possible.',
        `Details: https://console.example.cn/supervision/complaints/${ID}`,
      ].join('\n'),
    );
    expect(sut.markdown).toContain('**Answer due 2026-11-30**, 2 days late');
    expect(sut.link).toBe(`https://console.example.cn/supervision/complaints/${ID}`);
    // Only the subject's own code and name are Chinese: none of the words around them.
    expect(sut.subject + sut.text + sut.markdown).not.toMatch(/举报|逾期|期限|请尽快|查看详情|项目/);
  });

  it('names each time limit, and an escalation, in English', () => {
    const ack = renderNotification(
      facts({ phase: 'acknowledge', subject: { kind: 'village', text: '罗江村' }, daysLate: 1 }),
      'en',
      opts,
    );
    expect(ack.subject).toBe('[Complaint acknowledgement overdue] village 罗江村');
    expect(ack.text).toContain('Status: acknowledgement due 2026-11-30, 1 day late');
    expect(ack.text).toContain('Please acknowledge it as soon as possible.');
    const assign = renderNotification(facts({ phase: 'assign', step: 'escalated', daysLate: 5 }), 'en', opts);
    expect(assign.subject).toBe(
      '[Complaint assignment overdue, escalated to county] project CK2026-001 村道硬化',
    );
    expect(assign.text).toContain('This has been escalated to the county.');
    expect(assign.text).toContain('Please assign it to a unit as soon as possible.');
  });

  it('is Chinese for a Chinese reader, its subject the title the inbox shows', () => {
    const sut = renderNotification(facts({ step: 'escalated', daysLate: 4 }), 'zh-CN', opts);
    expect(sut.subject).toBe('【举报办理答复逾期上报县级】项目 CK2026-001 村道硬化');
    expect(sut.text).toBe(
      [
        '举报事项：关于项目 CK2026-001 村道硬化的举报',
        '状态：办理答复期限 2026-11-30，已逾期 4 天',
        '此事项已上报县级督办。',
        '请尽快办理并答复。',
        `查看详情：https://console.example.cn/supervision/complaints/${ID}`,
      ].join('\n'),
    );
    expect(sut.markdown.startsWith('### 【举报办理答复逾期上报县级】项目 CK2026-001 村道硬化')).toBe(true);
  });

  it('fills the Chinese free-text SMS template whatever the locale, as before facts', () => {
    const zh = renderNotification(facts(), 'zh-CN', opts);
    const en = renderNotification(facts(), 'en', opts);
    expect(en.sms).toEqual(zh.sms);
    // The same variable as the title written before facts filled it.
    const before = renderNotification(
      { kind: 'text', title: '【举报办理答复逾期】项目 CK2026-001 村道硬化', body: '', path: null },
      'zh-CN',
      opts,
    );
    expect(en.sms).toEqual(before.sms);
    expect(en.sms?.templateCode).toBe('SMS_TEXT');
    expect(
      renderNotification(facts(), 'en', { ...opts, smsTemplates: { deadline: null, text: null } }).sms,
    ).toBeNull();
  });

  it('keeps a subject not read as a project or village as it is', () => {
    const sut = renderNotification(facts({ subject: { kind: null, text: '某事项' } }), 'en', opts);
    expect(sut.subject).toBe('[Complaint answer overdue] 某事项');
  });

  it('renders a message of a run from before facts (kind text) as written, in either locale', () => {
    const old = {
      kind: 'text' as const,
      title: '【举报办理答复逾期】项目 CK2026-001 村道硬化',
      body: '关于项目 CK2026-001 村道硬化的举报，办理答复期限 2026-11-30，已逾期 2 天。请尽快办理。',
      path: null,
    };
    const sut = renderNotification(old, 'en', opts);
    expect(sut.subject).toBe(old.title);
    expect(sut.text).toBe(`${old.title}\n\n${old.body}`);
    expect(sut.link).toBeNull();
  });
});
