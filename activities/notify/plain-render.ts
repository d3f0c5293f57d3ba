/**
 * A plain rendering of a notification's facts, used until the channel templates
 * (`domain/notifications/templates.ts`) are wired in: subject and text in Chinese or English, the
 * console link, no SMS template.
 */
import { DEADLINE_LABELS, LADDER_STEP_LABELS } from '#domain/deadlines.js';
import type { Render } from './delivery-config.js';

export function plainRender(baseUrl: string): Render {
  return (facts, locale) => {
    const lang = locale === 'en' ? 'en' : 'zh';
    if (facts.kind === 'text') {
      const link = facts.path ? `${baseUrl}${facts.path}` : null;
      return { subject: facts.title, text: facts.body, markdown: facts.body, link, sms: null };
    }
    const step = LADDER_STEP_LABELS[facts.step][lang];
    const what = DEADLINE_LABELS[facts.deadline][lang] + (facts.period ? ` (${facts.period})` : '');
    const link = `${baseUrl}/projects/${facts.projectId}`;
    const subject = `【${step}】${facts.projectName}：${what}`;
    const text =
      lang === 'en'
        ? `Project ${facts.projectName} (${facts.projectCode}): ${what}, due ${facts.dueDate}, ${facts.daysLate} days late.\n${link}`
        : `项目「${facts.projectName}」(${facts.projectCode}) ${what}，期限 ${facts.dueDate}，已逾期 ${facts.daysLate} 天。\n${link}`;
    return { subject, text, markdown: `**${subject}**\n\n${text}`, link, sms: null };
  };
}
