/**
 * A small county for the monthly ranking, written straight into the tables (as the database
 * owner) so every figure is known: projects with their history at given instants, disbursements,
 * monthly progress, site visits, rectification notices, 约谈 records and negative-list entries.
 * tests/integration/ranking.test.ts computes the expected report by hand from exactly this.
 * Instants are Asia/Shanghai local times (+08:00).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

type Stage =
  'approved' | 'designApproved' | 'methodFixed' | 'underway' | 'completed' | 'accepted' | 'cancelled';

interface FixtureProject {
  code: string;
  year: number;
  department: string;
  owner: string;
  budgetFen: number;
  createdAt: string;
  planned: [start: string, completion: string, acceptance: string, reimbursement: string];
  /** Stages reached after 立项 (at createdAt), each at an instant. */
  history: [Stage, string][];
  disbursements?: [paidOn: string, fen: number][];
  /** [month, created_at] */
  progress?: [string, string][];
  /** [visited_on, created_at] */
  visits?: [string, string][];
}

const t = (local: string) => (local.length === 10 ? `${local}T12:00:00+08:00` : `${local}+08:00`);

export const FIXTURE_PROJECTS: FixtureProject[] = [
  {
    code: 'RK-P1',
    year: 2026,
    department: 'swj',
    owner: 'mbz',
    budgetFen: 1_000_000,
    createdAt: '2026-01-10',
    planned: ['2026-03-01', '2026-05-31', '2026-06-15', '2026-08-31'],
    history: [
      ['designApproved', '2026-01-20'],
      ['methodFixed', '2026-02-10'],
      ['underway', '2026-03-01'],
      ['completed', '2026-05-30'],
      ['accepted', '2026-06-10'],
    ],
    disbursements: [
      ['2026-03-15', 300_000],
      ['2026-06-20', 400_000],
      ['2026-07-05', 100_000], // after June's cutoff
    ],
  },
  {
    code: 'RK-P2',
    year: 2026,
    department: 'swj',
    owner: 'xqz',
    budgetFen: 2_000_000,
    createdAt: '2026-01-10',
    planned: ['2026-04-01', '2026-09-30', '2026-10-31', '2026-12-31'],
    history: [
      ['designApproved', '2026-02-01'],
      ['methodFixed', '2026-03-01'],
      ['underway', '2026-04-20'],
      ['completed', '2026-07-15'], // after June's cutoff: June still sees it under way
    ],
    disbursements: [['2026-05-10', 500_000]],
    progress: [['2026-06', '2026-06-28T18:00:00']],
    visits: [['2026-06-12', '2026-06-12T17:00:00']],
  },
  {
    code: 'RK-P3',
    year: 2026,
    department: 'jtj',
    owner: 'mbz',
    budgetFen: 1_500_000,
    createdAt: '2026-01-10',
    planned: ['2026-05-01', '2026-08-31', '2026-09-30', '2026-11-30'],
    history: [
      ['designApproved', '2026-02-15'],
      ['methodFixed', '2026-06-25'],
    ],
    disbursements: [['2026-06-30', 150_000]],
  },
  {
    code: 'RK-P4',
    year: 2026,
    department: 'jtj',
    owner: 'xqz',
    budgetFen: 500_000,
    createdAt: '2026-01-10',
    planned: ['2026-02-01', '2026-05-31', '2026-06-30', '2026-07-31'],
    history: [
      ['designApproved', '2026-01-15'],
      ['methodFixed', '2026-01-25'],
      ['underway', '2026-02-01'],
    ],
    disbursements: [['2026-03-01', 250_000]],
    progress: [['2026-06', '2026-07-02T09:00:00']], // June's entry, made in July: late
    visits: [['2026-05-20', '2026-05-20T16:00:00']], // May's visit, none in June
  },
  {
    code: 'RK-P5', // cancelled in March: out of every month after
    year: 2026,
    department: 'nyw',
    owner: 'mbz',
    budgetFen: 900_000,
    createdAt: '2026-01-10',
    planned: ['2026-03-01', '2026-05-31', '2026-06-30', '2026-07-31'],
    history: [['cancelled', '2026-03-01']],
  },
  {
    code: 'RK-P6', // of 2025: not in 2026's ranking
    year: 2025,
    department: 'swj',
    owner: 'mbz',
    budgetFen: 800_000,
    createdAt: '2025-03-01',
    planned: ['2025-04-01', '2025-06-30', '2025-07-31', '2025-08-31'],
    history: [],
  },
  {
    code: 'RK-P7', // registered after June's cutoff
    year: 2026,
    department: 'swj',
    owner: 'xqz',
    budgetFen: 700_000,
    createdAt: '2026-07-03',
    planned: ['2026-03-01', '2026-05-31', '2026-06-30', '2026-07-31'],
    history: [],
  },
];

