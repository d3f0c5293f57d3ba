/**
 * `npm run ranking:run [-- YYYY-MM]`: produces a month's ranking report by hand, through the same
 * `monthlyRanking` workflow (id `ranking-YYYY-MM`) the schedule and the api use: no month is the
 * month just over (Asia/Shanghai), a month is a backfill. Once per month: a stored month answers
 * "already stored" and nothing changes. Needs the worker running. Temporal: TEMPORAL_ADDRESS, else
 * the running local stack (DATA_DIR/stack.json). The run is recorded in the audit trail (via cli).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runRankingMonth } from '#api/modules/ranking/run.js';
import { createAuditLog } from '#db/audit.js';
import { initORM } from '#db/orm.js';
import { SYSTEM_SCOPE, inScope } from '#db/scope.js';
import { MONTH_PATTERN, monthCutoffInstant, rankingMonthFor } from '#domain/ranking/report.js';
import { loadAuditKey } from '#platform/audit-key.js';
import { loadEnv } from '#platform/env.js';

async function main(): Promise<number> {
  const env = loadEnv();
  const latest = rankingMonthFor(Date.now());
  const month = process.argv[2] ?? latest;
  if (!MONTH_PATTERN.test(month) || monthCutoffInstant(month) > Date.now()) {
    process.stderr.write(`ranking:run: ${month} is not a month that is over (YYYY-MM)\n`);
    return 2;
  }
  const stackFile = path.join(env.dataDir, 'stack.json');
  const stack = fs.existsSync(stackFile)
    ? (JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { databaseUrl?: string; temporalAddress?: string })
    : {};
  const address = env.TEMPORAL_ADDRESS ?? stack.temporalAddress;
  const dbUrl = env.DATABASE_URL ?? stack.databaseUrl;
  if (!address || !dbUrl)
    throw new Error('no stack: set TEMPORAL_ADDRESS and DATABASE_URL, or run npm start first');
  const connection = await Connection.connect({ address });
  const orm = await initORM(dbUrl);
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const trigger = month === latest ? 'manual' : 'backfill';
    const result = await runRankingMonth(client, env.TEMPORAL_TASK_QUEUE, month, trigger);
    await inScope(orm, SYSTEM_SCOPE, (tx) =>
      createAuditLog(loadAuditKey(env)).append(tx, {
        actor: { id: null, username: process.env.USER ?? 'cli' },
        via: 'cli',
        action: `ranking.${trigger}`,
        entity: 'ranking_report',
        entityId: month,
        after: result,
      }),
    );
    process.stdout.write(
      `${month}: ${result.created ? 'report stored' : 'already stored, unchanged'} (${result.workflowId})\n`,
    );
    return 0;
  } finally {
    await orm.close();
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`ranking:run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
