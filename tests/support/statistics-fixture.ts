/**
 * A small county for the statistics, written straight into the tables (as the database owner) so
 * every amount is known; tests/integration/statistics.test.ts computes the expected figures by hand
 * from exactly this. One project lies in two townships (its villages), one is cancelled (it counts,
 * it carries no money), one has only a reminder (not overdue).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

type Kind = 'centralSpecial' | 'countySpecial' | 'social';

export interface StatProject {
  code: string;
  year: number;
  department: string;
  owner: string;
  villages: string[];
  type: string;
  stage: 'approved' | 'underway' | 'completed' | 'closed' | 'cancelled';
  /** [kind, 分, linked to a fund document (下达)] in position order. */
  sources: [Kind, number, boolean][];
  /** [source position, 分] */
  paid?: [number, number][];
  /** The alert step that is active now, if any. */
  alert?: 'reminder' | 'overdue';
}

export const STAT_PROJECTS: StatProject[] = [
  {
    code: 'ST-P1',
    year: 2026,
    department: 'swj',
    owner: 'mbz',
    villages: ['mbz-ljc'],
    type: '饮水安全',
    stage: 'underway',
    sources: [
      ['centralSpecial', 1_000_000, true],
      ['countySpecial', 500_000, false],
    ],
    paid: [
      [0, 400_000],
      [1, 100_000],
    ],
    alert: 'overdue',
  },
  {
    code: 'ST-P2',
    year: 2026,
    department: 'swj',
    owner: 'xqz',
    villages: ['xqz-btc'],
    type: '饮水安全',
    stage: 'completed',
    sources: [['centralSpecial', 2_000_000, true]],
    paid: [[0, 2_000_000]],
  },
  {
    code: 'ST-P3',
    year: 2026,
    department: 'jtj',
    owner: 'jtj',
    villages: ['mbz-lpc', 'xqz-ppc'],
    type: '交通',
    stage: 'underway',
    sources: [
      ['countySpecial', 3_000_000, true],
      ['social', 1_000_000, true],
    ],
    paid: [[0, 1_500_000]],
    alert: 'overdue',
  },
  {
    code: 'ST-P4',
    year: 2025,
    department: 'jtj',
    owner: 'bsz',
    villages: ['bsz-psc'],
    type: '交通',
    stage: 'closed',
    sources: [['centralSpecial', 800_000, true]],
    paid: [[0, 800_000]],
  },
  {
    code: 'ST-P5',
    year: 2026,
    department: 'swj',
    owner: 'mbz',
    villages: ['mbz-ljc'],
    type: '饮水安全',
    stage: 'cancelled',
    sources: [['centralSpecial', 600_000, true]],
    paid: [[0, 100_000]],
  },
  {
    code: 'ST-P6',
    year: 2025,
    department: 'swj',
    owner: 'xqz',
    villages: ['xqz-btc'],
    type: '产业',
    stage: 'approved',
    sources: [['countySpecial', 700_000, false]],
    alert: 'reminder',
  },
];

export async function seedStatisticsFixture(db: pg.Pool): Promise<void> {
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
    const docs = new Map<string, string>();
    for (const dept of ['swj', 'jtj']) {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO fund_document (department_id, document_no, title, issuer, issued_on, amount_fen)
         VALUES ($1, $2, '资金下达文件', '县财政局', '2026-01-05', 100000000) RETURNING id`,
        [unit(dept), `统计测试〔2026〕${dept}`],
      );
      docs.set(dept, rows[0]!.id);
    }
    for (const p of STAT_PROJECTS) {
      const id = randomUUID();
      const budget = p.sources.reduce((a, [, fen]) => a + fen, 0);
      await c.query(
        `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
           approval_document_no, budget_fen, stage, planned_start, planned_completion, planned_acceptance,
           planned_reimbursement)
         VALUES ($1, $2, $3, $4, $5, $6, 'new', $7, $8, '城扶发〔2026〕1号', $9, $10,
                 '2026-03-01', '2026-06-30', '2026-07-31', '2026-09-30')`,
        [
          id,
          p.code,
          `project-${p.code}`,
          `统计测试项目 ${p.code}`,
          p.year,
          p.type,
          unit(p.department),
          unit(p.owner),
          budget,
          p.stage,
        ],
      );
      for (const v of p.villages)
        await c.query('INSERT INTO project_village (project_id, village_id) VALUES ($1, $2)', [id, unit(v)]);
      for (const [pos, [kind, fen, linked]] of p.sources.entries())
        await c.query(
          `INSERT INTO project_fund_source (project_id, position, kind, amount_fen, fund_document_id)
           VALUES ($1, $2, $3, $4, $5)`,
          [id, pos, kind, fen, linked ? docs.get(p.department) : null],
        );
      for (const [n, [pos, fen]] of (p.paid ?? []).entries())
        await c.query(
          `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
           VALUES ($1, $2, '2026-05-10', $3, '施工方', $4, '审批人')`,
          [id, pos, fen, `V-${p.code}-${n}`],
        );
      if (p.alert)
        await c.query(
          `INSERT INTO alert (project_id, kind, arm, step, due_date, step_date, days_late, responsible_unit_id,
             history_seq, raised_at)
           VALUES ($1, 'completion', 1, $2, '2026-06-30', '2026-07-05', $3, $4, 0, now())`,
          [id, p.alert, p.alert === 'reminder' ? 0 : 5, unit(p.owner)],
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
