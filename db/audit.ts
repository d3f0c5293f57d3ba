/**
 * The audit trail: every write appends one row (who, unit, when, what, before, after) in the same
 * transaction as the write. Rows form a chain: each holds the HMAC of its predecessor's hash and
 * its own canonical content, keyed by a secret kept outside the database (AUDIT_KEY, or
 * DATA_DIR/audit.key). Someone who can edit the table but not read the key cannot repair the
 * chain after changing, deleting or inserting a row; `npm run audit:verify` names the row.
 */
import crypto from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import type { ChainHead, Checkpoint } from './audit-checkpoint.js';
import { txOf, type Statement, type Tx } from './tx.js';

export const GENESIS = 'GENESIS';
/**
 * The trail is several chains, one advisory lock each (keyed on this and the chain), so a chain's
 * order equals its commit order while writes to different chains never wait for each other.
 */
const CHAIN_LOCK = 727_274_001;
/** How many chains new rows spread over (rows keep the chain they were written to). */
export const CHAINS = 32;

/**
 * A row's chain: that of its entity, so one project's (or account's) rows stay in one chain. A
 * row without an entity id goes with its actor. Chain 0 holds the rows from before the split.
 */
export function chainOf(e: AuditSubject): number {
  const subject = `${e.entity}:${e.entityId ?? e.actor.username}`;
  return 1 + (crypto.createHash('sha256').update(subject).digest().readUInt32BE(0) % CHAINS);
}

export interface AuditEntry {
  actor: { id: string | null; username: string; unit?: string | null };
  via: 'api' | 'activity' | 'cli';
  action: string;
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  /** Defaults to now; activities pass the workflow's time. */
  at?: string;
}

/** What decides a row's chain (and whose unit the head query looks up). */
type AuditSubject = Pick<AuditEntry, 'entity' | 'entityId' | 'actor'>;

export interface AuditRow {
  id: string;
  chain: number;
  at: string;
  actor_id: string | null;
  actor_username: string;
  actor_unit: string | null;
  via: string;
  action: string;
  entity: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

/** JSON with object keys sorted at every depth: jsonb does not keep key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

function content(r: Omit<AuditRow, 'id' | 'hash' | 'prev_hash' | 'chain'>): string {
  return canonicalJson([
    new Date(r.at).toISOString(),
    r.actor_id,
    r.actor_username,
    r.actor_unit,
    r.via,
    r.action,
    r.entity,
    r.entity_id,
    r.before ?? null,
    r.after ?? null,
    r.ip,
  ]);
}

export function chainHash(
  key: Buffer,
  prevHash: string,
  row: Omit<AuditRow, 'id' | 'hash' | 'prev_hash' | 'chain'>,
): string {
  return crypto.createHmac('sha256', key).update(prevHash).update('\n').update(content(row)).digest('hex');
}

export interface AuditLog {
  /**
   * Appends in the caller's transaction: a raw scoped one (`Tx`), or an EntityManager's inside
   * `transactional`.
   */
  append(on: Tx | EntityManager, entry: AuditEntry): Promise<void>;
  /**
   * For writers that batch their statements: what takes the chain lock and reads its head. Send
   * these first (their rows go to `insert`), then the INSERT that `insert` builds, in the same
   * transaction.
   */
  lockAndHead(subject: AuditSubject): Statement[];
  insert(headRows: unknown[], entry: AuditEntry): Statement;
}

type HeadRow = { hash: string | null; unit: string | null };

export function createAuditLog(key: Buffer): AuditLog {
  const log: AuditLog = {
    lockAndHead(e) {
      // After the lock (a statement of its own, so the head's snapshot sees the last committed
      // append), the chain's head and, when the writer knew only the account, the actor's unit.
      const lookUpUnit = !e.actor.unit && !!e.actor.id;
      const chain = chainOf(e);
      return [
        { sql: 'SELECT pg_advisory_xact_lock(?, ?)', params: [CHAIN_LOCK, chain], prepare: true },
        {
          sql: `SELECT (SELECT hash FROM audit_log WHERE chain = ? ORDER BY id DESC LIMIT 1) AS hash,
                ${lookUpUnit ? '(SELECT o.code FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.id = ?)' : 'NULL'} AS unit`,
          params: lookUpUnit ? [chain, e.actor.id] : [chain],
          prepare: true,
        },
      ];
    },
    insert(headRows, e) {
      const head = headRows[0] as HeadRow | undefined;
      const prev = head?.hash ?? GENESIS;
      const unit = e.actor.unit ?? head?.unit ?? null;
      const row = {
        at: new Date(e.at ?? Date.now()).toISOString(),
        actor_id: e.actor.id,
        actor_username: e.actor.username,
        actor_unit: unit,
        via: e.via,
        action: e.action,
        entity: e.entity,
        entity_id: e.entityId ?? null,
        before: e.before === undefined ? null : JSON.parse(JSON.stringify(e.before)),
        after: e.after === undefined ? null : JSON.parse(JSON.stringify(e.after)),
        ip: e.ip ?? null,
      };
      const hash = chainHash(key, prev, row);
      return {
        sql: `INSERT INTO audit_log (chain, at, actor_id, actor_username, actor_unit, via, action, entity, entity_id, before, after, ip, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)`,
        params: [
          chainOf(e),
          row.at,
          row.actor_id,
          row.actor_username,
          row.actor_unit,
          row.via,
          row.action,
          row.entity,
          row.entity_id,
          row.before === null ? null : JSON.stringify(row.before),
          row.after === null ? null : JSON.stringify(row.after),
          row.ip,
          prev,
          hash,
        ],
        prepare: true,
      };
    },
    async append(on, e) {
      const tx = on instanceof EntityManager ? txOf(on) : on;
      const [, head] = await tx.batch(log.lockAndHead(e));
      const insert = log.insert(head!, e);
      await tx.execute(insert.sql, insert.params, 'run');
    },
  };
  return log;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** `id` is the row's id; for a chain that lost its newest rows, that of the checkpointed head. */
  problems: { id: string; problem: string }[];
  /** Every chain's length and last row as walked: what a new checkpoint records. */
  heads: Map<number, ChainHead>;
}

