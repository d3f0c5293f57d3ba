/**
 * The API contract: request and response schemas, used by the api (validation), the OpenAPI
 * document, the console's typed client and the tests. One definition of each shape.
 *
 * Long on purpose: it is the one table of the API's shapes, read top to bottom next to the OpenAPI
 * document; the ledger shapes already live in domain/ledgers/.
 */
import { z } from 'zod';
import { cstDate } from './deadlines.js';
import { ACTIONS, IMPLEMENTATION_METHODS, STAGES } from './lifecycle.js';
import { fenSumEquals, MAX_FEN } from './money.js';
import { schemaMessage, schemaText } from './errors.js';

/**
 * Why a string cannot be kept as sent: a NUL (PostgreSQL's text cannot hold it) or a lone UTF-16
 * surrogate (not Unicode; it would be stored as U+FFFD). Null when the string is fine.
 */
export function textProblem(s: string): 'nul' | 'surrogate' | null {
  if (s.includes('\u0000')) return 'nul';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) return 'surrogate';
  return null;
}
/** A string PostgreSQL keeps exactly (the api checks every request string too; imports rely on this). */
export const safeString = () =>
  z.string().refine((s) => textProblem(s) === null, {
    error: schemaMessage({
      zh: '不能包含空字符或不成对的代理字符',
      en: 'must not contain NUL or a lone surrogate',
    }),
  });

/**
 * The dates the platform takes: from 1990 (older approval documents are still filed) to 2100 (the
 * last project year). PostgreSQL has no year 0, and no county plans a step for the year 9999.
 */
export const DATE_MIN = '1990-01-01';
export const DATE_MAX = '2100-12-31';
export const isoDate = z.iso
  .date({ error: schemaMessage({ zh: '日期格式应为 YYYY-MM-DD', en: 'a date as YYYY-MM-DD' }) })
  .refine((d) => d >= DATE_MIN && d <= DATE_MAX, {
    error: schemaMessage({
      zh: `日期须在 ${DATE_MIN} 至 ${DATE_MAX} 之间`,
      en: `a date from ${DATE_MIN} to ${DATE_MAX}`,
    }),
  });

/** Whether a county day ('YYYY-MM-DD') has come: the rule of `happenedOn`, for schemas that parse a day first. */
export function notAfterToday(day: string): boolean {
  return day <= cstDate(Date.now());
}
export const NOT_AFTER_TODAY = { zh: '日期不能晚于今天', en: 'a date not after today' };

/** Whether a month ('YYYY-MM') has begun in the county: a month's progress is reported in it or after. */
function notAfterThisMonth(month: string): boolean {
  return month <= cstDate(Date.now()).slice(0, 7);
}
const NOT_AFTER_THIS_MONTH = { zh: '月份不能晚于本月', en: 'a month not after this one' };

/** The month a project's progress is reported for: not one that has not begun (2027-05 typed for 2026-05). */
export const reportedMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, {
    error: schemaMessage({ zh: '月份格式应为 YYYY-MM', en: 'a month as YYYY-MM' }),
    abort: true,
  })
  .refine(notAfterThisMonth, { error: schemaMessage(NOT_AFTER_THIS_MONTH) });

/**
 * The day something was done (a payment, a visit, a meeting, a settlement): a county day not after
 * today. A mistyped year (2062) put a payment into a year's totals that has not come.
 */
export const happenedOn = isoDate.refine(notAfterToday, { error: schemaMessage(NOT_AFTER_TODAY) });

/** An amount in 分: a JSON integer from 0 to MAX_FEN (100 亿元), so that any sum of them is exact. */
export const fen = z
  .number({
    error: schemaMessage({ zh: '金额应为整数（单位：分）', en: 'the amount is a whole number of fen' }),
  })
  .int({
    error: schemaMessage({ zh: '金额应为整数（单位：分）', en: 'the amount is a whole number of fen' }),
  })
  .nonnegative({ error: schemaMessage({ zh: '金额不能为负', en: 'the amount must not be negative' }) })
  .max(MAX_FEN, {
    error: schemaMessage({
      zh: '金额不能超过 100 亿元（10^12 分）',
      en: 'at most 10 billion yuan (10^12 fen)',
    }),
  });

