import { describe, expect, it } from 'vitest';
import type { NotificationFacts } from '../notify-schemas.js';
import { SMS_PARAM_MAX_CHARS, truncateChars, truncateUtf8, utf8Length } from './limits.js';
import { renderNotification, type RenderOptions } from './templates.js';

const PROJECT_ID = '5f0c1e9e-8a4b-4a57-9d38-0c8f4f0e0a11';
const LINK = `http://console.example.cn/projects/${PROJECT_ID}`;
const opts: RenderOptions = {
  baseUrl: 'http://console.example.cn',
  smsTemplates: { deadline: 'SMS_480000001', text: 'SMS_480000002' },
};

type DeadlineFacts = Extract<NotificationFacts, { kind: 'deadline' }>;

function deadline(over: Partial<DeadlineFacts> = {}): DeadlineFacts {
  return {
    kind: 'deadline',
    projectId: PROJECT_ID,
    projectCode: 'XM2026-017',
    projectName: '庙坝镇白果村道路硬化',
    deadline: 'start',
    period: '',
    dueDate: '2026-11-24',
    step: 'overdue',
    daysLate: 7,
    earlierSteps: [],
    ...over,
  };
}

describe('deadline notifications', () => {
  it('an overdue start in Chinese: what is late, by how much, what to do, and the link', () => {
    const sut = renderNotification(deadline({ earlierSteps: ['reminder'] }), 'zh-CN', opts);
    expect(sut.subject).toBe('【逾期预警】XM2026-017 庙坝镇白果村道路硬化：逾期未开工，已逾期 7 天');
    expect(sut.text).toBe(
      [
        '项目：XM2026-017 庙坝镇白果村道路硬化',
        '事项：逾期未开工（计划开工日期 2026-11-24）',
        '状态：逾期预警，已逾期 7 天',
        '请尽快办理开工。',
        '本通知一并包含此前的：到期提醒',
        `查看详情：${LINK}`,
      ].join('\n'),
    );
    expect(sut.markdown).toBe(
      '### 【逾期预警】XM2026-017 庙坝镇白果村道路硬化\n\n' +
        '**逾期未开工**，已逾期 7 天（计划开工日期 2026-11-24）\n\n' +
        '请尽快办理开工。\n\n' +
        '> 一并包含：到期提醒',
    );
    expect(sut.link).toBe(LINK);
    expect(sut.sms).toEqual({
      templateCode: 'SMS_480000001',
      params: {
        code: 'XM2026-017',
        name: '庙坝镇白果村道路硬化',
        issue: '逾期未开工',
        step: '逾期预警',
        status: '已逾期7天',
      },
    });
  });

  it('the same in English; the SMS variables stay Chinese for the Chinese vendor template', () => {
    const sut = renderNotification(deadline(), 'en', opts);
    expect(sut.subject).toBe('[Overdue] XM2026-017 庙坝镇白果村道路硬化: not started, 7 days late');
    expect(sut.text).toContain('Issue: not started (planned start date 2026-11-24)');
    expect(sut.text).toContain('Please start the works as soon as possible.');
    expect(sut.text.endsWith(`Details: ${LINK}`)).toBe(true);
    expect(sut.sms!.params.issue).toBe('逾期未开工');
  });

  it('a monthly progress reminder names the date and the month, and asks for the progress', () => {
    const facts = deadline({
      deadline: 'progress',
      period: '2026-11',
      step: 'reminder',
      daysLate: -3,
      dueDate: '2026-11-30',
    });
    const zh = renderNotification(facts, 'zh-CN', opts);
    expect(zh.subject).toBe(
      '【到期提醒】XM2026-017 庙坝镇白果村道路硬化：月度进度填报期限 2026-11-30（2026-11），还有 3 天到期',
    );
    expect(zh.text).toContain('请填报 2026-11 月度实施进度。');
    const en = renderNotification({ ...facts, daysLate: -1 }, 'en', opts);
    expect(en.subject).toBe(
      '[Reminder] XM2026-017 庙坝镇白果村道路硬化: monthly progress due 2026-11-30 (2026-11), due in 1 day',
    );
    expect(en.text).toContain('Please enter the progress for 2026-11.');
  });

  it('the later steps say what follows for the unit', () => {
    expect(renderNotification(deadline({ step: 'escalated', daysLate: 14 }), 'zh-CN', opts).text).toContain(
      '此事项已上报县级督办。',
    );
    const interview = renderNotification(
      deadline({ deadline: 'reimbursement', step: 'interview', daysLate: 29 }),
      'zh-CN',
      opts,
    );
    expect(interview.subject).toBe('【约谈标记】XM2026-017 庙坝镇白果村道路硬化：逾期未报账，已逾期 29 天');
    expect(interview.text).toContain('已标记约谈，责任单位列入负面清单。');
    expect(interview.text).toContain('请尽快办理报账。');
  });

  it('SMS variables are short, one line, without brackets; no template means no SMS', () => {
    const long = renderNotification(
      deadline({ projectName: '【重点】庙坝镇白果村、黄桷村、青杠村三村联建产业路及配套排水设施 工程' }),
      'zh-CN',
      opts,
    );
    for (const value of Object.values(long.sms!.params)) {
      expect([...value].length).toBeLessThanOrEqual(SMS_PARAM_MAX_CHARS);
      expect(value).not.toMatch(/[\s【】]/);
    }
    expect(long.sms!.params.name).toBe('重点庙坝镇白果村、黄桷村、青杠村三村联…');
    expect(
      renderNotification(deadline(), 'zh-CN', { ...opts, smsTemplates: { deadline: null, text: null } }).sms,
    ).toBeNull();
  });

  it('markdown fits the robots: at most 4096 bytes, and angle brackets cannot become tags', () => {
    const sut = renderNotification(
      deadline({ projectName: '<font color="warning">' + '很长的项目名称'.repeat(400) }),
      'zh-CN',
      opts,
    );
    expect(utf8Length(sut.markdown)).toBeLessThanOrEqual(4096);
    expect(sut.markdown).not.toContain('<font');
    expect(sut.markdown).toContain('＜font');
  });
});

