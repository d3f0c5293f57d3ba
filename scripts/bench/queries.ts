/**
 * `npm run bench:queries`: the list, the dashboard, the statistics and an export over a large
 * county, for a county leader, a department (交通局), a township and two village accounts (one of a
 * tenth of the projects, one of a few hundred): p50/p95 through the api (HTTP to a real api
 * process, scripts/bench/lib/reads-api.ts) beside the very SQL the api sent, replayed in the same
 * run as the application role under row-level security and as the owner (no RLS), and the same SQL
 * behind the thinnest HTTP server (scripts/bench/lib/bare-sql-server.ts: node:http, one pg
 * connection, nothing else), the least any api could add to it here. The ratios (p95): the api's
 * over its own SQL, the bare server's over the same SQL, and that SQL's under row-level security
 * over the owner's. The SQL is captured by running the api's own repositories once in this
 * process. The four take turns, run by run, so the machine's busy moments fall on all of them.
 *
 *   BENCH_PROJECTS=100000 npm run bench:queries     (generates what is missing first)
 *   DATABASE_URL=… or BENCH_PGDATA=<dir>: the database to use (scripts/bench/lib/reads-db.ts)
 *   BENCH_RUNS=20 BENCH_ONLY=list,dashboard BENCH_ACCOUNTS=leader BENCH_EXPLAIN=1 (prints the plans)
 *   BENCH_VILLAGE=<code> (the village of the dashboard narrowed to one; mbz-ljc)
 *   SESSION_CACHE_SECONDS=0: the api looks every request's session up (as with its cache off)
 *   BENCH_API_ARGS=--trace-gc: node flags for the api process
 * Targets at 1,000,000 projects: list p95 ≤ 30 ms, dashboard ≤ 300 ms, ratio ≤ 1.5.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createProjectRepository } from '#api/modules/projects/repository.js';
import { createStatisticsRepository } from '#api/modules/statistics/repository.js';
import { createStatsRepository } from '#api/modules/stats/repository.js';
import { cstMonth } from '#domain/deadlines.js';
import type { Principal } from '#domain/access.js';
import { projectExportQuerySchema, projectListQuerySchema } from '#domain/schemas.js';
import { statisticsQuerySchema } from '#domain/statistics-schemas.js';
import { APP_ROLE, type Orm } from '#db/orm.js';
import { createLogger } from '#platform/log.js';
import { freePort } from '#platform/ports.js';
import { startNodeChild } from '../lib/children.js';
import { Http } from './lib/http-client.js';
import { generateProjects, SPARSE_VILLAGE } from './lib/gen-projects.js';
import { BENCH_PASSWORD, openReadsDb } from './lib/reads-db.js';
import { forConnection, PREPARE } from './lib/replay.js';

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ONLY = process.env.BENCH_ONLY?.split(',');
const ACCOUNTS = process.env.BENCH_ACCOUNTS?.split(',') ?? [
  'leader',
  'jtj.op',
  'mbz.op',
  'mbz-ljc.op',
  `${SPARSE_VILLAGE.code}.op`,
];
const VILLAGE = process.env.BENCH_VILLAGE ?? 'mbz-ljc';

interface Case {
  name: string;
  /** The api path and query. */
  url: (ctx: Ctx) => string;
  /**
   * The same read through the api's repository, in this process (its SQL is captured); none for
   * the floor, a request that reads nothing but its session (what any request costs the api).
   */
  run?: (repo: Repos, who: Principal, ctx: Ctx) => Promise<unknown>;
}
type Repos = {
  orm: Orm;
  projects: ReturnType<typeof createProjectRepository>;
  stats: ReturnType<typeof createStatsRepository>;
  statistics: ReturnType<typeof createStatisticsRepository>;
};
/**
 * Per account: the cursor after its list's page `deepPage` (500 of 20 rows, or its last but one),
 * and the village its dashboard is narrowed to (its own, for a village's account).
 */
type Ctx = { deep: string; deepPage: number; village: string; budgetAfter: string };