/**
 * A sum of amounts over many projects (the dashboard's totals): a decimal string of 分, exact at
 * any size (a province's totals can pass 2^53 分, where a JSON number stops being exact).
 */
export const fenTotal = z.string().regex(/^\d+$/);

/** A count or small quantity: a JSON integer PostgreSQL's integer column holds. */
export const smallInt = (min = 0) => z.number().int().min(min).max(1_000_000);

const text = (max: number) => safeString().trim().min(1).max(max);
const optionalText = (max: number) => safeString().trim().max(max).optional();

export const FUND_SOURCE_KINDS = [
  'centralSpecial', // 中央财政专项扶贫资金
  'municipalSpecial', // 市级财政专项扶贫资金
  'countySpecial', // 县级财政专项扶贫资金
  'sector', // 行业扶贫资金
  'social', // 社会扶贫资金
  'integratedAgri', // 统筹整合涉农资金
] as const;
export type FundSourceKind = (typeof FUND_SOURCE_KINDS)[number];
export const FUND_SOURCE_LABELS: Record<FundSourceKind, string> = {
  centralSpecial: '中央财政专项扶贫资金',
  municipalSpecial: '市级财政专项扶贫资金',
  countySpecial: '县级财政专项扶贫资金',
  sector: '行业扶贫资金',
  social: '社会扶贫资金',
  integratedAgri: '统筹整合涉农资金',
};
/** The same in English: the public portal's English pages and the console's (its locale reads them here). */
export const FUND_SOURCE_LABELS_EN: Record<FundSourceKind, string> = {
  centralSpecial: 'Central special poverty funds',
  municipalSpecial: 'Municipal special poverty funds',
  countySpecial: 'County special poverty funds',
  sector: 'Sector funds',
  social: 'Social funds',
  integratedAgri: 'Integrated agricultural funds',
};

export const PROJECT_NATURES = ['new', 'continued', 'rebuilt'] as const; // 新建/续建/改建
export const PROJECT_NATURE_LABELS: Record<(typeof PROJECT_NATURES)[number], string> = {
  new: '新建',
  continued: '续建',
  rebuilt: '改建',
};
export const PROJECT_NATURE_LABELS_EN: Record<(typeof PROJECT_NATURES)[number], string> = {
  new: 'New',
  continued: 'Continued',
  rebuilt: 'Rebuilt',
};

export const plannedDatesSchema = z
  .object({
    start: isoDate,
    completion: isoDate,
    acceptance: isoDate,
    reimbursement: isoDate,
  })
  .refine((d) => d.start <= d.completion && d.completion <= d.acceptance && d.acceptance <= d.reimbursement, {
    error: schemaMessage({
      zh: '计划日期须按 开工 ≤ 竣工 ≤ 验收 ≤ 报账 排列',
      en: 'planned dates must run start ≤ completion ≤ acceptance ≤ reimbursement',
    }),
  });
export type PlannedDates = z.infer<typeof plannedDatesSchema>;

export const fundSourceInputSchema = z.object({
  kind: z.enum(FUND_SOURCE_KINDS),
  amountFen: fen.refine((n) => n > 0, {
    error: schemaMessage({ zh: '资金来源金额须大于 0', en: 'a fund source’s amount must be greater than 0' }),
  }),
  documentNo: optionalText(100),
});

/** A project's code; typed in full width by an input method, it is read as its ASCII form. */
export const projectCodeSchema = z
  .string()
  .normalize('NFKC')
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/, {
    error: schemaMessage({
      zh: '项目编号只能由字母、数字和连字符组成（3–40 位）',
      en: 'a project code is 3–40 letters, digits and hyphens',
    }),
  });

