/** `npm run seed:demo` against an external database and Temporal (what compose users run). */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PROJECTS, DEMO_UNITS } from '#db/seed/demo-county.js';
import { withDatabase } from '../support/global-setup.js';

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
  // The whole county through real workflows, twice: minutes on a busy 2-core machine.
  it(
    'creates the demo county on an empty external database, and a second run adds nothing',
    { timeout: 720_000 },
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
      };
      await run(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts'], {
        cwd: ROOT,
        env,
        timeout: 360_000,
      });
      const counts = async () =>
        (
          await pool.query(
            `SELECT (SELECT count(*) FROM org_unit)::int AS units, (SELECT count(*) FROM app_user)::int AS users,
                  (SELECT count(*) FROM project)::int AS projects, (SELECT count(*) FROM project_history)::int AS steps`,
          )
        ).rows[0];
      const first = await counts();
      expect(first.units).toBe(DEMO_UNITS.length);
      expect(first.users).toBe(3 + 2 * DEMO_UNITS.length);
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

      await run(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts'], {
        cwd: ROOT,
        env,
        timeout: 360_000,
      });
      expect(await counts()).toEqual(first);
    },
  );
});
