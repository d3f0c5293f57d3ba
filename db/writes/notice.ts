/** notice (通知公告): its one INSERT. Notices are never changed once published. */
import type { Statement } from '../scope.js';

export interface NoticeRow {
  id: string;
  title: string;
  body: string;
  category: string;
  issuer: string;
  issuedOn: string;
  authorUnitId: string;
  authorId: string | null;
  audience: { unitKinds: string[]; unitCodes: string[] };
}

export function noticeInsert(n: NoticeRow): Statement {
  return {
    sql: `INSERT INTO notice (id, title, body, category, issuer, issued_on, author_unit_id, author_id, audience)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
    params: [
      n.id,
      n.title,
      n.body,
      n.category,
      n.issuer,
      n.issuedOn,
      n.authorUnitId,
      n.authorId,
      JSON.stringify(n.audience),
    ],
  };
}
