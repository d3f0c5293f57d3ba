/**
 * The token policies (the readers migration) against the rule they replaced: for every scope kind
 * and every unit — including units of the "wrong" kind for the scope, and projects whose department
 * or owner is an odd unit — row-level security shows exactly the projects, and the project rows of
 * every child table, that the old `app_can_read_project` rule gives, computed here as the owner from
 * the columns themselves; so do the list's search and its pages by number (in the list's order);
 * and the rollups' groups and figure rows are exactly those of the same rule over each group's
 * units. Again after the units change: villages replaced (调项), owner changed, a village moved to
 * another township, a project's villages removed, a project's year changed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_SCOPE, inScope, type DbScope } from '#db/scope.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** Tables whose rows belong to a project, and the rows the fixture gives each project. */
const CHILD_TABLES = [
  'project_village',
  'project_fund_source',
  'project_history',
  'alert',
  'negative_list_entry',
  'ledger_event',
  'disbursement',
  'monthly_progress',
  'supervision_visit',
] as const;

/** The replaced rule, verbatim in meaning: which projects (kind, unit) reads. */
const OLD_RULE = `
  SELECT p.id FROM project p
   WHERE p.code LIKE 'RLSR-%' AND CASE
     WHEN $1 IN ('system', 'county') THEN true
     WHEN $2::uuid IS NULL THEN false
     WHEN $1 = 'department' THEN p.department_id = $2 OR p.owner_unit_id = $2
     WHEN $1 = 'township' THEN p.owner_unit_id = $2 OR EXISTS (
       SELECT 1 FROM project_village pv JOIN org_unit v ON v.id = pv.village_id
        WHERE pv.project_id = p.id AND v.parent_id = $2)
     WHEN $1 = 'village' THEN EXISTS (SELECT 1 FROM project_village pv WHERE pv.project_id = p.id AND pv.village_id = $2)
     ELSE false END`;

/** The same rule over a rollup group's units (every project of a group has exactly these). */
const OLD_RULE_GROUPS = `
  SELECT r.sig FROM project_rollup r
   WHERE CASE
     WHEN $1 IN ('system', 'county') THEN true
     WHEN $2::uuid IS NULL THEN false
     WHEN $1 = 'department' THEN r.department_id = $2 OR r.owner_unit_id = $2
     WHEN $1 = 'township' THEN r.owner_unit_id = $2 OR EXISTS (
       SELECT 1 FROM org_unit v WHERE v.id = ANY (r.village_ids) AND v.parent_id = $2)
     WHEN $1 = 'village' THEN $2 = ANY (r.village_ids)
     ELSE false END`;

