/**
 * Notices in PostgreSQL, read in the caller's scope. Every query also carries the caller's own
 * condition (author unit, addressed unit, or county-wide), beneath which row-level security holds
 * the same rule again.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { NoticeListQuery, NoticeReceiptsDto } from '#domain/bulletin-schemas.js';
import type { OrgKind } from '#domain/schemas.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { ATTACHMENT_COLUMNS, attachmentDto, type AttachmentRow } from '../attachments/repository.js';

export interface NoticeRow {
  id: string;
  title: string;
  body?: string;
  category: string;
  issuer: string;
  issued_on: string;
  published_at: string | Date;
  author_unit_id: string;
  unit_code: string;
  unit_name: string;
  author_name?: string | null;
  audience?: { unitKinds: string[]; unitCodes: string[] };
  read_at: string | Date | null;
  attachments: number;
}

const iso = (d: string | Date | null) => (d === null ? null : new Date(d).toISOString());

export function noticeSummary(r: NoticeRow) {
  return {
    id: r.id,
    title: r.title,
    category: r.category,
    issuer: r.issuer,
    issuedOn: r.issued_on,
    authorUnit: { code: r.unit_code, name: r.unit_name },
    publishedAt: iso(r.published_at)!,
    readAt: iso(r.read_at),
    attachmentCount: Number(r.attachments),
  };
}

/** The caller's condition on notice `n`, and its parameters. */
function visible(who: Principal): { sql: string; params: unknown[] } {
  if (isCountyWide(who)) return { sql: 'true', params: [] };
  return {
    sql: `(n.author_unit_id = ? OR EXISTS (SELECT 1 FROM notice_recipient x WHERE x.notice_id = n.id AND x.unit_id = ?))`,
    params: [who.orgUnitId, who.orgUnitId],
  };
}

const SELECT = `SELECT n.id, n.title, n.category, n.issuer, to_char(n.issued_on, 'YYYY-MM-DD') AS issued_on, n.published_at,
    n.author_unit_id, o.code AS unit_code, o.name AS unit_name, r.first_read_at AS read_at,
    (SELECT count(*)::int FROM bulletin_attachment a WHERE a.notice_id = n.id) AS attachments`;
const FROM = `FROM notice n JOIN org_unit o ON o.id = n.author_unit_id
    LEFT JOIN notice_receipt r ON r.notice_id = n.id AND r.user_id = ?`;

export function createNoticeRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    /** Units by code (unknown codes are left out) and every unit of the kinds named. */
    async units(
      who: Principal,
      codes: readonly string[],
      kinds: readonly string[],
    ): Promise<{ id: string; code: string }[]> {
      const [rows] = await read(who, [
        {
          sql: `SELECT id, code FROM org_unit WHERE code = ANY(ARRAY[?]::text[]) OR kind = ANY(ARRAY[?]::text[]) ORDER BY code`,
          params: [codes.length ? codes : [''], kinds.length ? kinds : ['']],
        },
      ]);
      return rows as { id: string; code: string }[];
    },

    async list(who: Principal & { userId: string }, q: NoticeListQuery) {
      const cond = visible(who);
      const where: string[] = [cond.sql];
      const params: unknown[] = [...cond.params];
      if (q.category) {
        where.push('n.category = ?');
        params.push(q.category);
      }
      const unread =
        q.unread === 'true'
          ? ' AND r.user_id IS NULL'
          : q.unread === 'false'
            ? ' AND r.user_id IS NOT NULL'
            : '';
      const [rows, counts] = await read(who, [
        {
          sql: `${SELECT} ${FROM} WHERE ${where.join(' AND ')}${unread}
                ORDER BY n.published_at DESC, n.id LIMIT ? OFFSET ?`,
          params: [who.userId, ...params, q.pageSize, (q.page - 1) * q.pageSize],
        },
        {
          sql: `SELECT count(*) FILTER (WHERE true ${unread})::int AS total,
                       count(*) FILTER (WHERE r.user_id IS NULL)::int AS unread
                  ${FROM} WHERE ${cond.sql}${q.category ? ' AND n.category = ?' : ''}`,
          params: [who.userId, ...params],
        },
      ]);
      const c = (counts as { total: number; unread: number }[])[0]!;
      return { rows: rows as NoticeRow[], total: c.total, unread: c.unread };
    },

    /** One notice with its author, recipients and attachments, if the caller may read it. */
    async get(who: Principal & { userId: string }, id: string) {
      const cond = visible(who);
      const [rows, recipients, attachments] = await read(who, [
        {
          sql: `${SELECT}, n.body, n.audience, u.display_name AS author_name ${FROM}
                  LEFT JOIN app_user u ON u.id = n.author_id WHERE n.id = ? AND ${cond.sql}`,
          params: [who.userId, id, ...cond.params],
        },
        {
          sql: `SELECT o.code, o.name, o.kind FROM notice_recipient x JOIN org_unit o ON o.id = x.unit_id
                 WHERE x.notice_id = ? ORDER BY o.kind, o.code`,
          params: [id],
        },
        {
          sql: `SELECT ${ATTACHMENT_COLUMNS} FROM bulletin_attachment a WHERE a.notice_id = ? ORDER BY a.uploaded_at, a.id`,
          params: [id],
        },
      ]);
      const row = (rows as NoticeRow[])[0];
      if (!row) return undefined;
      return {
        row,
        recipients: recipients as { code: string; name: string; kind: OrgKind }[],
        attachments: (attachments as AttachmentRow[]).map(attachmentDto),
      };
    },

    /** Per addressed unit, its accounts that opened the notice (first read first). */
    async receipts(who: Principal, id: string): Promise<NoticeReceiptsDto> {
      const [rows] = await read(who, [
        {
          sql: `SELECT o.code, o.name, o.kind,
                  COALESCE(json_agg(json_build_object('name', u.display_name, 'username', u.username, 'readAt', r.first_read_at)
                    ORDER BY r.first_read_at) FILTER (WHERE r.user_id IS NOT NULL), '[]') AS readers
                  FROM notice_recipient x JOIN org_unit o ON o.id = x.unit_id
                  LEFT JOIN notice_receipt r ON r.notice_id = x.notice_id AND r.unit_id = x.unit_id
                  LEFT JOIN app_user u ON u.id = r.user_id
                 WHERE x.notice_id = ? GROUP BY o.code, o.name, o.kind ORDER BY o.kind, o.code`,
          params: [id],
        },
      ]);
      const units = (rows as NoticeReceiptsDto['units']).map((u) => ({
        code: u.code,
        name: u.name,
        kind: u.kind,
        readers: u.readers.map((r) => ({
          name: r.name,
          username: r.username,
          readAt: new Date(r.readAt).toISOString(),
        })),
      }));
      return { total: units.length, read: units.filter((u) => u.readers.length > 0).length, units };
    },
  };
}

export type NoticeRepository = ReturnType<typeof createNoticeRepository>;