/** The bounds of a project's year (立项年度): at creation and in the dashboard's filter. */
export const PROJECT_YEAR_MIN = 2000;
export const PROJECT_YEAR_MAX = 2100;

export const createProjectSchema = z
  .object({
    code: projectCodeSchema.optional(),
    name: text(200),
    year: z.number().int().min(PROJECT_YEAR_MIN).max(PROJECT_YEAR_MAX),
    type: text(50),
    nature: z.enum(PROJECT_NATURES),
    departmentCode: text(40),
    ownerUnitCode: text(40),
    villageCodes: z.array(text(40)).min(1).max(50),
    location: optionalText(200),
    approvalDocumentNo: text(100),
    budgetFen: fen.refine((n) => n > 0, {
      error: schemaMessage({ zh: '预算须大于 0', en: 'the budget must be greater than 0' }),
    }),
    fundSources: z.array(fundSourceInputSchema).min(1).max(20),
    plannedDates: plannedDatesSchema,
  })
  .superRefine((p, ctx) => {
    if (
      fenSumEquals(
        p.fundSources.map((s) => s.amountFen),
        p.budgetFen,
      ) === false
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['fundSources'],
        message: schemaText({
          zh: '各资金来源之和须等于批复预算',
          en: 'sum of fund sources must equal the approved budget',
        }),
      });
    }
  });
export type CreateProjectInput = z.infer<typeof createProjectSchema>;

export const documentRefSchema = z.object({ title: text(200), number: optionalText(100) });
/** The most files one step may attach. */
export const STEP_ARCHIVES_MAX = 20;
/**
 * What a step carries besides its fields: the papers it rests on, by title and number, and the
 * files attached to it: archive documents of the same project, uploaded first through the archive
 * upload (their SHA-256 recorded there), named here by id.
 */
const papers = {
  documents: z.array(documentRefSchema).max(50).default([]),
  archiveIds: z
    .array(z.uuid())
    .max(STEP_ARCHIVES_MAX)
    .refine((ids) => new Set(ids).size === ids.length, { error: '附件重复 (the same file twice)' })
    .optional(),
};

/** Each action carries its own fields; `action` selects the shape. */
export const transitionSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('approveDesign'),
    documentNo: text(100),
    approvedOn: happenedOn,
    note: optionalText(1000),
    ...papers,
  }),
  z.object({
    action: z.literal('fixImplementation'),
    method: z.enum(IMPLEMENTATION_METHODS),
    recordNo: optionalText(100),
    contractor: optionalText(200),
    contractAmountFen: fen.optional(),
    note: optionalText(1000),
    ...papers,
  }),
  z.object({ action: z.literal('start'), startedOn: happenedOn, note: optionalText(1000), ...papers }),
  z.object({
    action: z.literal('reportProgress'),
    month: reportedMonth,
    percent: z.number().int().min(0).max(100),
    narrative: text(2000),
    ...papers,
  }),
  z.object({ action: z.literal('complete'), completedOn: happenedOn, note: optionalText(1000), ...papers }),
  z.object({
    action: z.literal('inspect'),
    passed: z.boolean(),
    inspectedOn: happenedOn,
    findings: optionalText(2000),
    ...papers,
  }),
  z.object({
    action: z.literal('reimburse'),
    settledOn: happenedOn,
    settledAmountFen: fen,
    note: optionalText(1000),
    ...papers,
  }),
  z.object({
    action: z.literal('handOver'),
    caretaker: text(200),
    duty: text(1000),
    handedOverOn: happenedOn,
    ...papers,
  }),
  z.object({ action: z.literal('close'), note: optionalText(1000), ...papers }),
  z
    .object({
      action: z.literal('adjust'),
      /** The approval document of the adjustment (调项批复). */
      documentNo: text(100),
      reason: text(1000),
      // What changes (content, budget, site, dates); only the fields given change.
      name: text(200).optional(),
      location: optionalText(200),
      budgetFen: fen
        .refine((n) => n > 0, {
          error: schemaMessage({ zh: '预算须大于 0', en: 'the budget must be greater than 0' }),
        })
        .optional(),
      fundSources: z.array(fundSourceInputSchema).min(1).max(20).optional(),
      villageCodes: z.array(text(40)).min(1).max(50).optional(),
      plannedDates: plannedDatesSchema.optional(),
      ...papers,
    })
    .superRefine((a, ctx) => {
      const changes = ['name', 'location', 'budgetFen', 'villageCodes', 'plannedDates'] as const;
      if (!changes.some((k) => a[k] !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: schemaText({
            zh: '调项须至少变更一项：内容、预算、地点或计划日期',
            en: 'an adjustment must change something',
          }),
        });
      }
      if ((a.budgetFen === undefined) !== (a.fundSources === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fundSources'],
          message: schemaText({
            zh: '调整预算须同时给出资金来源',
            en: 'budgetFen and fundSources change together',
          }),
        });
      } else if (
        a.budgetFen !== undefined &&
        fenSumEquals(
          a.fundSources!.map((s) => s.amountFen),
          a.budgetFen,
        ) === false
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['fundSources'],
          message: schemaText({
            zh: '各资金来源之和须等于批复预算',
            en: 'sum of fund sources must equal the approved budget',
          }),
        });
      }
    }),
  z.object({ action: z.literal('cancel'), documentNo: text(100), reason: text(1000), ...papers }),
]);
export type TransitionInput = z.infer<typeof transitionSchema>;

