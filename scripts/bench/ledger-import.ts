/**
 * `npm run bench:ledger-import`: a valid 5,000-row disbursement ledger (xlsx) imported through the
 * import service (parse, validate every row, write in one transaction), against a baseline measured
 * in the same run: reading the same file only. Target: ≤ 10 s. DATABASE_URL if set, else an
 * embedded PostgreSQL in a temporary directory.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { createProjectActivities } from '../../activities/project.activities.js';
import { parseLedgerFile } from '../../api/src/modules/imports/parse.js';
import { createImportService } from '../../api/src/modules/imports/service.js';
import { createProjectRepository } from '../../api/src/modules/projects/repository.js';
import { IMPORT_DEFS } from '../../domain/imports.js';
import { SYSTEM_ACTOR } from '../../domain/project-records.js';
import { createLogger } from '../../platform/log.js';
import { callerFor } from '../lib/demo-seed.js';
import { openBenchDb } from './lib/bench-db.js';

const log = createLogger('bench', 'warn');
const ROWS = 5000;

async function main() {
  const db = await openBenchDb('import');
  const { orm, audit } = db;
  try {
    const org = db.orgs;
    const acts = createProjectActivities({ orm, audit });
    const codes: string[] = [];
    for (let i = 0; i < 25; i++) {
      const id = randomUUID();
      const code = `BI-${id.slice(0, 8)}`;
      codes.push(code);
      await acts.recordProjectCreated({
        project: {
          id,
          code,
          workflowId: `project-${code}`,
          name: `导入基准项目 ${i + 1}`,
          year: 2026,
          type: '水利',
          nature: 'new',
          departmentId: org.get('swj')!,
          departmentCode: 'swj',
          ownerUnitId: org.get('xqz')!,
          ownerUnitCode: 'xqz',
          villageIds: [org.get('xqz-btc')!],
          villageCodes: ['xqz-btc'],
          location: null,
          approvalDocumentNo: `城扶发〔2026〕${i + 1}号`,
          budgetFen: 20_000_000,
          fundSources: [
            { kind: 'centralSpecial', amountFen: 10_000_000, documentNo: null },
            { kind: 'countySpecial', amountFen: 10_000_000, documentNo: null },
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
    }
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('资金拨付');
    ws.addRow(IMPORT_DEFS.disbursements.columns.map((c) => c.header));
    for (let i = 0; i < ROWS; i++)
      ws.addRow([
        codes[i % 25],
        (i % 2) + 1,
        '2026-05-10',
        12.34,
        '重庆某建设有限公司',
        `V-${i}`,
        '局长 刘建国',
        '',
      ]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());

    const t0 = performance.now();
    await parseLedgerFile(file, IMPORT_DEFS.disbursements.columns, '资金拨付');
    const parse = performance.now() - t0;

    const service = createImportService({ orm, projects: createProjectRepository(orm), log, audit });
    const caller = await callerFor(orm, 'swj.op');
    const t1 = performance.now();
    const s = await service.start(
      caller,
      { kind: 'disbursements', mode: 'all', wait: true },
      'bench.xlsx',
      file,
    );
    const total = performance.now() - t1;
    console.log(`${ROWS}-row xlsx (${(file.length / 1024).toFixed(0)} KiB)`);
    console.log(`baseline: read the file only   ${parse.toFixed(0).padStart(6)} ms`);
    console.log(
      `import (validate + write)      ${total.toFixed(0).padStart(6)} ms   (${(total / parse).toFixed(1)}× baseline), ${s.importedRows} rows`,
    );
    console.log(`target ≤ 10 s: ${total <= 10_000 && s.importedRows === ROWS ? 'met' : 'NOT met'}`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
