/**
 * The monthly circular's draft (月通报), in the register of the office's real circulars: five parts,
 * every figure taken from the stored ranking report or the month's facts, nothing invented. The
 * office edits the text before publishing; this is only where it starts.
 */
import { formatWanYuan } from '../money.js';
import type { RankingReport, RankingRow } from '../ranking/report.js';
import type { CircularSection } from './schemas.js';

export type DeadlineKind = 'start' | 'completion' | 'acceptance' | 'reimbursement' | 'progress';

/**
 * An active overdue alert (step overdue or later) of a project, as the alert table has it, with
 * its deadline's days late when the draft is made (the circular states them "截至通报生成时").
 */
export interface OverdueAlert {
  projectCode: string;
  unitCode: string;
  unitName: string;
  kind: DeadlineKind;
  /** The month of a progress deadline ('2026-10'); '' for the planned dates. */
  period: string;
  step: 'overdue' | 'escalated' | 'interview';
  daysLate: number;
}
const STEP_RANK: Record<OverdueAlert['step'], number> = { overdue: 1, escalated: 2, interview: 3 };

/** A rectification notice issued or closed in the month. */
export interface MonthNotice {
  serial: string;
  unitName: string;
  issuedOn: string;
  dueDate: string;
  status: 'open' | 'closed' | 'withdrawn';
  closedOnTime: boolean | null;
  issuedInMonth: boolean;
  closedInMonth: boolean;
}

/** A 约谈 held in the month, with the units of the people talked to. */
export interface MonthTalk {
  heldOn: string;
  kind: 'individual' | 'collective';
  unitNames: string[];
  reason: string;
}

export interface CircularFacts {
  report: RankingReport;
  overdue: OverdueAlert[];
  notices: MonthNotice[];
  talks: MonthTalk[];
}

export interface CircularDraft {
  title: string;
  sections: CircularSection[];
}

const KIND_LABEL: Record<DeadlineKind, string> = {
  start: '开工',
  completion: '竣工',
  acceptance: '验收',
  reimbursement: '报账',
  progress: '月度进度填报',
};

