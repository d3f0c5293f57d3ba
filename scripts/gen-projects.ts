/**
 * `npm run gen:projects -- N`: makes the reads benchmark's database hold N generated projects
 * (adding only those missing), with their villages, fund sources, history, ledgers and alerts —
 * set-based SQL into the real tables. DATABASE_URL, or an embedded PostgreSQL in BENCH_PGDATA
 * (see scripts/bench/lib/reads-db.ts); `npm run bench:queries` then reads the same database.
 */
import pg from 'pg';
import { generateProjects } from './bench/lib/gen-projects.js';
import { openReadsDb } from './bench/lib/reads-db.js';

const N = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(N) || N < 1 || N > 5_000_000) {
  console.error('usage: npm run gen:projects -- N   (1 ≤ N ≤ 5,000,000)');
  process.exit(2);
}

const db = await openReadsDb();
try {
  // As the owner: the application role sees no project without a scope.
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const have = (await c.query(`SELECT count(*) AS n FROM project WHERE code LIKE 'BR-%'`)).rows[0]
    .n as string;
  await c.end();
  const t = performance.now();
  if (Number(have) >= N) console.log(`${have} projects already generated`);
  else {
    await generateProjects(db.url, N - Number(have), { log: (l) => console.log(l) });
    console.log(`${N} projects in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
} finally {
  await db.close();
}
