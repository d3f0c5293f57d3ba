/**
 * `npm run bench:ledger-import`: a valid 5,000-row disbursement ledger (xlsx) imported through the
 * import service (parse, validate every row, write in one transaction), against a baseline measured
 * in the same run: reading the same file only. Target: ≤ 10 s. DATABASE_URL if set, else an
 * embedded PostgreSQL in a temporary directory.
 */
import ExcelJS from 'exceljs';
import { createProjectActivities } from '#activities/project.activities.js';
import { parseLedgerFile } from '#api/modules/imports/parse.js';
import { createImportRepository } from '#api/modules/imports/repository.js';
import { createImportService } from '#api/modules/imports/service.js';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import { IMPORT_DEFS } from '#domain/imports.js';
import { createLogger } from '#platform/log.js';
import { callerFor } from '../lib/project-file.js';
import { recordImportProjects } from '../lib/import-projects.js';
import { openBenchDb } from './lib/bench-db.js';

const log = createLogger('bench', 'warn');
const ROWS = 5000;

async function main() {
  const db = await openBenchDb('import');
  const { orm, audit } = db;
  try {
    const org = db.orgs;
    const acts = createProjectActivities({ orm, audit });
    const codes = await recordImportProjects(acts, (c) => org.get(c)!, {
      count: 25,
      codePrefix: 'BI',
      namePrefix: '导入基准项目',
    });
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

    const service = createImportService({
      orm,
      repo: createImportRepository(orm),
      projects: createProjectRepository(orm),
      log,
      audit,
    });
    const caller = await callerFor(orm, 'swj.op');
    const t1 = performance.now();
    const s = await service.start(
      caller,
      { kind: 'disbursements', mode: 'all', wait: true },
      'bench.xlsx',
      file,
      'zh-CN',
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
