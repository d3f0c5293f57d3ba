/**
 * `Idempotency-Key`: a client that did not hear the answer (a dropped connection, a 5xx, a
 * timeout) sends the same request again with the same key and gets the first request's answer;
 * the request is carried out once. How "once" is kept depends on the write:
 *  - a step: the key becomes the workflow Update id (the server runs one Update per id) and the
 *    step's history row carries it (projects service);
 *  - a ledger write: the key is claimed inside the write's own transaction, so it exists exactly
 *    when the write does (ledgers service);
 *  - any other state-changing route: claimed before the handler runs and answered from the stored
 *    response afterwards (this module, `runOnce`). A write whose answer could be lost after it
 *    committed (the api killed, PostgreSQL gone before the read-back) records in its own
 *    transaction, against the key, what it created (`writeOnce`): the claim then stays, and a retry
 *    answers from what was created instead of writing again. A claim with no such record is the
 *    claim of a request that wrote nothing: freed when it fails, taken over after CLAIM_TAKEOVER_MS
 *    when its request died mid-way.
 * A key is the caller's own: two accounts' keys never meet.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import type { Request } from 'express';
import { AppError } from '#domain/errors.js';
import type { Orm } from '#db/orm.js';
import { executeAll, queryUnscoped, type Statement, type Tx } from '#db/scope.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[A-Za-z0-9._:~-]{1,128}$/;
const CLAIM_TAKEOVER_MS = 120_000;
/** What a key may be, as the refusal of one says it beside the header. */
export const KEY_RULE = {
  zh: '1–128 个字母、数字或 . _ : ~ -',
  en: '1–128 characters of A–Z a–z 0–9 . _ : ~ -',
};

export interface IdempotentRequest {
  userId: string;
  key: string;
  /** method and route pattern, e.g. `post /api/projects/:id/transitions` */
  route: string;
  /** SHA-256 of what the request asks: its path and body. */
  hash: string;
}

/** The request's key, checked; undefined when it sent none. */
export function idempotencyOf(
  req: Request,
  userId: string | undefined,
  route: string,
): IdempotentRequest | undefined {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw.join(',') : raw;
  if (!KEY.test(key))
    throw new AppError(
      'VALIDATION_FAILED',
      'Idempotency-Key 应为 1–128 个字母、数字或 ._:~- (invalid Idempotency-Key)',
      [{ path: 'headers.idempotency-key', message: KEY_RULE }],
    );
  if (!userId) return undefined; // public routes (login) are not replayed
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? null));
  const hash = crypto
    .createHash('sha256')
    .update(`${req.method} ${req.originalUrl}\n`)
    .update(body)
    .digest('hex');
  return { userId, key, route, hash };
}

/** The Update id of a step: the caller's key when it sent one, else a fresh id. */
export function updateIdOf(idem: IdempotentRequest | undefined): string {
  return idem ? `${idem.userId}/${idem.key}` : crypto.randomUUID();
}

interface StoredRow {
  route: string;
  request_hash: string;
  status: number | null;
  response: unknown;
  entry_id: string | null;
  age_ms: number;
}

/** The key's earlier request, if any; refuses a key reused for another request. */
export async function earlier(orm: Orm, idem: IdempotentRequest): Promise<StoredRow | undefined> {
  const [rows] = await queryUnscoped(orm, [
    {
      sql: `SELECT route, request_hash, status, response, entry_id::text AS entry_id,
              (extract(epoch FROM now() - created_at) * 1000)::bigint AS age_ms
            FROM idempotent_request WHERE user_id = ? AND key = ?`,
      params: [idem.userId, idem.key],
    },
  ]);
  const row = rows![0] as StoredRow | undefined;
  if (row) sameRequest(row, idem);
  return row ? { ...row, age_ms: Number(row.age_ms) } : undefined;
}

export function sameRequest(row: { route: string; request_hash: string }, idem: IdempotentRequest): void {
  if (row.route !== idem.route || row.request_hash !== idem.hash)
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      '该 Idempotency-Key 已用于另一个请求，请为新请求使用新的键 (this Idempotency-Key was used for another request)',
      [
        {
          path: 'headers.idempotency-key',
          message: { zh: '已用于另一个请求', en: 'used for another request' },
        },
      ],
    );
}

/** Claims the key for this request; false when an earlier request holds it. */
export async function claim(orm: Orm, idem: IdempotentRequest): Promise<boolean> {
  const [rows] = await queryUnscoped(orm, [
    {
      sql: `INSERT INTO idempotent_request (user_id, key, route, request_hash) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id, key) DO NOTHING RETURNING 1 AS ok`,
      params: [idem.userId, idem.key, idem.route, idem.hash],
    },
  ]);
  return rows!.length === 1;
}

const inProgress = () =>
  new AppError('IN_PROGRESS', '相同的请求正在处理中，请稍后再试 (the same request is still being processed)');

/**
 * The key `runOnce` holds for the request being handled, and what an earlier run of the same
 * request committed under it (null when none did): read by `writeOnce`.
 */
const held = new AsyncLocalStorage<{ idem: IdempotentRequest; written: string | null } | undefined>();

/**
 * Around a generic state-changing handler: replays a finished request's answer, refuses a
 * concurrent duplicate, and stores the answer of this one (or frees the key if it wrote nothing);
 * `stored` says what of it is kept (an answer's secret is not).
 */