export const stageSchema = z.enum(STAGES);
export const actionSchema = z.enum(ACTIONS);

export const historyEntrySchema = z.object({
  seq: z.number().int(),
  action: z.string(),
  fromStage: stageSchema.nullable(),
  toStage: stageSchema,
  actorName: z.string(),
  /** Written by the platform itself (a deadline ladder's step, an import), not by an account. */
  bySystem: z.boolean(),
  at: z.string(),
  payload: z.record(z.string(), z.unknown()),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const orgRefSchema = z.object({ code: z.string(), name: z.string() });

export const projectSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  year: z.number().int(),
  type: z.string(),
  nature: z.enum(PROJECT_NATURES),
  stage: stageSchema,
  department: orgRefSchema,
  ownerUnit: orgRefSchema,
  villages: z.array(orgRefSchema),
  location: z.string().nullable(),
  approvalDocumentNo: z.string(),
  budgetFen: fen,
  fundSources: z.array(
    z.object({ kind: z.enum(FUND_SOURCE_KINDS), amountFen: fen, documentNo: z.string().nullable() }),
  ),
  plannedDates: z.object({
    start: isoDate,
    completion: isoDate,
    acceptance: isoDate,
    reimbursement: isoDate,
  }),
  progressPercent: z.number().int(),
  allowedActions: z.array(actionSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** In the list only: the project's latest overdue deadline as of today, null when none is overdue. */
  overdue: z
    .object({
      kind: z.enum(['start', 'completion', 'acceptance', 'reimbursement', 'progress']),
      /** The month of a missing progress entry (YYYY-MM); '' for a planned date. */
      period: z.string(),
      dueDate: isoDate,
      /** The ladder's level now: overdue, escalated to the county, or 约谈. */
      step: z.enum(['reminder', 'overdue', 'escalated', 'interview']),
      /** Calendar days from the due date to today in China. */
      daysLate: z.number().int(),
      responsibleUnit: orgRefSchema,
      /** How many of the project's deadlines are overdue now. */
      ladders: z.number().int(),
    })
    .nullable()
    .optional(),
});
export type ProjectDto = z.infer<typeof projectSchema>;
export type ProjectOverdueDto = NonNullable<ProjectDto['overdue']>;

export const projectDetailSchema = projectSchema.extend({ history: z.array(historyEntrySchema) });
export type ProjectDetailDto = z.infer<typeof projectDetailSchema>;

// ── project list: sorting and the fund-source filter (console-dash) ─────────────────────────
/** Columns the list may be sorted by (a whitelist: the api maps each to one SQL expression). */
export const PROJECT_SORT_COLUMNS = [
  'code',
  'name',
  'year',
  'budget',
  'stage',
  'plannedStart',
  'plannedCompletion',
  'progress',
  'updated',
  // today's days late of the project's latest overdue deadline
  'daysLate',
] as const;
export type ProjectSortColumn = (typeof PROJECT_SORT_COLUMNS)[number];
export const OVERDUE_KINDS = ['start', 'completion', 'acceptance', 'reimbursement', 'progress'] as const;
export type OverdueKind = (typeof OVERDUE_KINDS)[number];
// ── end console-dash ──

/**
 * The longest cursor the list takes back. A cursor carries the sort key of a project, by `name` the
 * whole name, base64url-encoded JSON: a 200-character name the api registers is up to 1,200 bytes
 * of JSON (6 for an escaped control character), 1,600 characters of cursor. The bound also takes
 * a name of 2,000 Chinese characters written around the api (8,000 characters of cursor), and
 * stays inside the 16 KB of request head Node accepts.
 */
export const PROJECT_CURSOR_MAX = 12_000;

export const projectListQuerySchema = z.object({
  year: z.coerce.number().int().min(PROJECT_YEAR_MIN).max(PROJECT_YEAR_MAX).optional(),
  department: z.string().max(40).optional(),
  township: z.string().max(40).optional(),
  village: z.string().max(40).optional(),
  stage: stageSchema.optional(),
  /** Projects with an active overdue alert (逾期): `any`, or one deadline kind. */
  overdue: z.enum(['any', 'start', 'completion', 'acceptance', 'reimbursement', 'progress']).optional(),
  /**
   * A part of the name or the code, any case. In the default order a search lists its first 10,000
   * matches (the total then says `totalCapped`); sorted, or exported, every match.
   */
  q: z.string().trim().max(100).optional(),
  /** Projects drawing on this fund source (console-dash). */
  fundSource: z.enum(FUND_SOURCE_KINDS).optional(),
  /** `mine`: projects whose next step is the caller's unit's (待我办理, the workbench's list in full). */
  waiting: z.enum(['mine']).optional(),
  /** Projects with an overdue deadline this unit (a code) answers for; with `overdue`, of that kind. */
  overdueUnit: z.string().max(40).optional(),
  /** Projects with a deadline ladder at this level now (提醒/逾期/上报/约谈), of `overdueUnit` and `overdue` if given. */
  ladder: z.enum(['reminder', 'overdue', 'escalated', 'interview']).optional(),
  /** Projects of this type (项目类型), exactly as registered: the statistics' drill-down by type. */
  type: z.string().trim().max(50).optional(),
  /**
   * Projects under way with no progress entry for this month (YYYY-MM): the workbench's
   * 本月未录入进度 in full, the same condition as its count.
   */
  progressMissing: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, {
      error: schemaMessage({ zh: '月份格式应为 YYYY-MM', en: 'a month as YYYY-MM' }),
    })
    .optional(),
  /** Sort column (whitelisted) and direction; without `sort`: newest year first, then by code. */
  sort: z.enum(PROJECT_SORT_COLUMNS).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
  /**
   * Keyset paging: the page after the project whose `nextCursor` this is (or before the one whose
   * `prevCursor`), in the same sort; one index range however deep, where `page` skips rows. With
   * a cursor `page` only names the page (the api echoes it).
   */
  after: z.string().max(PROJECT_CURSOR_MAX).optional(),
  before: z.string().max(PROJECT_CURSOR_MAX).optional(),
});
export type ProjectListQuery = z.infer<typeof projectListQuerySchema>;