export async function seedRankingFixture(db: pg.Pool): Promise<void> {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    const units = new Map(
      (await c.query<{ code: string; id: string }>('SELECT code, id FROM org_unit')).rows.map((r) => [
        r.code,
        r.id,
      ]),
    );
    const unit = (code: string) => units.get(code)!;
    const projects = new Map<string, string>();
    for (const p of FIXTURE_PROJECTS) {
      const id = randomUUID();
      projects.set(p.code, id);
      const created = t(p.createdAt);
      await c.query(
        `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
           approval_document_no, budget_fen, stage, planned_start, planned_completion, planned_acceptance,
           planned_reimbursement, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, '交通', 'new', $6, $7, '城扶发〔2026〕1号', $8, $9, $10, $11, $12, $13, $14, $14)`,
        [
          id,
          p.code,
          `project-${p.code}`,
          `排名测试项目 ${p.code}`,
          p.year,
          unit(p.department),
          unit(p.owner),
          p.budgetFen,
          p.history.at(-1)?.[0] ?? 'approved',
          ...p.planned,
          created,
        ],
      );
      await c.query(
        `INSERT INTO project_fund_source (project_id, position, kind, amount_fen) VALUES ($1, 0, 'countySpecial', $2)`,
        [id, p.budgetFen],
      );
      const steps: [string, string][] = [['approved', p.createdAt], ...p.history];
      let from: string | null = null;
      for (const [seq, [stage, at]] of steps.entries()) {
        await c.query(
          `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_name, at, request_id)
           VALUES ($1, $2, $3, $4, $5, '测试', $6, $7)`,
          [id, seq, seq === 0 ? 'create' : 'step', from, stage, t(at), `fixture-${seq}`],
        );
        from = stage;
      }
      for (const [paidOn, fen] of p.disbursements ?? [])
        await c.query(
          `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
           VALUES ($1, 0, $2, $3, '施工方', $4, '审批人')`,
          [id, paidOn, fen, `V-${paidOn}`],
        );
      for (const [month, at] of p.progress ?? [])
        await c.query(
          `INSERT INTO monthly_progress (project_id, month, percent, narrative, created_at) VALUES ($1, $2, 50, '进度', $3)`,
          [id, month, t(at)],
        );
      for (const [on, at] of p.visits ?? [])
        await c.query(
          `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings, created_at)
           VALUES ($1, (SELECT id FROM org_unit WHERE kind = 'village' ORDER BY code LIMIT 1), $2, '义务监督员', '正常', $3)`,
          [id, on, t(at)],
        );
    }

    // Rectification notices: [unit, issued, due, status, closedAt, closedOnTime]
    const notices: [
      string,
      string,
      string,
      'open' | 'closed' | 'withdrawn',
      string | null,
      boolean | null,
    ][] = [
      ['swj', '2026-05-10', '2026-06-10', 'closed', '2026-06-08', true],
      ['swj', '2026-06-01', '2026-06-20', 'open', null, null],
      ['jtj', '2026-06-15', '2026-07-15', 'open', null, null], // due after June
      ['mbz', '2026-04-01', '2026-04-30', 'closed', '2026-05-10', false],
      ['xqz', '2026-05-01', '2026-05-31', 'withdrawn', '2026-05-03', null],
      ['jtj', '2026-03-01', '2026-03-31', 'closed', '2026-03-30', true],
    ];
    for (const [i, [u, issued, due, status, closedAt, onTime]] of notices.entries())
      await c.query(
        `INSERT INTO rectification_notice (year, number, serial, org_unit_id, issuer_unit_id, title, day_count,
           issued_at, issued_on, due_date, status, closed_at, closed_on_time, withdrawn_reason)
         VALUES (2026, $1, $2, $3, $4, '整改', 'calendar', $5, $6, $7, $8, $9, $10, $11)`,
        [
          i + 1,
          `城口监督整改〔2026〕${i + 1}号`,
          unit(u),
          unit('zxjdb'),
          t(issued),
          issued,
          due,
          status,
          closedAt && t(closedAt),
          onTime,
          status === 'withdrawn' ? '重复下发' : null,
        ],
      );

    // 约谈 records: [held at (local), units talked to (one row per person)]
    const talks: [string, string[]][] = [
      ['2026-06-18T10:00:00', ['jtj', 'jtj', 'mbz']],
      ['2026-05-20T10:00:00', ['jtj']],
      ['2026-06-30T20:00:00', ['jtj']],
      ['2026-07-01T01:00:00', ['xqz']], // June 30th in UTC, July in Shanghai: not June's
    ];
    for (const [at, subjects] of talks) {
      const r = await c.query<{ id: string }>(
        `INSERT INTO interview_record (kind, held_at, interviewers, reason, agreed, recorder_unit_id)
         VALUES ('collective', $1, '监督办主任', '进度滞后', '限期整改', $2) RETURNING id`,
        [t(at), unit('zxjdb')],
      );
      for (const [i, u] of subjects.entries())
        await c.query(
          `INSERT INTO interview_subject (record_id, seq, org_unit_id, person_name) VALUES ($1, $2, $3, $4)`,
          [r.rows[0]!.id, i + 1, unit(u), `负责人${i + 1}`],
        );
    }

    // Negative-list entries (each from a ladder's 约谈 alert): [unit, project, listed at]
    const listed: [string, string, string][] = [
      ['xqz', 'RK-P4', '2026-06-05T09:00:00'],
      ['swj', 'RK-P2', '2026-05-05T09:00:00'],
    ];
    for (const [u, code, at] of listed) {
      const a = await c.query<{ id: string }>(
        `INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id,
           history_seq, raised_at)
         VALUES ($1, 'start', 1, 'interview', '2026-04-01', $2::date, 30, $3, 0, $2::timestamptz) RETURNING id`,
        [projects.get(code), t(at), unit(u)],
      );
      await c.query(
        `INSERT INTO negative_list_entry (org_unit_id, project_id, alert_id, reason, listed_at) VALUES ($1, $2, $3, '逾期', $4)`,
        [unit(u), projects.get(code), a.rows[0]!.id, t(at)],
      );
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}

/**
 * Complaints for the ranking's 投诉办理 (config 2026.2), each a receipt, the unit it went to and its
 * events and time-limit steps at given instants (local, +08:00). What counts for a unit's month: an
 * answer-phase `overdue` step raised in the month while the unit still owed its handling (no
 * `handle` since the latest assignment or reopening before the step); a village's is its township's.
 */
interface FixtureComplaint {
  subject: ['project', string] | ['village', string];
  events: [step: 'assign' | 'handle' | 'answer' | 'reopen', unit: string | null, at: string][];
  /** [phase, arm, step, unit (assigned at the time, answer phase only), raised at] */
  steps: ['acknowledge' | 'assign' | 'answer', number, 'overdue' | 'escalated', string | null, string][];
  status: 'assigned' | 'handled' | 'answered' | 'reopened';
}

export const FIXTURE_COMPLAINTS: FixtureComplaint[] = [
  // C1: jtj had not handled it when its limit passed in June → jtj, June.
  {
    subject: ['project', 'RK-P3'],
    events: [['assign', 'jtj', '2026-06-01T10:00:00']],
    steps: [['answer', 1, 'overdue', 'jtj', '2026-06-20T00:00:00']],
    status: 'assigned',
  },
  // C2: jtj handled it in May; the limit passed in June while the office owed the answer → nobody.
  {
    subject: ['project', 'RK-P4'],
    events: [
      ['assign', 'jtj', '2026-05-10T10:00:00'],
      ['handle', 'jtj', '2026-05-20T10:00:00'],
    ],
    steps: [['answer', 1, 'overdue', 'jtj', '2026-06-02T00:00:00']],
    status: 'handled',
  },
  // C3: assigned to 白台村, not handled → its township xqz, June.
  {
    subject: ['village', 'xqz-btc'],
    events: [['assign', 'xqz-btc', '2026-06-03T10:00:00']],
    steps: [['answer', 1, 'overdue', 'xqz-btc', '2026-06-25T00:00:00']],
    status: 'assigned',
  },
  // C4: xqz's limit passed on July 1st, 00:30 in Shanghai (June 30th in UTC) → July, not June.
  {
    subject: ['village', 'xqz-ppc'],
    events: [['assign', 'xqz', '2026-06-10T10:00:00']],
    steps: [['answer', 1, 'overdue', 'xqz', '2026-07-01T00:30:00']],
    status: 'assigned',
  },
  // C5: handled in April, reopened in May, not handled again by its second limit → xqz, June
  // (the April handling answered the first assignment, not the reopening).
  {
    subject: ['project', 'RK-P2'],
    events: [
      ['assign', 'xqz', '2026-04-01T10:00:00'],
      ['handle', 'xqz', '2026-04-05T10:00:00'],
      ['answer', null, '2026-04-10T10:00:00'],
      ['reopen', null, '2026-05-20T10:00:00'],
    ],
    steps: [['answer', 2, 'overdue', 'xqz', '2026-06-15T00:00:00']],
    status: 'reopened',
  },
  // C6: jtj overdue in May (May's, not June's), escalated in June (escalation is not counted again);
  // and the office's own lateness to assign (no unit) counts against nobody.
  {
    subject: ['project', 'RK-P3'],
    events: [['assign', 'jtj', '2026-05-08T10:00:00']],
    steps: [
      ['assign', 1, 'overdue', null, '2026-05-07T00:00:00'],
      ['answer', 1, 'overdue', 'jtj', '2026-05-28T00:00:00'],
      ['answer', 1, 'escalated', 'jtj', '2026-06-02T00:00:00'],
    ],
    status: 'assigned',
  },
];

export async function seedRankingComplaints(db: pg.Pool): Promise<void> {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    const unit = async (code: string) =>
      (await c.query<{ id: string }>('SELECT id FROM org_unit WHERE code = $1', [code])).rows[0]!.id;
    for (const [i, f] of FIXTURE_COMPLAINTS.entries()) {
      const receipt = `RKC0000000${String(i + 1).padStart(2, '0')}`;
      const [kind, code] = f.subject;
      const submitted = t(f.events[0]![2].slice(0, 10));
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO complaint (receipt, receipt_hash, request_id, request_hash, subject_kind, subject_code, project_id,
           village_id, category, description, status, unit_id, submitted_at, submitted_on)
         VALUES ($1, sha256(convert_to($1, 'UTF8')), $1, encode(sha256(convert_to($1, 'UTF8')), 'hex'), $2, $3,
           (SELECT id FROM project WHERE code = $3 AND $2 = 'project'),
           (SELECT id FROM org_unit WHERE code = $3 AND $2 = 'village'),
           'quality', '排名测试举报', $4, $6, $5::timestamptz - interval '1 day', ($5::timestamptz - interval '1 day')::date)
         RETURNING id`,
        [receipt, kind, code, f.status, submitted, await unit(f.events[0]![1]!)],
      );
      const id = rows[0]!.id;
      for (const [seq, [step, u, at]] of f.events.entries())
        await c.query(
          `INSERT INTO complaint_event (complaint_id, step, request_id, actor_name, unit_id, at)
           VALUES ($1, $2, $3, '测试', $4, $5)`,
          [id, step, `${receipt}-${seq}`, u && (await unit(u)), t(at)],
        );
      for (const [phase, arm, step, u, at] of f.steps)
        await c.query(
          `INSERT INTO complaint_sla_step (complaint_id, phase, arm, step, due_date, step_date, days_late, unit_id, raised_at)
           VALUES ($1, $2, $3, $4, ($5::timestamptz)::date - 1, ($5::timestamptz)::date, 1, $6, $5)`,
          [id, phase, arm, step, t(at), u && (await unit(u))],
        );
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}
