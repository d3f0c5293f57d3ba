/**
 * The policy library in PostgreSQL. Every signed-in account reads it (row-level security: any
 * scope with a unit). Search runs on the generated `search` vector (docs/bulletin.md): the query's
 * character pairs as a phrase, title hits first, then by rank and date.
 */
import type { Principal } from '#domain/access.js';
import { bulletinQuery } from '#domain/bulletin-search.js';
import type { PolicyListQuery } from '#domain/bulletin-schemas.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { ATTACHMENT_COLUMNS, attachmentDto, type AttachmentRow } from '../attachments/repository.js';

export interface PolicyRow {
  id: string;
  title: string;
  document_no: string;
  issuer: string;
  level: string;
  category: string;
  issued_on: string;
  effective_on: string | null;
  status: string;
  title_hit: boolean;
  snippet: string | null;
  body?: string;
  updated_at?: string | Date;
}

const COLUMNS = `p.id, p.title, p.document_no, p.issuer, p.level, p.category, to_char(p.issued_on, 'YYYY-MM-DD') AS issued_on,
  to_char(p.effective_on, 'YYYY-MM-DD') AS effective_on, p.status`;

export function policySummary(r: PolicyRow) {
  return {
    id: r.id,
    title: r.title,
    documentNo: r.document_no,
    issuer: r.issuer,
    level: r.level,
    category: r.category,
    issuedOn: r.issued_on,
    effectiveOn: r.effective_on,
    status: r.status,
    titleHit: r.title_hit,
    snippet: r.snippet,
  };
}

export function createPolicyRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    async list(who: Principal, q: PolicyListQuery) {
      const where: string[] = ['true'];
      const params: unknown[] = [];
      const add = (sql: string, ...values: unknown[]) => {
        where.push(sql);
        params.push(...values);
      };
      if (q.level) add('p.level = ?', q.level);
      if (q.category) add('p.category = ?', q.category);
      if (q.status) add('p.status = ?', q.status);
      if (q.year)
        add('p.issued_on >= make_date(?, 1, 1) AND p.issued_on < make_date(?, 1, 1)', q.year, q.year + 1);
      const tsq = q.q ? bulletinQuery(q.q) : null;
      // Text that cuts to nothing searchable (punctuation only) finds nothing, rather than everything.
      if (q.q && !tsq) where.push('false');
      const term = q.q?.trim().split(/\s+/)[0] ?? '';
      let select = `SELECT ${COLUMNS}, false AS title_hit, NULL::text AS snippet FROM policy_document p`;
      let order = 'p.issued_on DESC, p.id';
      const selectParams: unknown[] = [];
      if (tsq) {
        add('p.search @@ to_tsquery(?::regconfig, ?)', 'simple', tsq);
        select = `SELECT ${COLUMNS}, p.title_search @@ to_tsquery('simple', ?) AS title_hit,
            CASE WHEN strpos(p.body, ?) > 0
              THEN substr(p.body, greatest(strpos(p.body, ?) - 30, 1), 120) END AS snippet
          FROM policy_document p`;
        selectParams.push(tsq, term, term);
        order = `title_hit DESC, ts_rank(p.search, to_tsquery('simple', ?)) DESC, p.issued_on DESC, p.id`;
      }
      const [rows, count] = await read(who, [
        {
          sql: `${select} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`,
          params: [...selectParams, ...params, ...(tsq ? [tsq] : []), q.pageSize, (q.page - 1) * q.pageSize],
        },
        { sql: `SELECT count(*)::int AS total FROM policy_document p WHERE ${where.join(' AND ')}`, params },
      ]);
      return { rows: rows as PolicyRow[], total: (count as { total: number }[])[0]!.total };
    },

    async get(who: Principal, id: string) {
      const [rows, attachments] = await read(who, [
        {
          sql: `SELECT ${COLUMNS}, false AS title_hit, NULL::text AS snippet, p.body, p.updated_at
                  FROM policy_document p WHERE p.id = ?`,
          params: [id],
        },
        {
          sql: `SELECT ${ATTACHMENT_COLUMNS} FROM bulletin_attachment a WHERE a.policy_id = ? ORDER BY a.uploaded_at, a.id`,
          params: [id],
        },
      ]);
      const row = (rows as PolicyRow[])[0];
      return row ? { row, attachments: (attachments as AttachmentRow[]).map(attachmentDto) } : undefined;
    },
  };
}

export type PolicyRepository = ReturnType<typeof createPolicyRepository>;