export const projectListSchema = z.object({
  items: z.array(projectSchema),
  /** Exact up to 10,000; past that 10,000 and `totalCapped` (the list says "10,000+"). */
  total: z.number().int(),
  totalCapped: z.boolean().optional(),
  page: z.number().int(),
  pageSize: z.number().int(),
  /** `after` for the next page, null when this is the last (opaque: pass it back as it is). */
  nextCursor: z.string().nullable().optional(),
  /** `before` for the previous page, null on the first. */
  prevCursor: z.string().nullable().optional(),
});
export type ProjectListDto = z.infer<typeof projectListSchema>;

/** The 6 digits an authenticator app shows; typed in full width, they read as ASCII. */
const totpCode = z
  .string()
  .trim()
  .normalize('NFKC')
  .regex(/^\d{6}$/, { error: schemaMessage({ zh: '动态口令为 6 位数字', en: 'a code of 6 digits' }) });

export const loginSchema = z.object({
  username: text(64),
  password: z.string().min(1).max(256),
  /** The 6-digit code of the authenticator app, for accounts with two-factor authentication. */
  totp: totpCode.optional(),
});

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(1).max(256),
});

export const totpCodeSchema = z.object({ code: totpCode });
export const totpSetupSchema = z.object({ secret: z.string(), otpauthUri: z.string() });

