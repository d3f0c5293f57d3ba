import { Migration } from '@mikro-orm/migrations';

/**
 * The list's text search (`q`: a part of a project's name or code) through trigram indexes. Beneath
 * a row-level-security policy `ILIKE` cannot use an index, because it is not leakproof (an odd
 * pattern can raise): PostgreSQL must test the policy first, so every search read every project in
 * scope (1.1 s at a million for the county, 1.9 s for a township). `app_project_search` runs the
 * match as the owner, where the trigram indexes serve it, and admits only what the caller's scope may
 * read, by the policies' own rule (the county-wide scopes, or the reader tokens); its ids are then
 * read through the table's policies again. It answers ids alone.
 */
export class Migration20261206100000_project_search extends Migration {
  override async up(): Promise<void> {
    // pg_trgm is a trusted extension: a database owner may create it.
    this.addSql(`CREATE EXTENSION IF NOT EXISTS pg_trgm;`);
    this.addSql(`CREATE INDEX project_name_trgm_idx ON project USING gin (name gin_trgm_ops);`);
    this.addSql(`CREATE INDEX project_code_trgm_idx ON project USING gin (code gin_trgm_ops);`);
    this.addSql(`
      CREATE FUNCTION app_project_search(pattern text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT id FROM project
         WHERE (name ILIKE pattern OR code ILIKE pattern)
           AND (app_scope_kind() IN ('system', 'county') OR readers && app_readers())
      $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION app_project_search(text) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION app_project_search(text) TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION app_project_search(text);`);
    this.addSql(`DROP INDEX project_name_trgm_idx, project_code_trgm_idx;`);
  }
}
