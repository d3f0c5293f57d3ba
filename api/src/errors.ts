/**
 * The one error handler: typed AppErrors keep their code and status; malformed JSON is a 400;
 * anything else is logged with its stack and answered with a generic 500 that reveals nothing.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../domain/errors.js';
import type { Logger } from '../../platform/log.js';

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
    } else if (isBodyParserError(err)) {
      appError =
        err.type === 'entity.too.large'
          ? new AppError('PAYLOAD_TOO_LARGE', '请求体过大 (request body too large)')
          : new AppError('BAD_REQUEST', '请求体不是合法的 JSON (malformed JSON body)');
    } else {
      log.error(
        `${req.method} ${req.originalUrl}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      appError = new AppError('INTERNAL', '服务器内部错误，请稍后重试 (internal error)');
    }
    if (res.headersSent) return;
    res.status(appError.status).json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details !== undefined ? { details: appError.details } : {}),
      },
    });
  };
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

function isBodyParserError(err: unknown): err is { type: string; status: number } {
  return (
    typeof err === 'object' &&
    err !== null &&
    'type' in err &&
    typeof (err as { type: unknown }).type === 'string' &&
    'status' in err
  );
}
