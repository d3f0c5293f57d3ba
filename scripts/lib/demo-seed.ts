/**
 * Seeds the demo county: org units and accounts straight into PostgreSQL, then projects through
 * the same service the api uses (so each demo project is a real workflow with a real history).
 * Safe to run again: existing units, accounts and steps are kept, missing ones are added.
 */
import type { Client } from '@temporalio/client';
import { ACTION_LEVEL } from '../../domain/access.js';
import { MAIN_PATH, type Action, type Stage } from '../../domain/lifecycle.js';
import type { TransitionInput } from '../../domain/schemas.js';
import type { AuditLog } from '../../db/audit.js';
import type { Orm } from '../../db/orm.js';
import { DEMO_PROJECTS, DEMO_UNITS, type DemoProject } from '../../db/seed/demo-county.js';
import { hashPassword } from '../../api/src/modules/auth/password.js';
import { createProjectRepository } from '../../api/src/modules/projects/repository.js';
import { createProjectService, type Caller } from '../../api/src/modules/projects/service.js';
import { callerFor, createFileCompleter } from './project-file.js';
import { stageRank } from '../../domain/ledgers.js';
import type { ArchiveStorage } from '../../api/src/modules/archives/storage.js';
import type { Logger } from '../../platform/log.js';
import { eachLimited } from './each-limited.js';

const SEEDED_KEY = 'demo_seed';
const SYSTEM = { id: null, username: 'system' };

export async function isDemoSeeded(orm: Orm): Promise<boolean> {
  const rows = await orm.em.fork().execute(`SELECT 1 FROM app_meta WHERE key = ?`, [SEEDED_KEY], 'all');
  return rows.length > 0;
}

/**
 * Seeding is audited like any write: actor `system`, via `cli`. `hash` defaults to the production
 * password hash; the test template passes a cheaper one (its accounts log in hundreds of times).
 */
export async function seedOrgsAndUsers(
  orm: Orm,
  password: string,
  audit: AuditLog,
  hash: (password: string) => Promise<string> = hashPassword,
): Promise<void> {
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    for (const u of DEMO_UNITS) {
      const inserted = await tx.execute(
        `INSERT INTO org_unit (code, name, kind, parent_id)
         VALUES (?, ?, ?, (SELECT id FROM org_unit WHERE code = ?)) ON CONFLICT (code) DO NOTHING RETURNING id`,
        [u.code, u.name, u.kind, u.parent],
        'all',
      );
      if (inserted.length) {
        await audit.append(tx as never, {
          actor: SYSTEM,
          via: 'cli',
          action: 'seed.org.create',
          entity: 'org_unit',
          entityId: u.code,
          after: u,
        });
      }
    }
  });
  const accounts: { username: string; name: string; unit: string; roles: string[] }[] = [
    { username: 'admin', name: '系统管理员', unit: 'ck', roles: ['admin'] },
    { username: 'leader', name: '县领导', unit: 'ck', roles: ['leader'] },
    { username: 'supervisor', name: '专项监督办督查员', unit: 'zxjdb', roles: ['supervisor', 'operator'] },
  ];
  for (const u of DEMO_UNITS) {
    accounts.push({ username: `${u.code}.op`, name: `${u.name}操作员`, unit: u.code, roles: ['operator'] });
    accounts.push({ username: `${u.code}.view`, name: `${u.name}查询员`, unit: u.code, roles: ['viewer'] });
  }
  const existing = new Set(
    (await em.execute<{ username: string }[]>('SELECT username FROM app_user', [], 'all')).map(
      (r) => r.username,
    ),
  );
  for (const a of accounts) {
    if (existing.has(a.username)) continue;
    const passwordHash = await hash(password);
    await em.transactional(async (tx) => {
      const [row] = (await tx.execute<{ id: string }[]>(
        `INSERT INTO app_user (username, display_name, org_unit_id, password_hash)
         VALUES (?, ?, (SELECT id FROM org_unit WHERE code = ?), ?) RETURNING id`,
        [a.username, a.name, a.unit, passwordHash],
        'all',
      )) as [{ id: string }];
      for (const role of a.roles) {
        await tx.execute('INSERT INTO user_role (user_id, role) VALUES (?, ?)', [row.id, role], 'run');
      }
      await audit.append(tx as never, {
        actor: SYSTEM,
        via: 'cli',
        action: 'seed.user.create',
        entity: 'user',
        entityId: row.id,
        after: { username: a.username, displayName: a.name, unit: a.unit, roles: a.roles },
      });
    });
  }
}

