/**
 * The one error handler: typed AppErrors keep their code and status and speak the caller's
 * language (Accept-Language, as the console sends it); malformed JSON is a 400;
 * anything else is logged with its stack and answered with a generic 500 that reveals nothing.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '#domain/errors.js';
import type { Logger } from '#platform/log.js';
import { sendJson } from './http.js';
import { localeOf } from './validation.js';

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let appError: AppError;
    if (err instanceof AppError) {
      appError = err;
    } else if (isPermissionDenied(err)) {
      // PostgreSQL refused the write (row-level security, or an append-only table): the second
      // layer caught what the first let through. Logged, and answered as the refusal it is.
      log.warn(
        `${req.method} ${req.originalUrl}: refused by the database (${err instanceof Error ? err.message.split('\n')[0] : ''})`,
      );
      appError = new AppError('FORBIDDEN', '无权执行此操作 (not allowed)');
    } else if (isClientError(err)) {
      appError = clientError(err);
    } else if (isDataException(err)) {
      // PostgreSQL refused a value (SQLSTATE class 22: a malformed uuid, a date or number out of its
      // range, a NUL byte). The schemas should have refused it first; this net keeps it a 422.
      log.warn(`${req.method} ${req.originalUrl}: value refused by the database (${sqlState(err)})`);
      appError = new AppError('VALIDATION_FAILED', '请求中有超出允许范围的值 (a value is out of range)');
    } else if (isDatabaseUnavailable(err)) {
      // PostgreSQL restarting, unreachable or out of connections: most likely nothing was done (a
      // connection lost after its COMMIT went may have done it), and the same request may well
      // succeed in a moment. A 503 says so, and the console sends it again with the same key.
      // A pool that found no free connection in time is also logged as an error: a transaction
      // left open (a leak) looks the same from here.
      const note = `${req.method} ${req.originalUrl}: the database is unavailable (${describe(err)})`;
      if (isPoolTimeout(err)) log.error(note);
      else log.warn(note);
      appError = new AppError(
        'UNAVAILABLE',
        '数据库暂时不可用，请稍后重试 (the database is unavailable for a moment: try again)',
        { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
      );
    } else {
      log.error(
        `${req.method} ${req.originalUrl}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      appError = new AppError('INTERNAL', '服务器内部错误，请稍后重试 (internal error)');
    }
    if (res.headersSent) return;
    const retryAfter = retryAfterOf(appError);
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    const lang = localeOf(req);
    sendJson(res, appError.status, {
      error: {
        code: appError.code,
        // In the caller's language, and so is each field's message in the details; a message
        // still in the house form "中文 (English)" is split.
        message: appError.messageIn(lang),
        ...(appError.details !== undefined ? { details: appError.detailsIn(lang) } : {}),
      },
    });
  };
}

/** A refusal that says when to come back (`details.retryAfterSeconds`) says it in the header too. */
function retryAfterOf(e: AppError): number | undefined {
  const d = e.details as { retryAfterSeconds?: unknown } | undefined;
  return (e.status === 429 || e.status === 503) && typeof d?.retryAfterSeconds === 'number'
    ? Math.max(1, Math.ceil(d.retryAfterSeconds))
    : undefined;
}

/** SQLSTATE 42501 (insufficient_privilege), as the driver or MikroORM's wrapper carries it. */
function isPermissionDenied(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; sqlState?: unknown; previous?: unknown; cause?: unknown } | undefined,
      i = 0;
    e && i < 4;
    i++
  ) {
    if (e.code === '42501' || e.sqlState === '42501') return true;
    e = (e.previous ?? e.cause) as typeof e;
  }
  return false;
}

interface ClientError {
  status: number;
  type?: unknown;
}

/**
 * An error the HTTP layer raised about the request itself: body-parser's (malformed JSON, a body
 * whose Content-Encoding does not decode, too large, an unknown charset) and the router's (a path
 * whose percent-encoding does not decode). Each carries a 4xx `status`.
 */
