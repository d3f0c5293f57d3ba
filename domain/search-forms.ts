/**
 * The forms in which a search term may stand in what is searched. Chinese text is typed two ways:
 * an input method in full-width mode gives ＣＫ２０２６ for CK2026, and names written the Chinese
 * way hold full-width marks (道路硬化（一期）) that a laptop's keyboard types as ASCII. A term is
 * looked for as typed, in its NFKC form (full-width letters, digits and marks as ASCII), and in
 * that form with the marks Chinese text writes in full width put back in full width; a project is
 * found by any of them. Pure: no I/O.
 */

/** ASCII marks Chinese text writes in full width (（）、，：；！？): not `-`, `.` or `/`, which codes and numbers hold. */
const WIDE_MARKS = /[(),:;!?]/g;

const widen = (c: string) => String.fromCharCode(c.charCodeAt(0) + 0xfee0);

/** The distinct forms of a term, the term as typed first. */
export function searchForms(term: string): string[] {
  const ascii = term.normalize('NFKC');
  return [...new Set([term, ascii, ascii.replace(WIDE_MARKS, widen)])];
}
