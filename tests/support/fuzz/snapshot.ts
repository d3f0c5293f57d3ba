/**
 * What the database holds, in a form two moments can be compared by: the row count of every table
 * of the schema and the head (last hash) of every audit chain. A refused request must leave both
 * as they were.
 */
import type pg from 'pg';

export interface Snapshot {
  counts: Record<string, number>;
  heads: Record<string, string>;
}

export async function snapshotQuery(db: pg.Pool): Promise<string> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows.map((r) => `SELECT '${r.name}' AS t, count(*)::int AS n FROM "${r.name}"`).join(' UNION ALL ');
}

export async function takeSnapshot(db: pg.Pool, countsSql: string): Promise<Snapshot> {
  const [counts, heads] = await Promise.all([
    db.query<{ t: string; n: number }>(countsSql),
    db.query<{ chain: number; hash: string }>(
      'SELECT DISTINCT ON (chain) chain, hash FROM audit_log ORDER BY chain, id DESC',
    ),
  ]);
  return {
    counts: Object.fromEntries(counts.rows.map((r) => [r.t, r.n])),
    heads: Object.fromEntries(heads.rows.map((r) => [String(r.chain), r.hash])),
  };
}

/** What changed between two snapshots: `table +n` per table, `chain k` per moved audit head. */
export function changes(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(a.counts), ...Object.keys(b.counts)])) {
    const d = (b.counts[t] ?? 0) - (a.counts[t] ?? 0);
    if (d !== 0) out.push(`${t} ${d > 0 ? '+' : ''}${d}`);
  }
  for (const c of new Set([...Object.keys(a.heads), ...Object.keys(b.heads)]))
    if (a.heads[c] !== b.heads[c]) out.push(`audit chain ${c}`);
  return out;
}
