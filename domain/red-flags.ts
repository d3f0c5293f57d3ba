/**
 * Risk red flags (风险红旗, docs/supervision.md#risk-red-flags): the rules, their configuration, the
 * API contract, the short explanation of each flag in both languages, and the rectification
 * notice a flag suggests (the shape `issueRectificationSchema` takes, for the console to prefill).
 */
import { z } from 'zod';
import { isCountyWide, type Principal } from './access.js';
import { isSupervisionOffice } from './rectification-schemas.js';
import { orgCodeSchema, orgRefSchema, safeString } from './schemas.js';

export const RED_FLAG_RULES = [
  'splitTender',
  'payBeforeContract',
  'settlementOverContract',
  'duplicatePhoto',
  'contractorConcentration',
  'noSiteVisit',
] as const;
export type RedFlagRule = (typeof RED_FLAG_RULES)[number];

/** open: found by the latest scan; cleared: no longer found; converted: a notice names it. */
export const RED_FLAG_STATUSES = ['open', 'cleared', 'dismissed', 'converted'] as const;
export type RedFlagStatus = (typeof RED_FLAG_STATUSES)[number];

// ── who may ───────────────────────────────────────────────────────────────────────────────────
/** County-wide accounts, and every unit the flag concerns (its projects' units and its addressee). */
export function canReadRedFlag(p: Principal, unitIds: readonly string[]): boolean {
  return isCountyWide(p) || unitIds.includes(p.orgUnitId);
}
/** Scans and dismissals: the supervision office. */
export const canReviewRedFlags = (p: Principal): boolean => isSupervisionOffice(p);

// ── configuration ─────────────────────────────────────────────────────────────────────────────
export interface RedFlagConfig {
  /** 依法必须招标的限额 (TENDER_THRESHOLD_FEN), in 分. */
  tenderThresholdFen: number;
  /** "Just under": a project of at least this share of the threshold (RED_FLAG_TENDER_BAND). */
  tenderBand: number;
  /** How many such projects of one department and village (or contractor) in a year raise a flag. */
  splitMinProjects: number;
  /** One contractor's share of a township's contracted projects in a year that raises a flag. */
  contractorShare: number;
  contractorMinProjects: number;
  /** Months without a supervision visit for a project 实施中. */
  visitGapMonths: number;
}

export const DEFAULT_RED_FLAG_CONFIG: RedFlagConfig = {
  // 《必须招标的工程项目规定》: construction contracts of 400 万元 or more must be tendered.
  tenderThresholdFen: 400_0000_00,
  tenderBand: 0.8,
  splitMinProjects: 2,
  contractorShare: 0.5,
  contractorMinProjects: 3,
  visitGapMonths: 2,
};

/** A share as whole basis points: the SQL compares integers, never floats against money. */
export const basisPoints = (share: number): number => Math.round(share * 10_000);

/** The lowest budget inside the band: threshold × band, rounded up, in integer 分. */
export function tenderFloorFen(c: RedFlagConfig): bigint {
  const bp = BigInt(basisPoints(c.tenderBand));
  return (BigInt(c.tenderThresholdFen) * bp + 9_999n) / 10_000n;
}

// ── explanations ──────────────────────────────────────────────────────────────────────────────
type Facts = Record<string, unknown>;

const yuan = (fen: unknown) => {
  const n = BigInt(String(fen ?? 0));
  const y = n / 100n;
  const f = (n % 100n).toString().padStart(2, '0');
  return `${y.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${f}`;
};
/**
 * count of total as a percentage with one decimal, rounded half up in integers: 5 of 9 → "55.6%".
 * From the exact count and total every stored flag has, not its shareBp: those basis points are
 * truncated (5555), and a float's toFixed on them printed 55.5%.
 */
const share = (count: unknown, total: unknown) => {
  const k = BigInt(String(count ?? 0));
  const n = BigInt(String(total ?? 0));
  if (n === 0n) return '—';
  const permille = (k * 2000n + n) / (2n * n); // round(k/n × 1000), half up
  return `${permille / 10n}.${permille % 10n}%`;
};

