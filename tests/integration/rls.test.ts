/**
 * PostgreSQL's row-level security (and its verdict functions) on its own: every account's
 * expectations from domain/access.ts, checked straight against the database as the application
 * role inside `inScope(orm, scopeOf(principal), …)` — no application condition in between. Each
 * account sees exactly the project rows, ledger rows and fund documents of its scope (what every
 * list, detail, ledger view and dashboard figure is read from), the database's verdicts on steps,
 * registrations and ledger writes equal the domain's, and writes outside the scope are refused.
 * Inbox messages belong to a person: each account reads and marks only its own, whatever its scope.
 *
 * Long on purpose: one file holds every policy's proof against the same world (the accounts, the two
 * projects and their rows, set up once), so a policy cannot be changed without its proof in view.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canCreateProject,
  canReadProject,
  canTakeAction,
  canWriteLedger,
  isCountyWide,
  type Principal,
} from '#domain/access.js';
import {
  canPublishBulletin,
  canReadNotice,
  canWriteMessages,
  isThreadMember,
} from '#domain/bulletin-schemas.js';
import { ProjectSchema } from '#db/entities/project.entity.js';
import { executeAll, inScope, scopeOf, SYSTEM_SCOPE, withScopedEm, type Tx } from '#db/scope.js';
import {
  allProjects,
  loadPrincipals,
  startMatrixStack,
  type Account,
  type MatrixContext,
  type Obj,
} from '../support/authz/stack.js';
import { Session, type TestStack } from '../support/stack.js';

/** Every table whose rows belong to a project, and the column naming it. */
const PROJECT_TABLES: Record<string, string> = {
  project: 'id',
  project_village: 'project_id',
  project_fund_source: 'project_id',
  project_history: 'project_id',
  alert: 'project_id',
  negative_list_entry: 'project_id',
  department_ledger: 'project_id',
  disbursement: 'project_id',
  settlement: 'project_id',
  collective_decision: 'project_id',
  implementation_record: 'project_id',
  monthly_progress: 'project_id',
  adjustment_record: 'project_id',
  supervision_visit: 'project_id',
  public_notice: 'project_id',
  opinion_record: 'project_id',
  beneficiary: 'project_id',
  after_care: 'project_id',
  after_care_check: 'project_id',
  archive_document: 'project_id',
  ledger_event: 'project_id',
};

/** One write to a table of each ledger, as the ledger's own writer sends it. */
const LEDGER_WRITES: Record<'department' | 'implementing' | 'site', string> = {
  department: `INSERT INTO department_ledger (project_id, construction_content) VALUES (?, '行级安全测试')
                 ON CONFLICT (project_id) DO UPDATE SET construction_content = EXCLUDED.construction_content`,
  implementing: `INSERT INTO collective_decision (project_id, meeting, held_on, attendees, resolution)
                   VALUES (?, '村民代表大会', '2026-03-01', ARRAY['张三'], '行级安全测试')`,
  site: `INSERT INTO opinion_record (project_id, gathered_on, method, participants, summary)
           VALUES (?, '2026-02-20', '院坝会', 12, '行级安全测试')`,
};

/** Thrown to roll a probing write back: nothing a probe writes may stay. */
class RolledBack extends Error {}

let stack: TestStack;
let ctx: MatrixContext;
let accounts: Omit<Account, 'session'>[];
let projects: Awaited<ReturnType<typeof allProjects>>;
/** Rows per project of each table, as the owner sees them (no row-level security). */
let rowsOf: Record<string, Map<string, number>>;
let fundDocuments: { id: string; department_id: string }[];

const OBJECTS: Obj[] = ['A', 'B'];

