/**
 * Checkpoints of the audit chains, kept outside the database. The chain itself cannot show that
 * its newest rows were deleted: what is left is still a valid chain. So the worker (every
 * AUDIT_CHECKPOINT_SECONDS) and every `npm run audit:verify` append to
 * DATA_DIR/audit-checkpoints.jsonl one line naming each chain's length and head, signed with the
 * audit key, and log the signature. Verification compares the table against the latest valid
 * line: a chain shorter than it was, or whose row at the checkpointed length is another row, has
 * lost rows. Whoever can delete rows in the database but neither write that file nor read the key
 * cannot hide it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '#platform/log.js';
import { canonicalJson } from './audit.js';
import type { Orm } from './orm.js';

/** One chain at checkpoint time: how many rows it had, and its last row (id and hash). */
export interface ChainHead {
  length: number;
  headId: string;
  head: string;
}

export interface Checkpoint {
  at: string;
  chains: Record<string, ChainHead>;
  sig: string;
}

export interface LoadedCheckpoints {
  /** The newest checkpoint whose signature holds (with its 1-based line number in the file). */
  latest?: Checkpoint & { line: number };
  /** Lines refused: unreadable, or signed without the key. */
  refused: { line: number; problem: string }[];
}

export type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** The same queries through the application's ORM (as the worker runs them: its role may read the trail). */
export function ormQuery(orm: Orm): Query {
  return (sql, params) =>
    orm.em
      .fork()
      .getConnection()
      .execute(sql.replace(/\$\d+/g, '?'), params as never[], 'all');
}

export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

export function checkpointFile(dataDir: string): string {
  return path.join(dataDir, CHECKPOINT_FILE);
}

/** Domain-separated from the row hashes, so no row hash can pass for a checkpoint signature. */
function sign(key: Buffer, at: string, chains: Record<string, ChainHead>): string {
  return crypto
    .createHmac('sha256', key)
    .update('audit-checkpoint\n')
    .update(canonicalJson({ at, chains }))
    .digest('hex');
}

export function makeCheckpoint(key: Buffer, heads: Map<number, ChainHead>, at = new Date()): Checkpoint {
  const chains: Record<string, ChainHead> = {};
  for (const [chain, h] of [...heads].sort((a, b) => a[0] - b[0])) chains[String(chain)] = { ...h };
  const iso = at.toISOString();
  return { at: iso, chains, sig: sign(key, iso, chains) };
}

function isHead(v: unknown): v is ChainHead {
  const h = v as ChainHead;
  return (
    !!h &&
    Number.isSafeInteger(h.length) &&
    h.length > 0 &&
    typeof h.headId === 'string' &&
    /^\d+$/.test(h.headId) &&
    typeof h.head === 'string'
  );
}

/** Reads every line; the latest one signed with `key` is the one to compare against. */
export function readCheckpoints(file: string, key: Buffer): LoadedCheckpoints {
  const result: LoadedCheckpoints = { refused: [] };
  if (!fs.existsSync(file)) return result;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    const line = i + 1;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(text) as Checkpoint;
    } catch {
      result.refused.push({ line, problem: 'is not a checkpoint (not JSON)' });
      return;
    }
    const shapeOk =
      typeof cp?.at === 'string' &&
      typeof cp.sig === 'string' &&
      !!cp.chains &&
      typeof cp.chains === 'object' &&
      Object.entries(cp.chains).every(([c, h]) => /^\d+$/.test(c) && isHead(h));
    const expected = shapeOk ? sign(key, cp.at, cp.chains) : '';
    if (
      !shapeOk ||
      cp.sig.length !== expected.length ||
      !crypto.timingSafeEqual(Buffer.from(cp.sig), Buffer.from(expected))
    ) {
      result.refused.push({ line, problem: 'bad signature (forged or edited checkpoint): ignored' });
      return;
    }
    // The newest by its signed time, not by its place: a valid old line appended again (to lower
    // the bar after deleting rows) does not replace a newer one.
    if (!result.latest || cp.at >= result.latest.at) result.latest = { ...cp, line };
  });
  return result;
}

