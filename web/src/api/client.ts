/**
 * The one typed API client. Request and response types come from the shared contract in
 * domain/schemas.ts (type-only imports: the contract's zod code stays out of the bundle);
 * components never call fetch themselves.
 */
import type { z } from 'zod';
import { i18n } from '../i18n';
import type {
  AdminUserDto,
  createOrgUnitSchema,
  DashboardQuery,
  DashboardStatsDto,
  ProjectExportQuery,
  createUserSchema,
  MeDto,
  orgListSchema,
  ProjectDetailDto,
  ProjectListDto,
  ProjectListQuery,
  totpSetupSchema,
  TransitionInput,
  updateUserSchema,
  userWithPasswordSchema,
} from '@domain/schemas';
import type { ArchiveDocumentDto, ArchiveRequirement, projectArchivesSchema } from '@domain/archives';
import type { DetailTable } from '@domain/detail-table';
import type { RankingMonthSummary, RankingReport, RankingRow } from '@domain/ranking/report';
import type { rankingUnitSchema } from '@domain/ranking/schemas';
import type { LEDGER_WRITES, LedgerWritePath } from '@domain/ledgers/writes';
import type { LedgersDto } from '@domain/ledgers/outputs';
import type { AlertDto } from '@domain/schemas';
import type {
  channelStatusSchema,
  deliveryDetailSchema,
  deliveryListSchema,
  deliveryQuerySchema,
  deliverySchema,
  inboxListSchema,
  InboxMessageDto,
  NotificationSettingsDto,
  templatePreviewQuerySchema,
  templatePreviewSchema,
} from '@domain/notify-schemas';
import type {
  AttachmentDto,
  CreateNoticeInput,
  CreatePolicyInput,
  CreateThreadInput,
  NoticeDto,
  NoticeListQuery,
  noticeListSchema,
  NoticeReceiptsDto,
  PolicyDto,
  PolicyListQuery,
  policyListSchema,
  PostMessageInput,
  ThreadDto,
  threadListSchema,
} from '@domain/bulletin-schemas';
import type {
  annualAssessmentSchema,
  createInterviewSchema,
  createNegativeEntrySchema,
  interviewDetailSchema,
  interviewFlagListSchema,
  interviewFlagSchema,
  interviewListSchema,
  negativeEntrySchema,
  negativeListSchema,
  publicationDetailSchema,
  publicationSchema,
  InterviewFlagListQuery,
  InterviewListQuery,
  NegativeListQuery,
} from '@domain/talks-schemas';

export type OrgListDto = z.infer<typeof orgListSchema>;
export type OrgUnitDto = OrgListDto['items'][number];
export type TotpSetupDto = z.infer<typeof totpSetupSchema>;
export type UserWithPasswordDto = z.infer<typeof userWithPasswordSchema>;
export type CreateUserInput = z.input<typeof createUserSchema>;
export type UpdateUserInput = z.input<typeof updateUserSchema>;
export type CreateOrgUnitInput = z.input<typeof createOrgUnitSchema>;
export type { AdminUserDto };

export type { RankingMonthSummary, RankingReport, RankingRow };
export type RankingUnitDto = z.infer<typeof rankingUnitSchema>;

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    /** Details given as an object rather than a list of fields: `totpRequired`, `restriction`. */
    readonly info: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The messages the api gave for one field (`body.newPassword`), joined. */
  fieldMessage(path: string): string {
    return (this.details ?? [])
      .filter((d) => d.path === path)
      .map((d) => d.message)
      .join('; ');
  }
}

/**
 * Called when the api answers 403 with `details.restriction`: the session may only change its
 * password or set up two-factor authentication (the session store reloads `me`, the router follows).
 */
let onRestricted: ((restriction: string) => void) | null = null;
export function setRestrictionHandler(fn: (restriction: string) => void) {
  onRestricted = fn;
}

/**
 * An answer that is not the api's JSON error (a proxy's 502 page, a lost connection) said in the
 * console's language: the status text or the browser's own words would be English either way.
 */
