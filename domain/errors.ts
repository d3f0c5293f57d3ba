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

/** A message in the two languages the api answers in (the caller's Accept-Language chooses). */
export interface Bilingual {
  zh: string;
  en: string;
}

const HAN = /\p{Script=Han}/u;
const LATIN = /[A-Za-z]/;

/**
 * The house form "中文说明 (English explanation)" as its two languages: the last parenthesised part
 * (one level of parentheses may nest inside it) is the English when it has Latin letters and what
 * precedes it has Chinese. Anything else is one message, the same in both.
 */
export function splitBilingual(message: string): Bilingual {
  const m = /^([\s\S]*\S)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$/.exec(message);
  if (
    m &&
    HAN.test(m[1]!) &&
    LATIN.test(m[2]!) &&
    !HAN.test(m[2]!.replace(/「[^」]*」|“[^”]*”|"[^"]*"/g, ''))
  )
    return { zh: m[1]!, en: m[2]! };
  return { zh: message, en: message };
}

/** One line for the logs: "中文 (English)", or the one text when both languages say the same. */
const houseForm = (m: Bilingual) => (m.zh === m.en ? m.zh : `${m.zh} (${m.en})`);

export class AppError extends Error {
  readonly status: number;
  /** The message in each language; `message` keeps the house form "中文 (English)" for the logs. */
  readonly text: Bilingual;
  constructor(
    readonly code: ErrorCode,
    message: string | Bilingual,
    readonly details?: unknown,
  ) {
    super(typeof message === 'string' ? message : houseForm(message));
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.text = typeof message === 'string' ? splitBilingual(message) : message;
  }

  /** The message in the caller's language. */
  messageIn(lang: 'zh-CN' | 'en'): string {
    return lang === 'en' ? this.text.en : this.text.zh;
  }
}

/** The failure type the workflow raises when a transition is refused; the api maps it to 409. */
export const TRANSITION_NOT_ALLOWED = 'TransitionNotAllowed';