/** The short explanation of a flag, from the facts its scan stored, in Chinese and English. */
export function explain(rule: RedFlagRule, f: Facts): { 'zh-CN': string; en: string } {
  switch (rule) {
    case 'splitTender':
      return {
        'zh-CN': `${f.departmentName}${f.year}年在${f.groupName}有${f.count}个项目，金额均在${yuan(f.floorFen)}元至招标限额${yuan(f.thresholdFen)}元之间，疑似拆分项目规避招标。`,
        en: `${f.departmentName} has ${f.count} projects of ${f.year} at ${f.groupName}, each between ${yuan(f.floorFen)} and the tender threshold of ${yuan(f.thresholdFen)} yuan: possibly split to avoid tendering.`,
      };
    case 'payBeforeContract':
      return {
        'zh-CN': `项目${f.project}有${f.count}笔共${yuan(f.amountFen)}元的拨付早于${f.beforeContract ? '合同签订' : ''}${f.beforeContract && f.beforeStart ? '或' : ''}${f.beforeStart ? '开工' : ''}（合同签订：${f.contractSignedOn ?? '无'}，开工：${f.startedOn ?? '未开工'}）。`,
        en: `Project ${f.project} has ${f.count} payment(s) of ${yuan(f.amountFen)} yuan made before ${[f.beforeContract ? 'the contract was signed' : '', f.beforeStart ? 'work started' : ''].filter(Boolean).join(' or ')} (contract signed: ${f.contractSignedOn ?? 'none'}, started: ${f.startedOn ?? 'not yet'}).`,
      };
    case 'settlementOverContract':
      return {
        'zh-CN': `项目${f.project}结算${yuan(f.settledFen)}元，超出合同金额${yuan(f.contractFen)}元${yuan(f.excessFen)}元。`,
        en: `Project ${f.project} settled ${yuan(f.settledFen)} yuan, ${yuan(f.excessFen)} yuan above its contract of ${yuan(f.contractFen)} yuan.`,
      };
    case 'duplicatePhoto':
      return {
        'zh-CN': `同一张照片（SHA-256 ${String(f.sha256).slice(0, 12)}…）被归档${f.count}次，涉及${f.projects}个项目、${f.visits}次监督检查。`,
        en: `The same photo (SHA-256 ${String(f.sha256).slice(0, 12)}…) is filed ${f.count} times, for ${f.projects} project(s) and ${f.visits} supervision visit(s).`,
      };
    case 'contractorConcentration':
      return {
        'zh-CN': `${f.contractorName}承接了${f.townshipName}${f.year}年${f.total}个已签约项目中的${f.count}个（${share(f.count, f.total)}）。`,
        en: `${f.contractorName} holds ${f.count} of the ${f.total} contracted projects of ${f.townshipName} in ${f.year} (${share(f.count, f.total)}).`,
      };
    case 'noSiteVisit':
      return {
        'zh-CN': `项目${f.project}实施中，自${f.since}（${f.lastVisit ? '最近一次监督检查' : '开工'}）起已超过${f.months}个月没有监督检查记录。`,
        en: `Project ${f.project} is under way with no supervision visit for more than ${f.months} months since ${f.since} (${f.lastVisit ? 'the last visit' : 'the start'}).`,
      };
  }
}

// ── the notice a flag suggests ────────────────────────────────────────────────────────────────
const TITLES: Record<RedFlagRule, string> = {
  splitTender: '关于疑似拆分项目规避招标问题的整改通知',
  payBeforeContract: '关于项目资金提前拨付问题的整改通知',
  settlementOverContract: '关于项目结算超合同金额问题的整改通知',
  duplicatePhoto: '关于项目档案照片重复使用问题的整改通知',
  contractorConcentration: '关于项目承包单位过于集中问题的整改通知',
  noSiteVisit: '关于项目长期未开展监督检查问题的整改通知',
};
/** 依据: the law or policy each rule's problem breaches. */
export const RED_FLAG_BASIS: Record<RedFlagRule, string> = {
  splitTender:
    '《中华人民共和国招标投标法》第四条：任何单位和个人不得将依法必须进行招标的项目化整为零或者以其他任何方式规避招标。',
  payBeforeContract:
    '《中华人民共和国预算法》及财政专项扶贫资金管理规定：资金应按合同约定和工程进度拨付，不得提前拨付。',
  settlementOverContract: '《建设工程价款结算暂行办法》（财建〔2004〕369号）：工程价款结算应按合同约定办理。',
  duplicatePhoto: '《中华人民共和国档案法》：档案应当真实、完整；项目建档资料须如实反映项目实施情况。',
  contractorConcentration:
    '《中华人民共和国招标投标法》第五条：招标投标活动应当遵循公开、公平、公正和诚实信用的原则。',
  noSiteVisit: '“三账一表”管理要求：项目实施期间应定期开展监督检查并如实记入建设地点项目台账。',
};
const DEADLINE_DAYS = 30;