const httpFailure = (status: number) => i18n.global.t('errors.http', { status });
const networkFailure = () => new Error(i18n.global.t('errors.network'));

/** The console's language (set on <html> by i18n.ts), so that the api's messages come in it. */
function language(): Record<string, string> {
  const lang = typeof document !== 'undefined' ? document.documentElement.lang : '';
  return { 'accept-language': lang === 'en' ? 'en' : 'zh-CN' };
}

/** A fresh Idempotency-Key (getRandomValues: randomUUID needs a secure context, plain http has none). */
function newRequestKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Answers after which the same request may still have been carried out, or not yet. */
const UNCERTAIN = new Set([502, 503, 504]);

/**
 * The keys of requests whose answer was never heard, by what they ask. Sent again, by the loop
 * below or by a person pressing the button again once the signal is back, a request carries its
 * first key and the api carries it out once: on a phone in a valley an answer is lost as often as
 * a request. A key is dropped once an answer is heard. Kept in the tab's sessionStorage, so that a
 * reload in between (the field forms give back their drafts, use-field-draft.ts) changes nothing.
 */
const KEPT = 'unanswered-requests';
const unanswered = new Map<string, string>(readKept());
function readKept(): [string, string][] {
  try {
    const kept: unknown = JSON.parse(globalThis.sessionStorage?.getItem(KEPT) ?? '[]');
    return Array.isArray(kept) ? (kept as [string, string][]) : [];
  } catch {
    return [];
  }
}
function keepUnanswered(identity: string, key: string | undefined, answered: boolean) {
  if (!key) return;
  const changed = answered ? unanswered.delete(identity) : unanswered.get(identity) !== key;
  if (!changed) return;
  if (!answered) unanswered.set(identity, key);
  try {
    globalThis.sessionStorage?.setItem(KEPT, JSON.stringify([...unanswered]));
  } catch {
    // Storage refused: the keys still hold until the page is left.
  }
}

/**
 * A body's fingerprint (two 32-bit FNV-style hashes and the length), so that neither the map nor
 * the tab's storage holds the password of a login whose answer was lost, nor a photo. Not a
 * secret: a collision would only send another request with a kept key, which the api refuses
 * (422 IDEMPOTENCY_KEY_REUSED) and changes nothing.
 */
