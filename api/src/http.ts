/**
 * The route table, and what every module's routes and services share: who the caller is, and the
 * errors they answer with. Every route is declared once with its zod schemas and its access rule;
 * the same table mounts the Express handlers, generates the OpenAPI document, and feeds the
 * authorization matrix test — a route without an access rule cannot be declared.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { AppError, textIn, type Bilingual, type FieldError } from '#domain/errors.js';
import { paramSchemaFor } from '#domain/schemas.js';
import {
  checkInputShape,
  localeOf,
  parseBodyOr422,
  parseOr422,
  refuseUnknownQueryKeys,
  type Lang,
} from './validation.js';
import type { SessionUser } from './modules/auth/session.js';
import type { Principal } from '#domain/access.js';
import type { Actor } from '#domain/project-records.js';
import type { Orm } from '#db/orm.js';
import { idempotencyOf, runOnce, type IdempotentRequest } from './idempotency.js';
import { queryKeysOf } from './schema-keys.js';
import { encodeFor } from './compress.js';

/** Who is asking: the principal every scope and level rule reads, and the person the records name. */
export interface Caller extends Principal {
  actor: Actor;
}

/** The caller of a logged-in request (routes whose access rule requires a session). */
export function callerOf(u: SessionUser): Caller {
  return {
    orgUnitId: u.orgUnit.id,
    orgKind: u.orgUnit.kind,
    roles: u.roles,
    userId: u.id,
    actor: { id: u.id, username: u.username, name: u.displayName },
  };
}

/**
 * A project the caller cannot see answers exactly as one that does not exist: whether a project
 * outside the scope exists is not the caller's to learn.
 */
export function projectNotFound(idOrCode: string): AppError {
  return new AppError('NOT_FOUND', `项目不存在或不在您的权限范围内 (project “${idOrCode}” not found)`);
}

/**
 * A request the schemas let through but a rule refuses, naming the field at fault; the message in
 * both languages (a `{ zh, en }` pair, or the house form "中文 (English)").
 */
export function invalid(path: string, message: string | Bilingual): AppError {
  return invalidFields([{ path, message }]);
}

/** Several fields refused at once, each named with its message, all in the caller's language. */
export function invalidFields(problems: FieldError[]): AppError {
  const list = (lang: 'zh-CN' | 'en') =>
    problems.map((p) => `${p.path}: ${textIn(p.message, lang)}`).join('; ');
  return new AppError(
    'VALIDATION_FAILED',
    { zh: `请求内容不合法: ${list('zh-CN')}`, en: `invalid request: ${list('en')}` },
    problems,
  );
}

/** Maps a database refusal to the api's error: constraints are the backstop of the domain checks. */
export function mapDbError(err: unknown): never {
  const e = err as { code?: string; constraint?: string; message?: string; detail?: string };
  if (e?.code === '23514' || e?.code === '23502' || e?.code === '22P02' || e?.code === '22001') {
    const rule = e.constraint ?? e.code;
    throw new AppError(
      'VALIDATION_FAILED',
      {
        zh: `数据库约束拒绝（${rule}）：${firstLine(e.message)}`,
        en: `refused by a database constraint (${rule}): ${firstLine(e.message)}`,
      },
      [
        {
          path: 'body',
          message: { zh: `违反数据库约束 ${rule}`, en: `breaks the database constraint ${rule}` },
        },
      ],
    );
  }
  if (e?.code === '23505')
    throw new AppError('CONFLICT', `记录已存在 (duplicate: ${e.constraint ?? 'unique'})`, [
      // The key's value is data, in whatever script it was written: quoted.
      {
        path: 'body',
        message: {
          zh: `记录已存在：${e.detail ?? e.constraint}`,
          en: `duplicate: “${e.detail ?? e.constraint}”`,
        },
      },
    ]);
  if (e?.code === '23503')
    throw new AppError('VALIDATION_FAILED', {
      zh: `引用的记录不存在（${e.constraint}）`,
      en: `a record it refers to does not exist (${e.constraint})`,
    });
  throw err;
}
function firstLine(s?: string) {
  return (s ?? '').split('\n')[0]!.replace(/^.* - /, '');
}

/**
 * Who may call a route. Every route must name one; the authorization matrix test derives the
 * expected answer for every account × route × in/out-of-scope object from it, so a route cannot
 * be added without deciding who may use it.
 * - public: anyone, no session
 * - authenticated: any logged-in account (its own data, or data every account may read)
 * - project.read / project.create / project.step: decided per project by domain/access.ts
 *   (and again by PostgreSQL row-level security)
 * - admin: system administrators only
 */
