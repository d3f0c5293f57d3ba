import { Migration } from '@mikro-orm/migrations';

/**
 * The tables whose writes change a project's figures, how their rows name the project, and which
 * of their rows count (a project's history matters only through its progress reports).
 */
const WATCHED: readonly {
  table: string;
  key: string;
  ops: readonly ('INSERT' | 'UPDATE' | 'DELETE')[];
  rows?: string;
}[] = [
  { table: 'project', key: 'id', ops: ['INSERT', 'DELETE'] },
  { table: 'project_village', key: 'project_id', ops: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'project_fund_source', key: 'project_id', ops: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'disbursement', key: 'project_id', ops: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'alert', key: 'project_id', ops: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'monthly_progress', key: 'project_id', ops: ['INSERT', 'UPDATE', 'DELETE'] },
  { table: 'project_history', key: 'project_id', ops: ['INSERT'], rows: `action = 'reportProgress'` },
];

/**
 * A project's figures from its rows, for the projects in `ids`: the body of
 * project_rollup_entries (a later migration keeps its plan; see rollup_entries_plan).
 */
export const ROLLUP_ENTRIES = `        WITH wanted AS MATERIALIZED (SELECT DISTINCT i.id FROM unnest(ids) AS i (id)),
        p AS (
          SELECT p.id, p.year, p.department_id, p.owner_unit_id, p.type, p.stage,
                 COALESCE((SELECT array_agg(pv.village_id ORDER BY pv.village_id) FROM project_village pv
                            WHERE pv.project_id = p.id), '{}') AS village_ids
            FROM wanted w JOIN project p ON p.id = w.id
        ),
        paid AS (
          SELECT b.project_id, b.source_position, sum(b.amount_fen) AS fen
            FROM wanted w JOIN disbursement b ON b.project_id = w.id GROUP BY 1, 2
        ),
        src AS (
          SELECT s.project_id, s.kind,
                 sum(CASE WHEN p.stage = 'cancelled' THEN 0 ELSE s.amount_fen END) AS budget,
                 sum(CASE WHEN p.stage = 'cancelled' OR s.fund_document_id IS NULL THEN 0 ELSE s.amount_fen END) AS allocated,
                 sum(CASE WHEN p.stage = 'cancelled' THEN 0 ELSE COALESCE(b.fen, 0) END) AS disbursed
            FROM p JOIN project_fund_source s ON s.project_id = p.id
            LEFT JOIN paid b ON b.project_id = s.project_id AND b.source_position = s.position
           GROUP BY 1, 2
        ),
        kinds AS (
          SELECT project_id, array_agg(kind ORDER BY kind) AS kinds, sum(budget) AS budget,
                 sum(allocated) AS allocated, sum(disbursed) AS disbursed
            FROM src GROUP BY project_id
        ),
        ladder AS (
          SELECT DISTINCT a.project_id, a.kind, a.period, a.responsible_unit_id
            FROM wanted w JOIN alert a ON a.project_id = w.id
           WHERE a.status = 'active' AND a.step <> 'reminder'
        ),
        late AS (SELECT DISTINCT project_id FROM ladder),
        month AS (
          SELECT m.project_id, m.month FROM wanted w JOIN monthly_progress m ON m.project_id = w.id
          UNION
          SELECT h.project_id, h.payload->>'month' FROM wanted w JOIN project_history h ON h.project_id = w.id
           WHERE h.action = 'reportProgress' AND h.payload->>'month' IS NOT NULL
        ),
        fact AS (
          SELECT s.project_id, ROW('source', s.kind, 1, (l.project_id IS NOT NULL)::int, 0,
                                   s.budget::bigint, s.allocated::bigint, s.disbursed::bigint)::project_rollup_fact AS f
            FROM src s LEFT JOIN late l ON l.project_id = s.project_id
          UNION ALL
          SELECT project_id, ROW('overdueKind', kind, 1, 0, count(DISTINCT period)::int, 0, 0, 0)::project_rollup_fact
            FROM ladder GROUP BY project_id, kind
          UNION ALL
          SELECT project_id, ROW('overdueUnit', responsible_unit_id::text, 1, 0, count(DISTINCT (kind, period))::int,
                                 0, 0, 0)::project_rollup_fact
            FROM ladder GROUP BY project_id, responsible_unit_id
          UNION ALL
          SELECT project_id, ROW('month', month, 1, 0, 0, 0, 0, 0)::project_rollup_fact FROM month
        ),
        facts AS (
          SELECT project_id, array_agg(f ORDER BY (f).facet, (f).key) AS facts FROM fact GROUP BY project_id
        )
        SELECT p.id,
               md5(ROW(p.year, p.department_id, p.owner_unit_id, p.type, p.stage, p.village_ids,
                       COALESCE(k.kinds, '{}'))::text)::uuid,
               p.year, p.department_id, p.owner_unit_id, p.type, p.stage, p.village_ids, COALESCE(k.kinds, '{}'),
               (l.project_id IS NOT NULL)::int, COALESCE(k.budget, 0)::bigint, COALESCE(k.allocated, 0)::bigint,
               COALESCE(k.disbursed, 0)::bigint, COALESCE(f.facts, '{}')
          FROM p LEFT JOIN kinds k ON k.project_id = p.id LEFT JOIN late l ON l.project_id = p.id
          LEFT JOIN facts f ON f.project_id = p.id`;