function stepInput(action: Action, p: DemoProject, passed = true): TransitionInput {
  const d = '2026-';
  switch (action) {
    case 'approveDesign':
      return {
        action,
        documentNo: `城${p.department}审〔2026〕${p.code.slice(-3)}号`,
        approvedOn: `${d}03-10`,
        documents: [{ title: '设计及预算批复' }],
      };
    case 'fixImplementation':
      return {
        action,
        method: p.budgetFen > 100_000_000 ? 'openTender' : 'selfBuild',
        recordNo: `会议纪要〔2026〕${p.code.slice(-3)}号`,
        documents: [],
      };
    case 'start':
      return { action, startedOn: `${d}04-01`, documents: [{ title: '开工报告' }] };
    case 'reportProgress':
      return {
        action,
        month: '2026-05',
        // The same month and figures as the ledger's May entry (scripts/lib/typical-ledgers.ts):
        // the step writes that row too, so the two agree.
        percent: 50,
        narrative: '完成主体工程约50%，施工质量和安全正常。',
        documents: [],
      };
    case 'complete':
      return { action, completedOn: `${d}07-20`, documents: [{ title: '竣工报告' }] };
    case 'inspect':
      return passed
        ? {
            action,
            passed: true,
            inspectedOn: `${d}08-05`,
            findings: '工程质量合格，资料齐全。',
            documents: [{ title: '验收报告' }],
          }
        : {
            action,
            passed: false,
            inspectedOn: `${d}08-05`,
            findings: '管网末端水压不足，需整改。',
            documents: [],
          };
    case 'reimburse':
      return {
        action,
        settledOn: `${d}09-01`,
        settledAmountFen: p.budgetFen,
        documents: [{ title: '报账凭证' }],
      };
    case 'handOver':
      return {
        action,
        caretaker: '村民委员会',
        duty: '日常巡查与维修',
        handedOverOn: `${d}09-15`,
        documents: [],
      };
    case 'close':
      return { action, note: '管护移交完成，项目关闭。', documents: [] };
    case 'cancel':
      return {
        action,
        documentNo: `城${p.department}发〔2026〕${p.code.slice(-3)}号`,
        reason: '选址与规划冲突，项目终止。',
        documents: [],
      };
    default:
      throw new Error(`no demo input for ${action}`);
  }
}

/**
 * Projects seeded at once. Each is a chain of workflow Updates that mostly waits: the demo dates lie
 * in the past, so every new project's deadline ladders fire their overdue steps first, and a step
 * waits for the ladder step in flight. Many at a time keep the machine busy meanwhile.
 */
const SEED_CONCURRENCY = 32;

