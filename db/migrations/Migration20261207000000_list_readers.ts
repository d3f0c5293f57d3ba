import { Migration } from '@mikro-orm/migrations';

/**
 * The list's default order per reader: for each of a project's reader tokens but the county-wide
 * one, a row (token, list_year_key, code) beside the project's id, so a unit's page by number is a
 * range of one btree, read index-only. Beneath the policies the page walked the order's index over
 * the whole county and tested each project's tokens: a village holding one project in eighty read
 * eighty to find one, and page 500 of a village took 330 ms at a million projects (an `OFFSET`
 * skips rows only by reading them). The token in the key makes the skipped rows the unit's own.
 *
 * Derived, like `project.readers` itself: written only by the triggers below, from the rows the
 * statement changed (the generator's and 调项's set-based writes stay set-based), so no writer can
 * make it disagree with the tokens. The application role cannot read it; `app_project_page` reads
 * it as the owner for the caller's own token, and its ids are read through the policies again.
 */
export class Migration20261207000000_list_readers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE project_list_reader (
        token uuid NOT NULL,
        list_year_key integer NOT NULL,
        code text NOT NULL,
        project_id uuid NOT NULL,
        PRIMARY KEY (token, list_year_key, code) INCLUDE (project_id)
      );`);
    this.addSql(`CREATE INDEX project_list_reader_project_idx ON project_list_reader (project_id);`);
    this.addSql(`REVOKE ALL ON project_list_reader FROM sanzhang_app;`);
    this.addSql(`ALTER TABLE project_list_reader ENABLE ROW LEVEL SECURITY;`);

    // A project's rows, from a set of project rows (a transition table's).
    const rowsOf = (source: string) => `
      INSERT INTO project_list_reader (token, list_year_key, code, project_id)
      SELECT t, s.list_year_key, s.code, s.id FROM ${source} s, unnest(s.readers) t
       WHERE t <> app_reader_token('wide', NULL)`;
    this.addSql(`
      CREATE FUNCTION project_list_reader_insert() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        ${rowsOf('new_rows')};
        RETURN NULL;
      END $$;`);
    // Steps update projects all day; only a change of tokens, year or code moves a project's rows.
    const moved = `new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (o.readers IS DISTINCT FROM n.readers OR o.year <> n.year OR o.code <> n.code)`;
    this.addSql(`
      CREATE FUNCTION project_list_reader_update() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        DELETE FROM project_list_reader r USING ${moved} AND r.project_id = n.id;
        ${rowsOf(`(SELECT n.* FROM ${moved})`)};
        RETURN NULL;
      END $$;`);
    this.addSql(`
      CREATE FUNCTION project_list_reader_delete() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        DELETE FROM project_list_reader r USING old_rows o WHERE r.project_id = o.id;
        RETURN NULL;
      END $$;`);
    this.addSql(`CREATE TRIGGER project_list_reader_insert AFTER INSERT ON project
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION project_list_reader_insert();`);
    this.addSql(`CREATE TRIGGER project_list_reader_update AFTER UPDATE ON project
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION project_list_reader_update();`);
    this.addSql(`CREATE TRIGGER project_list_reader_delete AFTER DELETE ON project
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION project_list_reader_delete();`);
    this.addSql(`${rowsOf('project')};`);

    // A county-wide page by number walks the order's index over every project; with the id in it,
    // the rows it skips are read from the index alone (page 500 read 10,000 rows of the table).
    this.addSql(`CREATE INDEX project_list_key_id_idx ON project (list_year_key, code) INCLUDE (id);`);
    this.addSql(`DROP INDEX project_list_key_idx;`);
    this.addSql(`ALTER INDEX project_list_key_id_idx RENAME TO project_list_key_idx;`);

    /*
     * A page of the default order by number, as ids: the caller's token's range of the table above,
     * or for a county-wide scope the order's own index over every project. Answers nothing for a
     * scope with no token (as the policies do).
     */
    this.addSql(`
      CREATE FUNCTION app_project_page(p_offset bigint, p_limit integer) RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        IF app_scope_kind() IN ('system', 'county') THEN
          RETURN QUERY SELECT p.id FROM project p ORDER BY p.list_year_key, p.code
                        OFFSET p_offset LIMIT p_limit;
        ELSE
          RETURN QUERY SELECT r.project_id FROM project_list_reader r
                        WHERE r.token = (app_readers())[1]
                        ORDER BY r.list_year_key, r.code OFFSET p_offset LIMIT p_limit;
        END IF;
      END $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION app_project_page(bigint, integer) FROM PUBLIC;`);
    this.addSql(`GRANT EXECUTE ON FUNCTION app_project_page(bigint, integer) TO sanzhang_app;`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION app_project_page(bigint, integer);`);
    this.addSql(`DROP TRIGGER project_list_reader_insert ON project;`);
    this.addSql(`DROP TRIGGER project_list_reader_update ON project;`);
    this.addSql(`DROP TRIGGER project_list_reader_delete ON project;`);
    this.addSql(
      `DROP FUNCTION project_list_reader_insert(), project_list_reader_update(), project_list_reader_delete();`,
    );
    this.addSql(`DROP TABLE project_list_reader;`);
    this.addSql(`DROP INDEX project_list_key_idx;`);
    this.addSql(`CREATE INDEX project_list_key_idx ON project (list_year_key, code);`);
  }
}