export type Access =
  | 'public'
  | 'authenticated'
  | 'project.read'
  | 'project.create'
  | 'project.step'
  /** A write to one ledger of a project (`ledger` names it; `query` = the request's `ledger` parameter). */
  | 'project.ledger'
  /** Fund documents: read by county-wide accounts and departments, written by department operators. */
  | 'fundDocument.read'
  | 'fundDocument.write'
  /** Supervision configuration (the archive checklist): administrators and the supervision office. */
  | 'supervision.config'
  /** Operators of any unit (ledger imports: each row is then checked against the caller's level). */
  | 'operator'
  /** A resource visible only to the account it belongs to (an import job, an inbox message). */
  | 'own'
  /**
   * Any logged-in account; the answer covers only what lies in the caller's scope (figures over
   * the projects it may read: application condition and row-level security). Console-dash.
   */
  | 'scope.read'
  /** Notices and policies: written by the county offices' operators and supervisors, and administrators. */
  | 'bulletin.publish'
  /** Messages and attachments: every account but a query account (查询). */
  | 'bulletin.write'
  /** One notice: its author's unit, the units it is addressed to, county-wide accounts. */
  | 'notice.read'
  /** Who has read a notice: county-wide accounts among its readers. */
  | 'notice.receipts'
  /** One thread: the accounts of its participant units; `thread.write` also not a query account. */
  | 'thread.read'
  | 'thread.write'
  /** The supervision office's own writes (talks, the negative list): an office's supervisor or operator. */
  | 'supervision.office'
  /** One 约谈 record: county-wide accounts and the units of the people talked to (else 404). */
  | 'interview.read'
  /** One negative-list entry: county-wide accounts, the unit listed, readers of its project (else 404). */
  | 'negativeEntry.read'
  /** A unit's annual assessment: county-wide accounts and the unit itself (else 404). */
  | 'unit.assessment'
  /** Risk red flags: county-wide accounts and the units a flag concerns read; the supervision office writes. */
  | 'redFlag.read'
  | 'redFlag.write'
  /** The monthly ranking's full reports: county-wide accounts. */
  | 'ranking.read'
  /** One unit's ranking rows and drill-down: county-wide accounts and the unit itself. */
  | 'ranking.unit'
  /** Triggering and backfilling the monthly ranking: the supervision office. */
  | 'ranking.run'
  /** Rectification notices: county-wide accounts and the unit addressed read them. */
  | 'rectification.read'
  /** Issuing, verdicts and withdrawal: the supervision office (`isSupervisionOffice`). */
  | 'rectification.issue'
  /** Answering: an operator of the unit addressed (`canAnswerRectification`). */
  | 'rectification.answer'
  /** 月通报 writes: the supervision office (an office unit's supervisor or operator). */
  | 'circular.write'
  /** One circular: county-wide accounts read drafts too; every account a published one (else 404). */
  | 'circular.read'
  /** Complaints: county-wide accounts read every one, the unit assigned its own (else 404). */
  | 'complaint.read'
  /** Acknowledging, assigning, answering, closing, reopening: the supervision office. */
  | 'complaint.office'
  /** Handling: an operator of the unit assigned (`canHandleComplaint`). */
  | 'complaint.handle'
  | 'admin';

export interface RouteContext<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  user: SessionUser | null;
  req: Request;
  res: Response;
  /** The request's `Idempotency-Key`, for routes that keep it themselves (`idempotency: 'handler'`). */
  idempotency?: IdempotentRequest;
}

export interface RouteDef<B = unknown, Q = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string; // Express syntax, e.g. /api/projects/:id
  summary: string;
  tags: string[];
  access: Access;
  /** Still callable while the session must first change its password or set up 2FA. */
  allowRestricted?: boolean;
  /** For `project.ledger`: which ledger the route writes (`query`: the request's `ledger` parameter). */
  ledger?: 'department' | 'implementing' | 'site' | 'query';
  body?: z.ZodType<B>;
  /** Shapes of the path parameters; by default each is checked by its name (domain/schemas.ts). */
  params?: Record<string, z.ZodType<string>>;
  /**
   * A file upload instead of a JSON body: the raw bytes arrive as `ctx.req.body` (a Buffer). The
   * client must send an `X-File-Name` header (see csrfGuard in app.ts).
   */
  rawBody?: { contentTypes: string[]; maxBytes: number };
  query?: z.ZodType<Q>;
  response?: z.ZodType;
  successStatus?: number;
  /** A success status that depends on the query (an import's 202, or 200 when it waited). */
  successStatusOf?: (query: Q) => number;
  /** Error statuses this route may answer with, for the OpenAPI document. */
  errors?: number[];
  /**
   * How a retried request with the same `Idempotency-Key` is kept to once: `stored` (the default
   * for state-changing routes) claims the key before the handler and replays its stored answer;
   * `handler`: the handler keeps it inside its own write (steps, ledger writes).
   */
  idempotency?: 'stored' | 'handler';
  /**
   * What of a `stored` answer is kept for a retry, when the answer holds a secret shown once (a
   * temporary password): the retry gets the answer without it. Default: the whole answer.
   */
  storedAnswer?: (body: unknown) => unknown;
  /** Returns the JSON body, or undefined when the handler wrote the response itself. */
  handler: (ctx: RouteContext<B, Q>) => Promise<unknown>;
}

