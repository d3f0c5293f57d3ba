/**
 * Replaying the statements the api's pooled connections sent for a read (captured by
 * `npm run bench:queries`), on another connection: as that connection must send them.
 */

/** A captured `PREPARE name AS …` up to the `EXECUTE` that follows it in the same text. */
export const PREPARE = /PREPARE (sz_[0-9a-f]{24}) AS [\s\S]*?(?=;\nEXECUTE \1\b)/g;

/**
 * A captured text as a connection holding `held` must send it: a statement it has already
 * prepared only executed, one it has not prepared yet prepared first (from `prepared`, every
 * `PREPARE` text seen, by name), as the api's pooled connections do. Marks what it prepares as held.
 */
export function forConnection(
  text: string,
  held: Set<string>,
  prepared: ReadonlyMap<string, string>,
): string {
  const bare = text
    .replace(/DEALLOCATE sz_[0-9a-f]{24};\n/g, '')
    .replace(PREPARE, '')
    .replace(/(^|;\n);\n(EXECUTE )/g, '$1$2');
  const prefix: string[] = [];
  for (const m of bare.matchAll(/EXECUTE (sz_[0-9a-f]{24})/g))
    if (!held.has(m[1]!)) {
      held.add(m[1]!);
      prefix.push(prepared.get(m[1]!)!);
    }
  return [...prefix, bare].join(';\n');
}