/**
 * The body of project_rollup_apply: the projects' fresh entries against what they last added,
 * applied to their groups as the difference (a later migration keeps the plans for a step's few
 * projects; see rollup_apply_plan).
 */
export const ROLLUP_APPLY = `      DECLARE
        fresh project_rollup_entry[];
        stale project_rollup_member[];
      BEGIN
        -- One transaction per project at a time: a later one waits here, and its figures below are
        -- read after the earlier one committed (each statement of this function sees that).
        PERFORM 1 FROM project_rollup_member m WHERE m.project_id IN (SELECT unnest(ids))
          ORDER BY m.project_id FOR UPDATE OF m;
        SELECT COALESCE(array_agg(e), '{}') INTO fresh FROM project_rollup_entries(ids) e;
        SELECT COALESCE(array_agg(m), '{}') INTO stale FROM project_rollup_member m
         WHERE m.project_id IN (SELECT unnest(ids));

        -- Groups in key order, in one statement: every transaction locks them in the same order.
        INSERT INTO project_rollup AS r (sig, year, department_id, owner_unit_id, type, stage, village_ids,
               source_kinds, readers, projects, overdue_projects, budget_fen, allocated_fen, disbursed_fen)
        SELECT d.sig, COALESCE(n.year, o.year), COALESCE(n.department_id, o.department_id),
               COALESCE(n.owner_unit_id, o.owner_unit_id), COALESCE(n.type, o.type), COALESCE(n.stage, o.stage),
               COALESCE(n.village_ids, o.village_ids), COALESCE(n.source_kinds, o.source_kinds),
               COALESCE(o.readers, app_group_readers(n.department_id, n.owner_unit_id, n.village_ids)),
               d.projects, d.overdue, d.budget, d.allocated, d.disbursed
          FROM (SELECT x.sig, sum(x.projects)::int AS projects, sum(x.overdue)::int AS overdue,
                       sum(x.budget) AS budget, sum(x.allocated) AS allocated, sum(x.disbursed) AS disbursed
                  FROM (SELECT e.sig, 1 AS projects, e.overdue, e.budget_fen AS budget,
                               e.allocated_fen AS allocated, e.disbursed_fen AS disbursed FROM unnest(fresh) e
                        UNION ALL
                        SELECT m.sig, -1, -m.overdue, -m.budget_fen, -m.allocated_fen, -m.disbursed_fen
                          FROM unnest(stale) m) x
                 GROUP BY x.sig) d
          LEFT JOIN (SELECT DISTINCT ON (e.sig) e.* FROM unnest(fresh) e ORDER BY e.sig) n ON n.sig = d.sig
          LEFT JOIN project_rollup o ON o.sig = d.sig
         WHERE (d.projects, d.overdue, d.budget, d.allocated, d.disbursed) <> (0, 0, 0, 0, 0)
         ORDER BY d.sig
        ON CONFLICT (sig) DO UPDATE SET projects = r.projects + EXCLUDED.projects,
               overdue_projects = r.overdue_projects + EXCLUDED.overdue_projects,
               budget_fen = r.budget_fen + EXCLUDED.budget_fen,
               allocated_fen = r.allocated_fen + EXCLUDED.allocated_fen,
               disbursed_fen = r.disbursed_fen + EXCLUDED.disbursed_fen;

        INSERT INTO project_rollup_figure AS g (sig, facet, key, projects, overdue, ladders, budget_fen,
               allocated_fen, disbursed_fen)
        SELECT y.sig, y.facet, y.key, sum(y.projects)::int, sum(y.overdue)::int, sum(y.ladders)::int,
               sum(y.budget_fen), sum(y.allocated_fen), sum(y.disbursed_fen)
          FROM (SELECT e.sig, f.* FROM unnest(fresh) e CROSS JOIN LATERAL unnest(e.facts) f
                UNION ALL
                SELECT m.sig, f.facet, f.key, -f.projects, -f.overdue, -f.ladders, -f.budget_fen,
                       -f.allocated_fen, -f.disbursed_fen
                  FROM unnest(stale) m CROSS JOIN LATERAL unnest(m.facts) f) y
         GROUP BY y.sig, y.facet, y.key
        HAVING (sum(y.projects), sum(y.overdue), sum(y.ladders), sum(y.budget_fen), sum(y.allocated_fen),
                sum(y.disbursed_fen)) <> (0, 0, 0, 0, 0, 0)
         ORDER BY y.sig, y.facet, y.key
        ON CONFLICT (sig, facet, key) DO UPDATE SET projects = g.projects + EXCLUDED.projects,
               overdue = g.overdue + EXCLUDED.overdue, ladders = g.ladders + EXCLUDED.ladders,
               budget_fen = g.budget_fen + EXCLUDED.budget_fen,
               allocated_fen = g.allocated_fen + EXCLUDED.allocated_fen,
               disbursed_fen = g.disbursed_fen + EXCLUDED.disbursed_fen;

        INSERT INTO project_rollup_member AS m (project_id, sig, overdue, budget_fen, allocated_fen,
               disbursed_fen, facts)
        SELECT e.project_id, e.sig, e.overdue, e.budget_fen, e.allocated_fen, e.disbursed_fen, e.facts
          FROM unnest(fresh) e ORDER BY e.project_id
        ON CONFLICT (project_id) DO UPDATE SET sig = EXCLUDED.sig, overdue = EXCLUDED.overdue,
               budget_fen = EXCLUDED.budget_fen, allocated_fen = EXCLUDED.allocated_fen,
               disbursed_fen = EXCLUDED.disbursed_fen, facts = EXCLUDED.facts;
        -- A project that is gone takes its figures with it.
        DELETE FROM project_rollup_member m WHERE m.project_id IN (SELECT unnest(ids))
           AND NOT EXISTS (SELECT 1 FROM unnest(fresh) e WHERE e.project_id = m.project_id);
`;

