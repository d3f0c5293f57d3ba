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
  /** The request line and headers pass the server's limit (16 KB): a URL too long, as a rule. */
  HEADERS_TOO_LARGE: 431,
  /** The request's headers did not arrive in time. */
  REQUEST_TIMEOUT: 408,
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

/** A message in the caller's language, from a pair or from a string in the house form. */
export function textIn(message: string | Bilingual, lang: 'zh-CN' | 'en'): string {
  const m = typeof message === 'string' ? splitBilingual(message) : message;
  return lang === 'en' ? m.en : m.zh;
}

/**
 * The language a schema's own messages are given in while a parse runs. zod words a refusal's
 * issues synchronously, when its `error` is first read; the api parses and reads them in
 * `parsingIn(lang, …)`, so a request's refusals come in its caller's language, concurrent requests
 * notwithstanding (nothing else runs meanwhile). Outside (the console's own checks), Chinese.
 */
let schemaLanguage: 'zh-CN' | 'en' = 'zh-CN';

/** Runs a synchronous parse with schema messages in `lang`. */
export function parsingIn<T>(lang: 'zh-CN' | 'en', parse: () => T): T {
  const was = schemaLanguage;
  schemaLanguage = lang;
  try {
    return parse();
  } finally {
    schemaLanguage = was;
  }
}

/** A schema's message in both languages, as zod's `error` option: said in the parse's language. */
export const schemaMessage = (m: Bilingual) => (): string => textIn(m, schemaLanguage);

/** The same for an issue a refinement adds itself (`ctx.addIssue({ message })`). */
export const schemaText = (m: Bilingual): string => textIn(m, schemaLanguage);

/** A refusal naming the field at fault (`body.amountFen`), shown beside that field. */
export interface FieldError {
  path: string;
  message: string | Bilingual;
}

/** One line for the logs: "中文 (English)", or the one text when both languages say the same. */
const houseForm = (m: Bilingual) => (m.zh === m.en ? m.zh : `${m.zh} (${m.en})`);

const isText = (m: unknown): m is string | Bilingual =>
  typeof m === 'string' ||
  (typeof m === 'object' &&
    m !== null &&
    typeof (m as Bilingual).zh === 'string' &&
    typeof (m as Bilingual).en === 'string');

/** Exactly a `{ zh, en }` pair: no other keys, both strings. */
const isPair = (v: object): v is Bilingual => {
  const keys = Object.keys(v);
  return keys.length === 2 && isText(v) && typeof v !== 'string';
};

/** A value with every `{ zh, en }` pair in it said in `lang` (plain arrays and objects only, as JSON holds). */
function saidIn(v: unknown, lang: 'zh-CN' | 'en', depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 8) return v;
  if (Array.isArray(v)) return v.map((x) => saidIn(x, lang, depth + 1));
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  if (isPair(v)) return lang === 'en' ? v.en : v.zh;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, saidIn(x, lang, depth + 1)]));
}

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

  /**
   * The details in the caller's language: each field's message (a pair or the house form), and
   * any `{ zh, en }` pair deeper in them (the acceptance gate's missing items' labels).
   */
  detailsIn(lang: 'zh-CN' | 'en'): unknown {
    if (!Array.isArray(this.details)) return saidIn(this.details, lang);
    return this.details.map((d: unknown) =>
      d && typeof d === 'object' && 'message' in d && isText(d.message)
        ? { ...(saidIn(d, lang) as object), message: textIn(d.message, lang) }
        : saidIn(d, lang),
    );
  }
}

/** The failure type the workflow raises when a transition is refused; the api maps it to 409. */
export const TRANSITION_NOT_ALLOWED = 'TransitionNotAllowed';
