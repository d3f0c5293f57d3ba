import { Migration } from '@mikro-orm/migrations';
import { rankingInputsSql, type NoticeOnTimeRule } from '../queries/ranking-inputs.js';

/**
 * The monthly ranking's 整改按期办结 (config 2026.4, docs/supervision.md): a notice due before the
 * cutoff counts as done on time when the unit answered every problem on time, whether the office
 * has verified the answers by the cutoff or not — the office's verification time does not count
 * against the unit. Up to now only a notice closed before the cutoff counted.
 *
 * Re-creates the month's aggregate functions with db/queries/ranking-inputs.ts's text; their
 * signature, owner and grants stay (CREATE OR REPLACE). Stored reports are untouched: each is a
 * snapshot of its inputs and config (ranking_report, append-only), so a published month keeps the
 * figures it was published with; only months computed from now on use the new rule.
 */
export class Migration20261232000000_notice_answered_on_time extends Migration {
  override async up(): Promise<void> {
    this.replaceFunctions('answeredOnTime');
  }

  override async down(): Promise<void> {
    this.replaceFunctions('closedByCutoff');
  }

  private replaceFunctions(rule: NoticeOnTimeRule): void {
    for (const group of ['department', 'township'] as const)
      this.addSql(`
        CREATE OR REPLACE FUNCTION ranking_inputs_${group}(p_year int, p_month text, p_start date, p_cutoff date)
          RETURNS SETOF json LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
        BEGIN
          IF app_scope_kind() IS DISTINCT FROM 'system' THEN
            RAISE EXCEPTION 'ranking_inputs: system scope only' USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN QUERY SELECT row_to_json(x) FROM (${rankingInputsSql(group, rule)}) x;
        END $fn$;`);
  }
}
