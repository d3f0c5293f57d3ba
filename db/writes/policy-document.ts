/**
 * policy_document (政策法规): its INSERT and its UPDATE (an edit replaces every field). Both write
 * the search vectors from the fields they write, so no writer can leave them stale; a migration that
 * cuts them again for a new tokenizer writes them through policySearchReindex.
 */
import { bulletinVector } from '#domain/bulletin-search.js';
import type { Statement } from '../scope.js';

export interface PolicyFields {
  title: string;
  documentNo: string;
  issuer: string;
  level: string;
  category: string;
  issuedOn: string;
  effectiveOn: string | null;
  status: string;
  body: string;
}

const VECTORS = '?::tsvector, ?::tsvector';
/** The title's vector and the whole document's, from the fields they are cut from. */
export const policySearchVectors = (p: Pick<PolicyFields, 'title' | 'documentNo' | 'issuer' | 'body'>) => [
  bulletinVector([{ text: p.title, weight: 'D' }]),
  bulletinVector([
    { text: p.title, weight: 'A' },
    { text: `${p.documentNo} ${p.issuer}`, weight: 'B' },
    { text: p.body, weight: 'C' },
  ]),
];

const values = (p: PolicyFields) => [
  p.title,
  p.documentNo,
  p.issuer,
  p.level,
  p.category,
  p.issuedOn,
  p.effectiveOn,
  p.status,
  p.body,
];

export function policyInsert(
  p: PolicyFields & { id: string; authorUnitId: string; createdBy: string | null },
): Statement {
  return {
    sql: `INSERT INTO policy_document (title, document_no, issuer, level, category, issued_on, effective_on, status, body,
            id, author_unit_id, created_by, title_search, search) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${VECTORS})`,
    params: [...values(p), p.id, p.authorUnitId, p.createdBy, ...policySearchVectors(p)],
  };
}

/** Replaces the fields (and search vectors) of policy `id`; no row returned: no such policy. */
export function policyUpdate(id: string, p: PolicyFields): Statement {
  return {
    sql: `UPDATE policy_document SET title = ?, document_no = ?, issuer = ?, level = ?, category = ?, issued_on = ?,
            effective_on = ?, status = ?, body = ?, updated_at = now(), title_search = ?::tsvector, search = ?::tsvector
          WHERE id = ? RETURNING id`,
    params: [...values(p), ...policySearchVectors(p), id],
  };
}

/** Cuts a policy's search vectors again from its stored fields (a migration's, for a new tokenizer). */
export function policySearchReindex(
  id: string,
  p: Pick<PolicyFields, 'title' | 'documentNo' | 'issuer' | 'body'>,
): Statement {
  return {
    sql: `UPDATE policy_document SET title_search = ?::tsvector, search = ?::tsvector WHERE id = ?`,
    params: [...policySearchVectors(p), id],
  };
}
