import { Migration } from '@mikro-orm/migrations';

/**
 * A page of the overdue filter (`?overdue=`) in the default order, as ids: like `app_project_page`
 * (the list_readers migration), the caller's token's ordered range of `project_list_reader`, or
 * the order's own index for a county-wide scope, keeping the projects with an active overdue
 * deadline. Beneath the policies the page walked the county's order and tested each project's
 * readers: the village holding one project in ten read 2,400 projects to find 21 (18 ms at a
 * million); in its own range it reads only its own.
 *
 * By number (`p_offset`) or from a cursor (`p_key`, `p_code`: the row after it, or before it when
 * `p_backwards`, the page then in reverse order as the list reads it). `p_kind` NULL: any kind.
 * The text is planned at each call with its values (EXECUTE), as the owner: which way serves
 * best — walking the range and probing each project's alerts, or fetching the kind's few active
 * alerts and sorting — depends on how common the kind is, and the owner's estimates are not
 * blurred by the policies. Answers nothing for a scope with no token (as the policies do).
 */
export class Migration20261210000000_overdue_page extends Migration {
  override async up(): Promise<void> {
    // A kind few projects are late on is found from its alerts, then sorted: without this index
    // that meant reading every alert's entry (17 ms at a million for a kind none was late on).
    this.addSql(`CREATE INDEX alert_active_kind_idx ON alert (kind, project_id) WHERE status = 'active';`);
    this.addSql(`
      CREATE FUNCTION app_project_overdue_page(p_kind text, p_key integer, p_code text, p_backwards boolean,
                                               p_offset bigint, p_limit integer) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
      DECLARE
        wide boolean := app_scope_kind() IN ('system', 'county');
        dir text := CASE WHEN p_backwards THEN 'DESC' ELSE 'ASC' END;
      BEGIN
        RETURN QUERY EXECUTE format(
          $q$SELECT %1$s FROM %2$s k
              WHERE %3$s
                AND EXISTS (SELECT 1 FROM alert a WHERE a.project_id = %1$s AND a.status = 'active'
                             AND a.step <> 'reminder' %4$s)
                %5$s
              ORDER BY k.list_year_key %6$s, k.code %6$s OFFSET $5 LIMIT $6$q$,
          CASE WHEN wide THEN 'k.id' ELSE 'k.project_id' END,
          CASE WHEN wide THEN 'project' ELSE 'project_list_reader' END,
          CASE WHEN wide THEN 'TRUE' ELSE 'k.token = $4' END,
          CASE WHEN p_kind IS NULL THEN '' ELSE 'AND a.kind = $1' END,
          CASE WHEN p_key IS NULL THEN ''
               ELSE format('AND (k.list_year_key, k.code) %s ($2, $3)', CASE WHEN p_backwards THEN '<' ELSE '>' END)
          END,
          dir)
          USING p_kind, p_key, p_code, (app_readers())[1], p_offset, p_limit;
      END $fn$;`);
    this.addSql(
      `REVOKE ALL ON FUNCTION app_project_overdue_page(text, integer, text, boolean, bigint, integer) FROM PUBLIC;`,
    );
    this.addSql(
      `GRANT EXECUTE ON FUNCTION app_project_overdue_page(text, integer, text, boolean, bigint, integer) TO sanzhang_app;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION app_project_overdue_page(text, integer, text, boolean, bigint, integer);`);
    this.addSql(`DROP INDEX alert_active_kind_idx;`);
  }
}