function isClientError(err: unknown): err is ClientError {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as { status?: unknown; statusCode?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function clientError(err: ClientError): AppError {
  if (err.status === 413 || err.type === 'entity.too.large')
    return new AppError('PAYLOAD_TOO_LARGE', '请求体过大 (request body too large)');
  if (err.type === 'entity.parse.failed')
    return new AppError('BAD_REQUEST', '请求体不是合法的 JSON (malformed JSON body)');
  if (err.type === 'encoding.unsupported')
    return new AppError('BAD_REQUEST', '不支持该 Content-Encoding (unsupported Content-Encoding)');
  if (err.type === 'charset.unsupported')
    return new AppError('BAD_REQUEST', '不支持该字符集 (unsupported charset)');
  if (err instanceof URIError)
    return new AppError('BAD_REQUEST', '路径中的百分号编码不合法 (malformed percent-encoding in the path)');
  if (err.type === undefined)
    // body-parser wraps the decompressor's error (a gzip, deflate or br body that does not inflate).
    return new AppError(
      'BAD_REQUEST',
      '请求体无法按 Content-Encoding 解码 (the body does not decode as its Content-Encoding says)',
    );
  return new AppError('BAD_REQUEST', '请求无法读取 (the request could not be read)');
}

function sqlState(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; sqlState?: unknown; previous?: unknown; cause?: unknown } | undefined,
      i = 0;
    e && i < 4;
    i++
  ) {
    const s = typeof e.sqlState === 'string' ? e.sqlState : e.code;
    if (typeof s === 'string' && /^[0-9A-Z]{5}$/.test(s)) return s;
    e = (e.previous ?? e.cause) as typeof e;
  }
  return undefined;
}

/** SQLSTATE class 22 (data exception). */
function isDataException(err: unknown): boolean {
  return sqlState(err)?.startsWith('22') ?? false;
}

/** How long a caller is asked to wait when the database is unavailable (a restart takes seconds). */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The database could not be reached or dropped the connection: SQLSTATE 08000, 08001, 08003,
 * 08004, 08006 (connection exceptions; not 08P01, a message the server could not read, which is a
 * bug), 57P01–57P03 (shut down, crashed, starting up), 53300 (too many connections); the pg
 * driver's words for a connection lost or refused; the pool's for none free in time. A socket's
 * own error counts only as the pg driver raised it (its connection's `connect` call), not as any
 * other outside service's.
 */
function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as Chain | undefined, i = 0; e && i < 4; i++) {
    const code = typeof e.sqlState === 'string' ? e.sqlState : e.code;
    if (typeof code === 'string' && DATABASE_DOWN_STATES.has(code)) return true;
    if (isPoolTimeout(e)) return true;
    if (
      typeof e.message === 'string' &&
      /^(Connection terminated( unexpectedly)?|Client has encountered a connection error and is not queryable)/.test(
        e.message,
      )
    )
      return true;
    // node's own error for a connection refused or cut, as pg's client passes it on: it names
    // the call and the database's address.
    if (
      typeof code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code) &&
      e.syscall === 'connect' &&
      e.port === databasePort()
    )
      return true;
    e = (e.previous ?? e.cause) as Chain | undefined;
  }
  return false;
}

type Chain = {
  code?: unknown;
  sqlState?: unknown;
  name?: unknown;
  message?: unknown;
  syscall?: unknown;
  port?: unknown;
  previous?: unknown;
  cause?: unknown;
};

const DATABASE_DOWN_STATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** Knex's pool found no free connection in time (the database too slow, or a leak). */
function isPoolTimeout(err: unknown): boolean {
  for (let e = err as Chain | undefined, i = 0; e && i < 4; i++) {
    if (e.name === 'KnexTimeoutError') return true;
    e = (e.previous ?? e.cause) as Chain | undefined;
  }
  return false;
}

/** The port of DATABASE_URL (5432 when it names none), or undefined without one. */
function databasePort(): number | undefined {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  try {
    return Number(new URL(url).port || 5432);
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
