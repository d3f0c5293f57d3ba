/**
 * `npm run bench:detail-table`: generation time of the project detail table (JSON, xlsx, PDF) for a
 * typical project, against a baseline measured in the same run (reading the project detail alone).
 * Uses DATABASE_URL if set, else an embedded PostgreSQL in a temporary directory; no Temporal
 * needed: the project row is written by the same activity the workflow calls.
 *   --png <file>  also writes the PDF's first page as a PNG (pdftoppm), for docs/.
 * Target: PDF ≤ 300 ms.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createProjectActivities } from '#activities/project.activities.js';
import { createDetailTableService } from '#api/modules/ledgers/detail-service.js';
import { detailTablePdf } from '#api/modules/ledgers/render-pdf.js';
import { detailTableXlsx } from '#api/modules/ledgers/render-xlsx.js';
import { createLedgerRepository } from '#api/modules/ledgers/repository.js';
import { createLedgerService } from '#api/modules/ledgers/service.js';
import { createLedgerWrites } from '#api/modules/ledgers/write-service.js';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import { createProjectService } from '#api/modules/projects/service.js';
import { SYSTEM_ACTOR } from '#domain/project-records.js';
import { nextStage, type Action, type Stage } from '#domain/lifecycle.js';
import { callerFor } from '../lib/project-file.js';
import { fillTypicalLedgers } from '../lib/typical-ledgers.js';
import { openBenchDb } from './lib/bench-db.js';

const RUNS = 30;

async function time(label: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up (JIT, font parsing, connection pool)
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(RUNS / 2)]!;
  const p95 = samples[Math.floor(RUNS * 0.95)]!;
  console.log(
    `${label.padEnd(28)} median ${median.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms`,
  );
  return median;
}

async function main() {
  const pngOut = process.argv.includes('--png') ? process.argv[process.argv.indexOf('--png') + 1] : undefined;
  const db = await openBenchDb('detail');
  const { orm, audit } = db;
  try {
    const orgs = db.orgs;
    const id = randomUUID();
    const code = `BENCH-${id.slice(0, 6)}`;
    const budgetFen = 1_286_500_00;
    await createProjectActivities({ orm, audit }).recordProjectCreated({
      project: {
        id,
        code,
        workflowId: `project-${code}`,
        name: '修齐镇枇杷村至东河村产业路硬化及配套安全设施工程',
        year: 2026,
        type: '交通',
        nature: 'new',
        departmentId: orgs.get('jtj')!,
        departmentCode: 'jtj',
        ownerUnitId: orgs.get('xqz')!,
        ownerUnitCode: 'xqz',
        villageIds: [orgs.get('xqz-ppc')!, orgs.get('xqz-dhc')!],
        villageCodes: ['xqz-ppc', 'xqz-dhc'],
        location: '枇杷村3组至东河村5组',
        approvalDocumentNo: '城扶组发〔2026〕18号',
        budgetFen,
        fundSources: [
          { kind: 'centralSpecial', amountFen: 600_000_00, documentNo: null },
          { kind: 'municipalSpecial', amountFen: 300_000_00, documentNo: null },
          { kind: 'sector', amountFen: 286_500_00, documentNo: null },
          { kind: 'integratedAgri', amountFen: 100_000_00, documentNo: null },
        ],
        plannedDates: {
          start: '2026-04-01',
          completion: '2026-08-31',
          acceptance: '2026-09-30',
          reimbursement: '2026-11-30',
        },
      },
      actor: SYSTEM_ACTOR,
      at: new Date().toISOString(),
    });
    // Walk it to after-care with the activity the workflow uses, so stage, progress and the
    // inspection come from real history rows.
    const acts = createProjectActivities({ orm, audit });
    let stage: Stage = 'approved';
    const steps: [Action, Record<string, unknown>][] = [
      ['approveDesign', { documentNo: '城交审〔2026〕7号', approvedOn: '2026-03-10' }],
      ['fixImplementation', { method: 'openTender' }],
      ['start', { startedOn: '2026-04-01' }],
      ['reportProgress', { month: '2026-07', percent: 100, narrative: '完工' }],
      ['complete', { completedOn: '2026-07-20' }],
      ['inspect', { passed: true, inspectedOn: '2026-08-05', findings: '工程质量合格，资料齐全。' }],
      ['reimburse', { settledOn: '2026-09-01', settledAmountFen: budgetFen }],
      ['handOver', { caretaker: '枇杷村民委员会', duty: '日常巡查', handedOverOn: '2026-09-15' }],
    ];
    for (const [i, [action, payload]] of steps.entries()) {
      const to = nextStage(stage, action, payload as { passed?: boolean });
      await acts.recordTransition({
        projectId: id,
        seq: i + 1,
        action,
        fromStage: stage,
        toStage: to,
        actor: SYSTEM_ACTOR,
        at: new Date().toISOString(),
        payload: { action, ...payload },
        effects: action === 'reportProgress' ? { progressPercent: 100 } : {},
      });
      stage = to;
    }
    const repo = createProjectRepository(orm);
    const projects = createProjectService({ repo, temporal: null as never, taskQueue: 'unused', orm });
    const ledgerRepo = createLedgerRepository(orm);
    const ledgers = createLedgerService({ repo: ledgerRepo, projects: repo });
    const writes = createLedgerWrites({ orm, repo: ledgerRepo, projects: repo, audit, ledgers });
    const who = {
      department: await callerFor(orm, 'jtj.op'),
      owner: await callerFor(orm, 'xqz.op'),
      village: await callerFor(orm, 'xqz-ppc.op'),
    };
    const leader = await callerFor(orm, 'leader');
    const found = (await repo.find(leader, id))!;
    await fillTypicalLedgers(ledgers, writes, who, found, 3);
    const service = createDetailTableService({ projects, ledgers });
    const table = await service.build(leader, id);

    console.log(
      `detail table of a typical project (${table.disbursements.length} disbursements, ${table.progress.length} months, ${RUNS} runs)`,
    );
    const base = await time('baseline: project detail', () => projects.detail(leader, id));
    const json = await time('JSON (load + build)', async () =>
      JSON.stringify(await service.build(leader, id)),
    );
    const xlsx = await time('xlsx (load + build + render)', async () =>
      detailTableXlsx(await service.build(leader, id)),
    );
    const pdf = await time('PDF (load + build + render)', async () =>
      detailTablePdf(await service.build(leader, id)),
    );
    console.log(
      `ratios to baseline: JSON ${(json / base).toFixed(1)}×, xlsx ${(xlsx / base).toFixed(1)}×, PDF ${(pdf / base).toFixed(1)}×`,
    );
    console.log(`PDF target ≤ 300 ms: ${pdf <= 300 ? 'met' : 'NOT met'} (${pdf.toFixed(1)} ms)`);
    if (pngOut) {
      const pdfFile = `${pngOut.replace(/\.png$/, '')}.pdf`;
      fs.writeFileSync(pdfFile, await detailTablePdf(table));
      const pages = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdfFile], { encoding: 'utf8' }))?.[1];
      execFileSync('pdftoppm', ['-r', '110', '-png', '-singlefile', pdfFile, pngOut.replace(/\.png$/, '')]);
      console.log(`wrote ${pngOut} (${pages} page(s))`);
    }
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
