/**
 * The words of an outbound notification, rendered from its facts for every channel at once:
 * an e-mail subject and body, markdown for the chat robots, the SMS template's variables and
 * the link into the console. Pure, so the administrator's preview shows exactly what is sent.
 *
 * The link is not inside the markdown: each robot adds it its own way (a 查看详情 button on a
 * DingTalk actionCard, a last line on WeCom), so it is never shown twice.
 * SMS variables are Chinese whatever the locale: the template they fill is Chinese text
 * approved by the vendor, and one language per message reads better than a mixed one.
 */
import { DEADLINE_LABELS, LADDER_STEP_LABELS, type DeadlineKind, type LadderStep } from '../deadlines.js';
import type { NotificationFacts } from '../notify-schemas.js';
import { SMS_PARAM_MAX_CHARS, WECOM_MARKDOWN_MAX_BYTES, truncateChars, truncateUtf8 } from './limits.js';

export type NotificationLocale = 'zh-CN' | 'en';

export interface RenderOptions {
  /** The console's absolute base URL (PUBLIC_URL), without a trailing slash. */
  baseUrl: string;
  /** The vendor template for each kind; null: that kind has no SMS. */
  smsTemplates: { deadline: string | null; text: string | null };
}

export interface RenderedNotification {
  subject: string;
  text: string;
  /** Without the link (see above), within the robots' size limit. */
  markdown: string;
  link: string | null;
  sms: { templateCode: string; params: Record<string, string> } | null;
}

type Bilingual = { zh: string; en: string };

/** What the date of each deadline is called. */
const DUE_LABELS: Record<DeadlineKind, Bilingual> = {
  start: { zh: '计划开工日期', en: 'planned start date' },
  completion: { zh: '计划竣工日期', en: 'planned completion date' },
  acceptance: { zh: '计划验收日期', en: 'planned acceptance date' },
  reimbursement: { zh: '计划报账日期', en: 'planned reimbursement date' },
  progress: { zh: '月度进度填报期限', en: 'monthly progress due' },
};

/** What the responsible unit should do now. */
function action(kind: DeadlineKind, period: string): Bilingual {
  switch (kind) {
    case 'start':
      return { zh: '请尽快办理开工', en: 'Please start the works as soon as possible' };
    case 'completion':
      return { zh: '请尽快完成施工并办理竣工', en: 'Please finish the works and record their completion' };
    case 'acceptance':
      return { zh: '请尽快组织竣工验收', en: 'Please organise the acceptance' };
    case 'reimbursement':
      return { zh: '请尽快办理报账', en: 'Please file the reimbursement' };
    case 'progress':
      return period
        ? { zh: `请填报 ${period} 月度实施进度`, en: `Please enter the progress for ${period}` }
        : { zh: '请填报本月实施进度', en: "Please enter this month's progress" };
  }
}

/** What the later steps of the ladder mean for the unit. */
const CONSEQUENCES: Partial<Record<LadderStep, Bilingual>> = {
  escalated: { zh: '此事项已上报县级督办。', en: 'This has been escalated to the county.' },
  interview: {
    zh: '已标记约谈，责任单位列入负面清单。',
    en: "The unit's leaders are flagged for an admonition talk and the unit is on the negative list.",
  },
};

const SUBJECT_MAX_CHARS = 200;

export function renderNotification(
  facts: NotificationFacts,
  locale: NotificationLocale,
  opts: RenderOptions,
): RenderedNotification {
  if (facts.kind === 'deadline') return renderDeadline(facts, locale, opts);
  if (facts.kind === 'rectification') return renderRectification(facts, locale, opts);
  if (facts.kind === 'complaint') return renderComplaint(facts, locale, opts);
  // Free text, and the messages of runs scheduled before their kind had facts: as written.
  return renderText(facts, locale, opts);
}

type ComplaintFacts = Extract<NotificationFacts, { kind: 'complaint' }>;

/** Which of a complaint's time limits ran out. */
const COMPLAINT_PHASES: Record<ComplaintFacts['phase'], Bilingual> = {
  acknowledge: { zh: '受理', en: 'acknowledgement' },
  assign: { zh: '交办', en: 'assignment' },
  answer: { zh: '办理答复', en: 'answer' },
};