/** "2026-11" → "2026年11月"; a date "2026-12-05" → "2026年12月5日". */
const monthText = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;
const dateText = (d: string) => `${d.slice(0, 4)}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

/** The day before a local date 'YYYY-MM-DD' (the cutoff is exclusive). */
function dayBefore(d: string): string {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() - 1);
  return t.toISOString().slice(0, 10);
}

/** num ÷ den as a percentage with one decimal, rounded half up on integers; '—' when den = 0. */
export function percent(num: bigint, den: bigint): string {
  if (den === 0n) return '—';
  const tenths = (num * 2000n + den) / (2n * den); // round half up of num × 1000 / den
  return `${tenths / 10n}.${tenths % 10n}%`;
}

const sum = (rows: readonly RankingRow[], key: keyof RankingRow['inputs']) =>
  rows.reduce((acc, r) => acc + BigInt(r.inputs[key] ?? '0'), 0n);

function movementText(r: RankingRow, hasPrevious: boolean): string {
  if (!hasPrevious) return '';
  if (r.movement === null) return '，上月未参与排名';
  if (r.movement > 0) return `，较上月上升${r.movement}位`;
  if (r.movement < 0) return `，较上月下降${-r.movement}位`;
  return '，与上月持平';
}

const rowText = (r: RankingRow, hasPrevious: boolean) =>
  `${r.unitName}（${r.total}分${movementText(r, hasPrevious)}）`;

/** The last three ranked, never one of the first three (a group of four or five has fewer). */
const bottomOf = (ranked: readonly RankingRow[]) => ranked.slice(Math.max(3, ranked.length - 3));

function groupText(label: string, rows: readonly RankingRow[], hasPrevious: boolean): string {
  const ranked = rows.filter((r) => r.rank !== null);
  const unranked = rows.length - ranked.length;
  const tail = unranked > 0 ? `另有${unranked}个单位项目数不足，未参与排名。` : '';
  if (ranked.length === 0) return `${label}本月无单位参与排名。${tail}`;
  const list = (rs: readonly RankingRow[]) =>
    rs.map((r) => `第${r.rank}名${rowText(r, hasPrevious)}`).join('、');
  if (ranked.length <= 3) return `${label}参与排名的${ranked.length}个单位依次为：${list(ranked)}。${tail}`;
  const bottomLabel = ranked.length >= 6 ? '排名后三位的是' : '其余单位依次为';
  return (
    `${label}共${ranked.length}个单位参与排名。排名前三位的是：${list(ranked.slice(0, 3))}；` +
    `${bottomLabel}：${list(bottomOf(ranked))}。${tail}`
  );
}

/** The ranked units at the bottom of each group (those the requirements name). */
function bottomUnits(report: RankingReport): string[] {
  return (['department', 'township'] as const).flatMap((g) =>
    bottomOf(report.groups[g].filter((r) => r.rank !== null)).map((r) => r.unitName),
  );
}

function overview(report: RankingReport): string {
  // Every project of the year has one governing department: the department rows cover each once.
  const rows = report.groups.department;
  const projects = sum(rows, 'projects');
  const budget = sum(rows, 'budgetFen');
  const paid = sum(rows, 'disbursedFen');
  const elapsed = BigInt(report.monthNumber);
  const spendTenths = budget === 0n ? null : (paid * 2000n + budget) / (2n * budget);
  const targetTenths = (elapsed * 2000n + 12n) / 24n;
  const gap =
    spendTenths === null
      ? ''
      : spendTenths >= targetTenths
        ? `，高于序时进度${Number(spendTenths - targetTenths) / 10}个百分点`
        : `，低于序时进度${Number(targetTenths - spendTenths) / 10}个百分点`;
  const ranked = (g: 'department' | 'township') => report.groups[g].filter((r) => r.rank !== null).length;
  return [
    `截至${dateText(dayBefore(report.cutoff))}，全县纳入考核的${report.year}年度衔接资金项目共${projects}个，` +
      `批复资金${formatWanYuan(budget)}万元，已拨付${formatWanYuan(paid)}万元，支出进度${percent(paid, budget)}，` +
      `序时进度${percent(elapsed, 12n)}${gap}。`,
    `应开工项目${sum(rows, 'dueStart')}个，已开工${sum(rows, 'started')}个，开工率${percent(sum(rows, 'started'), sum(rows, 'dueStart'))}；` +
      `应完工项目${sum(rows, 'dueCompletion')}个，已完工${sum(rows, 'completed')}个，完工率${percent(sum(rows, 'completed'), sum(rows, 'dueCompletion'))}；` +
      `应报账项目${sum(rows, 'dueReimbursement')}个，已报账${sum(rows, 'reimbursed')}个，报账率${percent(sum(rows, 'reimbursed'), sum(rows, 'dueReimbursement'))}。` +
      `月末逾期项目${sum(rows, 'overdueProjects')}个，累计逾期${sum(rows, 'overdueDays')}天。`,
    `本月参与考核排名的主管部门${ranked('department')}个、乡镇${ranked('township')}个，` +
      `考核指标、计分方法和权重按考核办法（版本${report.config.version}）执行，排名结果随本通报一并公布。`,
  ].join('\n');
}

function ranking(report: RankingReport): string {
  const hasPrevious = report.previousMonth !== null;
  return [
    groupText('（一）主管部门。', report.groups.department, hasPrevious),
    groupText('（二）乡镇。', report.groups.township, hasPrevious),
  ].join('\n');
}

function overdue(alerts: readonly OverdueAlert[]): string {
  // One project may be late on several deadlines (each month's progress is one, as on the
  // dashboard); a deadline counts once, at its furthest step and its greatest lateness (its steps'
  // rows, in any order, may carry the same figure).
  const byDeadline = new Map<string, OverdueAlert>();
  for (const a of alerts) {
    const key = `${a.projectCode}|${a.kind}|${a.period}`;
    const seen = byDeadline.get(key);
    byDeadline.set(
      key,
      seen
        ? {
            ...seen,
            step: STEP_RANK[a.step] > STEP_RANK[seen.step] ? a.step : seen.step,
            daysLate: Math.max(seen.daysLate, a.daysLate),
          }
        : a,
    );
  }
  const units = new Map<
    string,
    { name: string; projects: Set<string>; kinds: Map<DeadlineKind, number>; max: number; talks: Set<string> }
  >();
  for (const a of byDeadline.values()) {
    const u = units.get(a.unitCode) ?? {
      name: a.unitName,
      projects: new Set(),
      kinds: new Map(),
      max: 0,
      talks: new Set(),
    };
    u.projects.add(a.projectCode);
    u.kinds.set(a.kind, (u.kinds.get(a.kind) ?? 0) + 1);
    u.max = Math.max(u.max, a.daysLate);
    if (a.step === 'interview') u.talks.add(a.projectCode);
    units.set(a.unitCode, u);
  }
  if (units.size === 0) return '截至通报生成时，全县无逾期项目。';
  const projects = new Set([...byDeadline.values()].map((a) => a.projectCode));
  const toTalk = new Set(
    [...byDeadline.values()].filter((a) => a.step === 'interview').map((a) => a.projectCode),
  );
  const order = [...units.entries()].sort(
    ([ca, a], [cb, b]) => b.projects.size - a.projects.size || b.max - a.max || ca.localeCompare(cb),
  );
  const kinds = (m: Map<DeadlineKind, number>) =>
    (Object.keys(KIND_LABEL) as DeadlineKind[])
      .filter((k) => m.has(k))
      .map((k) => `${KIND_LABEL[k]}逾期${m.get(k)}个`)
      .join('、');
  const lines = order.map(
    ([, u], i) =>
      `${i + 1}. ${u.name}：逾期项目${u.projects.size}个（${kinds(u.kinds)}），最长逾期${u.max}天。`,
  );
  return [
    `截至通报生成时，全县共有逾期项目${projects.size}个，涉及${units.size}个责任单位` +
      (toTalk.size > 0 ? `，其中${toTalk.size}个项目已进入约谈程序` : '') +
      '。具体如下：',
    ...lines,
  ].join('\n');
}

/**
 * A reason as written by the office, to be set between the circular's own punctuation: without the
 * full stop or semicolon it usually ends with (else 。。 or ；。 in the published text).
 */
function clause(text: string): string {
  return text.trim().replace(/[。．.；;，,、：:\s]+$/u, '');
}

function rectification(notices: readonly MonthNotice[], talks: readonly MonthTalk[]): string {
  const issued = notices.filter((n) => n.issuedInMonth);
  const closed = notices.filter((n) => n.closedInMonth && n.status === 'closed');
  const onTime = closed.filter((n) => n.closedOnTime === true).length;
  const open = notices.filter((n) => n.status === 'open').length;
  const noticeText =
    issued.length === 0
      ? '（一）整改通知。本月未下发整改通知书。'
      : `（一）整改通知。本月共下发整改通知书${issued.length}份：` +
        issued.map((n) => `${n.serial}（${n.unitName}，限${dateText(n.dueDate)}前整改）`).join('、') +
        '。';
  const closedText =
    closed.length === 0
      ? '本月无办结的整改通知书'
      : `本月办结整改通知书${closed.length}份，其中按期办结${onTime}份、逾期办结${closed.length - onTime}份`;
  const talkUnits = [...new Set(talks.flatMap((t) => t.unitNames))];
  const individual = talks.filter((t) => t.kind === 'individual').length;
  const talkText =
    talks.length === 0
      ? '（二）约谈。本月未开展约谈。'
      : `（二）约谈。本月共开展约谈${talks.length}次（个别约谈${individual}次、集体约谈${talks.length - individual}次），` +
        `涉及${talkUnits.join('、')}共${talkUnits.length}个单位。约谈事由：` +
        talks.map((t) => `${dateText(t.heldOn)}，${clause(t.reason)}`).join('；') +
        '。';
  const noticeLine =
    notices.length === 0
      ? '（一）整改通知。本月未下发整改通知书，也无办结的整改通知书。'
      : `${noticeText}${closedText}；上述通知书中尚有${open}份未办结。`;
  return [noticeLine, talkText].join('\n');
}

function requirements(f: CircularFacts): string {
  const [y, m] = f.report.cutoff.split('-');
  const due = `${y}年${Number(m)}月15日`;
  const bottom = bottomUnits(f.report);
  const lines = [
    '（一）压实工作责任。各主管部门、乡镇要对照本通报反映的问题，逐项分析原因，明确责任人和完成时限，切实加快项目实施和资金支出进度。',
    bottom.length > 0
      ? `（二）抓好排名靠后单位整改。${bottom.join('、')}要认真查找差距，制定整改措施，于${due}前将整改情况书面报县专项监督办。`
      : `（二）巩固提升工作成效。各单位要对照考核指标查漏补缺，于${due}前将本单位存在问题的整改情况书面报县专项监督办。`,
    f.overdue.length > 0
      ? '（三）加快逾期项目推进。涉及逾期项目的责任单位要倒排工期、挂图作战，按时完成开工、竣工、验收和报账，逾期未整改的将按程序约谈并纳入负面清单。'
      : '（三）严守项目时限。各单位要按计划时限推进项目，防止出现新的逾期项目。',
    '（四）规范台账管理。各单位要按月及时填报项目进度和现场监督记录，确保“三账一表”真实、完整、及时。',
  ];
  return lines.join('\n');
}

export const SECTION_HEADINGS: Record<CircularSection['key'], string> = {
  overview: '一、总体情况',
  ranking: '二、排名情况',
  overdue: '三、逾期项目',
  rectification: '四、整改和约谈情况',
  requirements: '五、下步工作要求',
};

export function circularTitle(month: string): string {
  return `关于${monthText(month)}衔接资金项目推进情况的通报`;
}

/** The draft of a month's circular from its facts; pure, so the same facts give the same text. */
export function draftCircular(f: CircularFacts): CircularDraft {
  const bodies: Record<CircularSection['key'], string> = {
    overview: overview(f.report),
    ranking: ranking(f.report),
    overdue: overdue(f.overdue),
    rectification: rectification(f.notices, f.talks),
    requirements: requirements(f),
  };
  return {
    title: circularTitle(f.report.month),
    sections: (Object.keys(SECTION_HEADINGS) as CircularSection['key'][]).map((key) => ({
      key,
      heading: SECTION_HEADINGS[key],
      body: bodies[key],
    })),
  };
}
