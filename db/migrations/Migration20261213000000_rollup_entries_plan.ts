import { Migration } from '@mikro-orm/migrations';
import { ROLLUP_ENTRIES } from './Migration20261205200000_rollups.js';

/** The set-based form for a batch: the same query, its array as a parameter. */
const BATCH = ROLLUP_ENTRIES.replace('unnest(ids)', 'unnest($1)');
/** Up to this many projects (any step's transaction) take the plan kept by the connection. */
const SMALL = 64;

/**
 * project_rollup_entries runs at the commit of every write that changes a project's figures. As a
 * SQL function (with its own search_path, so never inlined) PostgreSQL planned its query at every
 * call: about 1.8 ms of a step's 2.8 in it, the largest share of PostgreSQL's time per step. As
 * PL/pgSQL its plan is kept per connection, and generic from the first call (a plan for the
 * array's actual length costs less on paper, so PostgreSQL would otherwise plan every call). A
 * batch (an import, the generator, a rebuild: thousands of projects) is still planned for its own
 * size, by a dynamic statement (a one-off plan), so it keeps its joins.
 */
export class Migration20261213000000_rollup_entries_plan extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE OR REPLACE FUNCTION project_rollup_entries(ids uuid[]) RETURNS SETOF project_rollup_entry
        LANGUAGE plpgsql STABLE SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan
        AS $fn$
      BEGIN
        IF cardinality(ids) <= ${SMALL} THEN
          RETURN QUERY ${ROLLUP_ENTRIES};
        ELSE
          RETURN QUERY EXECUTE $batch$${BATCH}$batch$ USING ids;
        END IF;
      END $fn$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      CREATE OR REPLACE FUNCTION project_rollup_entries(ids uuid[]) RETURNS SETOF project_rollup_entry
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
${ROLLUP_ENTRIES}
      $$;`);
  }
}