/** County-wide scopes, as an initplan (the readers migration's form). */
const WIDE = `(SELECT app_scope_kind() IN ('system', 'county'))`;

/**
 * Rollups: the dashboard's and the statistics' figures kept by the writes themselves, so a read
 * sums a few thousand groups instead of every project in scope (docs/statistics.md, "Rollups").
 *
 * - `project_rollup` has one row per **group**: the projects that share year, department, owner
 *   unit, type, stage, villages (a sorted set) and fund-source kinds (a sorted set). Its key `sig`
 *   is an md5 of those values. It carries the group's reader tokens (the projects' own: they
 *   depend on exactly these units), so row-level security reads it as it reads `project`, and its
 *   figures: projects, projects overdue, budget, allocated and disbursed (integer 分, summed in
 *   numeric; a cancelled project's money is left out, as everywhere).
 * - `project_rollup_figure` holds a group's figures by a second key: by fund-source kind (that
 *   kind's money), by deadline kind and by responsible unit (overdue ladders, and projects with
 *   one), by month (projects with a progress entry for it).
 * - `project_rollup_member` remembers what each project last added, so a change is applied as the
 *   difference: increments, never a recomputation of a group.
 *
 * Kept by triggers on every table whose rows change the figures, whoever writes them (activities,
 * imports, the generator, a hand-written fix): a statement trigger notes the projects touched in
 * `project_rollup_dirty`, and one deferred trigger per transaction applies them all at commit —
 * one project's old figures out, its new ones in, the groups locked in key order in one statement
 * each, after the projects' own entries. Every transaction takes its locks in the same order and
 * holds them only for the commit, so concurrent writers of one group wait briefly and never
 * deadlock; the member lock makes a later transaction on the same project recompute after the
 * earlier one committed.
 */