/** What the office (or, for the answer, the unit it was assigned to) should do now. */
const COMPLAINT_TODO: Record<ComplaintFacts['phase'], Bilingual> = {
  acknowledge: { zh: '请尽快受理。', en: 'Please acknowledge it as soon as possible.' },
  assign: { zh: '请尽快交办承办单位。', en: 'Please assign it to a unit as soon as possible.' },
  answer: { zh: '请尽快办理并答复。', en: 'Please handle and answer it as soon as possible.' },
};

const SUBJECT_KINDS: Record<'project' | 'village', Bilingual> = {
  project: { zh: '项目', en: 'project' },
  village: { zh: '村', en: 'village' },
};

/** A complaint's time limit ran out: which one, about what (never who reported it), how late. */
function renderComplaint(
  f: ComplaintFacts,
  locale: NotificationLocale,
  opts: RenderOptions,
): RenderedNotification {
  const zh = locale === 'zh-CN';
  const pick = (b: Bilingual) => (zh ? b.zh : b.en);
  const escalated = f.step === 'escalated';
  const subjectIn = (z: boolean) =>
    f.subject.kind
      ? `${z ? SUBJECT_KINDS[f.subject.kind].zh : SUBJECT_KINDS[f.subject.kind].en} ${f.subject.text}`
      : f.subject.text;
  const about = subjectIn(zh);
  const phase = pick(COMPLAINT_PHASES[f.phase]);
  const status = daysPhrase(f.daysLate, zh);
  // The Chinese subject is the title the inbox shows (and the SMS variable, as before facts).
  const zhTitle = `【举报${COMPLAINT_PHASES[f.phase].zh}${escalated ? '逾期上报县级' : '逾期'}】${subjectIn(true)}`;
  const enTag = `[Complaint ${phase} overdue${escalated ? ', escalated to county' : ''}]`;
  const consequence = escalated ? CONSEQUENCES.escalated : undefined;
  const todo = pick(COMPLAINT_TODO[f.phase]);
  const link = `${opts.baseUrl}/supervision/complaints/${f.complaintId}`;
  const subject = truncateChars(zh ? zhTitle : `${enTag} ${about}`, SUBJECT_MAX_CHARS);
  const lines = zh
    ? [
        `举报事项：关于${about}的举报`,
        `状态：${phase}期限 ${f.dueDate}，${status}`,
        consequence?.zh,
        todo,
        `查看详情：${link}`,
      ]
    : [
        `Complaint about ${about}`,
        `Status: ${phase} due ${f.dueDate}, ${status}`,
        consequence?.en,
        todo,
        `Details: ${link}`,
      ];
  const md = [
    `### ${escapeMd(zh ? zhTitle : `${enTag} ${about}`)}`,
    zh ? `**${phase}期限 ${f.dueDate}**，${status}` : `**${capitalise(phase)} due ${f.dueDate}**, ${status}`,
    consequence ? pick(consequence) : undefined,
    todo,
  ];
  const sms = opts.smsTemplates.text
    ? { templateCode: opts.smsTemplates.text, params: { title: smsParam(zhTitle) } }
    : null;
  return {
    subject,
    text: lines.filter(Boolean).join('\n'),
    markdown: truncateUtf8(md.filter(Boolean).join('\n\n'), WECOM_MARKDOWN_MAX_BYTES),
    link,
    sms,
  };
}

type RectificationFacts = Extract<NotificationFacts, { kind: 'rectification' }>;

/** What a notice's later ladder steps mean for the unit addressed. */
const NOTICE_CONSEQUENCES: Partial<Record<LadderStep, Bilingual>> = {
  escalated: { zh: '此事项已上报县级督办。', en: 'This has been escalated to the county.' },
  interview: {
    zh: '已标记约谈单位主要负责人。',
    en: "The unit's leaders are flagged for an admonition talk.",
  },
};