export function defineRoute<B = undefined, Q = undefined>(def: RouteDef<B, Q>): RouteDef {
  return def as unknown as RouteDef;
}

export function mountRoutes(router: Router, routes: readonly RouteDef[], deps: { orm: Orm }): void {
  for (const r of routes) {
    // Who may call the route is decided before a body is read: an upload from nobody is refused
    // at once, not after its bytes have been buffered.
    const access = (req: Request, res: Response, next: () => void) => {
      try {
        checkAccess(r, req.user ?? null);
      } catch (err) {
        // The unread body is not worth reading: close the connection after the answer.
        if (r.rawBody) res.setHeader('Connection', 'close');
        throw err;
      }
      next();
    };
    const raw = r.rawBody ? [express.raw({ type: () => true, limit: r.rawBody.maxBytes })] : [];
    // The api's own routes refuse a parameter they do not read. The public pages are opened from
    // links shared in chat apps, which add parameters of their own (WeChat's `from=`), and take any.
    const queryKeys = r.path.startsWith('/api/') ? queryKeysOf(r.query) : null;
    router[r.method](r.path, access, ...raw, async (req: Request, res: Response) => {
      const user = req.user ?? null;
      if (r.rawBody && (!Buffer.isBuffer(req.body) || req.body.length === 0))
        throw new AppError('VALIDATION_FAILED', '请上传文件内容 (the request body must carry the file)', [
          { path: 'body', message: { zh: '没有文件内容', en: 'empty' } },
        ]);
      const lang: Lang = localeOf(req);
      // Every string of the request, once, whatever the route: no NUL, no lone surrogate, no
      // nesting deeper than any schema has. PostgreSQL cannot store the first, and would keep a
      // replacement character for the second.
      checkInputShape(req.params, 'params', lang);
      checkInputShape(req.query, 'query', lang);
      if (!r.rawBody) checkInputShape(req.body, 'body', lang);
      // The handler reads the parsed value: a code typed in full width is the code.
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.params as Record<string, string>)) {
        const schema = r.params?.[name] ?? paramSchemaFor(r.path, name);
        params[name] = parseOr422(schema, value, `params.${name}`, lang);
      }
      const body = r.body ? parseBodyOr422(r.body, req.body ?? {}, lang) : undefined;
      refuseUnknownQueryKeys(req.query, queryKeys, lang);
      const query = r.query ? parseOr422(r.query, req.query, 'query', lang) : undefined;
      const idempotency =
        r.method === 'get' ? undefined : idempotencyOf(req, user?.id, `${r.method} ${r.path}`);
      const run = () => r.handler({ body, query, params, user, req, res, idempotency });
      const success = r.successStatusOf?.(query) ?? r.successStatus ?? 200;
      if (idempotency && r.idempotency !== 'handler') {
        const out = await runOnce(
          deps.orm,
          idempotency,
          async () => ({ status: success, body: await run() }),
          r.storedAnswer,
        );
        if (!res.headersSent) sendJson(res, out.status, out.body);
        return;
      }
      const result = await run();
      if (result === undefined) return;
      sendJson(res, success, result);
    });
  }
}

/**
 * The answer as JSON, compressed for a client that takes it (compress.ts), and without an ETag when
 * the answer is `no-store` (every answer under /api, refusals included): Express hashes each body
 * into an ETag so that a cache can ask whether it changed, but no cache keeps these answers. The
 * public answers, which caches may keep, still get one (of the bytes sent).
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const out = encodeFor(res.req, res, Buffer.from(JSON.stringify(body) ?? '', 'utf8'));
  if (res.getHeader('Cache-Control') !== 'no-store') {
    res.send(out);
    return;
  }
  res.setHeader('Content-Length', out.length);
  res.end(out);
}

function checkAccess(r: RouteDef, user: SessionUser | null): void {
  if (r.access === 'public') return;
  if (!user) throw new AppError('UNAUTHENTICATED', '请先登录 (login required)');
  if (user.restriction && !r.allowRestricted) {
    throw new AppError(
      'FORBIDDEN',
      user.restriction === 'passwordChange'
        ? '请先修改初始密码 (change your password first)'
        : '系统管理员须先启用双因素认证 (administrators must enable two-factor authentication first)',
      { restriction: user.restriction },
    );
  }
  if (r.access === 'admin' && !user.roles.includes('admin')) {
    throw new AppError('FORBIDDEN', '仅系统管理员可用 (administrators only)');
  }
}
