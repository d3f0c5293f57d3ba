/**
 * The monthly ranking's configuration (月度考核排名): every indicator's formula, scale and weight.
 * It is published inside every report (domain/ranking/report.ts), so a rank can be recomputed from
 * the report alone (domain/ranking/score.ts, scripts/ranking-verify.ts). Changing anything here is
 * a new `version`: a stored report keeps the config it was computed with, and the inputs its
 * config names (2026.1 named `complaintsResolved` and `complaints`, always 0, since dropped).
 *
 * The indicators follow the spirit of 财政部等《衔接推进乡村振兴补助资金绩效评价及考核办法》:
 * spending against the time-elapsed target, progress of the works, timely ledgers, rectification,
 * and deductions for talks, the negative list and complaints left unhandled past their time limit.
 */

/** The facts one unit's row is scored from; all integers, sent as decimal strings. */
export const RANKING_INPUTS = [
  'projects', // projects of the report's year, created before the cutoff and not cancelled by it
  'budgetFen', // Σ their budgets (分)
  'disbursedFen', // Σ their disbursements paid before the cutoff (分)
  'elapsedMonths', // the report's month number: 序时进度 = elapsedMonths / 12
  'dueStart', // planned start before the cutoff
  'started', // … of which 开工 (or later) before the cutoff
  'dueCompletion',
  'completed', // 竣工 or later
  'dueReimbursement',
  'reimbursed', // 报账 or later
  'overdueProjects', // projects with at least one planned date passed and not reached
  'overdueDays', // Σ per overdue project of its largest (cutoff − planned date) in days
  'progressDue', // projects under way at the cutoff: each owes the month's progress entry
  'progressOnTime', // … entered for the month before the cutoff
  'visitsDue', // the same projects: each owes a site visit in the month
  'visitsOnTime', // … with a visit dated in the month and recorded before the cutoff
  'noticesDue', // rectification notices of the year addressed to the unit, due before the cutoff, not withdrawn
  // … done on time as of the cutoff: closed on time, or every problem answered on time and the
  // answer waiting for the office's verdict or accepted (2026.1–2026.3: closed on time before it)
  'noticesClosedOnTime',
  'interviews', // 约谈 records held in the month with someone of the unit
  'negativeListEntries', // negative-list entries of the unit listed in the month
  // complaints' answer time limits gone overdue in the month while the unit assigned (or, for a
  // township, one of its villages) still owed its handling; one per complaint and arm
  'complaintsOverdue',
] as const;
export type RankingInputKey = (typeof RANKING_INPUTS)[number];

/** A product of inputs and integer constants. */
export type Factor = RankingInputKey | number;

/**
 * How an indicator's fraction f = num / den becomes points, with W = weight:
 * - `ratio`: W × min(num, den) / den; W when den = 0 (nothing was due).
 * - `complement`: W × (den − min(num, den)) / den; W when den = 0.
 * - `deduction`: max(0, W − perItem × num); den is ignored.
 * - `unavailable`: 0 points (the facts do not exist yet; the weight must be 0).
 * Points are kept in hundredths (centi-points) and every division rounds half up to the hundredth:
 * roundHalfUp(a / b) = floor((2a + b) / (2b)) on non-negative integers.
 */
export type IndicatorScale = 'ratio' | 'complement' | 'deduction' | 'unavailable';

export interface IndicatorConfig {
  key: string;
  label: { zh: string; en: string };
  /** The formula in words, as published. */
  formula: { zh: string; en: string };
  scale: IndicatorScale;
  num: readonly Factor[];
  den: readonly Factor[];
  /** Points for a perfect score; the weights add up to 100. */
  weight: number;
  /** For `deduction`: hundredths of a point taken per item. */
  perItemCenti?: number;
}

export interface RankingConfig {
  version: string;
  timezone: 'Asia/Shanghai';
  /** A unit with fewer projects in scope is listed but not ranked. */
  minProjects: number;
  /** Equal totals share a rank (1, 2, 2, 4); the list orders them by unit code. */
  ties: 'shared';
  indicators: readonly IndicatorConfig[];
}