/**
 * Walks the chains in id order (rows may arrive in batches, the chains interleaved) and names
 * every row that does not fit: each row must carry its own content's hash and follow the row
 * before it in its chain. With a checkpoint, each chain must also still hold the checkpointed
 * row at the checkpointed length: the chain alone cannot show that its newest rows were deleted.
 */
export function createChainVerifier(key: Buffer, checkpoint?: Checkpoint) {
  const problems: VerifyResult['problems'] = [];
  const heads = new Map<number, ChainHead>();
  let checked = 0;
  return {
    push(rows: AuditRow[]) {
      for (const r of rows) {
        checked++;
        const chain = Number(r.chain ?? 0);
        if (chainHash(key, r.prev_hash, r) !== r.hash) {
          problems.push({
            id: r.id,
            problem: 'content does not match its hash (edited, or inserted without the key)',
          });
        }
        const before = heads.get(chain);
        if (r.prev_hash !== (before?.head ?? GENESIS)) {
          problems.push({
            id: r.id,
            problem: before
              ? `does not follow row ${before.headId} of chain ${chain} (a row between them was deleted, or this row was inserted or moved)`
              : `is not the first row of chain ${chain} (earlier rows were deleted)`,
          });
        }
        const length = (before?.length ?? 0) + 1;
        heads.set(chain, { length, headId: r.id, head: r.hash });
        const cp = checkpoint?.chains[String(chain)];
        if (cp && cp.length === length && (cp.head !== r.hash || cp.headId !== r.id)) {
          problems.push({
            id: r.id,
            problem: `is row ${length} of chain ${chain}, where the checkpoint of ${checkpoint!.at} recorded row ${cp.headId} (rows were deleted, and others written after them)`,
          });
        }
      }
    },
    result(): VerifyResult {
      const missing: VerifyResult['problems'] = [];
      for (const [chain, cp] of Object.entries(checkpoint?.chains ?? {})) {
        const now = heads.get(Number(chain));
        const length = now?.length ?? 0;
        if (length >= cp.length) continue;
        missing.push({
          id: cp.headId,
          problem: `chain ${chain} has ${length} rows, the checkpoint of ${checkpoint!.at} recorded ${cp.length}: its newest ${cp.length - length} row(s) were deleted (${now ? `after row ${now.headId}` : 'all of them'}, up to row ${cp.headId})`,
        });
      }
      return {
        ok: problems.length + missing.length === 0,
        checked,
        problems: [...problems, ...missing],
        heads: new Map(heads),
      };
    },
  };
}

/** Reads the whole table in id order, in batches, and verifies it (against a checkpoint if given). */
export async function verifyAuditTable(
  query: (sql: string, params: unknown[]) => Promise<AuditRow[]>,
  key: Buffer,
  opts: { batch?: number; checkpoint?: Checkpoint } = {},
): Promise<VerifyResult> {
  const batch = opts.batch ?? 5000;
  const v = createChainVerifier(key, opts.checkpoint);
  let after = '0';
  for (;;) {
    const rows = await query(
      `SELECT id::text, chain, at, actor_id, actor_username, actor_unit, via, action, entity, entity_id, before, after, ip, prev_hash, hash
         FROM audit_log WHERE audit_log.id > $1::bigint ORDER BY audit_log.id LIMIT $2`,
      [after, batch],
    );
    if (rows.length === 0) break;
    v.push(rows);
    after = rows[rows.length - 1]!.id;
  }
  return v.result();
}