/** A step of a rectification notice's ladder: which problems, by when, how late. */
function renderRectification(
  f: RectificationFacts,
  locale: NotificationLocale,
  opts: RenderOptions,
): RenderedNotification {
  const zh = locale === 'zh-CN';
  const pick = (b: Bilingual) => (zh ? b.zh : b.en);
  const step = pick(LADDER_STEP_LABELS[f.step]);
  const problems = zh
    ? `问题 ${f.problems.join('、')}`
    : `problem${f.problems.length > 1 ? 's' : ''} ${f.problems.join(', ')}`;
  const status = daysPhrase(f.daysLate, zh);
  const consequence = NOTICE_CONSEQUENCES[f.step];
  const link = `${opts.baseUrl}/supervision/rectifications/${f.noticeId}`;
  const subject = truncateChars(
    zh
      ? `【${step}】${f.serial}：${f.title}，${status}`
      : `[${capitalise(step)}] ${f.serial}: ${f.title}, ${status}`,
    SUBJECT_MAX_CHARS,
  );
  const todo = zh
    ? '请按整改通知书要求完成整改，并在系统中逐项答复、上传佐证材料。'
    : 'Please rectify as the notice requires, and answer each problem with evidence in the console.';
  const lines = zh
    ? [
        `整改通知书：${f.serial}「${f.title}」`,
        `事项：${problems}，整改期限 ${f.dueDate}`,
        `状态：${step}，${status}`,
        consequence?.zh,
        todo,
        `查看详情：${link}`,
      ]
    : [
        `Rectification notice: ${f.serial} "${f.title}"`,
        `Issue: ${problems}, due ${f.dueDate}`,
        `Status: ${step}, ${status}`,
        consequence?.en,
        todo,
        `Details: ${link}`,
      ];
  const md = [
    `### ${zh ? `【${step}】` : `[${capitalise(step)}] `}${escapeMd(f.serial)}`,
    `**${escapeMd(f.title)}**${zh ? '，' : ', '}${escapeMd(problems)}${zh ? '，' : ', '}${status}`,
    consequence ? pick(consequence) : undefined,
    todo,
  ];
  // The SMS goes through the free-text template: the step and the serial the unit knows (a
  // template variable holds 20 characters, so how late is left to the console).
  const sms = opts.smsTemplates.text
    ? {
        templateCode: opts.smsTemplates.text,
        params: {
          title: smsParam(`${LADDER_STEP_LABELS[f.step].zh}${f.serial}`),
        },
      }
    : null;
  return {
    subject,
    text: lines.filter(Boolean).join('\n'),
    markdown: truncateUtf8(md.filter(Boolean).join('\n\n'), WECOM_MARKDOWN_MAX_BYTES),
    link,
    sms,
  };
}

type DeadlineFacts = Extract<NotificationFacts, { kind: 'deadline' }>;

