/**
 * `npm run ranking:verify [-- --month YYYY-MM | --file report.json]`: recomputes every rank of
 * the stored monthly ranking reports from each report alone (its published config, inputs and
 * previous ranks; no other table is read) and compares. Exit 0 when all agree, 1 when one does
 * not (each difference named), 2 when it could not check. Database: DATABASE_URL, else the
 * running local stack (DATA_DIR/stack.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { RankingReport } from '#domain/ranking/report.js';
import { verifyRankingReport } from '#domain/ranking/verify.js';
import { loadEnv } from '#platform/env.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function reports(): Promise<RankingReport[]> {
  const file = arg('--file');
  if (file) return [JSON.parse(fs.readFileSync(file, 'utf8')) as RankingReport];
  const env = loadEnv();
  let url = env.DATABASE_URL;
  const stackFile = path.join(env.dataDir, 'stack.json');
  if (!url && fs.existsSync(stackFile))
    url = (JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { databaseUrl: string }).databaseUrl;
  if (!url) throw new Error('no database: set DATABASE_URL, or run npm start first');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const month = arg('--month');
    const res = await client.query<{ report: RankingReport }>(
      `SELECT report FROM ranking_report ${month ? 'WHERE month = $1' : ''} ORDER BY month`,
      month ? [month] : [],
    );
    return res.rows.map((r) => r.report);
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const list = await reports();
  let bad = 0;
  for (const report of list) {
    const problems = verifyRankingReport(report);
    const units = report.groups.department.length + report.groups.township.length;
    if (problems.length === 0)
      process.stdout.write(`${report.month}: ${units} rows agree (config ${report.config.version})\n`);
    else {
      bad++;
      process.stdout.write(`${report.month}: ${problems.length} differences\n`);
      for (const p of problems) process.stdout.write(`  ${p}\n`);
    }
  }
  process.stdout.write(`${list.length} report(s) checked, ${bad} disagree\n`);
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`ranking:verify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
