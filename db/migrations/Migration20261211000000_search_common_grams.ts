import { Migration } from '@mikro-orm/migrations';

/**
 * The list's text search for terms of three characters and more, through the trigram indexes,
 * now leaves out of the index's condition the part of the term made of grams most projects hold.
 * GIN intersects the posting lists of every trigram of the pattern, and a trigram in nearly every
 * name (工程 in a real county's, 基准项目 in the generated ones) is a list of nearly every project:
 * at a million, 基准项目1234 took 10 ms in the name index where 目1234 took 1, and 17 ms in
 * `app_project_search` against 3. The index is given the longest run of the term whose trigrams
 * are not common, and the whole term is then tested on what it finds (`strpos`, as the
 * one- and two-character terms already are), so what is answered does not change.
 *
 * Which grams are common is read from the statistics ANALYZE keeps of `project_search_grams_idx`
 * (its most common elements: characters and pairs of characters, with the share of projects
 * holding each). A trigram is held by at most as many projects as the rarer of its two pairs.
 * Without statistics (a fresh database before autovacuum's first ANALYZE), the whole term is used.
 *
 * A term of three characters and more with no three word characters in a row (a-b) has no
 * trigram, and the trigram index answered every project; it goes to the grams index, by its
 * uncommon pairs of characters.
 */
export class Migration20261211000000_search_common_grams extends Migration {
  override async up(): Promise<void> {
    // The share of projects from which a gram's posting list costs more to intersect than the rows
    // it rules out save.
    this.addSql(
      `CREATE FUNCTION app_search_common_share() RETURNS real LANGUAGE sql IMMUTABLE AS 'SELECT 0.1::real';`,
    );
    // The share of projects holding each pair of the term's characters, by position (0 for a pair
    // the statistics do not name as common, and for all of them without statistics).
    this.addSql(`
      CREATE FUNCTION app_search_pair_shares(t text) RETURNS real[]
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
        SELECT array_agg(coalesce(s.most_common_elem_freqs[
                 array_position(s.most_common_elems::text::text[], substr(t, i, 2))], 0) ORDER BY i)
          FROM generate_series(1, char_length(t) - 1) i
          LEFT JOIN pg_stats s ON s.schemaname = 'public' AND s.tablename = 'project_search_grams_idx'
      $$;`);
    this.addSql(`
      CREATE FUNCTION app_search_index_term(t text) RETURNS text
        LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
      DECLARE
        shares real[];
        n integer := char_length(t);
        run_from integer := 1;
        best_from integer := 0;
        best_len integer := 0;
      BEGIN
        -- No part of a term without three word characters in a row is served by a trigram (pg_trgm
        -- splits words at the rest), nor of one of one or two characters: no statistics to read.
        IF t !~ '[[:alnum:]]{3}' THEN
          RETURN t;
        END IF;
        shares := app_search_pair_shares(t);
        -- Trigram i is the term's characters i..i+2, held by at most as many projects as the rarer
        -- of its two pairs; a run of k uncommon trigrams is k + 2 characters.
        FOR i IN 1 .. n - 2 LOOP
          IF least(shares[i], shares[i + 1]) >= app_search_common_share() THEN
            run_from := i + 1;
          ELSIF i - run_from + 1 > best_len THEN
            best_from := run_from;
            best_len := i - run_from + 1;
          END IF;
        END LOOP;
        -- The part must hold three word characters in a row too: without, the index would answer
        -- every project.
        IF best_len = 0 OR best_len = n - 2 OR substr(t, best_from, best_len + 2) !~ '[[:alnum:]]{3}' THEN
          RETURN t;
        END IF;
        RETURN substr(t, best_from, best_len + 2);
      END $$;`);
    // For a term of three characters and more with no three word characters in a row (a-b, 3 号):
    // pg_trgm has no trigram of it, and the trigram index answered every project (1.1 s at a
    // million). Its uncommon pairs go to the grams index instead (all its pairs if none is).
    this.addSql(`
      CREATE FUNCTION app_search_index_pairs(t text) RETURNS text[]
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
        SELECT coalesce(array_agg(DISTINCT substr(t, i::int, 2)) FILTER (WHERE share < app_search_common_share()),
                        array_agg(DISTINCT substr(t, i::int, 2)))
          FROM unnest(app_search_pair_shares(t)) WITH ORDINALITY x(share, i)
      $$;`);
    for (const fn of [
      'app_search_common_share()',
      'app_search_pair_shares(text)',
      'app_search_index_term(text)',
      'app_search_index_pairs(text)',
    ])
      this.addSql(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC;`);
    this.addSql(searchFunction(true));
  }

  override async down(): Promise<void> {
    this.addSql(searchFunction(false));
    this.addSql(`DROP FUNCTION app_search_index_pairs(text);`);
    this.addSql(`DROP FUNCTION app_search_index_term(text);`);
    this.addSql(`DROP FUNCTION app_search_pair_shares(text);`);
    this.addSql(`DROP FUNCTION app_search_common_share();`);
  }
}

/** The index condition of a term of three characters and more, as the search_grams migration made it. */
const WHOLE_INDEX = `CASE WHEN char_length(t) >= 3 THEN '(name ILIKE $4 OR code ILIKE $4)'`;
/** The same, given the term's uncommon part, or its uncommon pairs when no trigram serves it. */
const REDUCED_INDEX = `CASE WHEN char_length(t) >= 3 AND t ~ '[[:alnum:]]{3}'
                    THEN '(name ILIKE $4 OR code ILIKE $4) AND ' || plain
                  WHEN char_length(t) >= 3 THEN 'app_search_grams(name || '' '' || code) @> '
                    || quote_literal(app_search_index_pairs(t)::text) || '::text[] AND ' || plain`;

/**
 * `app_project_search` as the search_grams migration made it (`reduced` false), or with the index
 * given the pattern of `app_search_index_term`'s part of the term and the whole term tested on
 * what it finds.
 */
function searchFunction(reduced: boolean): string {
  return `
      CREATE OR REPLACE FUNCTION app_project_search(term text, cap integer) RETURNS SETOF uuid
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp SET max_parallel_workers_per_gather = 0 SET enable_seqscan = off
        AS $$
      DECLARE
        t text := lower(term);
        -- What the trigram indexes are asked for (three characters and more), as a LIKE pattern.
        part text := ${reduced ? 'app_search_index_term(t)' : 't'};
        pattern text := '%' || replace(replace(replace(part, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%';
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
          || ${reduced ? REDUCED_INDEX : WHOLE_INDEX}
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
      END $$;`;
}
