import { Migration } from '@mikro-orm/migrations';

/**
 * The list's text search for terms of one or two characters. Chinese names are searched by their
 * words, and most words are two characters (a village's name, 道路, 饮水): a trigram index holds no
 * trigram of a two-character term, so PostgreSQL read the whole index and rechecked every project
 * (3.4 s at a million projects for 罗江, found nowhere). A second GIN index holds each project's
 * characters and pairs of characters (of its name and code, lower-cased), and serves exactly
 * those terms; three characters and more stay with the trigram indexes.
 *
 * `app_project_search` now takes the term itself, not a LIKE pattern (which index serves it
 * depends on its length), and a cap: the list in its default order asks for its first 10,001
 * matches only, which for a term found almost everywhere is a short walk of the order's index
 * instead of every match fetched. Matches are still admitted by the policies' own rule.
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
    // not suit a common one. No parallel workers: the grams' cost makes a parallel scan look worth
    // it, and starting them (~50 ms) is more than the few matches of a rare term. No sequential
    // scan: it would build every project's grams (28 s at a million for a term in every name).
    //
    // With a cap (the list in its default order), at most that many, the first in the order: a
    // term found in most projects (工程, 村) is then a short walk of the order's index, where
    // fetching every match took seconds; which way is cheaper is decided on the planner's
    // estimate of the matches (fetching M matches against walking N·cap/M projects). VOLATILE only
    // because PostgreSQL allows EXPLAIN in no other function; it reads, and writes nothing.
    this.addSql(`
      CREATE FUNCTION app_project_search(term text, cap integer) RETURNS SETOF uuid
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp SET max_parallel_workers_per_gather = 0 SET enable_seqscan = off
        AS $$
      DECLARE
        t text := lower(term);
        pattern text := '%' || replace(replace(replace(lower(term), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%';
        -- The match, cheap to test project by project (strpos takes the term as it is).
        plain text := '(strpos(lower(name), $1) > 0 OR strpos(lower(code), $1) > 0)';
        admitted text := '($2 OR readers && $3)';
        wide boolean := app_scope_kind() IN ('system', 'county');
        indexed text;
        plan json;
      BEGIN
        -- The match alone beneath a fence (OFFSET 0), the scope tested on what it finds: beside
        -- a condition of its own index (the readers'), the planner would test the grams project by
        -- project (3.4 s for a village at a million).
        indexed := 'SELECT id, list_year_key, code, readers FROM project WHERE '
          || CASE WHEN char_length(t) >= 3 THEN '(name ILIKE $4 OR code ILIKE $4)'
                  ELSE 'app_search_grams(name || '' '' || code) @> ARRAY[$1] AND ' || plain END;
        IF cap IS NULL THEN
          RETURN QUERY EXECUTE 'SELECT id FROM (' || indexed || ' OFFSET 0) m WHERE ' || admitted
            USING t, wide, app_readers(), pattern;
          RETURN;
        END IF;
        EXECUTE 'EXPLAIN (FORMAT JSON) ' || indexed INTO plan USING t, wide, app_readers(), pattern;
        IF (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8
           <= sqrt(greatest((SELECT reltuples FROM pg_class WHERE oid = 'project'::regclass), 1) * cap) THEN
          -- Few: every match through the index, the first in the order kept.
          RETURN QUERY EXECUTE 'SELECT id FROM (' || indexed || ' OFFSET 0) m WHERE ' || admitted
            || ' ORDER BY list_year_key, code LIMIT $5' USING t, wide, app_readers(), pattern, cap;
        ELSE
          RETURN QUERY EXECUTE 'SELECT id FROM project WHERE ' || plain || ' AND ' || admitted
            || ' ORDER BY list_year_key, code LIMIT $4' USING t, wide, app_readers(), cap;
        END IF;
      END $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION app_project_search(text, integer) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION app_project_search(text, integer) TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION app_project_search(text, integer);`);
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