let stack: TestStack;
const tag = randomBytes(3).toString('hex');
let units: { id: string; code: string; kind: string }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  const db = stack.db;
  // Besides the demo county: a second township with two villages, a village without a township.
  await db.query(
    `INSERT INTO org_unit (code, name, kind, parent_id)
     VALUES ($1, '测试镇', 'township', (SELECT id FROM org_unit WHERE code = 'ck'))`,
    [`t-${tag}`],
  );
  for (const [code, parent] of [
    [`t-${tag}-a`, `t-${tag}`],
    [`t-${tag}-b`, `t-${tag}`],
    [`v-${tag}`, null],
  ] as const)
    await db.query(
      `INSERT INTO org_unit (code, name, kind, parent_id) VALUES ($1, '测试村', 'village',
         (SELECT id FROM org_unit WHERE code = $2))`,
      [code, parent],
    );
  units = (await db.query(`SELECT id, code, kind FROM org_unit WHERE kind <> 'county' ORDER BY code`)).rows;
  const departments = units.filter((u) => u.kind === 'department');
  const townships = units.filter((u) => u.kind === 'township');
  const villages = units.filter((u) => u.kind === 'village');
  // 40 projects spread over departments and owners (townships, departments, and odd ones: a
  // village owner, a township as department), with 0–2 villages each, children on every table.
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < 40; i++) {
      const dept = i % 13 === 5 ? townships[0]! : departments[i % departments.length]!;
      const owner =
        i % 11 === 3
          ? villages[i % villages.length]!
          : i % 4 === 0
            ? departments[(i + 1) % departments.length]!
            : townships[i % townships.length]!;
      const id = (
        await client.query(
          `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
             approval_document_no, budget_fen, stage, planned_start, planned_completion, planned_acceptance,
             planned_reimbursement)
           VALUES (gen_random_uuid(), $1, $1, '行级安全等价', $4, '交通', 'new', $2, $3, '测试', 1000, 'underway',
             '2026-03-01', '2026-06-01', '2026-07-01', '2026-08-01') RETURNING id`,
          [`RLSR-${tag}-${i}`, dept.id, owner.id, 2026 - (i % 3)],
        )
      ).rows[0].id as string;
      await client.query(
        `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'countySpecial', 1000)`,
        [id],
      );
      for (const v of [villages[i % villages.length]!, villages[(i * 5 + 2) % villages.length]!].slice(
        0,
        i % 3,
      ))
        await client.query(
          'INSERT INTO project_village (project_id, village_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [id, v.id],
        );
      await client.query(
        `INSERT INTO project_history (project_id, seq, action, to_stage, actor_name, at) VALUES ($1, 0, 'create', 'approved', '测试', now())`,
        [id],
      );
      const alert = (
        await client.query(
          `INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id,
             history_seq, raised_at, status, closed_at)
           VALUES ($1, 'completion', 1, $3, '2026-06-01', '2026-06-02', 1, $2, 0, now(), $4, $5)
           RETURNING id`,
          // Overdue and active but for every fourth (a reminder) and every fourth but one (resolved).
          [
            id,
            owner.id,
            i % 4 === 3 ? 'reminder' : 'overdue',
            i % 4 === 2 ? 'resolved' : 'active',
            i % 4 === 2 ? new Date() : null,
          ],
        )
      ).rows[0].id as string;
      if (i % 5 === 0)
        await client.query(
          `INSERT INTO negative_list_entry (org_unit_id, project_id, alert_id, reason, listed_at) VALUES ($1, $2, $3, '测试', now())`,
          [owner.id, id, alert],
        );
      await client.query(
        `INSERT INTO ledger_event (project_id, ledger, kind, actor_name) VALUES ($1, 'department', 'test', '测试')`,
        [id],
      );
      await client.query(
        `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
         VALUES ($1, 0, '2026-04-01', 100, '施工方', $2, '审批人')`,
        [id, `RLSR-${i}`],
      );
      await client.query(
        `INSERT INTO monthly_progress (project_id, month, percent, narrative) VALUES ($1, '2026-05', 30, '进度')`,
        [id],
      );
      await client.query(
        `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings)
         VALUES ($1, $2, '2026-05-03', '监督员', '正常')`,
        [id, villages[i % villages.length]!.id],
      );
    }
    // Rows without a project: a negative-list entry of a unit, a fund document's ledger event.
    await client.query(
      `INSERT INTO negative_list_entry (org_unit_id, reason, listed_at, source, leader_name)
       VALUES ($1, '测试', now(), 'manual', '')`,
      [townships[0]!.id],
    );
    await client.query(
      `INSERT INTO ledger_event (project_id, ledger, kind, actor_name) VALUES (NULL, 'department', 'test', '测试')`,
    );
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** Every scope to compare: each unit under each unit kind (odd pairs too), and the others. */
function scopes(): DbScope[] {
  const out: DbScope[] = [SYSTEM_SCOPE];
  const any = units[0]!.id;
  out.push({ kind: 'county', unitId: any, roles: ['leader'] });
  out.push({ kind: 'none', unitId: any, roles: ['viewer'] });
  for (const u of units)
    for (const kind of ['department', 'township', 'village'] as const)
      out.push({ kind, unitId: u.id, roles: ['viewer'] });
  return out;
}

