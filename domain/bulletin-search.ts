/**
 * Full-text search in Chinese without a word list: the database indexes every run of Chinese
 * characters as its overlapping pairs plus the run's last character, and every word of Latin
 * letters or digits whole (`db/writes/policy-document.ts` writes them): 扶贫资金 → 扶贫 贫资 资金 金.
 * A query is cut the same way and asked as a phrase (`<->`: each token right after the one
 * before), so it finds exactly the documents holding the query as a substring, within words and
 * across punctuation. Terms separated by spaces must all occur. Both sides are read in their NFKC
 * forms: ２０２４ typed by an input method in full-width mode is the 2024 of a document, and the
 * other way round.
 */

const RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+/g;
const LATIN = /^[a-z0-9]/;

/** The tokens stored for a text (db/writes/policy-document.ts builds the search vectors from them). */
export function bulletinTokens(text: string): string[] {
  const out: string[] = [];
  for (const [run] of text.normalize('NFKC').toLowerCase().matchAll(RUN)) {
    const chars = [...run];
    if (LATIN.test(run) || chars.length === 1) out.push(run);
    else {
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
      out.push(chars.at(-1)!);
    }
  }
  return out;
}

/**
 * One term as a tsquery phrase, or null when it holds nothing searchable (punctuation only).
 * The term's last run may continue in the document, so its closing single character is not
 * required there, and its last token matches as a prefix (水 finds 水利, 202 finds 2024).
 */
function termQuery(term: string): string | null {
  const runs = [...term.normalize('NFKC').toLowerCase().matchAll(RUN)].map((m) => m[0]);
  if (runs.length === 0) return null;
  const tokens: string[] = [];
  runs.forEach((run, k) => {
    const last = k === runs.length - 1;
    const chars = [...run];
    if (LATIN.test(run) || chars.length === 1) tokens.push(last ? `${run}:*` : run);
    else {
      for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
      if (!last) tokens.push(chars.at(-1)!);
    }
  });
  return tokens.length === 1 ? tokens[0]! : `(${tokens.join(' <-> ')})`;
}

/**
 * The tsquery text for a search box's input, or null when it holds nothing searchable. Tokens are
 * Chinese characters, Latin letters and digits only, so no tsquery operator of the caller's can
 * reach PostgreSQL.
 */
export function bulletinQuery(input: string): string | null {
  const terms = input
    .split(/\s+/)
    .map(termQuery)
    .filter((t): t is string => t !== null);
  return terms.length ? terms.join(' & ') : null;
}

/** PostgreSQL keeps positions up to this, and at most this many positions per lexeme. */
const MAX_POSITION = 16383;
const MAX_POSITIONS = 256;

/**
 * The tsvector (in PostgreSQL's text form) of several fields, each with its weight, positions
 * running on from one field to the next as `||` of their vectors would. Built here rather than by
 * `to_tsvector`, whose parser cost a millisecond per page of text on every write; PostgreSQL only
 * reads the literal. Tokens are Chinese characters, Latin letters and digits: nothing to escape.
 */
export function bulletinVector(parts: readonly { text: string; weight: 'A' | 'B' | 'C' | 'D' }[]): string {
  const lexemes = new Map<string, string[]>();
  let position = 0;
  for (const { text, weight } of parts) {
    for (const token of bulletinTokens(text)) {
      position = Math.min(position + 1, MAX_POSITION);
      const at = lexemes.get(token) ?? [];
      if (at.length < MAX_POSITIONS) at.push(`${position}${weight === 'D' ? '' : weight}`);
      lexemes.set(token, at);
    }
  }
  return [...lexemes].map(([token, at]) => `'${token}':${at.join(',')}`).join(' ');
}
