/** What of the schema a backup carries: every table of `public` but the migrations' own. */
import type pg from 'pg';

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Plain and partitioned tables (a partition's rows come with its parent), in name order. */
export async function dataTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname <> $1 ORDER BY 1`,
    [MIGRATIONS_TABLE],
  );
  return rows.map((r) => r.name);
}

/** Tables whose rows name a stored file: a `storage_key` column beside its `sha256`. */
export async function archiveTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT k.table_name AS name FROM information_schema.columns k
       JOIN information_schema.columns s
         ON s.table_schema = k.table_schema AND s.table_name = k.table_name AND s.column_name = 'sha256'
      WHERE k.table_schema = 'public' AND k.column_name = 'storage_key' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** The columns an INSERT may name (generated ones are computed again). */
export async function insertableColumns(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [`public.${quoteIdent(table)}`],
  );
  return rows.map((r) => r.name);
}
