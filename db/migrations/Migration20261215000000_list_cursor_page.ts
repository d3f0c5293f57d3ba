import { Migration } from '@mikro-orm/migrations';

/**
 * A page of the default order from a cursor, as ids: like `app_project_page` (the list_readers
 * migration) by number, the caller's token's ordered range of `project_list_reader`, or the order's
 * own index for a county-wide scope. Beneath the policies the page after a cursor walked the
 * county's order from the cursor on and tested each project's readers until it had the page: for a
 * village of 28 projects among 100,000, its second page read every project after its first (104 ms;
 * the last page of any unit reads the county's rest). In its own range it reads only its own.
 *
 * The row after (`p_key`, `p_code`), or before it when `p_backwards`, the page then in reverse
 * order as the list reads it. Answers nothing for a scope with no token (as the policies do).
 */
export class Migration20261215000000_list_cursor_page extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION app_project_page_from(p_key integer, p_code text, p_backwards boolean, p_limit integer)
        RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        reader uuid;
      BEGIN
        IF app_scope_kind() IN ('system', 'county') THEN
          IF p_backwards THEN
            RETURN QUERY SELECT p.id FROM project p WHERE (p.list_year_key, p.code) < (p_key, p_code)
                          ORDER BY p.list_year_key DESC, p.code DESC LIMIT p_limit;
          ELSE
            RETURN QUERY SELECT p.id FROM project p WHERE (p.list_year_key, p.code) > (p_key, p_code)
                          ORDER BY p.list_year_key, p.code LIMIT p_limit;
          END IF;
          RETURN;
        END IF;
        reader := (app_readers())[1];
        IF p_backwards THEN
          RETURN QUERY SELECT r.project_id FROM project_list_reader r
                        WHERE r.token = reader AND (r.list_year_key, r.code) < (p_key, p_code)
                        ORDER BY r.list_year_key DESC, r.code DESC LIMIT p_limit;
        ELSE
          RETURN QUERY SELECT r.project_id FROM project_list_reader r
                        WHERE r.token = reader AND (r.list_year_key, r.code) > (p_key, p_code)
                        ORDER BY r.list_year_key, r.code LIMIT p_limit;
        END IF;
      END $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION app_project_page_from(integer, text, boolean, integer) FROM PUBLIC;`);
    this.addSql(
      `GRANT EXECUTE ON FUNCTION app_project_page_from(integer, text, boolean, integer) TO sanzhang_app;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION app_project_page_from(integer, text, boolean, integer);`);
  }
}
