import { Migration } from '@mikro-orm/migrations';
import { ROLLUP_APPLY } from './Migration20261205200000_rollups.js';

/** Up to this many projects take the kept plans (the bound of rollup_entries_plan). */
const FEW = 64;

const applyFunction = (name: string, settings: string) => `
      CREATE OR REPLACE FUNCTION ${name}(ids uuid[]) RETURNS void
        LANGUAGE plpgsql SET search_path = public, pg_temp${settings} AS $fn$
${ROLLUP_APPLY}      END $fn$;`;

/** The rule of the readers migration, unchanged. */
const CAN_READ = `app_scope_kind() IN ('system', 'county')
            OR EXISTS (SELECT 1 FROM project p WHERE p.id = p_id AND p.readers && app_readers())`;

/**
 * Two functions every step runs, measured planning at every call (pg_stat_statements over the
 * transitions benchmark; PostgreSQL's CPU is a third of a step's):
 *
 * - project_rollup_apply, at the commit of every step: its statements on the projects' member rows
 *   were planned at every call, PostgreSQL preferring a plan for the array's real length (as
 *   project_rollup_entries did; see rollup_entries_plan). A step's few projects now take plans kept
 *   by the connection; a batch (an import, the generator, a rebuild) is still planned for its size,
 *   since a generic plan's guess of a hundred rows would join a batch's thousands in nested loops.
 *   815 → 556 µs a call in pgbench, one client moving one project between stages.
 * - app_can_read_project, which app_may_take_step calls before every step: a SQL function with its
 *   own search_path is never inlined, and called from PL/pgSQL it was planned at every call. In
 *   PL/pgSQL its query's plan is kept: app_may_take_step 270 → 56 µs. Called for each row of a
 *   policy (the negative list's tables) it costs what it did (11–12 µs a row either way).
 */
export class Migration20261214000000_step_plans extends Migration {
  override async up(): Promise<void> {
    this.addSql(applyFunction('project_rollup_apply_few', ' SET plan_cache_mode = force_generic_plan'));
    this.addSql(applyFunction('project_rollup_apply_many', ''));
    this.addSql(`
      CREATE OR REPLACE FUNCTION project_rollup_apply(ids uuid[]) RETURNS void
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $fn$
      BEGIN
        IF cardinality(ids) <= ${FEW} THEN
          PERFORM project_rollup_apply_few(ids);
        ELSE
          PERFORM project_rollup_apply_many(ids);
        END IF;
      END $fn$;`);
    this.addSql(
      `REVOKE ALL ON FUNCTION project_rollup_apply_few(uuid[]), project_rollup_apply_many(uuid[]) FROM PUBLIC;`,
    );
    this.addSql(`
      CREATE OR REPLACE FUNCTION app_can_read_project(p_id uuid) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      BEGIN
        RETURN ${CAN_READ};
      END $fn$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      CREATE OR REPLACE FUNCTION app_can_read_project(p_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT ${CAN_READ}
      $$;`);
    this.addSql(applyFunction('project_rollup_apply', ''));
    this.addSql(`DROP FUNCTION project_rollup_apply_few(uuid[]), project_rollup_apply_many(uuid[]);`);
  }
}