export const ROLES = ['admin', 'leader', 'supervisor', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export const ORG_KINDS = ['county', 'office', 'department', 'township', 'village'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const meSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  orgUnit: z.object({ code: z.string(), name: z.string(), kind: z.enum(ORG_KINDS) }),
  roles: z.array(z.enum(ROLES)),
  mustChangePassword: z.boolean(),
  totpEnabled: z.boolean(),
  /** Set while the session may only change its password (`passwordChange`) or set up 2FA (`totpSetup`). */
  restriction: z.enum(['passwordChange', 'totpSetup']).nullable(),
});
export type MeDto = z.infer<typeof meSchema>;

export const orgUnitSchema = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(ORG_KINDS),
  parentCode: z.string().nullable(),
});
export const orgListSchema = z.object({ items: z.array(orgUnitSchema) });

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// ── administration ─────────────────────────────────────────────────────────────────────────
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, {
    error: schemaMessage({
      zh: '用户名只能由小写字母、数字、点、下划线和连字符组成（2–64 位）',
      en: 'a username is 2–64 lower-case letters, digits, dots, underscores and hyphens',
    }),
  });
export const orgCodeSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, {
    error: schemaMessage({
      zh: '单位代码只能由小写字母、数字和连字符组成（2–40 位）',
      en: 'a unit code is 2–40 lower-case letters, digits and hyphens',
    }),
  });

/**
 * Where an account's outside notifications go (the database checks the same formats). The messages
 * carry both languages: a schema's own message wins over the caller's zod locale.
 */
export const contactEmailSchema = safeString()
  .trim()
  .max(254)
  .pipe(z.email({ error: schemaMessage({ zh: '电子邮箱格式不正确', en: 'not a valid e-mail address' }) }));
/** A mainland mobile number: 11 digits starting with 1, optionally +86; full-width digits read as ASCII. */
export const mobilePhoneSchema = safeString()
  .trim()
  .normalize('NFKC')
  .regex(/^(\+86)?1\d{10}$/, {
    error: schemaMessage({
      zh: '手机号应为 11 位数字，可带 +86',
      en: 'a mobile number: 11 digits, optionally +86',
    }),
  });

export const adminUserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  orgUnit: orgRefSchema,
  roles: z.array(z.enum(ROLES)),
  disabled: z.boolean(),
  locked: z.boolean(),
  mustChangePassword: z.boolean(),
  totpEnabled: z.boolean(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  /** 单位主要负责人: also receives the unit's overdue alerts by the outside channels. */
  unitHead: z.boolean(),
});
export type AdminUserDto = z.infer<typeof adminUserSchema>;
export const adminUserListSchema = z.object({ items: z.array(adminUserSchema) });