export const RANKING_CONFIG: RankingConfig = {
  // 2026.2: complaints count (投诉办理, 5 points), taken from 报账率 (10 → 5), whose lateness the
  // overdue indicators already count (a planned reimbursement date passed is an overdue project).
  // 2026.3: the same scores; the talks' English heading is capitalised as the others are.
  // 2026.4: 整改按期办结 counts a notice the unit answered on time while the office has yet to verify
  // it (its verification time does not count against the unit), not only one closed by the cutoff.
  version: '2026.4',
  timezone: 'Asia/Shanghai',
  minProjects: 1,
  ties: 'shared',
  indicators: [
    {
      key: 'disbursement',
      label: { zh: '支出进度', en: 'Disbursement vs time elapsed' },
      formula: {
        zh: '支出进度÷序时进度 = (已支付÷预算)÷(月份÷12)，不超过 1',
        en: '(disbursed ÷ budget) ÷ (month ÷ 12), capped at 1',
      },
      scale: 'ratio',
      num: ['disbursedFen', 12],
      den: ['budgetFen', 'elapsedMonths'],
      weight: 20,
    },
    {
      key: 'startRate',
      label: { zh: '开工率', en: 'Start rate' },
      formula: { zh: '按期开工数÷应开工数', en: 'started ÷ due to start' },
      scale: 'ratio',
      num: ['started'],
      den: ['dueStart'],
      weight: 10,
    },
    {
      key: 'completionRate',
      label: { zh: '完工率', en: 'Completion rate' },
      formula: { zh: '已竣工数÷应竣工数', en: 'completed ÷ due to complete' },
      scale: 'ratio',
      num: ['completed'],
      den: ['dueCompletion'],
      weight: 10,
    },
    {
      key: 'reimbursementRate',
      label: { zh: '报账率', en: 'Reimbursement rate' },
      formula: { zh: '已报账数÷应报账数', en: 'reimbursed ÷ due for reimbursement' },
      scale: 'ratio',
      num: ['reimbursed'],
      den: ['dueReimbursement'],
      weight: 5,
    },
    {
      key: 'overdueProjects',
      label: { zh: '逾期项目', en: 'Overdue projects' },
      formula: { zh: '1 − 逾期项目数÷项目数', en: '1 − overdue projects ÷ projects' },
      scale: 'complement',
      num: ['overdueProjects'],
      den: ['projects'],
      weight: 10,
    },
    {
      key: 'overdueDays',
      label: { zh: '逾期天数', en: 'Overdue days' },
      formula: {
        zh: '1 − 逾期天数÷(项目数×90)，不低于 0',
        en: '1 − overdue days ÷ (projects × 90), at least 0',
      },
      scale: 'complement',
      num: ['overdueDays'],
      den: ['projects', 90],
      weight: 5,
    },
    {
      key: 'progressOnTime',
      label: { zh: '月度进度按时录入', en: 'Monthly progress on time' },
      formula: { zh: '按时录入数÷应录入数', en: 'entered on time ÷ due' },
      scale: 'ratio',
      num: ['progressOnTime'],
      den: ['progressDue'],
      weight: 10,
    },
    {
      key: 'visitsOnTime',
      label: { zh: '现场监督按时记录', en: 'Site visits on time' },
      formula: { zh: '当月有监督记录的在建项目÷在建项目', en: 'projects visited in the month ÷ under way' },
      scale: 'ratio',
      num: ['visitsOnTime'],
      den: ['visitsDue'],
      weight: 5,
    },
    {
      key: 'rectificationOnTime',
      label: { zh: '整改按期办结', en: 'Rectifications closed on time' },
      formula: {
        zh: '按期整改数÷到期通知书数（各问题均在整改期限内答复、已验收或待审核；审核用时不计入）',
        en: 'done on time ÷ notices due (every problem answered within its term, accepted or awaiting the verdict; verification time not counted)',
      },
      scale: 'ratio',
      num: ['noticesClosedOnTime'],
      den: ['noticesDue'],
      weight: 10,
    },
    {
      key: 'interviews',
      label: { zh: '约谈扣分', en: 'Admonition-talk deduction' },
      formula: { zh: '每约谈一次扣 2.5 分，扣完为止', en: '2.5 points per talk, down to 0' },
      scale: 'deduction',
      num: ['interviews'],
      den: [1],
      weight: 5,
      perItemCenti: 250,
    },
    {
      key: 'negativeList',
      label: { zh: '负面清单扣分', en: 'Negative-list deduction' },
      formula: { zh: '每列入一次扣 2.5 分，扣完为止', en: '2.5 points per entry, down to 0' },
      scale: 'deduction',
      num: ['negativeListEntries'],
      den: [1],
      weight: 5,
      perItemCenti: 250,
    },
    {
      key: 'complaints',
      label: { zh: '投诉办理', en: 'Complaints handled in time' },
      formula: {
        zh: '交办本单位（乡镇含所辖村）的举报，当月办理答复逾期且逾期时仍待本单位办理的，每件扣 1 分，扣完为止',
        en: '1 point per complaint assigned to the unit (a township: or its villages) whose answer time limit went overdue in the month while the unit still owed its handling, down to 0',
      },
      scale: 'deduction',
      num: ['complaintsOverdue'],
      den: [1],
      weight: 5,
      perItemCenti: 100,
    },
  ],
};
