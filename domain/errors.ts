/** Error codes the api returns in `{error:{code,message}}`, with the HTTP status each maps to. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 422,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TRANSITION_NOT_ALLOWED: 409,
  CONFLICT: 409,
  ARCHIVE_INTEGRITY_FAILED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

/** The failure type the workflow raises when a transition is refused; the api maps it to 409. */
export const TRANSITION_NOT_ALLOWED = 'TransitionNotAllowed';