beforeAll(async () => {
  ctx = await startMatrixStack();
  stack = ctx.stack;
  // Both projects' ledgers filled, and a fund document of each department: rows to see, or not.
  await stack.completeFile(ctx.projects.A.id);
  await stack.completeFile(ctx.projects.B.id);
  for (const dept of ['swj', 'jtj']) {
    const s = await Session.login(stack.baseUrl, `${dept}.op`);
    const res = await s.post('/api/fund-documents', {
      documentNo: `${dept}财〔2026〕${randomBytes(3).toString('hex')}号`,
      title: '行级安全测试资金',
      issuer: '县财政局',
      issuedOn: '2026-01-10',
      amountFen: 100_000,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  // What the fill leaves to later stages, and a fired deadline with its negative-list entry:
  // written as the owner, so that every project table holds rows of both projects.
  for (const o of OBJECTS) {
    const { id, scope } = ctx.projects[o];
    await stack.db.query(
      `INSERT INTO settlement (project_id, settled_on, settled_amount_fen)
       SELECT $1, '2026-11-01', COALESCE(sum(amount_fen), 0) FROM disbursement WHERE project_id = $1`,
      [id],
    );
    await stack.db.query(
      `INSERT INTO adjustment_record (project_id, document_no, adjusted_on, content, reason)
       VALUES ($1, 'RLS-1', '2026-05-01', '行级安全测试', '行级安全测试')`,
      [id],
    );
    await stack.db.query(
      `INSERT INTO after_care (project_id, owner, duty) VALUES ($1, '村民委员会', '日常巡查')`,
      [id],
    );
    await stack.db.query(
      `INSERT INTO after_care_check (project_id, checked_on, checker, result) VALUES ($1, '2026-12-01', '管护员', '完好')`,
      [id],
    );
    const alert = await stack.db.query(
      `INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id, history_seq, raised_at)
       VALUES ($1, 'start', 1, 'interview', '2026-04-01', '2026-05-01', 30, $2, 0, now()) RETURNING id`,
      [id, scope.ownerUnitId],
    );
    await stack.db.query(
      `INSERT INTO negative_list_entry (org_unit_id, project_id, alert_id, reason, listed_at)
       VALUES ($2, $1, $3, '行级安全测试', now())`,
      [id, scope.ownerUnitId, alert.rows[0].id],
    );
  }
  accounts = await loadPrincipals(stack);
  projects = await allProjects(stack);
  rowsOf = {};
  for (const [table, key] of Object.entries(PROJECT_TABLES)) {
    const { rows } = await stack.db.query(
      `SELECT ${key} AS project_id, count(*)::int AS n FROM ${table} WHERE ${key} IS NOT NULL GROUP BY 1`,
    );
    rowsOf[table] = new Map(rows.map((r) => [r.project_id as string, r.n as number]));
  }
  fundDocuments = (await stack.db.query('SELECT id, department_id FROM fund_document ORDER BY id')).rows;
});
afterAll(async () => {
  await stack?.stop();
});

/** Runs `fn` in the account's scope and rolls back whatever it wrote; answers what `fn` answered. */
async function probe<T>(p: Principal, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await inScope(stack.orm, scopeOf(p), async (tx) => {
    out = await fn(tx);
    throw new RolledBack();
  }).catch((err) => {
    if (!(err instanceof RolledBack)) throw err;
  });
  return out!;
}

/** Whether a write in the account's scope went through (rolled back afterwards) or was refused by a policy. */
async function writes(p: Principal, sql: string, params: unknown[]): Promise<'written' | 'refused'> {
  try {
    return await probe(p, async (tx) => {
      const { affectedRows } = await tx.execute(sql, params, 'run');
      return affectedRows > 0 ? 'written' : 'refused';
    });
  } catch (err) {
    if (/row-level security/.test(String(err))) return 'refused';
    throw err;
  }
}

describe('row-level security alone', () => {
  it('has something to show and hide: every table holds rows of both projects', () => {
    for (const table of Object.keys(PROJECT_TABLES))
      for (const o of OBJECTS)
        expect(rowsOf[table]!.get(ctx.projects[o].id), `${table} ${o}`).toBeGreaterThan(0);
    expect(accounts.length).toBeGreaterThanOrEqual(30);
    expect(new Set(fundDocuments.map((d) => d.department_id)).size).toBe(2);
  });

  it('shows every account exactly the rows of the projects it may read, in every project table', async () => {
    const tables = Object.entries(PROJECT_TABLES);
    for (const { username, principal } of accounts) {
      const readable = new Set(projects.filter((r) => canReadProject(principal, r.scope)).map((r) => r.id));
      const seen = await probe(principal, (tx) =>
        executeAll(
          tx,
          tables.map(([table, key]) => ({
            sql: `SELECT ${key} AS project_id, count(*)::int AS n FROM ${table} WHERE ${key} IS NOT NULL GROUP BY 1`,
          })),
        ),
      );
      tables.forEach(([table], i) => {
        const got = Object.fromEntries(
          (seen[i] as { project_id: string; n: number }[]).map((r) => [r.project_id, r.n]),
        );
        const want = Object.fromEntries([...rowsOf[table]!].filter(([id]) => readable.has(id)));
        expect(got, `${username} reads ${table}`).toEqual(want);
      });
    }
  });

  it('reads the same through the entity layer (withScopedEm): projects as entities, exactly those in scope', async () => {
    for (const { username, principal } of accounts) {
      const seen = await withScopedEm(stack.orm, scopeOf(principal), (em) => em.find(ProjectSchema, {}));
      const want = projects.filter((r) => canReadProject(principal, r.scope)).map((r) => r.id);
      expect(seen.map((p) => p.id).sort(), username).toEqual(want.sort());
    }
  });

  it('shows fund documents only to county-wide accounts (all) and departments (their own)', async () => {
    for (const { username, principal } of accounts) {
      const seen = await probe(principal, (tx) =>
        tx.execute<{ id: string }[]>('SELECT id FROM fund_document ORDER BY id'),
      );
      const want = fundDocuments.filter((d) =>
        isCountyWide(principal)
          ? true
          : principal.orgKind === 'department' && d.department_id === principal.orgUnitId,
      );
      expect(
        seen.map((d) => d.id),
        username,
      ).toEqual(want.map((d) => d.id));
    }
  });

  it('gives the domain’s verdict on steps, registrations and ledger writes, for a project in and out of scope', async () => {
    let checks = 0;
    for (const { username, principal } of accounts) {
      for (const o of OBJECTS) {
        const { id, scope } = ctx.projects[o];
        const [[verdict]] = (await probe(principal, (tx) =>
          executeAll(tx, [
            {
              sql: `SELECT app_may_take_step(?, 'department') AS department_step,
                           app_may_take_step(?, 'ownerUnit') AS owner_step,
                           app_is_operator_of(?) AS registers,
                           app_may_write_ledger(?, 'department') AS department,
                           app_may_write_ledger(?, 'implementing') AS implementing,
                           app_may_write_ledger(?, 'site') AS site`,
              params: [id, id, scope.departmentId, id, id, id],
            },
          ]),
        )) as [[Record<string, boolean>]];
        expect(verdict, `${username} on ${o}`).toEqual({
          department_step: canTakeAction(principal, scope, 'adjust'),
          owner_step: canTakeAction(principal, scope, 'reportProgress'),
          registers: canCreateProject(principal, scope.departmentId),
          department: canWriteLedger(principal, scope, 'department'),
          implementing: canWriteLedger(principal, scope, 'implementing'),
          site: canWriteLedger(principal, scope, 'site'),
        });
        checks++;
      }
    }
    expect(checks).toBe(accounts.length * 2);
  });

  it('lets each ledger be written only by its own level, and refuses every other account', async () => {
    let written = 0;
    for (const { username, principal } of accounts) {
      for (const o of OBJECTS) {
        const { id, scope } = ctx.projects[o];
        for (const [ledger, sql] of Object.entries(LEDGER_WRITES) as [keyof typeof LEDGER_WRITES, string][]) {
          const want = canWriteLedger(principal, scope, ledger) ? 'written' : 'refused';
          expect(await writes(principal, sql, [id]), `${username} writes the ${ledger} ledger of ${o}`).toBe(
            want,
          );
          if (want === 'written') written++;
        }
      }
    }
    // Each project's three levels wrote their own ledger, and nobody else wrote any.
    expect(written).toBe(6);
  });

  it('lets only a department’s operators register its fund documents', async () => {
    for (const { username, principal } of accounts) {
      const own = principal.roles.includes('operator') && principal.orgKind === 'department';
      const insert = `INSERT INTO fund_document (department_id, document_no, title, issuer, issued_on, amount_fen)
                      VALUES (?, ?, '行级安全测试', '县财政局', '2026-01-10', 100)`;
      const docNo = () => `RLS-${randomBytes(4).toString('hex')}`;
      expect(await writes(principal, insert, [principal.orgUnitId, docNo()]), `${username}, own unit`).toBe(
        own ? 'written' : 'refused',
      );
      // Another department's: never, whoever asks.
      const other = principal.orgUnitId === ctx.projects.A.scope.departmentId ? 'B' : 'A';
      expect(
        await writes(principal, insert, [ctx.projects[other].scope.departmentId, docNo()]),
        `${username}, another department`,
      ).toBe('refused');
    }
  });

  it("lets only a ledger's writers write its events: fund documents' their operators, archives' the project's", async () => {
    const event = `INSERT INTO ledger_event (project_id, ledger, kind, actor_name, payload)
                   VALUES (?, ?, ?, '行级安全测试', '{}'::jsonb)`;
    for (const { username, principal } of accounts) {
      const operator = principal.roles.includes('operator') && principal.orgKind === 'department';
      expect(
        await writes(principal, event, [null, 'department', 'fundDocument']),
        `${username} writes a fund document's event`,
      ).toBe(operator ? 'written' : 'refused');
      for (const o of OBJECTS) {
        const { id, scope } = ctx.projects[o];
        const writer = (['department', 'implementing', 'site'] as const).some((l) =>
          canWriteLedger(principal, scope, l),
        );
        expect(
          await writes(principal, event, [id, 'archive', 'upload']),
          `${username} writes an archive event of ${o}`,
        ).toBe(writer ? 'written' : 'refused');
      }
    }
  });

  it('lets no account write project rows or their history: only the system scope (the activities) does', async () => {
    for (const { username, principal } of accounts) {
      for (const o of OBJECTS) {
        const id = ctx.projects[o].id;
        expect(
          await writes(principal, `UPDATE project SET stage = 'closed' WHERE id = ?`, [id]),
          username,
        ).toBe('refused');
        expect(
          await writes(
            principal,
            `INSERT INTO project_history (project_id, seq, action, to_stage, actor_name, at) VALUES (?, 99, 'close', 'closed', 'x', now())`,
            [id],
          ),
          username,
        ).toBe('refused');
      }
    }
  });

  it('shows every account only its own inbox messages, county-wide or not, and lets it mark only those', async () => {
    // Messages for a township operator, a county leader and a department operator, written as the
    // owner (the notify activity writes them as the system scope).
    await stack.db.query(
      `INSERT INTO inbox_message (key, user_id, project_id, category, severity, title, body, created_at)
       SELECT 'rls:' || u.username || ':' || n, u.id, $2, 'deadline', 'warning', '行级安全测试', '行级安全测试', now()
         FROM app_user u, generate_series(1, 2) n WHERE u.username = ANY($1)`,
      [['xqz.op', 'leader', 'swj.op'], ctx.projects.A.id],
    );
    const { rows: all } = await stack.db.query<{ id: string; user_id: string }>(
      'SELECT id::text AS id, user_id FROM inbox_message ORDER BY id',
    );
    const owners = new Set(all.map((m) => m.user_id));
    expect(owners.size).toBeGreaterThanOrEqual(3);
    const refusedOrWritten = async (p: Principal, sql: string, params: unknown[]) => {
      try {
        return await writes(p, sql, params);
      } catch (err) {
        // The application role may change no column of a message but its read time.
        if (/permission denied/.test(String(err))) return 'refused';
        throw err;
      }
    };
    let withMessages = 0;
    for (const { username, principal } of accounts) {
      const own = all.filter((m) => m.user_id === principal.userId).map((m) => m.id);
      const other = all.find((m) => m.user_id !== principal.userId)!;
      const seen = await probe(principal, (tx) =>
        tx.execute<{ id: string }[]>('SELECT id::text AS id FROM inbox_message ORDER BY id'),
      );
      expect(
        seen.map((m) => m.id),
        `${username} reads its inbox`,
      ).toEqual(own);
      expect(
        await writes(principal, 'UPDATE inbox_message SET read_at = now() WHERE id = ?', [other.id]),
        `${username} marks another's message`,
      ).toBe('refused');
      expect(
        await writes(
          principal,
          `INSERT INTO inbox_message (key, user_id, category, severity, title, body, created_at)
           VALUES ('rls:forged', ?, 'deadline', 'info', 'x', 'x', now())`,
          [principal.userId],
        ),
        `${username} writes a message`,
      ).toBe('refused');
      if (own.length === 0) continue;
      withMessages++;
      expect(
        await writes(principal, 'UPDATE inbox_message SET read_at = now() WHERE id = ?', [own[0]]),
        `${username} marks its own message`,
      ).toBe('written');
      expect(
        await refusedOrWritten(principal, `UPDATE inbox_message SET title = 'x' WHERE id = ?`, [own[0]]),
        `${username} rewrites its own message`,
      ).toBe('refused');
      expect(
        await refusedOrWritten(principal, 'DELETE FROM inbox_message WHERE id = ?', [own[0]]),
        `${username} deletes its own message`,
      ).toBe('refused');
    }
    expect(withMessages).toBeGreaterThanOrEqual(3);

    // The leader's messages with the leader's unit and roles but no account: none of them.
    const leader = accounts.find((a) => a.username === 'leader')!.principal;
    const anonymous = await probe({ ...leader, userId: undefined }, (tx) =>
      tx.execute<{ n: number }[]>('SELECT count(*)::int AS n FROM inbox_message'),
    );
    expect(anonymous[0]!.n).toBe(0);
    // The system scope (the notify activity) reads and writes them all.
    const system = await inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
      tx.execute<{ n: number }[]>('SELECT count(*)::int AS n FROM inbox_message'),
    );
    expect(system[0]!.n).toBe(all.length);
    // Nothing the probes did stayed.
    const { rows: after } = await stack.db.query(
      'SELECT count(*)::int AS n, count(read_at)::int AS read FROM inbox_message',
    );
    expect(after[0]).toEqual({ n: all.length, read: 0 });
  });

  it('shows every account only the import jobs it started, and lets no account write or delete one', async () => {
    // Jobs of a township operator, a county leader and a department operator, written as the owner
    // (the import service writes them as the system scope).
    await stack.db.query(
      `INSERT INTO ledger_import (id, kind, file_name, status, created_by)
       SELECT gen_random_uuid(), 'disbursements', u.username || '-' || n || '.xlsx', 'succeeded', u.id
         FROM app_user u, generate_series(1, 2) n WHERE u.username = ANY($1)`,
      [['xqz.op', 'leader', 'swj.op']],
    );
    const { rows: all } = await stack.db.query<{ id: string; created_by: string }>(
      'SELECT id::text AS id, created_by FROM ledger_import ORDER BY id',
    );
    expect(new Set(all.map((j) => j.created_by)).size).toBeGreaterThanOrEqual(3);
    const refused = async (p: Principal, sql: string, params: unknown[]) => {
      try {
        return await writes(p, sql, params);
      } catch (err) {
        if (/permission denied/.test(String(err))) return 'refused';
        throw err;
      }
    };
    let withJobs = 0;
    for (const { username, principal } of accounts) {
      const own = all.filter((j) => j.created_by === principal.userId).map((j) => j.id);
      const seen = await probe(principal, (tx) =>
        tx.execute<{ id: string }[]>('SELECT id::text AS id FROM ledger_import ORDER BY id'),
      );
      expect(
        seen.map((j) => j.id),
        `${username} reads its import jobs`,
      ).toEqual(own);
      const target = own[0] ?? all[0]!.id;
      expect(
        await refused(principal, `UPDATE ledger_import SET status = 'failed' WHERE id = ?`, [target]),
        `${username} changes an import job`,
      ).toBe('refused');
      expect(
        await refused(principal, 'DELETE FROM ledger_import WHERE id = ?', [target]),
        `${username} deletes an import job`,
      ).toBe('refused');
      expect(
        await refused(
          principal,
          `INSERT INTO ledger_import (id, kind, file_name, status, created_by)
           VALUES (gen_random_uuid(), 'disbursements', 'forged.xlsx', 'succeeded', ?)`,
          [principal.userId],
        ),
        `${username} writes an import job`,
      ).toBe('refused');
      if (own.length > 0) withJobs++;
    }
    expect(withJobs).toBeGreaterThanOrEqual(3);
    // The leader's unit and roles without an account see none; the system scope sees them all.
    const leader = accounts.find((a) => a.username === 'leader')!.principal;
    const anonymous = await probe({ ...leader, userId: undefined }, (tx) =>
      tx.execute<{ n: number }[]>('SELECT count(*)::int AS n FROM ledger_import'),
    );
    expect(anonymous[0]!.n).toBe(0);
    const system = await inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
      tx.execute<{ n: number }[]>('SELECT count(*)::int AS n FROM ledger_import'),
    );
    expect(system[0]!.n).toBe(all.length);
    const { rows: after } = await stack.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM ledger_import`,
    );
    expect(after[0]).toEqual({ n: all.length, failed: 0 });
  });

  it('shows a village only its own projects, nothing without a scope, and everything to the system scope', async () => {
    const { rows } = await stack.db.query(`SELECT o.id, o.kind FROM org_unit o WHERE o.code = 'mbz-ljc'`);
    const village = { orgUnitId: rows[0].id, orgKind: rows[0].kind, roles: ['operator' as const] };
    const visible = await inScope(stack.orm, scopeOf(village), (tx) =>
      tx.execute<{ id: string }[]>('SELECT id FROM project', [], 'all'),
    );
    expect(visible.map((r) => r.id)).toContain(ctx.projects.B.id);
    expect(visible.map((r) => r.id)).not.toContain(ctx.projects.A.id);
    const history = await inScope(stack.orm, scopeOf(village), (tx) =>
      tx.execute<{ n: string }[]>(
        'SELECT count(*) AS n FROM project_history WHERE project_id = ?',
        [ctx.projects.A.id],
        'all',
      ),
    );
    expect(Number(history[0]!.n)).toBe(0);

    // Writes from a user scope: updates touch nothing, inserts are refused.
    const updated = await inScope(stack.orm, scopeOf(village), (tx) =>
      tx.execute(`UPDATE project SET stage = 'closed' WHERE id = ?`, [ctx.projects.B.id], 'run'),
    );
    expect(updated.affectedRows).toBe(0);
    await expect(
      inScope(stack.orm, scopeOf(village), (tx) =>
        tx.execute(
          `INSERT INTO project_history (project_id, seq, action, to_stage, actor_name, at) VALUES (?, 99, 'close', 'closed', 'x', now())`,
          [ctx.projects.B.id],
          'run',
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    // No scope at all sees nothing.
    const none = await stack.orm.em
      .fork()
      .execute<{ n: string }[]>('SELECT count(*) AS n FROM project', [], 'all');
    expect(Number(none[0]!.n)).toBe(0);
    // The system scope (activities) sees and may write everything.
    const all = await inScope(stack.orm, SYSTEM_SCOPE, (tx) =>
      tx.execute<{ n: string }[]>('SELECT count(*) AS n FROM project', [], 'all'),
    );
    expect(Number(all[0]!.n)).toBeGreaterThanOrEqual(2);
    const stage = await stack.db.query('SELECT stage FROM project WHERE id = $1', [ctx.projects.B.id]);
    expect(stage.rows[0].stage).toBe('underway');
  });
});

describe('row-level security alone: notices, policies, threads and their attachments', () => {
  /** The matrix's notices and threads (A and B), and whoever wrote rows of them, as the owner sees them. */
  const bulletinRows = async () => ({
    notices: [ctx.bulletin.A.notice, ctx.bulletin.B.notice],
    threads: [ctx.bulletin.A.thread, ctx.bulletin.B.thread],
  });

  it('shows each account exactly the notices, receipts, threads, messages and attachments its unit may read', async () => {
    const { notices, threads } = await bulletinRows();
    // A receipt of each side's township, and a message of each side's department: rows to see or not.
    for (const o of OBJECTS) {
      const { notice, thread } = ctx.bulletin[o];
      await stack.db.query(
        `INSERT INTO notice_receipt (notice_id, user_id, unit_id)
         SELECT $1, u.id, u.org_unit_id FROM app_user u WHERE u.org_unit_id = $2 ON CONFLICT DO NOTHING`,
        [notice.id, notice.recipientUnitIds[1]],
      );
      await stack.db.query(
        `INSERT INTO message_receipt (message_id, user_id, unit_id)
         SELECT m.id, u.id, u.org_unit_id FROM message m, app_user u WHERE m.thread_id = $1 AND u.org_unit_id = $2
         ON CONFLICT DO NOTHING`,
        [thread.id, thread.unitIds[1]],
      );
    }
    for (const { username, principal } of accounts) {
      const [n, rcpt, rcptUnits, t, m, mr, att, pol] = await probe(principal, (tx) =>
        executeAll(tx, [
          {
            sql: 'SELECT id FROM notice WHERE id = ANY(ARRAY[?]::uuid[]) ORDER BY id',
            params: [notices.map((x) => x.id)],
          },
          {
            sql: 'SELECT DISTINCT notice_id AS id FROM notice_recipient WHERE notice_id = ANY(ARRAY[?]::uuid[]) ORDER BY 1',
            params: [notices.map((x) => x.id)],
          },
          {
            sql: 'SELECT DISTINCT unit_id AS id FROM notice_receipt WHERE notice_id = ANY(ARRAY[?]::uuid[]) ORDER BY 1',
            params: [notices.map((x) => x.id)],
          },
          {
            sql: 'SELECT id FROM message_thread WHERE id = ANY(ARRAY[?]::uuid[]) ORDER BY id',
            params: [threads.map((x) => x.id)],
          },
          {
            sql: 'SELECT DISTINCT thread_id AS id FROM message WHERE thread_id = ANY(ARRAY[?]::uuid[]) ORDER BY 1',
            params: [threads.map((x) => x.id)],
          },
          {
            sql: 'SELECT count(*)::int AS n FROM message_receipt r JOIN message m ON m.id = r.message_id WHERE m.thread_id = ANY(ARRAY[?]::uuid[])',
            params: [threads.map((x) => x.id)],
          },
          {
            sql: 'SELECT id FROM bulletin_attachment WHERE id = ANY(ARRAY[?]::uuid[]) ORDER BY id',
            params: [[...notices, ...threads].map((x) => x.attachmentId)],
          },
          { sql: 'SELECT id FROM policy_document WHERE id = ?', params: [ctx.bulletin.policy.id] },
        ]),
      );
      const ids = (rows: unknown[] | undefined) => (rows as { id: string }[]).map((r) => r.id);
      const readableNotices = notices.filter((x) => canReadNotice(principal, x));
      const memberThreads = threads.filter((x) => isThreadMember(principal, x));
      expect(ids(n), `${username} reads notices`).toEqual(readableNotices.map((x) => x.id).sort());
      expect(ids(rcpt), `${username} reads recipients`).toEqual(readableNotices.map((x) => x.id).sort());
      // Receipts: every one to county-wide accounts, else only the unit's own.
      const wantUnits = readableNotices
        .map((x) => x.recipientUnitIds[1]!)
        .filter((u) => isCountyWide(principal) || u === principal.orgUnitId);
      expect(ids(rcptUnits), `${username} reads receipts`).toEqual([...new Set(wantUnits)].sort());
      expect(ids(t), `${username} reads threads`).toEqual(memberThreads.map((x) => x.id).sort());
      expect(ids(m), `${username} reads messages`).toEqual(memberThreads.map((x) => x.id).sort());
      expect((mr as { n: number }[])[0]!.n > 0, `${username} reads message receipts`).toBe(
        memberThreads.length > 0,
      );
      expect(ids(att), `${username} reads attachments`).toEqual(
        [...readableNotices, ...memberThreads].map((x) => x.attachmentId).sort(),
      );
      expect(ids(pol), `${username} reads the policy`).toEqual([ctx.bulletin.policy.id]);
    }
  });

  it('lets only offices and administrators publish notices and policies, and only members write in a thread', async () => {
    let published = 0;
    for (const { username, principal } of accounts) {
      const publisher = canPublishBulletin(principal);
      const notice = `INSERT INTO notice (title, body, category, issuer, issued_on, author_unit_id)
                      VALUES ('行级安全测试', '正文', 'other', '测试', '2026-12-01', ?)`;
      expect(await writes(principal, notice, [principal.orgUnitId]), `${username} publishes`).toBe(
        publisher ? 'written' : 'refused',
      );
      const policy = `INSERT INTO policy_document (title, issuer, level, category, issued_on, author_unit_id, title_search, search)
                      VALUES ('行级安全测试', '测试', 'county', 'other', '2026-01-01', ?, '', '')`;
      expect(await writes(principal, policy, [principal.orgUnitId]), `${username} adds a policy`).toBe(
        publisher ? 'written' : 'refused',
      );
      // Addressing a notice: only its author's unit, not even an administrator of another unit.
      expect(
        await writes(principal, `INSERT INTO notice_recipient (notice_id, unit_id) VALUES (?, ?)`, [
          ctx.bulletin.A.notice.id,
          principal.orgUnitId,
        ]),
        `${username} adds itself to another unit's notice`,
      ).toBe(publisher && principal.orgUnitId === ctx.bulletin.A.notice.authorUnitId ? 'written' : 'refused');
      if (publisher) published++;
      for (const o of OBJECTS) {
        const thread = ctx.bulletin[o].thread;
        const may = isThreadMember(principal, thread) && canWriteMessages(principal);
        expect(
          await writes(
            principal,
            `INSERT INTO message (thread_id, author_unit_id, body) VALUES (?, ?, '行级安全测试')`,
            [thread.id, principal.orgUnitId],
          ),
          `${username} writes in thread ${o}`,
        ).toBe(may ? 'written' : 'refused');
        // Nobody writes in another unit's name.
        const other = thread.unitIds.find((u) => u !== principal.orgUnitId)!;
        expect(
          await writes(
            principal,
            `INSERT INTO message (thread_id, author_unit_id, body) VALUES (?, ?, '冒名')`,
            [thread.id, other],
          ),
          `${username} writes as another unit in thread ${o}`,
        ).toBe('refused');
      }
    }
    expect(published).toBeGreaterThanOrEqual(3); // admin, the offices' operators and the supervisor
  });

  it('lets an upload be claimed by its uploader only, not by a colleague of the same unit', async () => {
    const office = accounts.find((a) => a.username === 'supervisor')!.principal;
    const colleague = accounts.find(
      (a) =>
        a.username !== 'supervisor' &&
        a.principal.orgUnitId === office.orgUnitId &&
        canPublishBulletin(a.principal),
    )!;
    expect(colleague, 'another publisher of the office').toBeDefined();
    const { rows } = await stack.db.query(
      `WITH p AS (INSERT INTO policy_document (title, issuer, level, category, issued_on, author_unit_id, title_search, search)
                  VALUES ('认领测试', '测试', 'county', 'other', '2026-01-01', $1, '', '') RETURNING id),
            a AS (INSERT INTO bulletin_attachment (id, unit_id, uploaded_by, file_name, content_type, size_bytes, sha256, storage_key)
                  VALUES (gen_random_uuid(), $1, $2, 'x.pdf', 'application/pdf', 1, repeat('a', 64), 'rls/' || gen_random_uuid())
                  RETURNING id)
       SELECT (SELECT id FROM p) AS policy, (SELECT id FROM a) AS attachment`,
      [office.orgUnitId, office.userId],
    );
    const claim = `UPDATE bulletin_attachment SET policy_id = ? WHERE id = ?`;
    const ids = [rows[0].policy, rows[0].attachment];
    expect(
      await writes(colleague.principal, claim, ids),
      `${colleague.username} claims the supervisor's upload`,
    ).toBe('refused');
    expect(await writes(office, claim, ids), 'the supervisor claims its own').toBe('written');
  });

  it('records a receipt only for an account of the scope’s own unit, on a notice it may read', async () => {
    const { rows } = await stack.db.query(
      `SELECT id FROM app_user WHERE username IN ('mbz.op', 'xqz.op') ORDER BY username`,
    );
    const [mbzUser, xqzUser] = rows as { id: string }[];
    // The first test recorded this account's reading as the owner: start again without it.
    await stack.db.query('DELETE FROM notice_receipt WHERE user_id = $1', [xqzUser!.id]);
    const xqz = accounts.find((a) => a.username === 'xqz.op')!.principal;
    const insert = `INSERT INTO notice_receipt (notice_id, user_id, unit_id) VALUES (?, ?, ?)`;
    expect(await writes(xqz, insert, [ctx.bulletin.A.notice.id, xqzUser!.id, xqz.orgUnitId])).toBe('written');
    expect(await writes(xqz, insert, [ctx.bulletin.A.notice.id, mbzUser!.id, xqz.orgUnitId])).toBe('refused');
    expect(await writes(xqz, insert, [ctx.bulletin.B.notice.id, xqzUser!.id, xqz.orgUnitId])).toBe('refused');
  });
});