function fingerprint(data: string | Uint8Array): string {
  const at = typeof data === 'string' ? (i: number) => data.charCodeAt(i) : (i: number) => data[i]!;
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ data.length;
  for (let i = 0; i < data.length; i++) {
    const c = at(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${data.length}`;
}

/** A file by its bytes: the same photo chosen again after a reload is the same upload. */
async function identityOf(method: string, url: string, body: string | Blob | undefined): Promise<string> {
  if (!(body instanceof Blob)) return `${method} ${url} ${fingerprint(body ?? '')}`;
  return `${method} ${url} file ${fingerprint(new Uint8Array(await body.arrayBuffer()))}`;
}

/** Whether an answer says what became of the request (the same request still at work does not). */
async function heard(res: Response): Promise<boolean> {
  if (UNCERTAIN.has(res.status)) return false;
  if (res.status !== 409) return true;
  const data = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: { code?: string } } | null;
  return data?.error?.code !== 'IN_PROGRESS';
}

/**
 * A state-changing request carries an Idempotency-Key, and is sent again with the same key when
 * the answer was lost (a dropped connection, 502/503/504): the api carries it out once and the
 * retry hears the first answer.
 */
async function send(
  method: string,
  url: string,
  body: string | Blob | undefined,
  headers: Record<string, string>,
): Promise<Response> {
  const identity = method === 'GET' ? '' : await identityOf(method, url, body);
  const key = method === 'GET' ? undefined : (unanswered.get(identity) ?? newRequestKey());
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { ...language(), ...headers, ...(key ? { 'idempotency-key': key } : {}) },
    body,
  };
  const attempts = method === 'GET' ? 1 : 3;
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(url, init);
      const answered = await heard(res);
      if (answered) keepUnanswered(identity, key, true);
      if (answered || i >= attempts) {
        if (!answered) keepUnanswered(identity, key, false);
        return res;
      }
    } catch {
      if (i >= attempts) {
        keepUnanswered(identity, key, false);
        throw networkFailure();
      }
    }
    await new Promise((r) => setTimeout(r, 500 * i));
  }
}

/** Exported for the area clients beside this file (api/rectifications.ts), not for components. */
export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await send(
    method,
    url,
    body === undefined ? undefined : JSON.stringify(body),
    body === undefined ? {} : { 'content-type': 'application/json' },
  );
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    const details = err?.details;
    const info =
      details && typeof details === 'object' && !Array.isArray(details)
        ? (details as Record<string, unknown>)
        : {};
    if (res.status === 403 && typeof info.restriction === 'string') onRestricted?.(info.restriction);
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? httpFailure(res.status),
      Array.isArray(details) ? (details as ErrorDetail[]) : undefined,
      info,
    );
  }
  return data as T;
}

/** A file from the api: its bytes as a Blob, or the api's JSON error as an ApiError. */
async function requestBlob(url: string): Promise<Blob> {
  const res = await fetch(url, { credentials: 'same-origin', headers: language() }).catch(() => {
    throw networkFailure();
  });
  if (!res.ok) {
    const data = (await res.json().catch(() => null)) as {
      error?: { code?: string; message?: string; details?: unknown };
    } | null;
    const details = data?.error?.details;
    throw new ApiError(
      res.status,
      data?.error?.code ?? 'HTTP_' + res.status,
      data?.error?.message ?? httpFailure(res.status),
      undefined,
      details && typeof details === 'object' && !Array.isArray(details)
        ? (details as Record<string, unknown>)
        : {},
    );
  }
  return res.blob();
}

/**
 * An upload: the file's raw bytes with its type, and its name in `X-File-Name` (the api's CSRF
 * guard accepts a non-JSON body only with that header, which no cross-site form can send). Sent as
 * every write is, with its key, and again when the answer was lost.
 */
export async function upload<T>(url: string, file: Blob, fileName: string): Promise<T> {
  const res = await send('POST', url, file, {
    'content-type': file.type || 'application/octet-stream',
    'x-file-name': encodeURIComponent(fileName),
  });
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? httpFailure(res.status),
      Array.isArray(err?.details) ? (err.details as ErrorDetail[]) : undefined,
    );
  }
  return data as T;
}

export function qs(params: Record<string, unknown>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const str = s.toString();
  return str ? `?${str}` : '';
}

const userPath = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;
const projectPath = (id: string) => `/api/projects/${encodeURIComponent(id)}`;

// ── project page: ledgers, archives, detail table, alerts ─────────────────────────────────────────

export type { LedgersDto, ArchiveDocumentDto, ArchiveRequirement, DetailTable, AlertDto };
export type ProjectArchivesDto = z.infer<typeof projectArchivesSchema>;
export type LedgerKind = LedgersDto['completeness'][number]['ledger'];

type LedgerWrites = typeof LEDGER_WRITES;
export type { LedgerWritePath };
/**
 * Every ledger write's body, by its path under /api/projects/:id/ledgers/ (the shared input
 * schemas, as the form holds them before the server applies defaults).
 */
export type LedgerWriteBodies = { [P in LedgerWritePath]: z.input<LedgerWrites[P]['body']> };
/**
 * Every ledger write's answer: the three ledgers as they now are, and for an entry appended with an
 * id of its own, `written.id` (domain/ledgers/writes.ts `ledgerEntryWriteSchema`).
 */
export type LedgerWriteAnswers = { [P in LedgerWritePath]: z.output<LedgerWrites[P]['answer']> };
/**
 * Records that are one per project are replaced (PUT); entries are appended (POST). Typed from the
 * shared table, so a method that disagrees with the api's is a type error.
 */
export const LEDGER_WRITE_METHOD: { [P in LedgerWritePath]: Uppercase<LedgerWrites[P]['method']> } = {
  department: 'PUT',
  'department/disbursements': 'POST',
  'department/settlement': 'POST',
  'implementing/decisions': 'POST',
  'implementing/implementation': 'PUT',
  'implementing/progress': 'POST',
  'implementing/adjustments': 'POST',
  'site/visits': 'POST',
  'site/notices': 'POST',
  'site/opinions': 'POST',
  'site/beneficiaries': 'PUT',
  'site/after-care': 'PUT',
  'site/after-care-checks': 'POST',
};

export interface ArchiveUpload {
  ledger: LedgerKind;
  stage: ArchiveRequirement['stage'];
  item?: string;
  /** The ledger entry the file documents (a visit's photos). */
  entryId?: string;
}

const projectPageApi = {
  ledgers: (id: string) => request<LedgersDto>('GET', `${projectPath(id)}/ledgers`),
  /**
   * Answers with the three ledgers as they now are and, for an entry appended (a visit, a notice…),
   * `written.id`: the entry this write created, to link its files to.
   */
  writeLedger: <P extends LedgerWritePath>(id: string, path: P, body: LedgerWriteBodies[P]) =>
    request<LedgerWriteAnswers[P]>(LEDGER_WRITE_METHOD[path], `${projectPath(id)}/ledgers/${path}`, body),
  linkFundSource: (id: string, position: number, fundDocumentNo: string) =>
    request<LedgersDto>('PUT', `${projectPath(id)}/ledgers/department/fund-sources/${position}`, {
      fundDocumentNo,
    }),
  archives: (id: string) => request<ProjectArchivesDto>('GET', `${projectPath(id)}/archives`),
  archiveRequirements: () => request<{ items: ArchiveRequirement[] }>('GET', '/api/archive-requirements'),
  uploadArchive: (id: string, q: ArchiveUpload, file: Blob, fileName: string) =>
    upload<ArchiveDocumentDto>(`${projectPath(id)}/archives${qs({ ...q, fileName })}`, file, fileName),
  /** The file after the api re-checked its SHA-256 (409 ARCHIVE_INTEGRITY_FAILED when it does not match). */
  archiveFile: (archiveId: string) => requestBlob(`/api/archives/${encodeURIComponent(archiveId)}`),
  /** A link target: the browser downloads the file (the api re-checks its SHA-256 first). */
  archiveUrl: (archiveId: string) => `/api/archives/${encodeURIComponent(archiveId)}`,
  alerts: (id: string) => request<{ items: AlertDto[] }>('GET', `${projectPath(id)}/alerts`),
  detailTable: (id: string) => request<DetailTable>('GET', `${projectPath(id)}/detail-table`),
  /** A link target, not a fetch: the browser downloads the file with the session cookie. */
  detailTableUrl: (id: string, format: 'xlsx' | 'pdf') => `${projectPath(id)}/detail-table${qs({ format })}`,
  /** The project's notice-board poster (A3 PDF with the QR code of its public page). */
  posterUrl: (id: string) => `${projectPath(id)}/poster.pdf`,
};

// ── notifications: the inbox, one's own delivery settings, the administrator's view ─────────────

export type { InboxMessageDto, NotificationSettingsDto };
export type InboxListDto = z.infer<typeof inboxListSchema>;
export type DeliveryDto = z.infer<typeof deliverySchema>;
export type DeliveryDetailDto = z.infer<typeof deliveryDetailSchema>;
export type DeliveryListDto = z.infer<typeof deliveryListSchema>;
export type DeliveryQuery = z.input<typeof deliveryQuerySchema>;
export type ChannelStatusDto = z.infer<typeof channelStatusSchema>;
export type TemplatePreviewQuery = z.input<typeof templatePreviewQuerySchema>;
export type TemplatePreviewDto = z.infer<typeof templatePreviewSchema>;

const inboxPath = (id: string) => `/api/inbox/${encodeURIComponent(id)}`;
const deliveryPath = (id: string) => `/api/admin/notification-deliveries/${encodeURIComponent(id)}`;

const notifyApi = {
  inbox: (q: { unread?: boolean; page?: number; pageSize?: number } = {}) =>
    request<InboxListDto>('GET', `/api/inbox${qs({ ...q, unread: q.unread ? 'true' : undefined })}`),
  inboxUnread: () => request<{ unread: number }>('GET', '/api/inbox/unread-count'),
  markRead: (id: string) => request<InboxMessageDto>('POST', `${inboxPath(id)}/read`),
  markUnread: (id: string) => request<InboxMessageDto>('POST', `${inboxPath(id)}/unread`),
  /** Answers how many are unread afterwards (messages may have arrived meanwhile). */
  markAllRead: () => request<{ unread: number }>('POST', '/api/inbox/read-all'),
  notificationSettings: () => request<NotificationSettingsDto>('GET', '/api/me/notification-settings'),
  saveNotificationSettings: (s: NotificationSettingsDto) =>
    request<NotificationSettingsDto>('PUT', '/api/me/notification-settings', s),
  deliveries: (q: DeliveryQuery) =>
    request<DeliveryListDto>('GET', `/api/admin/notification-deliveries${qs(q)}`),
  delivery: (id: string) => request<DeliveryDetailDto>('GET', deliveryPath(id)),
  resendDelivery: (id: string) => request<DeliveryDto>('POST', `${deliveryPath(id)}/resend`),
  notificationChannels: () => request<ChannelStatusDto>('GET', '/api/admin/notification-channels'),
  templatePreview: (q: TemplatePreviewQuery) =>
    request<TemplatePreviewDto>('GET', `/api/admin/notification-templates/preview${qs(q)}`),
};

// ── 通知公告, 政策法规, 网络寻呼 (docs/bulletin.md) ─────────────────────────────────────────────

export type { AttachmentDto, NoticeDto, NoticeReceiptsDto, PolicyDto, ThreadDto };
export type NoticeListDto = z.infer<typeof noticeListSchema>;
export type NoticeSummaryDto = NoticeListDto['items'][number];
export type PolicyListDto = z.infer<typeof policyListSchema>;
export type PolicySummaryDto = PolicyListDto['items'][number];
export type ThreadListDto = z.infer<typeof threadListSchema>;
export type ThreadSummaryDto = ThreadListDto['items'][number];
export type MessageDto = ThreadDto['messages'][number];
/** Where a stored attachment is downloaded from: under its notice, policy or thread. */
export type AttachmentOwner = 'notices' | 'policies' | 'threads';

const noticePath = (id: string) => `/api/notices/${encodeURIComponent(id)}`;
const policyPath = (id: string) => `/api/policies/${encodeURIComponent(id)}`;
const threadPath = (id: string) => `/api/threads/${encodeURIComponent(id)}`;

const bulletinApi = {
  /** Uploaded first; the notice, policy or message then names its id in `attachmentIds`. */
  uploadAttachment: (file: Blob, fileName: string) =>
    upload<AttachmentDto>(`/api/bulletin-attachments${qs({ fileName })}`, file, fileName),
  /** A link target: the browser downloads the file (the api re-checks its SHA-256 first). */
  attachmentUrl: (owner: AttachmentOwner, ownerId: string, attachmentId: string) =>
    `/api/${owner}/${encodeURIComponent(ownerId)}/attachments/${encodeURIComponent(attachmentId)}`,

  notices: (q: Partial<NoticeListQuery>) => request<NoticeListDto>('GET', `/api/notices${qs(q)}`),
  notice: (id: string) => request<NoticeDto>('GET', noticePath(id)),
  publishNotice: (input: CreateNoticeInput) => request<NoticeDto>('POST', '/api/notices', input),
  /** Records the first time this account opened the notice (later calls keep that time). */
  markNoticeRead: (id: string) => request<{ readAt: string }>('POST', `${noticePath(id)}/read`),
  noticeReceipts: (id: string) => request<NoticeReceiptsDto>('GET', `${noticePath(id)}/receipts`),

  policies: (q: Partial<PolicyListQuery>) => request<PolicyListDto>('GET', `/api/policies${qs(q)}`),
  policy: (id: string) => request<PolicyDto>('GET', policyPath(id)),
  createPolicy: (input: CreatePolicyInput) => request<PolicyDto>('POST', '/api/policies', input),
  /** Replaces every field; attachments named are added to those it has. */
  updatePolicy: (id: string, input: CreatePolicyInput) => request<PolicyDto>('PUT', policyPath(id), input),

  threads: (q: { q?: string; page?: number; pageSize?: number }) =>
    request<ThreadListDto>('GET', `/api/threads${qs(q)}`),
  thread: (id: string) => request<ThreadDto>('GET', threadPath(id)),
  createThread: (input: CreateThreadInput) => request<ThreadDto>('POST', '/api/threads', input),
  postMessage: (id: string, input: PostMessageInput) =>
    request<ThreadDto>('POST', `${threadPath(id)}/messages`, input),
  markThreadRead: (id: string) => request<{ marked: number }>('POST', `${threadPath(id)}/read`),
};

// ── 约谈 records, the negative list, the annual assessment (docs/supervision.md) ──────────────
export type InterviewListDto = z.infer<typeof interviewListSchema>;
export type InterviewSummaryDto = InterviewListDto['items'][number];
export type InterviewDetailDto = z.infer<typeof interviewDetailSchema>;
export type InterviewFlagDto = z.infer<typeof interviewFlagSchema>;
export type InterviewFlagListDto = z.infer<typeof interviewFlagListSchema>;
export type CreateInterviewBody = z.input<typeof createInterviewSchema>;
export type NegativeEntryDto = z.infer<typeof negativeEntrySchema>;
export type NegativeListDto = z.infer<typeof negativeListSchema>;
export type PublicationDto = z.infer<typeof publicationSchema>;
export type PublicationDetailDto = z.infer<typeof publicationDetailSchema>;
export type AnnualAssessmentDto = z.infer<typeof annualAssessmentSchema>;

const talksApi = {
  interviews: (q: Partial<InterviewListQuery>) => request<InterviewListDto>('GET', `/api/interviews${qs(q)}`),
  interview: (id: string) => request<InterviewDetailDto>('GET', `/api/interviews/${encodeURIComponent(id)}`),
  createInterview: (input: CreateInterviewBody) =>
    request<InterviewDetailDto>('POST', '/api/interviews', input),
  interviewAttachmentUrl: (id: string, attachmentId: string) =>
    `/api/interviews/${encodeURIComponent(id)}/attachments/${encodeURIComponent(attachmentId)}`,
  interviewFlags: (q: Partial<InterviewFlagListQuery> = {}) =>
    request<InterviewFlagListDto>('GET', `/api/interview-flags${qs(q)}`),
  negativeList: (q: Partial<NegativeListQuery>) =>
    request<NegativeListDto>('GET', `/api/negative-list${qs(q)}`),
  addNegativeEntry: (input: z.input<typeof createNegativeEntrySchema>) =>
    request<NegativeEntryDto>('POST', '/api/negative-list', input),
  liftNegativeEntry: (id: number, input: { reason: string; attachmentIds: string[] }) =>
    request<NegativeEntryDto>('POST', `/api/negative-list/${id}/lift`, input),
  negativeEvidenceUrl: (id: number, attachmentId: string) =>
    `/api/negative-list/${id}/attachments/${encodeURIComponent(attachmentId)}`,
  publications: () => request<{ items: PublicationDto[] }>('GET', '/api/negative-list/publications'),
  publication: (month: string) =>
    request<PublicationDetailDto>('GET', `/api/negative-list/publications/${encodeURIComponent(month)}`),
  publishMonth: (month: string) =>
    request<PublicationDetailDto>('POST', '/api/negative-list/publications', { month }),
  annualAssessment: (code: string, year: number) =>
    request<AnnualAssessmentDto>(
      'GET',
      `/api/units/${encodeURIComponent(code)}/annual-assessment${qs({ year })}`,
    ),
};

// ── the monthly ranking (月度考核排名) ──
const rankingApi = {
  rankingMonths: () => request<{ items: RankingMonthSummary[] }>('GET', '/api/ranking/months'),
  rankingReport: (month: string) =>
    request<RankingReport>('GET', `/api/ranking/months/${encodeURIComponent(month)}`),
  rankingUnit: (month: string, unitId: string) =>
    request<RankingUnitDto>(
      'GET',
      `/api/ranking/months/${encodeURIComponent(month)}/units/${encodeURIComponent(unitId)}`,
    ),
  /** The month so far as of today's end (Asia/Shanghai): computed on request, never stored. */
  rankingPreview: () => request<{ asOf: string; report: RankingReport }>('GET', '/api/ranking/preview'),
  rankingPreviewUnit: (unitId: string, asOf: string) =>
    request<RankingUnitDto>('GET', `/api/ranking/preview/units/${encodeURIComponent(unitId)}${qs({ asOf })}`),
  /** No month: the month just over; a month: a backfill (the supervision office). */
  rankingRun: (month?: string) =>
    request<{ month: string; created: boolean; workflowId: string }>(
      'POST',
      '/api/ranking/runs',
      month ? { month } : {},
    ),
  /** A link target: the browser downloads the file with the session cookie. */
  rankingExportUrl: (month: string, format: 'xlsx' | 'pdf') =>
    `/api/ranking/months/${encodeURIComponent(month)}/export${qs({ format })}`,
};

export const api = {
  login: (username: string, password: string, totp?: string) =>
    request<MeDto>('POST', '/api/auth/login', { username, password, ...(totp ? { totp } : {}) }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<MeDto>('GET', '/api/auth/me'),
  orgs: () => request<OrgListDto>('GET', '/api/orgs'),
  listProjects: (q: Partial<ProjectListQuery>) => request<ProjectListDto>('GET', `/api/projects${qs(q)}`),
  getProject: (id: string) => request<ProjectDetailDto>('GET', `/api/projects/${encodeURIComponent(id)}`),
  transition: (id: string, input: TransitionInput) =>
    request<ProjectDetailDto>('POST', `/api/projects/${encodeURIComponent(id)}/transitions`, input),

  // ── own account ──
  /** Every session of the account ends; the answer sets a fresh session cookie for this client. */
  changePassword: (currentPassword: string, newPassword: string) =>
    request<MeDto>('POST', '/api/auth/password', { currentPassword, newPassword }),
  totpSetup: () => request<TotpSetupDto>('POST', '/api/auth/totp/setup'),
  totpEnable: (code: string) => request<MeDto>('POST', '/api/auth/totp/enable', { code }),
  totpDisable: (code: string) => request<MeDto>('POST', '/api/auth/totp/disable', { code }),

  // ── administration (administrators only) ──
  adminUsers: (q?: string) => request<{ items: AdminUserDto[] }>('GET', `/api/admin/users${qs({ q })}`),
  createUser: (input: CreateUserInput) => request<UserWithPasswordDto>('POST', '/api/admin/users', input),
  updateUser: (id: string, input: UpdateUserInput) => request<AdminUserDto>('PATCH', userPath(id), input),
  resetPassword: (id: string) => request<UserWithPasswordDto>('POST', `${userPath(id)}/reset-password`),
  disableUser: (id: string) => request<AdminUserDto>('POST', `${userPath(id)}/disable`),
  enableUser: (id: string) => request<AdminUserDto>('POST', `${userPath(id)}/enable`),
  createOrgUnit: (input: CreateOrgUnitInput) => request<OrgUnitDto>('POST', '/api/admin/org-units', input),
  renameOrgUnit: (code: string, name: string) =>
    request<OrgUnitDto>('PATCH', `/api/admin/org-units/${encodeURIComponent(code)}`, { name }),

  // ── dashboard figures and the list export (console-dash) ──
  dashboardStats: (q: DashboardQuery = {}) =>
    request<DashboardStatsDto>('GET', `/api/stats/dashboard${qs(q)}`),
  /** A link, not a request: the browser downloads the file with the session cookie. */
  projectsExportUrl: (q: Partial<ProjectExportQuery>) => `/api/projects/export${qs(q)}`,

  ...projectPageApi,
  ...notifyApi,
  ...bulletinApi,
  ...talksApi,
  ...rankingApi,
};