export async function runOnce(
  orm: Orm,
  idem: IdempotentRequest,
  handler: () => Promise<{ status: number; body: unknown }>,
  stored: (body: unknown) => unknown = (body) => body,
): Promise<{ status: number; body: unknown }> {
  let written: string | null = null;
  if (!(await claim(orm, idem))) {
    const row = await earlier(orm, idem);
    if (row && row.status !== null) return { status: row.status, body: row.response };
    if (row?.entry_id) {
      // Its write committed and its answer was lost (a kill, a failure after the commit): the
      // handler answers from what was written (`writeOnce`), whether or not that run still lives.
      written = row.entry_id;
    } else {
      if (row && row.age_ms < CLAIM_TAKEOVER_MS) throw inProgress();
      await queryUnscoped(orm, [
        {
          sql: `DELETE FROM idempotent_request
                WHERE user_id = ? AND key = ? AND status IS NULL AND entry_id IS NULL`,
          params: [idem.userId, idem.key],
        },
      ]);
      if (!(await claim(orm, idem))) throw inProgress();
    }
  }
  try {
    const out = await held.run({ idem, written }, handler);
    await queryUnscoped(orm, [
      {
        sql: 'UPDATE idempotent_request SET status = ?, response = ?::jsonb WHERE user_id = ? AND key = ?',
        params: [out.status, JSON.stringify(stored(out.body) ?? null), idem.userId, idem.key],
      },
    ]);
    return out;
  } catch (err) {
    // Refused or failed before its write committed: nothing was done (the handlers write in one
    // transaction), so the key is free. A write that committed recorded so in that transaction
    // (`entry_id`): its key stays, and the retry answers from what it wrote.
    await queryUnscoped(orm, [
      {
        sql: `DELETE FROM idempotent_request
              WHERE user_id = ? AND key = ? AND status IS NULL AND entry_id IS NULL`,
        params: [idem.userId, idem.key],
      },
    ]).catch(() => undefined);
    throw err;
  }
}

/** Another run of the same request recorded its write first: this one rolls back. */
class AlreadyWritten extends Error {
  constructor() {
    super('already written under this Idempotency-Key');
  }
}

/**
 * A write that creates one thing, under the key `runOnce` holds: `write` checks, writes in one
 * transaction, calls `record(tx, id)` in that transaction with the id of what it created, and
 * returns that id. The answer is then read back from the id. When an earlier run of the same
 * request committed (its answer lost), `write` does not run and that run's id is returned; a twin
 * running at the same time (a takeover of a request still alive) waits on the key's row in
 * `record`, then rolls back and takes the first one's id. Without a key, `write` just runs.
 */
export async function writeOnce(
  orm: Orm,
  write: (record: (tx: Tx, id: string) => Promise<void>) => Promise<string>,
): Promise<string> {
  const h = held.getStore();
  if (!h) return write(async () => undefined);
  if (h.written !== null) return h.written;
  try {
    return await write(async (tx, id) => {
      if (!(await recordWritten(tx, h.idem, id))) throw new AlreadyWritten();
    });
  } catch (err) {
    if (!(err instanceof AlreadyWritten)) throw err;
    const row = await earlier(orm, h.idem);
    if (!row?.entry_id) throw inProgress();
    return row.entry_id;
  }
}

/**
 * Records, in the write's own transaction, that the request's write committed and what it created:
 * false when another run of the request recorded its own first. An upsert: the claim `runOnce`
 * made may have been freed meanwhile by a run that failed before its commit.
 */
async function recordWritten(tx: Tx, idem: IdempotentRequest, id: string): Promise<boolean> {
  const [rows] = await executeAll(tx, [
    {
      sql: `INSERT INTO idempotent_request AS r (user_id, key, route, request_hash, entry_id)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user_id, key) DO UPDATE SET entry_id = EXCLUDED.entry_id
              WHERE r.entry_id IS NULL AND r.status IS NULL
                AND r.route = EXCLUDED.route AND r.request_hash = EXCLUDED.request_hash
            RETURNING 1 AS ok`,
      params: [idem.userId, idem.key, idem.route, idem.hash, id],
    },
  ]);
  return rows!.length === 1;
}

/**
 * The key of the request being handled, for writers several calls below the route (the ledger
 * writers all pass through one transaction function, which claims it).
 */
const current = new AsyncLocalStorage<IdempotentRequest | undefined>();
export const withRequestKey = <T>(idem: IdempotentRequest | undefined, fn: () => Promise<T>): Promise<T> =>
  current.run(idem, fn);
export const requestKey = (): IdempotentRequest | undefined => current.getStore();

/**
 * Claims the key inside a write's own transaction, so it exists exactly when the write does: false
 * when an earlier write holds it. A concurrent twin waits here (unique index) until the first
 * commits, then finds it.
 */
export async function claimInTransaction(tx: Tx, idem: IdempotentRequest): Promise<boolean> {
  const [rows] = await executeAll(tx, [
    {
      sql: `INSERT INTO idempotent_request (user_id, key, route, request_hash, status)
            VALUES (?, ?, ?, ?, 201) ON CONFLICT (user_id, key) DO NOTHING RETURNING 1 AS ok`,
      params: [idem.userId, idem.key, idem.route, idem.hash],
    },
  ]);
  return rows!.length === 1;
}

/** Names the entry a claimed write appended, so that a retry answers with the same entry. */
export function keyEntryUpdate(idem: IdempotentRequest, entryId: string): Statement {
  return {
    sql: 'UPDATE idempotent_request SET entry_id = ? WHERE user_id = ? AND key = ?',
    params: [entryId, idem.userId, idem.key],
  };
}
