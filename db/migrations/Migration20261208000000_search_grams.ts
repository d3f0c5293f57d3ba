import { Migration } from '@mikro-orm/migrations';

/**
 * The list's text search for terms of one or two characters. Chinese names are searched by their
 * words, and most words are two characters (a village's name, 道路, 饮水): a trigram index holds no
 * trigram of a two-character term, so PostgreSQL read the whole index and rechecked every project
 * (3.4 s at a million projects for 罗江, found nowhere). A second GIN index holds each project's
 * characters and pairs of characters (of its name and code, lower-cased), and serves exactly
 * those terms; three characters and more stay with the trigram indexes.
 *
 * `app_project_search` now takes the term itself, not a LIKE pattern: which index serves it
 * depends on its length, and a term of one or two characters is matched by `strpos`, which needs
 * no escaping. Matches are still admitted by the policies' own rule.
 */
export class Migration20261208000000_search_grams extends Migration {
  override async up(): Promise<void> {
    // Its cost tells the planner a call is dear (an array built per row): never a per-row filter
    // where a cheaper test of the same rows stands beside it.
    this.addSql(`
      CREATE FUNCTION app_search_grams(t text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 1000 AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (SELECT lower(t) AS s) x,
          LATERAL (SELECT substr(s, i, 2) FROM generate_series(1, char_length(s) - 1) i
                   UNION ALL SELECT substr(s, i, 1) FROM generate_series(1, char_length(s)) i) gs(g)
      $$;`);
    this.addSql(
      `CREATE INDEX project_search_grams_idx ON project USING gin (app_search_grams(name || ' ' || code));`,
    );
    this.addSql(`DROP FUNCTION app_project_search(text);`);
    // Planned per call with the term's value (EXECUTE … USING): a plan kept for a rare term would
    // not suit a common one. No parallel workers: the grams' cost makes a parallel scan look
    // worth it, and starting the workers (~50 ms) is more than the few matches of a rare term.
    this.addSql(`
      CREATE FUNCTION app_project_search(term text) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER
        SET search_path = public, pg_temp SET max_parallel_workers_per_gather = 0 AS $$
      DECLARE
        t text := lower(term);
        matched text;
      BEGIN
        IF char_length(t) >= 3 THEN
          matched := '(name ILIKE $1 OR code ILIKE $1)';
          t := '%' || replace(replace(replace(t, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%';
        ELSE
          matched := 'app_search_grams(name || '' '' || code) @> ARRAY[$1]
                      AND (strpos(lower(name), $1) > 0 OR strpos(lower(code), $1) > 0)';
        END IF;
        RETURN QUERY EXECUTE 'SELECT id FROM project WHERE ' || matched || ' AND ($2 OR readers && $3)'
          USING t, app_scope_kind() IN ('system', 'county'), app_readers();
      END $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION app_project_search(text) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION app_project_search(text) TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION app_project_search(text);`);
    this.addSql(`
      CREATE FUNCTION app_project_search(pattern text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT id FROM project
         WHERE (name ILIKE pattern OR code ILIKE pattern)
           AND (app_scope_kind() IN ('system', 'county') OR readers && app_readers())
      $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION app_project_search(text) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION app_project_search(text) TO sanzhang_app;`);
    this.addSql(`DROP INDEX project_search_grams_idx;`);
    this.addSql(`DROP FUNCTION app_search_grams(text);`);
  }
}
