/**
 * `npm run seed:demo` against an external database and Temporal (what compose users run), and the
 * demo county it seeds as open data: its OC4IDS package validates and equals its ledgers.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPublicRepository } from '#api/public/repository.js';
import { DEMO_PROJECTS, DEMO_UNIT_HEADS, DEMO_UNITS } from '#db/seed/demo-county.js';
import { DEMO_COMPLAINTS, DEMO_RECTIFICATIONS } from '#db/seed/demo-supervision.js';
import { initORM } from '#db/orm.js';
import { cstDate } from '#domain/deadlines.js';
import { parseYuan } from '#domain/money.js';
import { OC4IDS_STATUS, oc4idsPackage } from '#domain/oc4ids.js';
import { withDatabase } from '../support/global-setup.js';
import { oc4idsPackageValidator } from '../support/oc4ids.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const db = `sanzhang_seed_${randomBytes(4).toString('hex')}`;
const url = withDatabase(inject('postgresUrl'), db);
const pool = new pg.Pool({ connectionString: url, max: 2 });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanzhang-seed-'));

afterAll(async () => {
  await pool.end();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run seed:demo', () => {
  // The whole county through real workflows: about two minutes on a quiet 2-core machine, over six
  // on a slow one beside two CPU-bound processes and the other test files.
  it(
    'creates the demo county on an empty external database, and a second run adds nothing',
    { timeout: 900_000 },
    async () => {
      const admin = new pg.Client({ connectionString: withDatabase(inject('postgresUrl'), 'postgres') });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${db}`);
      await admin.end();
      const env = {
        ...process.env,
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: `seed-${db}`,
        DEMO_PASSWORD: 'Seed-Test-1',
        // The demo archive documents go here, not into the checkout's ./data.
        DATA_DIR: dataDir,
        // A deployment's own setting, which the seed's worker must take as the deployment's do.
        RECTIFICATION_SERIAL_PREFIX: '种子监督整改',
      };
      const seed = () =>
        run(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts'], {
          cwd: ROOT,
          env,
          timeout: 600_000,
        });
      await seed();
      const counts = async () =>
        (
          await pool.query(
            `SELECT (SELECT count(*) FROM org_unit)::int AS units, (SELECT count(*) FROM app_user)::int AS users,
                  (SELECT count(*) FROM project)::int AS projects, (SELECT count(*) FROM project_history)::int AS steps`,
          )
        ).rows[0];
      const first = await counts();
      expect(first.units).toBe(DEMO_UNITS.length);
      const heads = Object.keys(DEMO_UNIT_HEADS);
      expect(first.users).toBe(3 + 2 * DEMO_UNITS.length + heads.length);
      // Each department and township has its head, named on the negative list and sent escalations.
      const marked = await pool.query(
        `SELECT u.code FROM app_user a JOIN org_unit u ON u.id = a.org_unit_id WHERE a.unit_head ORDER BY u.code`,
      );
      expect(marked.rows.map((r) => r.code)).toEqual([...heads].sort());
      expect(first.projects).toBe(DEMO_PROJECTS.length);
      expect(first.steps).toBeGreaterThan(DEMO_PROJECTS.length * 2);
      const names = (await pool.query(`SELECT username FROM app_user ORDER BY username`)).rows.map(
        (r) => r.username,
      );
      expect(names).toEqual(
        expect.arrayContaining(['admin', 'leader', 'supervisor', 'swj.op', 'swj.view', 'mbz-ljc.op']),
      );

      // Projects sit as far along as the demo says (the workflow really took those steps).
      const { rows } = await pool.query(`SELECT code, stage FROM project ORDER BY code`);
      expect(rows.find((r) => r.code === 'CK2026-009')!.stage).toBe('afterCare');
      expect(rows.find((r) => r.code === 'CK2026-006')!.stage).toBe('rectifying');
      expect(rows.find((r) => r.code === 'CK2026-010')!.stage).toBe('cancelled');

      // The supervision office has its work, as `npm start`'s demo does: notices numbered with the
      // deployment's prefix, and the villagers' complaints.
      const notices = await pool.query(`SELECT serial FROM rectification_notice ORDER BY serial`);
      expect(notices.rows).toHaveLength(DEMO_RECTIFICATIONS.length);
      for (const r of notices.rows) expect(r.serial).toMatch(/^种子监督整改〔\d{4}〕\d+号$/);
      const complaints = await pool.query(`SELECT count(*)::int AS n FROM complaint`);
      expect(complaints.rows[0].n).toBe(DEMO_COMPLAINTS.length);

      // A finished seed is not walked again: no workflow bundle, no worker.
      const again = await seed();
      expect(again.stdout + again.stderr).toContain('already seeded');
      expect(again.stdout + again.stderr).not.toContain('org units and demo accounts ready');
      expect(await counts()).toEqual(first);
    },
  );

  it('flags 逾期未开工 on the projects that did not start by their planned date, and on no project that did', async () => {
    // Each project's planned start, its recorded 开工 date, and whether a start ladder has flagged it
    // for a 约谈 or put its unit on the negative list.
    const { rows } = await pool.query<{
      code: string;
      planned: string;
      started: string | null;
      flagged: boolean;
      listed: boolean;
    }>(
      `SELECT p.code, to_char(p.planned_start, 'YYYY-MM-DD') AS planned,
              (SELECT h.payload->>'startedOn' FROM project_history h
                WHERE h.project_id = p.id AND h.action = 'start') AS started,
              EXISTS (SELECT 1 FROM interview_flag f JOIN alert a ON a.id = f.alert_id
                       WHERE f.project_id = p.id AND a.kind = 'start') AS flagged,
              EXISTS (SELECT 1 FROM negative_list_entry n JOIN alert a ON a.id = n.alert_id
                       WHERE n.project_id = p.id AND a.kind = 'start') AS listed
         FROM project p ORDER BY p.code`,
    );
    const onTime = rows.filter((r) => r.started !== null && r.started <= r.planned);
    expect(onTime.length).toBeGreaterThan(DEMO_PROJECTS.length / 2);
    // An on-time 开工 raises nothing: no 约谈 flag, no negative-list entry.
    expect(onTime.filter((r) => r.flagged || r.listed).map((r) => r.code)).toEqual([]);
    // The demo still has its late projects: never started, their planned start weeks past, each
    // flagged and listed by its ladder (罗江村人饮, CK2026-001, is the office's example).
    const late = rows.filter((r) => r.started === null && r.planned < cstDate(Date.now() - 30 * 86_400_000));
    expect(late.map((r) => r.code)).toContain('CK2026-001');
    expect(late.filter((r) => !(r.flagged && r.listed)).map((r) => r.code)).toEqual([]);
    // Nor do the later dates flag a project that met them all (报账 done): no ladder flagged it.
    const { rows: settled } = await pool.query(
      `SELECT p.code FROM project p
        WHERE p.stage IN ('reimbursed', 'afterCare', 'closed')
          AND (EXISTS (SELECT 1 FROM interview_flag f WHERE f.project_id = p.id AND f.source = 'projectLadder')
               OR EXISTS (SELECT 1 FROM negative_list_entry n WHERE n.project_id = p.id AND n.source = 'projectLadder'))
        ORDER BY p.code`,
    );
    expect(settled.map((r) => r.code)).toEqual([]);
  });

  it('publishes the demo county as an OC4IDS package that validates, its amounts and dates equal to the ledgers', async () => {
    const orm = await initORM(url);
    try {
      // What /public/oc4ids/packages/:year serves, for every year of the county at once.
      const projects = await createPublicRepository(orm).projectsInFull({});
      const pkg = oc4idsPackage(projects, {
        baseUrl: 'http://127.0.0.1:3000',
        idPrefix: 'ck',
        publisher: '城口县',
        uri: 'http://127.0.0.1:3000/public/oc4ids/packages/2026',
        publishedDate: new Date().toISOString(),
      });
      const validate = oc4idsPackageValidator();
      expect(validate(pkg), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
      expect(pkg.projects).toHaveLength(DEMO_PROJECTS.length);

      // The ledgers, straight from their tables.
      const { rows } = await pool.query(
        `SELECT p.code, p.stage, p.budget_fen::text AS budget,
                to_char(p.planned_start, 'YYYY-MM-DD') AS start, to_char(p.planned_completion, 'YYYY-MM-DD') AS completion,
                to_char(p.planned_acceptance, 'YYYY-MM-DD') AS acceptance,
                to_char(p.planned_reimbursement, 'YYYY-MM-DD') AS reimbursement,
                (SELECT array_agg(s.amount_fen::text ORDER BY s.position) FROM project_fund_source s WHERE s.project_id = p.id) AS sources,
                (SELECT array_agg(to_char(d.paid_on, 'YYYY-MM-DD') || ' ' || d.amount_fen ORDER BY d.paid_on, d.amount_fen)
                   FROM disbursement d WHERE d.project_id = p.id) AS paid
           FROM project p`,
      );
      const ledgers = new Map(rows.map((r) => [r.code as string, r]));
      const fen = (n: number) => String(parseYuan(String(n)));
      let paid = 0;
      for (const o of pkg.projects) {
        const l = ledgers.get(o.identifiers[0]!.id)!;
        expect(o.status, l.code).toBe(OC4IDS_STATUS[l.stage as keyof typeof OC4IDS_STATUS]);
        expect(fen(o.budget.amount.amount), l.code).toBe(l.budget);
        expect(o.budget.budgetBreakdowns[0]!.budgetBreakdown.map((b) => fen(b.amount.amount))).toEqual(
          l.sources,
        );
        const dates = Object.fromEntries(o.milestones.map((m) => [m.id, m.dueDate.slice(0, 10)]));
        expect(dates, l.code).toEqual({
          start: l.start,
          completion: l.completion,
          acceptance: l.acceptance,
          reimbursement: l.reimbursement,
        });
        const transactions = (o.transactions ?? []).map(
          (t) => `${t.date.slice(0, 10)} ${fen(t.value.amount)}`,
        );
        expect(transactions.sort(), l.code).toEqual([...(l.paid ?? [])].sort());
        paid += transactions.length;
      }
      // Payments were compared, not an empty list with another.
      expect(paid).toBeGreaterThan(0);
    } finally {
      await orm.close();
    }
  });
});
