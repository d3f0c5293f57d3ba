/**
 * The list's ordered ranges per reader (`project_list_reader`, the list_readers migration) against
 * what they derive from: a row for each project and each of its reader tokens but the county-wide
 * one, with the project's order key and code. Recomputed here from `project` as the owner and
 * compared both ways; the tokens themselves are checked against the read rule in rls-readers.test.ts.
 */
import type pg from 'pg';

const DERIVED = `
  SELECT t AS token, p.list_year_key, p.code, p.id AS project_id
    FROM project p, unnest(p.readers) t WHERE t <> md5('wide:')::uuid`;
const KEPT = `SELECT token, list_year_key, code, project_id FROM project_list_reader`;

/** Rows on one side only, as text (empty: the table is exactly what the projects say). */
export async function listReaderDifferences(db: pg.Pool): Promise<string[]> {
  const out: string[] = [];
  for (const [side, a, b] of [
    ['missing', DERIVED, KEPT],
    ['stale', KEPT, DERIVED],
  ] as const) {
    const { rows } = await db.query(`${a} EXCEPT ${b} LIMIT 20`);
    for (const r of rows) out.push(`${side}: ${JSON.stringify(r)}`);
  }
  return out;
}