export async function seedDemoProjects(deps: {
  orm: Orm;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  audit: AuditLog;
  /** Where the demo archive documents go (the api's storage). */
  storage: ArchiveStorage;
  /** Only the ten handcrafted projects (DEMO_SEED=small: quick starts, launcher tests). */
  small?: boolean;
  /**
   * Renames each project's code (keeping its last three digits): test files share one Temporal
   * server, where the workflow id `project-<code>` must be unique across every file's database.
   */
  codeOf?: (code: string) => string;
}): Promise<number> {
  const chosen = deps.small ? DEMO_PROJECTS.slice(0, 10) : DEMO_PROJECTS;
  const projects = deps.codeOf ? chosen.map((p) => ({ ...p, code: deps.codeOf!(p.code) })) : chosen;
  const repo = createProjectRepository(deps.orm);
  const service = createProjectService({
    repo,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    orm: deps.orm,
  });
  const files = createFileCompleter(deps);
  const countyWide = await callerFor(deps.orm, 'leader');
  const callers = new Map<string, Promise<Caller>>();
  const caller = (username: string) => {
    if (!callers.has(username)) callers.set(username, callerFor(deps.orm, username));
    return callers.get(username)!;
  };
  let created = 0;
  /** Where the time goes (summed over the concurrent seeders), for the closing log line. */
  const spent = { steps: 0, files: 0 };

  async function seedOne(p: DemoProject) {
    const t0 = performance.now();
    const mine = { files: 0 };
    await walkAndFile(p, mine);
    spent.files += mine.files;
    spent.steps += performance.now() - t0 - mine.files;
  }

  async function walkAndFile(p: DemoProject, mine: { files: number }) {
    const deptCaller = await caller(`${p.department}.op`);
    const ownerCaller = await caller(`${p.owner}.op`);
    let project = await repo.find(countyWide, p.code);
    if (!project) {
      await service.create(deptCaller, {
        code: p.code,
        name: p.name,
        year: 2026,
        type: p.type,
        nature: p.nature,
        departmentCode: p.department,
        ownerUnitCode: p.owner,
        villageCodes: p.villages,
        approvalDocumentNo: `城扶发〔2026〕${p.code.slice(-3)}号`,
        budgetFen: p.budgetFen,
        fundSources: p.sources,
        plannedDates: {
          start: '2026-04-01',
          completion: '2026-08-31',
          acceptance: '2026-09-30',
          reimbursement: '2026-11-30',
        },
      });
      created++;
      project = await repo.find(countyWide, p.code);
    }
    const plan: TransitionInput[] = MAIN_PATH.slice(0, p.steps).map((a) => stepInput(a, p));
    if (p.then === 'failInspection') plan.push(stepInput('inspect', p, false));
    if (p.then === 'cancel') plan.push(stepInput('cancel', p));
    if (p.then === 'close') plan.push(stepInput('close', p));
    // Steps taken so far (deadline alerts share the history but are not steps).
    const done = (await repo.history(countyWide, project!.id)).filter((h) => h.action !== 'alert').length - 1;
    const firstInspection = plan.findIndex((s) => s.action === 'inspect');
    const seed = Number(p.code.slice(-3));
    for (const [i, input] of plan.entries()) {
      if (i < done) continue;
      // 验收 needs complete ledgers and archive documents up to 竣工 (the acceptance gate).
      if (i === firstInspection) mine.files += await fileUpTo(p.code, 'completed', seed);
      // 报账 settles Σ disbursed (= budget here): the balance is paid once the work is accepted.
      if (input.action === 'reimburse') mine.files += await fileUpTo(p.code, 'accepted', seed);
      await service.transition(
        ACTION_LEVEL[input.action] === 'department' ? deptCaller : ownerCaller,
        p.code,
        input,
      );
    }
    // The ledgers, as far as the project has come (a cancelled project takes no ledger entries).
    const current = (await repo.find(countyWide, p.code))!;
    if (current.stage !== 'cancelled') mine.files += await fileUpTo(p.code, current.stage, seed);
  }

  /**
   * Fills the project's file up to `stage`, once: app_meta remembers how far each project's file
   * was filled, so a seed run again (after an interruption) adds only what is missing.
   */
  async function fileUpTo(code: string, stage: Stage, seed: number): Promise<number> {
    const key = `demo_seed.file.${code}`;
    const rows = await deps.orm.em
      .fork()
      .execute<{ stage: Stage }[]>(
        `SELECT value->>'stage' AS stage FROM app_meta WHERE key = ?`,
        [key],
        'all',
      );
    const after = rows[0]?.stage;
    if (after !== undefined && stageRank(after) >= stageRank(stage)) return 0;
    const t0 = performance.now();
    await files.complete(code, stage, { seed, ...(after ? { after } : {}) });
    const ms = performance.now() - t0;
    await deps.orm.em
      .fork()
      .execute(
        `INSERT INTO app_meta (key, value) VALUES (?, ?::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [key, JSON.stringify({ stage })],
        'run',
      );
    return ms;
  }

  const began = performance.now();
  await eachLimited(projects, SEED_CONCURRENCY, seedOne);
  deps.log.info(
    `demo projects ready (${created} created, ${projects.length} in all) in ${((performance.now() - began) / 1000).toFixed(1)} s; ` +
      `summed over ${SEED_CONCURRENCY} at a time: registration and steps ${(spent.steps / 1000).toFixed(1)} s, ledgers and archives ${(spent.files / 1000).toFixed(1)} s`,
  );
  return created;
}

export async function markDemoSeeded(orm: Orm): Promise<void> {
  await orm.em
    .fork()
    .execute(
      `INSERT INTO app_meta (key, value) VALUES (?, ?::jsonb) ON CONFLICT (key) DO NOTHING`,
      [SEEDED_KEY, JSON.stringify({ at: new Date().toISOString() })],
      'run',
    );
}