export class Migration20261205200000_rollups extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE project_rollup (
        sig uuid PRIMARY KEY,
        year integer NOT NULL,
        department_id uuid NOT NULL,
        owner_unit_id uuid NOT NULL,
        type text NOT NULL,
        stage text NOT NULL,
        village_ids uuid[] NOT NULL,
        source_kinds text[] NOT NULL,
        readers uuid[] NOT NULL,
        projects integer NOT NULL DEFAULT 0,
        overdue_projects integer NOT NULL DEFAULT 0,
        budget_fen numeric NOT NULL DEFAULT 0,
        allocated_fen numeric NOT NULL DEFAULT 0,
        disbursed_fen numeric NOT NULL DEFAULT 0
      ) WITH (fillfactor = 50);`);
    this.addSql(`CREATE INDEX project_rollup_readers_idx ON project_rollup USING gin (readers);`);
    this.addSql(`
      CREATE TABLE project_rollup_figure (
        sig uuid NOT NULL,
        facet text NOT NULL CHECK (facet IN ('source', 'overdueKind', 'overdueUnit', 'month')),
        key text NOT NULL,
        projects integer NOT NULL DEFAULT 0,
        overdue integer NOT NULL DEFAULT 0,
        ladders integer NOT NULL DEFAULT 0,
        budget_fen numeric NOT NULL DEFAULT 0,
        allocated_fen numeric NOT NULL DEFAULT 0,
        disbursed_fen numeric NOT NULL DEFAULT 0,
        PRIMARY KEY (sig, facet, key)
      ) WITH (fillfactor = 50);`);
    // A project's figures by a second key, as it added them to its group's figure rows.
    this.addSql(`
      CREATE TYPE project_rollup_fact AS (facet text, key text, projects integer, overdue integer,
        ladders integer, budget_fen bigint, allocated_fen bigint, disbursed_fen bigint);`);
    this.addSql(`
      CREATE TABLE project_rollup_member (
        project_id uuid PRIMARY KEY,
        sig uuid NOT NULL,
        overdue integer NOT NULL,
        budget_fen bigint NOT NULL,
        allocated_fen bigint NOT NULL,
        disbursed_fen bigint NOT NULL,
        facts project_rollup_fact[] NOT NULL
      );`);
    // Transaction-local bookkeeping: never read after its commit, so not worth a WAL record.
    this.addSql(`
      CREATE UNLOGGED TABLE project_rollup_dirty (
        xid xid8 NOT NULL,
        project_id uuid NOT NULL,
        PRIMARY KEY (xid, project_id)
      );`);
    this.addSql(`CREATE UNLOGGED TABLE project_rollup_pending (xid xid8 PRIMARY KEY);`);

    // ── a project's figures, from its rows ────────────────────────────────────────────────────
    this.addSql(`
      CREATE TYPE project_rollup_entry AS (project_id uuid, sig uuid, year integer, department_id uuid,
        owner_unit_id uuid, type text, stage text, village_ids uuid[], source_kinds text[], overdue integer,
        budget_fen bigint, allocated_fen bigint, disbursed_fen bigint, facts project_rollup_fact[]);`);
    // Set-based (a batch of a generator's 100,000 projects is one call): the ids are a relation
    // joined to each table by its project index, never a test against the array — a parameter
    // array is not hashed, and a sequential scan testing each row against 100,000 ids never ends.
    // The same rules as the detail's readers:
    // allocated = sources linked to a fund document; overdue = an active step past the reminder;
    // a progress entry = a monthly_progress row or a reportProgress step, for its month.
    this.addSql(`
      CREATE FUNCTION project_rollup_entries(ids uuid[]) RETURNS SETOF project_rollup_entry
        LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
