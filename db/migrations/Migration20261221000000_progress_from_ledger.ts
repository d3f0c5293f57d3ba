import { Migration } from '@mikro-orm/migrations';

/**
 * A project's own progress figure (the list's, the project page's, the public page's, the poster's)
 * from its implementing ledger. The step 录入月度进度 sets it with the month's row; the ledger's form
 * and an import wrote the row alone, so the project kept its old figure while its detail table
 * showed the new one. They call this after their rows, in their transaction: while the works are
 * under way (实施中, 整改中) the figure is the latest month's. SECURITY DEFINER because only the
 * system writes the project row under row-level security; it writes nothing but that figure, from
 * rows already in the ledger.
 */
export class Migration20261221000000_progress_from_ledger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION project_progress_from_ledger(p_ids uuid[]) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        UPDATE project p SET progress_percent = m.percent
          FROM (SELECT DISTINCT ON (project_id) project_id, percent FROM monthly_progress
                 WHERE project_id = ANY (p_ids) ORDER BY project_id, month DESC) m
         WHERE p.id = m.project_id AND p.stage IN ('underway', 'rectifying')
           AND p.progress_percent IS DISTINCT FROM m.percent
      $$;`);
    // The projects whose rows came that way before: their figure as it would have been kept.
    this.addSql(`SELECT project_progress_from_ledger(ARRAY(
                   SELECT id FROM project WHERE stage IN ('underway', 'rectifying')));`);
    this.addSql(`REVOKE ALL ON FUNCTION project_progress_from_ledger(uuid[]) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION project_progress_from_ledger(uuid[]) TO sanzhang_app;`);
  }

  // The figures it set are the ledger's latest months, as later writes keep them: only the function goes.
  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION project_progress_from_ledger(uuid[]);`);
  }
}
