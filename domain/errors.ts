/** Error codes the api returns in `{error:{code,message}}`, with the HTTP status each maps to. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 422,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TRANSITION_NOT_ALLOWED: 409,
  CONFLICT: 409,
  /** The same Idempotency-Key was sent with another request (other route or other body). */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The first request with this Idempotency-Key is still being carried out. */
  IN_PROGRESS: 409,
  /** The database refused what the step would have written (its data); nothing was written. */
  STEP_REJECTED: 422,
  ARCHIVE_INTEGRITY_FAILED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  /** A step did not answer in time: it is carried out once or not at all; ask again with the key. */
  TIMEOUT: 504,
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