function renderDeadline(
  f: DeadlineFacts,
  locale: NotificationLocale,
  opts: RenderOptions,
): RenderedNotification {
  const zh = locale === 'zh-CN';
  const pick = (b: Bilingual) => (zh ? b.zh : b.en);
  const project = `${f.projectCode} ${f.projectName}`;
  const periodSuffix = f.period ? (zh ? `（${f.period}）` : ` (${f.period})`) : '';
  const due = `${pick(DUE_LABELS[f.deadline])} ${f.dueDate}`;
  const step = pick(LADDER_STEP_LABELS[f.step]);
  const late = f.daysLate > 0;
  // A reminder comes before the date: what is due and when; later steps: what is late and by how much.
  const issue = late ? `${pick(DEADLINE_LABELS[f.deadline])}${periodSuffix}` : `${due}${periodSuffix}`;
  // Late: the date in brackets after what is late; a reminder's issue is the date itself.
  const dueNote = late ? (zh ? `（${due}）` : ` (${due})`) : '';
  const status = daysPhrase(f.daysLate, zh);
  const todo = pick(action(f.deadline, f.period));
  const consequence = CONSEQUENCES[f.step];
  const earlier = f.earlierSteps.map((s) => pick(LADDER_STEP_LABELS[s])).join(zh ? '、' : ', ');
  const link = `${opts.baseUrl}/projects/${f.projectId}`;

  const subject = truncateChars(
    zh
      ? `【${step}】${project}：${issue}，${status}`
      : `[${capitalise(step)}] ${project}: ${issue}, ${status}`,
    SUBJECT_MAX_CHARS,
  );
  const lines = zh
    ? [
        `项目：${project}`,
        `事项：${issue}${dueNote}`,
        `状态：${step}，${status}`,
        consequence?.zh,
        `${todo}。`,
        earlier ? `本通知一并包含此前的：${earlier}` : undefined,
        `查看详情：${link}`,
      ]
    : [
        `Project: ${project}`,
        `Issue: ${issue}${dueNote}`,
        `Status: ${step}, ${status}`,
        consequence?.en,
        `${todo}.`,
        earlier ? `This notice also covers the earlier: ${earlier}` : undefined,
        `Details: ${link}`,
      ];
  const md = [
    `### ${zh ? `【${step}】` : `[${capitalise(step)}] `}${escapeMd(project)}`,
    `**${escapeMd(issue)}**${zh ? '，' : ', '}${status}${dueNote}`,
    consequence ? pick(consequence) : undefined,
    `${todo}${zh ? '。' : '.'}`,
    earlier ? (zh ? `> 一并包含：${earlier}` : `> Also covers: ${earlier}`) : undefined,
  ];
  const sms = opts.smsTemplates.deadline
    ? {
        templateCode: opts.smsTemplates.deadline,
        // Insertion order is the variables' order: Tencent's templates number them {1}…{5}.
        params: {
          code: smsParam(f.projectCode),
          name: smsParam(f.projectName),
          issue: smsParam(late ? `${DEADLINE_LABELS[f.deadline].zh}${f.period ? f.period : ''}` : due),
          step: smsParam(LADDER_STEP_LABELS[f.step].zh),
          status: smsParam(daysPhrase(f.daysLate, true)),
        },
      }
    : null;
  return {
    subject,
    text: lines.filter(Boolean).join('\n'),
    markdown: truncateUtf8(md.filter(Boolean).join('\n\n'), WECOM_MARKDOWN_MAX_BYTES),
    link,
    sms,
  };
}

type TextFacts = Extract<NotificationFacts, { kind: 'text' }>;

function renderText(f: TextFacts, locale: NotificationLocale, opts: RenderOptions): RenderedNotification {
  // Only a path inside the console becomes a link: never another site, never a protocol-relative //host.
  const link = f.path && /^\/(?!\/)/.test(f.path) ? `${opts.baseUrl}${f.path}` : null;
  const details = locale === 'zh-CN' ? '查看详情' : 'Details';
  return {
    subject: truncateChars(f.title, SUBJECT_MAX_CHARS),
    text: [f.title, '', f.body, ...(link ? ['', `${details}：${link}`] : [])].join('\n'),
    markdown: truncateUtf8(`### ${escapeMd(f.title)}\n\n${escapeMd(f.body)}`, WECOM_MARKDOWN_MAX_BYTES),
    link,
    sms: opts.smsTemplates.text
      ? { templateCode: opts.smsTemplates.text, params: { title: smsParam(f.title) } }
      : null,
  };
}

function daysPhrase(daysLate: number, zh: boolean): string {
  if (daysLate > 0)
    return zh ? `已逾期 ${daysLate} 天` : `${daysLate} ${daysLate === 1 ? 'day' : 'days'} late`;
  if (daysLate === 0) return zh ? '今天到期' : 'due today';
  const n = -daysLate;
  return zh ? `还有 ${n} 天到期` : `due in ${n} ${n === 1 ? 'day' : 'days'}`;
}

/**
 * A template variable: one line, no spaces (vendors count them and some refuse them), no
 * brackets (【】 would read as a second signature), within the length the vendors accept.
 */
function smsParam(s: string): string {
  const clean = s.replace(/[\s【】[\]]+/g, '').trim();
  return truncateChars(clean || '-', SMS_PARAM_MAX_CHARS);
}

/** Angle brackets would be read as WeCom's <font> tags or HTML; full-width ones read the same. */
function escapeMd(s: string): string {
  return s.replace(/</g, '＜').replace(/>/g, '＞');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
