/**
 * circular (月通报): its writes, all in the supervision office's scope. A draft is inserted or
 * replaced, edited and published; every write bumps `revision` and is guarded by the one the
 * writer read, and none touches a published row (the table's trigger refuses it anyway).
 */
import type { Statement } from '../scope.js';

export interface CircularText {
  title: string;
  sections: { key: string; heading: string; body: string }[];
}

export interface GeneratedFrom {
  rankingMonth: string;
  configVersion: string;
  computedAt: string;
  overdueProjects: number;
  noticesIssued: number;
  noticesClosed: number;
  interviews: number;
}

/** Serialises the generations of one month (two at once would both try to insert its draft). */
export function circularMonthLock(month: string): Statement {
  return { sql: `SELECT pg_advisory_xact_lock(hashtext('circular:' || ?))`, params: [month] };
}

/** The month's draft and the edition a new one would take. */
export function circularDraftOf(month: string): Statement {
  return {
    sql: `SELECT (SELECT id FROM circular WHERE month = ? AND status = 'draft') AS draft_id,
                 (SELECT COALESCE(max(edition), 0) + 1 FROM circular WHERE month = ?) AS next_edition`,
    params: [month, month],
  };
}

export function circularInsert(c: {
  id: string;
  month: string;
  edition: number;
  text: CircularText;
  from: GeneratedFrom;
  userId: string | null;
}): Statement {
  return {
    sql: `INSERT INTO circular (id, month, edition, title, sections, ranking_month, ranking_config_version,
            generated_from, generated_by, generated_at)
          VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, now())`,
    params: [
      c.id,
      c.month,
      c.edition,
      c.text.title,
      JSON.stringify(c.text.sections),
      c.from.rankingMonth,
      c.from.configVersion,
      JSON.stringify(c.from),
      c.userId,
    ],
  };
}

/** Regeneration: the draft's text starts over from the facts; the edits made to it are dropped. */
export function circularReplaceDraft(c: {
  id: string;
  text: CircularText;
  from: GeneratedFrom;
  userId: string | null;
}): Statement {
  return {
    sql: `UPDATE circular SET title = ?, sections = ?::jsonb, ranking_config_version = ?, generated_from = ?::jsonb,
            generated_by = ?, generated_at = now(), edited_by = NULL, edited_at = NULL, revision = revision + 1
          WHERE id = ? AND status = 'draft'`,
    params: [
      c.text.title,
      JSON.stringify(c.text.sections),
      c.from.configVersion,
      JSON.stringify(c.from),
      c.userId,
      c.id,
    ],
  };
}

/** An edit of the draft the editor loaded (`revision`); no row changes when it is stale or published. */
export function circularEdit(c: {
  id: string;
  revision: number;
  text: CircularText;
  userId: string | null;
}): Statement {
  return {
    sql: `UPDATE circular SET title = ?, sections = ?::jsonb, edited_by = ?, edited_at = now(), revision = revision + 1
          WHERE id = ? AND status = 'draft' AND revision = ? RETURNING revision`,
    params: [c.text.title, JSON.stringify(c.text.sections), c.userId, c.id, c.revision],
  };
}

/** Publication of exactly the revision the office confirmed; from here on the row never changes. */
export function circularPublish(c: { id: string; revision: number; userId: string | null }): Statement {
  return {
    sql: `UPDATE circular SET status = 'published', published_by = ?, published_at = now(), revision = revision + 1
          WHERE id = ? AND status = 'draft' AND revision = ? RETURNING revision`,
    params: [c.userId, c.id, c.revision],
  };
}
