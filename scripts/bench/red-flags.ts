/**
 * Red flag scan over a county of N projects (default 100,000): the time of a full scan (every
 * rule's statement and upsert), of a second scan that finds nothing new, and each rule's plan —
 * which indexes it uses. The ledgers are generated in SQL (system scope, every money invariant
 * checked by the database as usual), a few percent of them made to raise each rule.
 *
 *   npm run bench:red-flags -- [projects=100000]
 */
import { inScope, SYSTEM_SCOPE } from '#db/scope.js';
import { scanRedFlags } from '#db/queries/red-flag-scan.js';
import { ruleQueries } from '#db/queries/red-flag-rules.js';
import { DEFAULT_RED_FLAG_CONFIG, RED_FLAG_RULES } from '#domain/red-flags.js';
import { usccCheckChar } from '#domain/uscc.js';
import { openBenchDb } from './lib/bench-db.js';

const N = Number(process.argv[2] ?? process.env.BENCH_PROJECTS ?? 100_000);
const TODAY = '2026-12-01';

const contractors = Array.from({ length: 300 }, (_, k) => {
  const first17 = `91500229MA${String(k).padStart(6, '0')}X`;
  return first17 + usccCheckChar(first17)!;
});

/** The county's ledgers, generated: project i is `md5('p'||i)::uuid`. */
function generate(depts: string[], villages: string[]): string[] {
  const pid = `md5('p' || i)::uuid`;
  const series = `FROM generate_series(1, ${N}) i`;
  const arr = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]::uuid[]`;
  const stage = `(ARRAY['approved','methodFixed','underway','underway','reimbursed'])[1 + i % 5]`;
  // A few projects just under the tender threshold, the rest between 10 万 and 107 万元.
  const budget = `CASE WHEN i % 50 = 0 THEN 380000000 ELSE 10000000 + (i % 97) * 1000000 END`;
  const started = `DATE '2025-03-01' + (i % 200)`;
  const signed = `DATE '2025-02-01' + (i % 200)`;
  return [
    `INSERT INTO project (id, code, workflow_id, name, year, type, nature, department_id, owner_unit_id,
       approval_document_no, budget_fen, stage, planned_start, planned_completion, planned_acceptance, planned_reimbursement)
     SELECT ${pid}, 'B' || i, 'project-B' || i, '基准项目' || i, 2024 + i % 3, '基础设施', 'new',
       (${arr(depts)})[1 + i % ${depts.length}], o.parent_id, '基准〔2025〕1号', ${budget}, ${stage},
       '2025-03-01', '2025-09-01', '2025-10-01', '2025-12-01'
     ${series} JOIN org_unit o ON o.id = (${arr(villages)})[1 + (i / 7) % ${villages.length}]`,
    `INSERT INTO project_village (project_id, village_id)
     SELECT ${pid}, (${arr(villages)})[1 + (i / 7) % ${villages.length}] ${series}`,
    `INSERT INTO project_fund_source (project_id, position, kind, amount_fen)
     SELECT p.id, 0, 'countySpecial', p.budget_fen FROM project p`,
    `INSERT INTO project_history (project_id, seq, action, from_stage, to_stage, actor_name, at, payload)
     SELECT ${pid}, 1, 'start', 'methodFixed', 'underway', 'bench', now(),
       jsonb_build_object('startedOn', ${started}) ${series} WHERE i % 5 IN (2, 3, 4)`,
    `INSERT INTO implementation_record (project_id, method, contractor_name, contractor_uscc, contract_amount_fen, contract_signed_on)
     SELECT ${pid}, 'negotiation', '承包单位' || (i % 300), (ARRAY[${contractors.map((c) => `'${c}'`).join(',')}])[1 + (i * 7 + i / 500) % 300],
       CASE WHEN i % 89 = 0 THEN (${budget}) / 4 ELSE (${budget}) END, ${signed}
     ${series} WHERE i % 5 <> 0`,
    // Two payments of a quarter each; every 97th paid a day before signing.
    `INSERT INTO disbursement (project_id, source_position, paid_on, amount_fen, payee, voucher_no, approver)
     SELECT ${pid}, 0, ${signed} + CASE WHEN i % 97 = 0 THEN -1 ELSE 30 + k END, (${budget}) / 4, '承包单位', 'V' || i || '-' || k, '审批人'
     ${series} CROSS JOIN generate_series(1, 2) k WHERE i % 5 IN (2, 3, 4)`,
    `INSERT INTO settlement (project_id, settled_on, settled_amount_fen)
     SELECT ${pid}, '2026-01-10', 2 * ((${budget}) / 4) ${series} WHERE i % 5 = 4`,
    // A visit a month after the start; every 3rd project under way visited lately.
    `INSERT INTO supervision_visit (project_id, village_id, visited_on, supervisor, findings)
     SELECT ${pid}, (${arr(villages)})[1 + (i / 7) % ${villages.length}],
       CASE WHEN i % 3 = 0 THEN DATE '${TODAY}' - 20 ELSE ${started} + 30 END, '监督员', '正常'
     ${series} WHERE i % 5 IN (2, 3, 4)`,
    // Two photos per project started; every 211th reuses its neighbour's.
    `INSERT INTO archive_document (project_id, ledger, stage, item, file_name, content_type, size_bytes, sha256, storage_key)
     SELECT ${pid}, 'site', 'underway', 'publicNoticePhoto', 'p.jpg', 'image/jpeg', 1000,
       encode(sha256(convert_to('ph' || CASE WHEN i % 211 = 0 THEN i - 5 ELSE i END || '-' || k, 'UTF8')), 'hex'),
       'bench/' || i || '/' || k
     ${series} CROSS JOIN generate_series(1, 2) k WHERE i % 5 IN (2, 3, 4)`,
  ];
}

async function main() {
  const db = await openBenchDb('red_flags');
  try {
    const depts = ['swj', 'jtj', 'nyw', 'fpb', 'zjw', 'lyj'].map((c) => db.orgs.get(c)!);
    const villages = [...db.orgs.entries()].filter(([c]) => /^[a-z]+-[a-z]+$/.test(c)).map(([, id]) => id);
    let t = Date.now();
    await inScope(db.orm, SYSTEM_SCOPE, async (tx) => {
      for (const sql of generate(depts, villages)) await tx.execute(sql, [], 'run');
    });
    await db.orm.em.getConnection().execute('ANALYZE');
    console.log(`generated ${N} projects and their ledgers in ${Date.now() - t} ms`);

    const scan = () =>
      scanRedFlags({
        orm: db.orm,
        audit: db.audit,
        config: DEFAULT_RED_FLAG_CONFIG,
        actor: { id: null, username: 'bench' },
        via: 'cli',
        today: TODAY,
      });
    const first = await scan();
    console.log(`first scan: ${first.ms} ms`);
    for (const [rule, r] of Object.entries(first.rules))
      console.log(`  ${rule.padEnd(24)} ${JSON.stringify(r)}`);
    t = Date.now();
    const second = await scan();
    const changed = Object.values(second.rules).reduce((n, r) => n + r.raised + r.cleared, 0);
    console.log(`second scan: ${second.ms} ms (${changed} raised or cleared)`);

    const queries = ruleQueries(DEFAULT_RED_FLAG_CONFIG, TODAY);
    for (const rule of RED_FLAG_RULES) {
      const plan = await inScope(db.orm, SYSTEM_SCOPE, (tx) =>
        tx.execute<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, BUFFERS OFF) ${queries[rule]}`),
      );
      const lines = plan.map((r) => r['QUERY PLAN']);
      const indexes = [...new Set(lines.flatMap((l) => [...l.matchAll(/using (\w+)/gi)].map((m) => m[1])))];
      const time = lines.find((l) => l.startsWith('Execution Time'));
      console.log(`${rule.padEnd(24)} ${time}; indexes: ${indexes.join(', ') || '(none)'}`);
      if (process.env.BENCH_PLANS) console.log(lines.join('\n'));
    }
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
