/**
 * The thinnest HTTP server in front of the same SQL, for `npm run bench:queries`: node:http and one
 * pg connection as the application role (row-level security on), no framework, no session, no
 * validation. `PUT /reads/<n>` (untimed) hands it a read's captured statements; `GET /reads/<n>`
 * replays them and answers the last SELECT's rows as JSON; `GET /` answers `{}` with no SQL. What it
 * adds over the SQL alone is what HTTP and one more process cost on this machine, the least any
 * api could add: the benchmark prints it beside the api.
 */
import http from 'node:http';
import pg from 'pg';
import { APP_ROLE } from '#db/orm.js';
import { forConnection } from './replay.js';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query(`SET ROLE ${APP_ROLE}`);
const held = new Set<string>();
const reads = new Map<string, { texts: string[]; prepared: Map<string, string> }>();

const server = http.createServer((req, res) => {
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const id = /^\/reads\/(\d+)$/.exec(req.url ?? '')?.[1];
  if (req.method === 'PUT' && id) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        texts: string[];
        prepared: [string, string][];
      };
      reads.set(id, { texts: r.texts, prepared: new Map(r.prepared) });
      answer(204, null);
    });
    return;
  }
  if (req.method !== 'GET') return answer(405, {});
  if (req.url === '/') return answer(200, {});
  const read = id ? reads.get(id) : undefined;
  if (!read) return answer(404, {});
  void (async () => {
    let last: unknown = [];
    for (const t of read.texts) {
      const res = await client.query(forConnection(t, held, read.prepared));
      // The read's rows: its last SELECT's (a COMMIT may follow it in the same text).
      const all: pg.QueryResult[] = Array.isArray(res) ? res : [res];
      last = all.filter((r) => r.command === 'SELECT').pop()?.rows ?? last;
    }
    answer(200, last);
  })().catch((err: unknown) => answer(500, { error: String(err) }));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ type: 'ready' }));
process.on('SIGTERM', () => {
  server.close();
  void client.end().finally(() => process.exit(0));
});