${ROLLUP_ENTRIES}
      $$;`);

    // A group's reader tokens: app_project_readers' rule over the group's units.
    this.addSql(`
      CREATE FUNCTION app_group_readers(p_department uuid, p_owner uuid, p_villages uuid[]) RETURNS uuid[]
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT array_agg(DISTINCT t ORDER BY t) FROM (
          SELECT app_reader_token('wide', NULL)
          UNION ALL SELECT app_reader_token('department', p_department)
          UNION ALL SELECT app_reader_token('department', p_owner)
          UNION ALL SELECT app_reader_token('township', p_owner)
          UNION ALL SELECT app_reader_token('village', v) FROM unnest(p_villages) v
          UNION ALL SELECT app_reader_token('township', o.parent_id)
            FROM org_unit o WHERE o.id = ANY (p_villages) AND o.parent_id IS NOT NULL
        ) x (t)
      $$;`);

    // ── applying the difference ───────────────────────────────────────────────────────────────
    this.addSql(`
      CREATE FUNCTION project_rollup_apply(ids uuid[]) RETURNS void
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
${ROLLUP_APPLY}      END $$;`);
    this.addSql(
      `REVOKE ALL ON FUNCTION project_rollup_apply(uuid[]), project_rollup_entries(uuid[]) FROM PUBLIC;`,
    );

    // ── noting the projects a statement touched, and applying them at commit ──────────────────
    this.addSql(`
      CREATE FUNCTION project_rollup_note() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        noted bigint;
        rows_of text := CASE TG_OP WHEN 'INSERT' THEN 'new_rows' WHEN 'DELETE' THEN 'old_rows'
                          ELSE 'new_rows UNION ALL SELECT * FROM old_rows' END;
      BEGIN
        -- TG_ARGV: the column naming the project, and which rows count.
        EXECUTE format('INSERT INTO project_rollup_dirty (xid, project_id)
                        SELECT DISTINCT pg_current_xact_id(), x.%I FROM (SELECT * FROM %s) x WHERE %s
                        ON CONFLICT DO NOTHING', TG_ARGV[0], rows_of, COALESCE(TG_ARGV[1], 'true'));
        GET DIAGNOSTICS noted = ROW_COUNT;
        IF noted > 0 THEN
          INSERT INTO project_rollup_pending (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
      END $$;`);
    for (const w of WATCHED) {
      for (const op of w.ops) {
        const refs =
          op === 'INSERT'
            ? 'NEW TABLE AS new_rows'
            : op === 'DELETE'
              ? 'OLD TABLE AS old_rows'
              : 'OLD TABLE AS old_rows NEW TABLE AS new_rows';
        const args = [w.key, ...(w.rows ? [w.rows] : [])].map((a) => `'${a.replace(/'/g, "''")}'`).join(', ');
        this.addSql(`CREATE TRIGGER ${w.table}_rollup_${op.toLowerCase()} AFTER ${op} ON ${w.table}
          REFERENCING ${refs} FOR EACH STATEMENT EXECUTE FUNCTION project_rollup_note(${args});`);
      }
    }
    // A project's update matters when it moves it to another group (a step's stage, say); its
    // name, dates, progress percent and reader tokens change nothing counted.
    this.addSql(`
      CREATE FUNCTION project_rollup_note_update() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO project_rollup_dirty (xid, project_id)
        SELECT DISTINCT pg_current_xact_id(), n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (o.year, o.department_id, o.owner_unit_id, o.type, o.stage)
               IS DISTINCT FROM (n.year, n.department_id, n.owner_unit_id, n.type, n.stage)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
          INSERT INTO project_rollup_pending (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`CREATE TRIGGER project_rollup_update AFTER UPDATE ON project
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
      EXECUTE FUNCTION project_rollup_note_update();`);
    // Once per transaction (one pending row), at commit: every project it touched, in one go.
    this.addSql(`
      CREATE FUNCTION project_rollup_flush() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        ids uuid[];
      BEGIN
        DELETE FROM project_rollup_pending WHERE xid = pg_current_xact_id();
        WITH done AS (DELETE FROM project_rollup_dirty WHERE xid = pg_current_xact_id() RETURNING project_id)
        SELECT array_agg(project_id ORDER BY project_id) INTO ids FROM done;
        IF ids IS NOT NULL THEN
          PERFORM project_rollup_apply(ids);
        END IF;
        RETURN NULL;
      END $$;`);
    this.addSql(`CREATE CONSTRAINT TRIGGER project_rollup_flush AFTER INSERT ON project_rollup_pending
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION project_rollup_flush();`);

    // A village moved to another township: the groups naming it follow (as project.readers does).
    this.addSql(`
      CREATE FUNCTION org_unit_parent_rollup_readers() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        PERFORM 1 FROM project_rollup r WHERE r.village_ids @> ARRAY[NEW.id] ORDER BY r.sig FOR UPDATE;
        UPDATE project_rollup r SET readers = app_group_readers(r.department_id, r.owner_unit_id, r.village_ids)
         WHERE r.village_ids @> ARRAY[NEW.id];
        RETURN NULL;
      END $$;`);
    this.addSql(`CREATE TRIGGER org_unit_parent_rollup_readers AFTER UPDATE OF parent_id ON org_unit
      FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
      EXECUTE FUNCTION org_unit_parent_rollup_readers();`);

    // ── who may read and write them ───────────────────────────────────────────────────────────
    // Only the functions above write them; the application reads the two rollup tables.
    const ALL =
      'project_rollup, project_rollup_figure, project_rollup_member, project_rollup_dirty, project_rollup_pending';
    this.addSql(`REVOKE ALL ON ${ALL} FROM sanzhang_app;`);
    this.addSql(`GRANT SELECT ON project_rollup, project_rollup_figure TO sanzhang_app;`);
    for (const table of ALL.split(', ')) this.addSql(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`);
    // The project policies' shape: a constant for county-wide reads, the reader tokens otherwise.
    this.addSql(
      `CREATE POLICY project_rollup_read_wide ON project_rollup FOR SELECT TO sanzhang_wide USING (${WIDE});`,
    );
    this.addSql(
      `CREATE POLICY project_rollup_read_unit ON project_rollup FOR SELECT USING (readers && app_readers());`,
    );
    this.addSql(`CREATE POLICY project_rollup_figure_read ON project_rollup_figure FOR SELECT
      USING (${WIDE} OR EXISTS (SELECT 1 FROM project_rollup r WHERE r.sig = project_rollup_figure.sig));`);

    // ── the lists of individual projects on the dashboard: index paths ────────────────────────
    // Waiting on a unit: one ordered range per (unit, stage), merged (api/src/modules/stats/lists.ts).
    this.addSql(
      `CREATE INDEX project_department_waiting_idx ON project (department_id, stage, updated_at, code);`,
    );
    this.addSql(
      `CREATE INDEX project_owner_waiting_idx ON project (owner_unit_id, stage, updated_at, code);`,
    );
    this.addSql(`DROP INDEX project_department_idx, project_owner_idx;`);
    // Missing progress: the projects of a stage in code order.
    this.addSql(`CREATE INDEX project_stage_code_idx ON project (stage, code);`);
    // The list's default order as one ascending key, so a keyset page is one index range.
    this.addSql(`CREATE INDEX project_list_order_idx ON project ((-year), code);`);
    this.addSql(`DROP INDEX project_year_code_idx;`);

    // ── what is there already, and a way back should they ever be written around ─────────────
    // (a load with triggers off, say): everything from the detail again, 20,000 projects a call.
    this.addSql(`
      CREATE FUNCTION project_rollup_rebuild() RETURNS void
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
      DECLARE
        chunk uuid[];
      BEGIN
        LOCK TABLE project_rollup, project_rollup_figure, project_rollup_member IN EXCLUSIVE MODE;
        DELETE FROM project_rollup_member;
        DELETE FROM project_rollup_figure;
        DELETE FROM project_rollup;
        FOR chunk IN
          SELECT array_agg(id ORDER BY id) FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 20000 AS n FROM project) x
           GROUP BY n ORDER BY n
        LOOP
          PERFORM project_rollup_apply(chunk);
        END LOOP;
      END $$;`);
    this.addSql(`REVOKE ALL ON FUNCTION project_rollup_rebuild() FROM PUBLIC;`);
    this.addSql(`SELECT project_rollup_rebuild();`);
    this.addSql(`ANALYZE project_rollup, project_rollup_figure, project_rollup_member;`);
  }

  override async down(): Promise<void> {
    this.addSql(`CREATE INDEX project_year_code_idx ON project (year DESC, code);`);
    this.addSql(`CREATE INDEX project_department_idx ON project (department_id);`);
    this.addSql(`CREATE INDEX project_owner_idx ON project (owner_unit_id);`);
    this.addSql(
      `DROP INDEX project_list_order_idx, project_stage_code_idx, project_owner_waiting_idx, project_department_waiting_idx;`,
    );
    this.addSql(
      `DROP TRIGGER org_unit_parent_rollup_readers ON org_unit; DROP FUNCTION org_unit_parent_rollup_readers();`,
    );
    this.addSql(`DROP TRIGGER project_rollup_update ON project;`);
    for (const w of WATCHED)
      for (const op of w.ops)
        this.addSql(`DROP TRIGGER ${w.table}_rollup_${op.toLowerCase()} ON ${w.table};`);
    this.addSql(
      `DROP TABLE project_rollup_pending, project_rollup_dirty, project_rollup_member, project_rollup_figure, project_rollup;`,
    );
    this.addSql(
      `DROP FUNCTION project_rollup_rebuild(), project_rollup_flush(), project_rollup_note_update(), project_rollup_note(),
         project_rollup_apply(uuid[]), app_group_readers(uuid, uuid, uuid[]), project_rollup_entries(uuid[]);`,
    );
    this.addSql(`DROP TYPE project_rollup_entry; DROP TYPE project_rollup_fact;`);
  }
}
