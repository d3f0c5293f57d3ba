import { Migration } from '@mikro-orm/migrations';

/**
 * Whether a 约谈 record was corrected, for every reader of the record. A correction is read by the
 * units it names; one that no longer names a unit of the record it corrects (the talk was not that
 * unit's after all) was invisible to that unit, so its own list showed the record uncorrected and
 * its annual assessment counted it, where the ranking and the county's view count the correction
 * alone. SECURITY DEFINER: it answers the first correction's id, nothing of its content.
 */
export class Migration20261224000000_interview_corrected_by extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE INDEX interview_record_corrects_idx ON interview_record (corrects_id)
                   WHERE corrects_id IS NOT NULL;`);
    this.addSql(`
      CREATE FUNCTION interview_corrected_by(r_id uuid) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT c.id FROM interview_record c WHERE c.corrects_id = r_id ORDER BY c.created_at, c.id LIMIT 1
      $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION interview_corrected_by(uuid) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION interview_corrected_by(uuid) TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION interview_corrected_by(uuid);`);
    this.addSql(`DROP INDEX interview_record_corrects_idx;`);
  }
}