export interface RedFlagSuggestion {
  unitCode: string;
  title: string;
  problems: { project?: string; description: string; basis: string; deadlineDays: number }[];
}

/** One problem per project the flag concerns (or one without a project), ready for the notice form. */
export function suggestNotice(
  rule: RedFlagRule,
  unitCode: string,
  explanation: string,
  projectCodes: readonly string[],
): RedFlagSuggestion {
  const problem = (project?: string) => ({
    ...(project ? { project } : {}),
    description: explanation.slice(0, 2000),
    basis: RED_FLAG_BASIS[rule],
    deadlineDays: DEADLINE_DAYS,
  });
  const problems = projectCodes.length ? projectCodes.slice(0, 50).map(problem) : [problem()];
  return { unitCode, title: TITLES[rule], problems };
}

// ── the API contract ──────────────────────────────────────────────────────────────────────────
export const redFlagListQuerySchema = z.object({
  rule: z.enum(RED_FLAG_RULES).optional(),
  status: z.enum(RED_FLAG_STATUSES).optional(),
  unitCode: orgCodeSchema.optional(),
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type RedFlagListQuery = z.infer<typeof redFlagListQuerySchema>;

export const dismissRedFlagSchema = z.object({ reason: safeString().trim().min(1).max(2000) });

const explanationSchema = z.object({ 'zh-CN': z.string(), en: z.string() });

export const redFlagSummarySchema = z.object({
  id: z.number().int(),
  rule: z.enum(RED_FLAG_RULES),
  status: z.enum(RED_FLAG_STATUSES),
  year: z.number().int().nullable(),
  unit: orgRefSchema,
  projects: z.array(z.object({ id: z.uuid(), code: z.string(), name: z.string() })),
  explanation: explanationSchema,
  detectedAt: z.string(),
  updatedAt: z.string(),
  clearedAt: z.string().nullable(),
});

export const redFlagDetailSchema = redFlagSummarySchema.extend({
  /** The figures the explanation quotes (amounts in 分, shares in basis points). */
  facts: z.record(z.string(), z.unknown()),
  /** The rows behind the flag (disbursements, documents, projects…), as the scan found them. */
  rows: z.array(z.record(z.string(), z.unknown())),
  dismissal: z.object({ at: z.string(), by: z.string(), reason: z.string() }).nullable(),
  /** The notices raised from it that the caller may read. */
  notices: z.array(z.object({ id: z.uuid(), serial: z.string(), status: z.string() })),
  suggestion: z.object({
    unitCode: z.string(),
    title: z.string(),
    problems: z.array(
      z.object({
        project: z.string().optional(),
        description: z.string(),
        basis: z.string(),
        deadlineDays: z.number().int(),
      }),
    ),
  }),
});
export type RedFlagDetail = z.infer<typeof redFlagDetailSchema>;

export const redFlagListSchema = z.object({
  items: z.array(redFlagSummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const redFlagScanSchema = z.object({
  /** Per rule: flags found by this scan, newly raised, and no longer found. */
  rules: z.record(
    z.string(),
    z.object({ found: z.number().int(), raised: z.number().int(), cleared: z.number().int() }),
  ),
  ms: z.number().int(),
});
export type RedFlagScanResult = z.infer<typeof redFlagScanSchema>;