// The page with its projects' lateness: the list's one statement.
const list = (name: string, qs: (ctx: Ctx) => string): Case => ({
  name,
  url: (ctx) => `/api/projects${qs(ctx)}`,
  run: (r, who, ctx) =>
    r.projects.list(who, projectListQuerySchema.parse(Object.fromEntries(new URLSearchParams(qs(ctx))))),
});
const CASES: Case[] = [
  { name: 'floor (auth/me)', url: () => '/api/auth/me' },
  list('list', () => ''),
  list('list page 50', () => '?page=50'),
  list('list deep page', (ctx) => `?page=${ctx.deepPage + 1}`),
  list('list deep after', (ctx) => `?after=${ctx.deep}`),
  list('list filters', () => '?stage=underway&department=jtj'),
  list('list q', () => '?q=' + encodeURIComponent('基准项目1234')),
  // A word of two characters (a village's name), found in no generated name: no trigram serves it.
  list('list q 2 chars', () => '?q=' + encodeURIComponent('罗江')),
  // A word in every generated name (工程 in a real county's): the first matches in the order only.
  list('list q everywhere', () => '?q=' + encodeURIComponent('基准')),
  list('list sort budget', () => '?sort=budget&order=desc'),
  // Its next page, as the console's pager asks for it.
  list('list sort budget after', (ctx) => `?sort=budget&order=desc&after=${ctx.budgetAfter}`),
  list('list overdue', () => '?overdue=any'),
  {
    name: 'dashboard',
    url: () => '/api/stats/dashboard',
    run: (r, who) => r.stats.figures(who, {}, cstMonth(Date.now())),
  },
  // Narrowed to a unit (the console's 统计单位): a township holding a quarter of the projects, a
  // village holding a tenth (or BENCH_VILLAGE; a village's account: its own).
  {
    name: 'dashboard of a township',
    url: () => '/api/stats/dashboard?unit=mbz',
    run: (r, who) => r.stats.figures(who, { unit: 'mbz' }, cstMonth(Date.now())),
  },
  {
    name: 'dashboard of a village',
    url: (ctx) => `/api/stats/dashboard?unit=${ctx.village}`,
    run: (r, who, ctx) => r.stats.figures(who, { unit: ctx.village }, cstMonth(Date.now())),
  },
  {
    name: 'statistics',
    url: () => '/api/statistics?rows=township&columns=stage',
    run: (r, who) =>
      r.statistics.figures(who, statisticsQuerySchema.parse({ rows: 'township', columns: 'stage' })),
  },
  {
    name: 'export',
    url: () => '/api/projects/export?stage=underway&department=jtj',
    run: (r, who) =>
      r.projects.eachBatch(
        who,
        projectExportQuerySchema.parse({ stage: 'underway', department: 'jtj' }),
        { batch: 500, max: 100_000 },
        async () => {},
      ),
  },
];

/** Where the pooled connections' texts go while a capture runs (null: nowhere). */
let sink: string[] | null = null;
/** Every statement the pooled connections have prepared, by name: `PREPARE name AS …`. */
const preparedTexts = new Map<string, string>();

/**
 * Watches the orm's pooled connections: what they prepare, always (a statement is prepared once
 * per connection, maybe before the capture of a read that then only executes it), and every text
 * they send while a capture runs (placeholders already inlined).
 */
function watch(orm: Orm): void {
  const client = (
    orm.em.getConnection().getKnex() as unknown as { client: { acquireConnection: () => Promise<any> } }
  ).client;
  const original = client.acquireConnection.bind(client);
  client.acquireConnection = async () => {
    const conn = await original();
    if (!conn.__watched) {
      const query = conn.query.bind(conn);
      conn.query = (text: unknown, ...rest: unknown[]) => {
        if (typeof text === 'string') {
          for (const m of text.matchAll(PREPARE)) preparedTexts.set(m[1]!, m[0]);
          sink?.push(text);
        }
        return query(text, ...rest);
      };
      conn.__watched = true;
    }
    return conn;
  };
}

async function capture(fn: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  sink = texts;
  try {
    await fn();
  } finally {
    sink = null;
  }
  // A ROLLBACK of an error path is not part of the read.
  return texts.filter((t) => t !== 'ROLLBACK');
}

/** The nearest-rank percentile: of 20 runs, p95 is the 19th; of 10 or fewer it is the slowest. */
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
};

/**
 * Times each of `fns` `runs` times, taking turns (a run of each, in an order that rotates), so a
 * moment when the machine is busy lands on every column alike rather than on whichever ran then.
 */
async function timeTogether(fns: (() => Promise<unknown>)[], runs: number): Promise<number[][]> {
  // Warm-up: caches, plans, and the api's JIT (the first account's reads otherwise pay for it).
  for (const fn of fns) for (let i = 0; i < 3; i++) await fn();
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < runs; i++)
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length;
      const t = performance.now();
      await fns[j]!();
      out[j]!.push(performance.now() - t);
    }
  return out;
}