describe('free-text notifications', () => {
  it('title, body and a link inside the console', () => {
    const sut = renderNotification(
      {
        kind: 'text',
        title: '关于报送年度绩效自评的通知',
        body: '请于12月10日前报送。',
        path: '/notices/42',
      },
      'zh-CN',
      opts,
    );
    expect(sut).toEqual({
      subject: '关于报送年度绩效自评的通知',
      text: '关于报送年度绩效自评的通知\n\n请于12月10日前报送。\n\n查看详情：http://console.example.cn/notices/42',
      markdown: '### 关于报送年度绩效自评的通知\n\n请于12月10日前报送。',
      link: 'http://console.example.cn/notices/42',
      sms: { templateCode: 'SMS_480000002', params: { title: '关于报送年度绩效自评的通知' } },
    });
  });

  it('a path that leaves the console is not linked', () => {
    for (const path of ['//evil.example.com/x', 'https://evil.example.com', 'notices/42']) {
      const sut = renderNotification({ kind: 'text', title: 't', body: 'b', path }, 'en', opts);
      expect(sut.link).toBeNull();
      expect(sut.text).not.toContain('evil');
    }
  });
});

describe('cuts', () => {
  it('truncateUtf8 cuts on a character boundary and marks the cut', () => {
    expect(truncateUtf8('abc', 3)).toBe('abc');
    // 'a' + three 3-byte characters = 10 bytes; 8 bytes leave 5 for text: 'a' + one character.
    expect(truncateUtf8('a逾期预', 8)).toBe('a逾…');
    expect(truncateUtf8('😀😀😀', 10)).toBe('😀…');
    expect(utf8Length(truncateUtf8('逾'.repeat(5000), 4096))).toBeLessThanOrEqual(4096);
  });

  it('truncateChars counts characters, not UTF-16 units', () => {
    expect(truncateChars('😀😀😀', 3)).toBe('😀😀😀');
    expect(truncateChars('😀😀😀😀', 3)).toBe('😀😀…');
  });
});