/** What the scope sees through row-level security, and what the old rule says it should. */
async function compare(scope: DbScope): Promise<void> {
  const unit = scope.kind === 'system' || scope.kind === 'public' ? null : scope.unitId;
  const expected = new Set(
    (await stack.db.query<{ id: string }>(OLD_RULE, [scope.kind, unit])).rows.map((r) => r.id),
  );
  const label = `${scope.kind} ${units.find((u) => u.id === unit)?.code ?? ''}`;
  const keyed = (
    await stack.db.query<{ id: string; list_year_key: number; code: string; overdue: boolean }>(
      `SELECT id, list_year_key, code, EXISTS (SELECT 1 FROM alert a WHERE a.project_id = p.id
                AND a.status = 'active' AND a.step = 'overdue') AS overdue
         FROM project p WHERE code LIKE $1 ORDER BY year DESC, code`,
      [`RLSR-${tag}-%`],
    )
  ).rows;
  const inOrder = keyed.map((r) => r.id);
  const all = new Set(inOrder);
  await inScope(stack.orm, scope, async (tx) => {
    const seen = await tx.execute<{ id: string; can: boolean }[]>(
      `SELECT id, app_can_read_project(id) AS can FROM project WHERE code LIKE ?`,
      [`RLSR-${tag}-%`],
    );
    expect(new Set(seen.map((r) => r.id)), label).toEqual(expected);
    expect(
      seen.every((r) => r.can),
      label,
    ).toBe(true);
    // The list's text search runs as the owner and must admit by the same rule, whichever index
    // serves the term: trigrams from three characters, the characters and pairs below.
    for (const term of [`RLSR-${tag}-`, 'rl', 'S'])
      for (const cap of [null, 1_000_000]) {
        const found = await tx.execute<{ id: string }[]>(`SELECT app_project_search(?, ?::int) AS id`, [
          term,
          cap,
        ]);
        const ours = found.map((r) => r.id).filter((id) => all.has(id));
        expect(new Set(ours), `${label} search “${term}” up to ${cap}`).toEqual(expected);
      }
    // So must the list's pages by number, in the list's order (its ordered ranges per reader).
    const paged = (await tx.execute<{ id: string }[]>(`SELECT app_project_page(0, 1000000) AS id`)).map(
      (r) => r.id,
    );
    const ours = paged.filter((id) => all.has(id));
    expect(new Set(ours), `${label} pages`).toEqual(expected);
    expect(ours, `${label} pages' order`).toEqual(inOrder.filter((id) => expected.has(id)));
    // And from a cursor either way (the list's next and previous pages).
    const mid = keyed[Math.floor(keyed.length / 2)]!;
    const pageFrom = async (from: (typeof keyed)[number], back: boolean) =>
      (
        await tx.execute<{ id: string }[]>(
          `SELECT app_project_page_from(?::int, ?::text, ?, 1000000) AS id`,
          [from.list_year_key, from.code, back],
        )
      )
        .map((r) => r.id)
        .filter((id) => all.has(id));
    const readable = keyed.filter((r) => expected.has(r.id));
    const beyond = readable.filter((r) => keyed.indexOf(r) > keyed.indexOf(mid));
    expect(await pageFrom(mid, false), `${label} pages after a cursor`).toEqual(beyond.map((r) => r.id));
    expect(await pageFrom(mid, true), `${label} pages before a cursor`).toEqual(
      readable
        .filter((r) => r.id !== mid.id && !beyond.includes(r))
        .map((r) => r.id)
        .reverse(),
    );
    // And the overdue filter's pages, by number and from a cursor either way: the overdue projects
    // the rule admits, in the list's order.
    const overdue = keyed.filter((r) => r.overdue && expected.has(r.id));
    const overduePage = async (kind: string | null, from: (typeof keyed)[number] | null, back = false) =>
      (
        await tx.execute<{ id: string }[]>(
          `SELECT app_project_overdue_page(?::text, ?::int, ?::text, ?, 0, 1000000) AS id`,
          [kind, from?.list_year_key ?? null, from?.code ?? null, back],
        )
      )
        .map((r) => r.id)
        .filter((id) => all.has(id));
    expect(await overduePage(null, null), `${label} overdue pages`).toEqual(overdue.map((r) => r.id));
    expect(await overduePage('completion', null), `${label} overdue pages`).toEqual(overdue.map((r) => r.id));
    expect(await overduePage('acceptance', null), `${label} overdue pages of another kind`).toEqual([]);
    // Positions in the database's own order (its collation orders the codes).
    const after = overdue.filter((r) => keyed.indexOf(r) > keyed.indexOf(mid));
    expect(await overduePage(null, mid), `${label} overdue after a cursor`).toEqual(after.map((r) => r.id));
    expect(await overduePage(null, mid, true), `${label} overdue before a cursor`).toEqual(
      overdue
        .filter((r) => r.id !== mid.id && !after.includes(r))
        .map((r) => r.id)
        .reverse(),
    );
    for (const table of CHILD_TABLES) {
      const rows = await tx.execute<{ project_id: string }[]>(
        `SELECT project_id FROM ${table} WHERE project_id IN (SELECT id FROM project WHERE code LIKE ?)
            OR project_id IS NULL`,
        [`RLSR-${tag}-%`],
      );
      const all = (
        await stack.db.query<{ project_id: string | null }>(
          `SELECT project_id FROM ${table} WHERE project_id IN (SELECT id FROM project WHERE code LIKE $1)`,
          [`RLSR-${tag}-%`],
        )
      ).rows;
      const want = all.filter((r) => expected.has(r.project_id!)).length;
      expect(rows.filter((r) => r.project_id !== null).length, `${label} ${table}`).toBe(want);
    }
  });
  // The rollups: exactly the groups (and their figure rows) whose units the rule admits, and a
  // project's group exactly when the project.
  const groups = new Set(
    (await stack.db.query<{ sig: string }>(OLD_RULE_GROUPS, [scope.kind, unit])).rows.map((r) => r.sig),
  );
  const figureGroups = (
    await stack.db.query<{ sig: string }>('SELECT DISTINCT sig FROM project_rollup_figure')
  ).rows
    .map((r) => r.sig)
    .filter((sig) => groups.has(sig));
  await inScope(stack.orm, scope, async (tx) => {
    const seen = await tx.execute<{ sig: string }[]>('SELECT sig FROM project_rollup');
    expect(new Set(seen.map((r) => r.sig)), `${label} project_rollup`).toEqual(groups);
    const figures = await tx.execute<{ sig: string }[]>('SELECT DISTINCT sig FROM project_rollup_figure');
    expect(new Set(figures.map((r) => r.sig)), `${label} project_rollup_figure`).toEqual(
      new Set(figureGroups),
    );
  });
  const members = (
    await stack.db.query<{ project_id: string; sig: string }>(
      `SELECT m.project_id, m.sig FROM project_rollup_member m JOIN project p ON p.id = m.project_id
        WHERE p.code LIKE $1`,
      [`RLSR-${tag}-%`],
    )
  ).rows;
  expect(members.length).toBe(40);
  for (const m of members)
    expect(groups.has(m.sig), `${label} group of a project`).toBe(expected.has(m.project_id));
  // The step's check still answers by the same rule for a project outside the scope.
  const outside = (
    await stack.db.query<{ id: string }>(`SELECT id FROM project WHERE code LIKE $1`, [`RLSR-${tag}-%`])
  ).rows.filter((r) => !expected.has(r.id));
  if (outside.length) {
    const [row] = await inScope(stack.orm, scope, (tx) =>
      tx.execute<{ can: boolean }[]>('SELECT app_can_read_project(?) AS can', [outside[0]!.id]),
    );
    expect(row!.can, label).toBe(false);
  }
}