export const createUserSchema = z.object({
  username: usernameSchema,
  displayName: text(50),
  orgUnitCode: orgCodeSchema,
  roles: z.array(z.enum(ROLES)).min(1).max(5),
  email: contactEmailSchema.nullable().optional(),
  phone: mobilePhoneSchema.nullable().optional(),
  unitHead: z.boolean().optional(),
});
/** Only what is sent changes; `null` clears an e-mail address or a mobile number. */
export const updateUserSchema = z
  .object({
    displayName: text(50).optional(),
    orgUnitCode: orgCodeSchema.optional(),
    roles: z.array(z.enum(ROLES)).min(1).max(5).optional(),
    email: contactEmailSchema.nullable().optional(),
    phone: mobilePhoneSchema.nullable().optional(),
    unitHead: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, {
    error: schemaMessage({ zh: '没有要修改的内容', en: 'nothing to change' }),
  });
/** A temporary password is shown once; the account must change it at the next login. */
/**
 * `temporaryPassword` is shown once: null in the answer to a retry of the same request (the same
 * Idempotency-Key), which the platform keeps without it; reset the password again if it was lost.
 */
export const userWithPasswordSchema = z.object({
  user: adminUserSchema,
  temporaryPassword: z.string().nullable(),
});
/** What of an answer with a temporary password is kept for a retry: all but the password. */
export const withoutTemporaryPassword = (body: unknown): unknown => ({
  ...(body as z.infer<typeof userWithPasswordSchema>),
  temporaryPassword: null,
});

export const createOrgUnitSchema = z.object({
  code: orgCodeSchema,
  name: text(100),
  kind: z.enum(ORG_KINDS),
  parentCode: orgCodeSchema.nullable(),
});
export const updateOrgUnitSchema = z.object({ name: text(100) });
export const alertSchema = z.object({
  kind: z.enum(['start', 'completion', 'acceptance', 'reimbursement', 'progress']),
  period: z.string(),
  step: z.enum(['reminder', 'overdue', 'escalated', 'interview']),
  dueDate: isoDate,
  stepDate: isoDate,
  /** Days late on the day this step fired. */
  daysLate: z.number().int(),
  /** Days late today while the alert is active (up to the day it closed once closed); a reminder's own figure. */
  daysLateNow: z.number().int(),
  status: z.enum(['active', 'resolved', 'superseded', 'cancelled']),
  responsibleUnit: orgRefSchema,
  raisedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type AlertDto = z.infer<typeof alertSchema>;
export const alertListSchema = z.object({ items: z.array(alertSchema) });

// ── county dashboard and list export (console-dash) ─────────────────────────────────────────
/** The list's filters and sort without paging: the xlsx export of the same list. */
export const projectExportQuerySchema = projectListQuerySchema.omit({
  page: true,
  pageSize: true,
  after: true,
  before: true,
});
export type ProjectExportQuery = z.infer<typeof projectExportQuerySchema>;

/** The kinds of unit the dashboard can be narrowed to, each as the project list's filter of that name. */
export const DASHBOARD_UNIT_KINDS = ['department', 'township', 'village'] as const;
export type DashboardUnitKind = (typeof DASHBOARD_UNIT_KINDS)[number];

/**
 * The dashboard's filter: `year` restricts every figure to the projects of that year (the project's
 * `year` column), `unit` to one unit's projects; absent, the figures cover every year and the
 * caller's whole scope.
 */
export const dashboardQuerySchema = z.object({
  year: z.coerce.number().int().min(PROJECT_YEAR_MIN).max(PROJECT_YEAR_MAX).optional(),
  /** A department (as governing department), township or village, by code. */
  unit: orgCodeSchema.optional(),
});
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

const count = z.number().int().nonnegative();
/** A ratio as integer basis points (1/10000), truncated: 12.34% = 1234. Null when the base is 0. */
const basisPoints = z.number().int().nonnegative().nullable();

/**
 * The figures of the dashboard, computed by PostgreSQL over the caller's scope only (application
 * condition and row-level security). Money is integer 分; rates are exact integer basis points.
 * Cancelled (终止) projects count in `projects` but not in the money figures.
 */
export const dashboardStatsSchema = z.object({
  scope: z.object({
    kind: z.enum(['county', 'department', 'township', 'village', 'none']),
    unit: orgRefSchema,
  }),
  /** The current month on the county's clock (Asia/Shanghai), YYYY-MM. */
  month: z.string(),
  /** The year the figures are restricted to (`?year=`), or null: every year. */
  year: z.number().int().nullable(),
  /**
   * The unit the figures are restricted to (`?unit=`), or null: the whole scope. Its projects are
   * those the list's filter of its kind gives (`department=`, `township=`, `village=`).
   */
  unit: orgRefSchema.extend({ kind: z.enum(DASHBOARD_UNIT_KINDS) }).nullable(),
  /** The years that have projects in the caller's scope (and `unit`), newest first, whatever `year` is. */
  years: z.array(z.number().int()),
  projects: z.object({
    total: count,
    byStage: z.array(z.object({ stage: stageSchema, count })),
  }),
  /** Totals are decimal strings of 分 (`fenTotal`): exact whatever the county or province adds up to. */
  money: z.object({
    budgetFen: fenTotal,
    disbursedFen: fenTotal,
    /** disbursed × 10000 ÷ budget, truncated. */
    disbursedBasisPoints: basisPoints,
    bySource: z.array(
      z.object({
        kind: z.enum(FUND_SOURCE_KINDS),
        budgetFen: fenTotal,
        disbursedFen: fenTotal,
        disbursedBasisPoints: basisPoints,
      }),
    ),
  }),
  /** Deadlines overdue now: one per project × kind × month (a ladder), whatever step it has reached. */
  overdue: z.object({
    total: count,
    projects: count,
    byKind: z.array(z.object({ kind: z.enum(OVERDUE_KINDS), count })),
    /** `count` overdue deadlines per unit, over `projects` projects (the list's total for that unit). */
    byUnit: z.array(z.object({ unit: orgRefSchema, count, projects: count })),
  }),
  /** Projects whose next step belongs to the caller's unit (side paths 调项/终止 aside). */
  waiting: z.object({
    total: count,
    items: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        stage: stageSchema,
        actions: z.array(actionSchema),
        updatedAt: z.string(),
      }),
    ),
  }),
  /** Projects under way with no progress entry for `month` (neither ledger row nor step). */
  progressMissing: z.object({
    total: count,
    items: z.array(z.object({ code: z.string(), name: z.string(), ownerUnit: orgRefSchema })),
  }),
});
export type DashboardStatsDto = z.infer<typeof dashboardStatsSchema>;
// ── end console-dash ──

// ── path parameters ─────────────────────────────────────────────────────────────────────────
/** Any 8-4-4-4-12 hex id, as PostgreSQL's uuid type reads it. */
export const uuidParam = z.guid();
/** A project in a path: its id or its code. */
export const projectRefSchema = z.union([z.guid(), projectCodeSchema]);

/**
 * The shape of a path parameter, by its name (a route may declare its own): ids are uuids except a
 * project's, which may be its code; nothing reaches a query that PostgreSQL would refuse to cast.
 */
export function paramSchemaFor(routePath: string, name: string): z.ZodType<string> {
  if (name === 'id') return routePath.startsWith('/api/projects/:id') ? projectRefSchema : uuidParam;
  if (name === 'code') return orgCodeSchema;
  if (name === 'position')
    return z.string().regex(/^\d{1,2}$/, {
      error: schemaMessage({
        zh: '资金来源序号应为非负整数',
        en: 'a fund source position: an integer ≥ 0',
      }),
    });
  if (name === 'level') return z.enum(['department', 'implementing', 'site']);
  return z.string().max(200);
}