/** One line, one write: appends from the worker and from `audit:verify` do not interleave. */
export function appendCheckpoint(file: string, cp: Checkpoint): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${JSON.stringify(cp)}\n`, { mode: 0o644 });
}

/**
 * Every chain's length and head in one statement, so one snapshot: a chain's rows commit in id
 * order (each append holds the chain's lock until COMMIT), so the snapshot holds a prefix of it.
 */
export async function currentHeads(query: Query): Promise<Map<number, ChainHead>> {
  const rows = await query(
    `WITH n AS (SELECT chain, count(*) AS length FROM audit_log GROUP BY chain),
          h AS (SELECT DISTINCT ON (chain) chain, id, hash FROM audit_log ORDER BY chain, id DESC)
     SELECT n.chain, n.length::int AS length, h.id::text AS head_id, h.hash FROM n JOIN h USING (chain)`,
    [],
  );
  return new Map(
    rows.map((r) => [
      Number(r.chain),
      { length: Number(r.length), headId: String(r.head_id), head: String(r.hash) },
    ]),
  );
}

/**
 * What no longer matches a checkpoint, cheaply (no walk of the table): each checkpointed head row
 * must still be there with its hash, and no chain may be shorter. The walk of `audit:verify`
 * finds the rest (edits, deletions inside a chain).
 */
export async function driftFrom(
  query: Query,
  cp: Checkpoint,
  heads: Map<number, ChainHead>,
): Promise<string[]> {
  const entries = Object.entries(cp.chains);
  const found = await query(
    `SELECT id::text AS id, chain, hash FROM audit_log WHERE id = ANY(string_to_array($1, ',')::bigint[])`,
    // One string, not an array: the worker's query builder would spread an array into a list.
    [entries.map(([, h]) => h.headId).join(',')],
  );
  const byId = new Map(found.map((r) => [String(r.id), r]));
  const problems: string[] = [];
  for (const [chain, h] of entries) {
    const now = heads.get(Number(chain))?.length ?? 0;
    const row = byId.get(h.headId);
    if (now < h.length)
      problems.push(`chain ${chain} has ${now} rows, the checkpoint of ${cp.at} recorded ${h.length}`);
    else if (!row || String(row.chain) !== chain || row.hash !== h.head)
      problems.push(
        `chain ${chain}: row ${h.headId}, its head at the checkpoint of ${cp.at}, is gone or changed`,
      );
  }
  return problems;
}

function sameHeads(cp: Checkpoint | undefined, heads: Map<number, ChainHead>): boolean {
  if (!cp || Object.keys(cp.chains).length !== heads.size) return false;
  return [...heads].every(([c, h]) => {
    const old = cp.chains[String(c)];
    return !!old && old.length === h.length && old.head === h.head;
  });
}

/**
 * Writes a checkpoint of the chains as they are, unless nothing changed since the last one, or
 * they no longer match it: a new line would then hide the deletion from the next verification,
 * so it says so (an error line) and writes nothing.
 */
export async function checkpointAuditChains(opts: {
  query: Query;
  key: Buffer;
  file: string;
  log: Logger;
}): Promise<{ written: boolean; problems: string[] }> {
  const { latest } = readCheckpoints(opts.file, opts.key);
  const heads = await currentHeads(opts.query);
  const problems = latest ? await driftFrom(opts.query, latest, heads) : [];
  if (problems.length > 0) {
    opts.log.error(`audit chains no longer match their checkpoint, none written: ${problems.join('; ')}`);
    return { written: false, problems };
  }
  // An empty trail has nothing to anchor; unchanged chains need no second line.
  if (heads.size === 0 || sameHeads(latest, heads)) return { written: false, problems };
  const cp = makeCheckpoint(opts.key, heads);
  appendCheckpoint(opts.file, cp);
  opts.log.info(`audit checkpoint ${describe(cp)}`);
  return { written: true, problems };
}

/** The log line's form of a checkpoint: enough to compare with the file later. */
export function describe(cp: Checkpoint): string {
  const heads = Object.values(cp.chains);
  return `${cp.at}: ${heads.length} chains, ${heads.reduce((n, h) => n + h.length, 0)} rows, sig ${cp.sig}`;
}

/** Checkpoints on an interval, one at a time; a failed round is logged and the next one tries again. */
export function startAuditCheckpoints(opts: {
  query: Query;
  key: Buffer;
  file: string;
  log: Logger;
  intervalMs: number;
}): { stop(): Promise<void> } {
  let current: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const round = () => {
    if (busy || stopped) return; // a slow round is not stacked up behind
    busy = true;
    current = checkpointAuditChains(opts)
      .catch((err: unknown) =>
        opts.log.warn(`audit checkpoint failed: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => (busy = false));
  };
  round();
  const timer = setInterval(round, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
