/**
 * The audit trail: every write appends one row (who, unit, when, what, before, after) in the same
 * transaction as the write. Rows form a chain: each holds the HMAC of its predecessor's hash and
 * its own canonical content, keyed by a secret kept outside the database (AUDIT_KEY, or
 * DATA_DIR/audit.key). Someone who can edit the table but not read the key cannot repair the
 * chain after changing, deleting or inserting a row; `npm run audit:verify` names the row.
 */
import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

export const GENESIS = 'GENESIS';
// One advisory lock serialises appends, so the chain order equals the commit order.
const CHAIN_LOCK = 727_274_001;

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

export interface AuditRow {
  id: string;
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

function content(r: Omit<AuditRow, 'id' | 'hash' | 'prev_hash'>): string {
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
  row: Omit<AuditRow, 'id' | 'hash' | 'prev_hash'>,
): string {
  return crypto.createHmac('sha256', key).update(prevHash).update('\n').update(content(row)).digest('hex');
}

export interface AuditLog {
  append(em: EntityManager, entry: AuditEntry): Promise<void>;
}

export function createAuditLog(key: Buffer): AuditLog {
  return {
    async append(em, e) {
      await em.execute('SELECT pg_advisory_xact_lock(?)', [CHAIN_LOCK], 'all');
      // After the lock (a fresh statement, so its snapshot sees the last committed append), the
      // chain's head and, when the writer knew only the account, the actor's unit: one round trip.
      const lookUpUnit = !e.actor.unit && !!e.actor.id;
      const [head] = await em.execute<{ hash: string | null; unit: string | null }[]>(
        `SELECT (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS hash,
                ${lookUpUnit ? '(SELECT o.code FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id WHERE u.id = ?)' : 'NULL'} AS unit`,
        lookUpUnit ? [e.actor.id] : [],
        'all',
      );
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
      await em.execute(
        `INSERT INTO audit_log (at, actor_id, actor_username, actor_unit, via, action, entity, entity_id, before, after, ip, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)`,
        [
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
        'run',
      );
    },
  };
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  problems: { id: string; problem: string }[];
}

/** Walks the chain in id order (rows may arrive in batches) and names every row that does not fit. */
export function createChainVerifier(key: Buffer) {
  const problems: VerifyResult['problems'] = [];
  let prev = GENESIS;
  let prevId: string | null = null;
  let checked = 0;
  return {
    push(rows: AuditRow[]) {
      for (const r of rows) {
        checked++;
        if (chainHash(key, r.prev_hash, r) !== r.hash) {
          problems.push({
            id: r.id,
            problem: 'content does not match its hash (edited, or inserted without the key)',
          });
        }
        if (r.prev_hash !== prev) {
          problems.push({
            id: r.id,
            problem: prevId
              ? `does not follow row ${prevId} (a row between them was deleted, or this row was inserted or moved)`
              : 'is not the first row of the chain (earlier rows were deleted)',
          });
        }
        prev = r.hash;
        prevId = r.id;
      }
    },
    result(): VerifyResult {
      return { ok: problems.length === 0, checked, problems: [...problems] };
    },
  };
}

export function verifyChain(key: Buffer, rows: AuditRow[]): VerifyResult {
  const v = createChainVerifier(key);
  v.push(rows);
  return v.result();
}

/** Reads the whole table in id order, in batches, and verifies it. */
export async function verifyAuditTable(
  query: (sql: string, params: unknown[]) => Promise<AuditRow[]>,
  key: Buffer,
  batch = 5000,
): Promise<VerifyResult> {
  const v = createChainVerifier(key);
  let after = '0';
  for (;;) {
    const rows = await query(
      `SELECT id::text, at, actor_id, actor_username, actor_unit, via, action, entity, entity_id, before, after, ip, prev_hash, hash
         FROM audit_log WHERE audit_log.id > $1::bigint ORDER BY audit_log.id LIMIT $2`,
      [after, batch],
    );
    if (rows.length === 0) break;
    v.push(rows);
    after = rows[rows.length - 1]!.id;
  }
  return v.result();
}