describe('token row-level security', () => {
  it('shows every scope exactly the projects and project rows of the old rule', async () => {
    for (const scope of scopes()) await compare(scope);
  }, 300_000);

  it('follows unit changes: villages replaced, owner changed, a village moved, villages removed, a year changed', async () => {
    const projects = (
      await stack.db.query<{ id: string }>(`SELECT id FROM project WHERE code LIKE $1 ORDER BY code`, [
        `RLSR-${tag}-%`,
      ])
    ).rows;
    const village = (code: string) => units.find((u) => u.code === code)!.id;
    // 调项 as the activity writes it: the system scope replaces the villages and changes the owner.
    await inScope(stack.orm, SYSTEM_SCOPE, async (tx) => {
      await tx.execute('DELETE FROM project_village WHERE project_id = ?', [projects[1]!.id], 'run');
      await tx.execute(
        'INSERT INTO project_village (project_id, village_id) VALUES (?, ?)',
        [projects[1]!.id, village(`t-${tag}-a`)],
        'run',
      );
      await tx.execute('DELETE FROM project_village WHERE project_id = ?', [projects[2]!.id], 'run');
      await tx.execute(
        'UPDATE project SET owner_unit_id = (SELECT id FROM org_unit WHERE code = ?) WHERE id = ?',
        [`t-${tag}`, projects[3]!.id],
        'run',
      );
      await tx.execute('UPDATE project SET year = 2019 WHERE id = ?', [projects[5]!.id], 'run');
    });
    // A village moves to another township (an administrative change, by the owner).
    await stack.db.query(
      `UPDATE org_unit SET parent_id = (SELECT id FROM org_unit WHERE code = 'mbz') WHERE code = $1`,
      [`t-${tag}-a`],
    );
    // And nobody can write the tokens themselves: they are recomputed.
    await stack.db.query(`UPDATE project SET readers = '{}' WHERE id = $1`, [projects[4]!.id]);
    for (const scope of scopes()) await compare(scope);
  }, 300_000);
  // A village of a few hundred projects among a million must be among the planner's most common
  // tokens (docs/performance.md): with the default sample it estimated any rare token at 0.5 % of
  // the county and read 72,888 projects for a village's sorted first page. Only a table of that
  // size shows it, so this holds the setting that does it.
  it('keeps the readers’ statistics from a sample large enough for a small village', async () => {
    const { rows } = await stack.db.query<{ target: number }>(
      `SELECT attstattarget AS target FROM pg_attribute
        WHERE attrelid = 'project'::regclass AND attname = 'readers'`,
    );
    expect(rows[0]!.target).toBeGreaterThanOrEqual(1000);
  });
});