/** The statements each replaying connection has prepared. */
const heldOn = new WeakMap<pg.Client, Set<string>>();
const heldOf = (c: pg.Client) => heldOn.get(c) ?? heldOn.set(c, new Set()).get(c)!;

/** Each SELECT of a read explained under RLS and as the owner, in its own transaction's scope. */
async function explain(texts: string[], app: pg.Client, owner: pg.Client): Promise<void> {
  // The transaction's opening and its scope only: what follows may execute a statement prepared
  // on the api's connection, not on these.
  const begin = texts[0]!
    .split(';\n')
    .filter((x) => /^\s*(BEGIN|SELECT set_config)/.test(x))
    .join(';\n');
  const reads = texts
    .flatMap((t) => forConnection(t, new Set(preparedTexts.keys()), preparedTexts).split(';\n'))
    .filter((x) => /^\s*(SELECT|WITH|EXECUTE)/.test(x) && !x.includes('set_config'));
  for (const [name, conn] of [
    ['RLS', app],
    ['owner', owner],
  ] as const) {
    await conn.query(begin);
    for (const sql of reads) {
      const held = heldOf(conn);
      const statement = /^\s*EXECUTE (sz_[0-9a-f]{24})/.exec(sql)?.[1];
      if (statement && !held.has(statement)) {
        await conn.query(preparedTexts.get(statement)!);
        held.add(statement);
      }
      const plan = (await conn.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`)).rows.map((r) => r['QUERY PLAN']);
      const shown = statement ? preparedTexts.get(statement)! : sql;
      console.log(`── ${name}: ${shown.replace(/\s+/g, ' ').slice(0, 100)}\n${plan.join('\n')}`);
    }
    await conn.query('ROLLBACK');
  }
}

/** A client logged in as `username`, on kept-alive node:http connections (fetch costs the client twice the CPU). */
async function login(base: string, username: string): Promise<Http> {
  const client = new Http(base, { parse: false });
  const res = await client.post('/api/auth/login', { username, password: BENCH_PASSWORD });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return client;
}

async function main() {
  const log = createLogger('bench', 'warn');
  const db = await openReadsDb();
  const stops: (() => Promise<void>)[] = [() => db.close()];
  try {
    const owner = new pg.Client({ connectionString: db.url });
    const app = new pg.Client({ connectionString: db.url });
    await owner.connect();
    await app.connect();
    await app.query(`SET ROLE ${APP_ROLE}`);
    stops.push(
      () => owner.end(),
      () => app.end(),
    );
    const have = (await owner.query(`SELECT count(*)::int AS n FROM project`)).rows[0].n as number;
    if (have < PROJECTS) await generateProjects(db.url, PROJECTS - have, { log: (l) => console.log(l) });
    const total = (await owner.query('SELECT count(*)::int AS n FROM project')).rows[0].n as number;

    const port = await freePort();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-queries-'));
    const api = await startNodeChild({
      name: 'api',
      entry: fileURLToPath(new URL('./lib/reads-api.ts', import.meta.url)),
      // Node flags of the api process: `--trace-gc` prints its collections (docs/performance.md).
      execArgv: process.env.BENCH_API_ARGS?.split(' ').filter(Boolean),
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        PORT: String(port),
        DATA_DIR: tmp,
        AUDIT_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
      },
      log,
    });
    stops.push(async () => {
      await api.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    });
    const base = `http://127.0.0.1:${port}`;
    const barePort = await freePort();
    const bareServer = await startNodeChild({
      name: 'bare',
      entry: fileURLToPath(new URL('./lib/bare-sql-server.ts', import.meta.url)),
      env: { ...process.env, DATABASE_URL: db.url, PORT: String(barePort), NODE_ENV: 'production' },
      log,
    });
    stops.push(() => bareServer.stop());
    const bare = new Http(`http://127.0.0.1:${barePort}`, { parse: false });
    stops.push(async () => bare.close());
    let reads = 0;
    const repos: Repos = {
      orm: db.orm,
      projects: createProjectRepository(db.orm),
      stats: createStatsRepository(db.orm),
      statistics: createStatisticsRepository(db.orm),
    };
    watch(db.orm);

    const load = os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    console.log(`${total} projects; ${RUNS} runs each; load average ${load}; ${os.cpus().length} cpus`);
    console.log(
      'case'.padEnd(20) +
        'account'.padEnd(12) +
        'api p50/p95 ms'.padStart(18) +
        'bare p50/p95'.padStart(16) +
        'RLS SQL p50/p95'.padStart(18) +
        'owner SQL p50/p95'.padStart(20) +
        'api/SQL'.padStart(10) +
        'bare/SQL'.padStart(11) +
        'RLS/owner'.padStart(11),
    );
    for (const username of ACCOUNTS) {
      const client = await login(base, username);
      stops.push(async () => client.close());
      const u = (
        await owner.query(
          `SELECT u.id, u.org_unit_id, o.kind, o.code, array_agg(r.role) AS roles FROM app_user u
             JOIN org_unit o ON o.id = u.org_unit_id JOIN user_role r ON r.user_id = u.id
            WHERE u.username = $1 GROUP BY u.id, o.kind, o.code`,
          [username],
        )
      ).rows[0];
      const who: Principal = { orgUnitId: u.org_unit_id, orgKind: u.kind, roles: u.roles, userId: u.id };
      // As deep as the pager goes (page 500 of 20, the 10,000 the total counts to), or the last page.
      const first = await repos.projects.list(who, projectListQuerySchema.parse({}));
      const deepPage = Math.max(1, Math.min(500, Math.floor((first.total - 1) / 20)));
      const deep = await repos.projects.list(who, projectListQuerySchema.parse({ page: deepPage }));
      const village = u.kind === 'village' ? (u.code as string) : VILLAGE;
      const byBudget = await repos.projects.list(
        who,
        projectListQuerySchema.parse({ sort: 'budget', order: 'desc' }),
      );
      const ctx: Ctx = {
        deep: deep.nextCursor ?? '',
        deepPage,
        village,
        budgetAfter: byBudget.nextCursor ?? '',
      };
      for (const c of CASES) {
        if (ONLY && !ONLY.some((o) => c.name.startsWith(o))) continue;
        if (c.name === 'list deep after' && !ctx.deep) continue; // a list of one page
        if (c.name === 'list sort budget after' && !ctx.budgetAfter) continue;
        const texts = c.run ? await capture(() => c.run!(repos, who, ctx)) : [];
        const runs = c.name === 'export' ? Math.max(5, Math.ceil(RUNS / 3)) : RUNS;
        const replay = (conn: pg.Client) => async () => {
          for (const t of texts) await conn.query(forConnection(t, heldOf(conn), preparedTexts));
        };
        if (process.env.BENCH_EXPLAIN && texts.length) await explain(texts, app, owner);
        // The bare server replays the same statements; it is told them (and every prepared text
        // they may need) before the timing starts.
        const barePath = texts.length ? `/reads/${++reads}` : '/';
        if (texts.length) {
          const put = await bare.put(barePath, { texts, prepared: [...preparedTexts] });
          if (put.status !== 204) throw new Error(`bare server: ${put.status}`);
        }
        const get = (h: Http, url: string) => async () => {
          const res = await h.get(url);
          if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
        };
        const [http = [], thin = [], rls = [], own = []] = await timeTogether(
          [
            get(client, c.url(ctx)),
            get(bare, barePath),
            ...(texts.length ? [replay(app), replay(owner)] : []),
          ],
          runs,
        );
        // Tenths below 100 ms: a read of 3 ms is not the same as one of 3.4.
        const ms = (x: number) => x.toFixed(x < 100 ? 1 : 0);
        const f = (xs: number[]) => `${ms(pct(xs, 50))}/${ms(pct(xs, 95))}`;
        if (!c.run) {
          console.log(c.name.padEnd(20) + username.padEnd(12) + f(http).padStart(18) + f(thin).padStart(16));
          continue;
        }
        console.log(
          c.name.padEnd(20) +
            username.padEnd(12) +
            f(http).padStart(18) +
            f(thin).padStart(16) +
            f(rls).padStart(18) +
            f(own).padStart(20) +
            (pct(http, 95) / pct(rls, 95)).toFixed(2).padStart(10) +
            (pct(thin, 95) / pct(rls, 95)).toFixed(2).padStart(11) +
            (pct(rls, 95) / pct(own, 95)).toFixed(2).padStart(11),
        );
      }
    }
    console.log(
      `load average at the end ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
