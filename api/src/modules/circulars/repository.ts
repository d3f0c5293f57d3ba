/**
 * The circular's reads, in the caller's scope: the circulars themselves (a unit's condition is
 * "published", which row-level security holds again beneath it), and the facts a draft is
 * generated from: the stored ranking report, the active overdue alerts, the month's rectification
 * notices and its 约谈. The month is a local month (Asia/Shanghai), as the ranking's.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import type { CircularStatus } from '#domain/circular/schemas.js';
import type { MonthNotice, MonthTalk, OverdueAlert } from '#domain/circular/draft.js';
import type { RankingReport } from '#domain/ranking/report.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { ALERT_DAYS_LATE_NOW } from '../projects/overdue.js';

export interface CircularRow {
  id: string;
  month: string;
  edition: number;
  title: string;
  status: CircularStatus;
  revision: number;
  sections?: { key: string; heading: string; body: string }[];
  generated_from?: Record<string, unknown>;
  generated_at: string | Date;
  edited_at: string | Date | null;
  published_at: string | Date | null;
  generated_by_username?: string | null;
  generated_by_name?: string | null;
  edited_by_username?: string | null;
  edited_by_name?: string | null;
  published_by_username?: string | null;
  published_by_name?: string | null;
  issuer?: string | null;
}

/** A unit's accounts see only what has been circulated. */
const visible = (who: Principal) => (isCountyWide(who) ? 'true' : `c.status = 'published'`);

const SUMMARY = `c.id, c.month, c.edition, c.title, c.status, c.revision, c.generated_at, c.edited_at, c.published_at`;
const person = (col: string, as: string) =>
  `(SELECT u.username FROM app_user u WHERE u.id = c.${col}) AS ${as}_username,
   (SELECT u.display_name FROM app_user u WHERE u.id = c.${col}) AS ${as}_name`;

/** The local month [start, cutoff) as instants: the month's first day and the next's, at 00:00 +08. */
const IN_MONTH = (col: string) =>
  `(${col} >= (?::date)::timestamp AT TIME ZONE 'Asia/Shanghai' AND ${col} < (?::date)::timestamp AT TIME ZONE 'Asia/Shanghai')`;

export function createCircularRepository(orm: Orm) {
  const read = (who: Principal, statements: { sql: string; params?: unknown[] }[]) =>
    queryInScope(orm, scopeOf(who), statements);

  return {
    async list(who: Principal): Promise<{ rows: CircularRow[]; rankingMonths: string[] }> {
      const [rows, months] = await read(who, [
        {
          sql: `SELECT ${SUMMARY} FROM circular c WHERE ${visible(who)} ORDER BY c.month DESC, c.edition DESC LIMIT 240`,
        },
        // Row-level security shows the stored reports to county-wide accounts only.
        { sql: `SELECT month FROM ranking_report ORDER BY month DESC LIMIT 120` },
      ]);
      return {
        rows: rows as CircularRow[],
        rankingMonths: (months as { month: string }[]).map((m) => m.month),
      };
    },

    async get(who: Principal, id: string): Promise<CircularRow | null> {
      const [rows] = await read(who, [
        {
          sql: `SELECT ${SUMMARY}, c.sections, c.generated_from, ${person('generated_by', 'generated_by')},
                  ${person('edited_by', 'edited_by')}, ${person('published_by', 'published_by')},
                  (SELECT o.name FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id
                    WHERE u.id = COALESCE(c.published_by, c.generated_by)) AS issuer
                FROM circular c WHERE c.id = ? AND ${visible(who)}`,
          params: [id],
        },
      ]);
      return ((rows as CircularRow[])[0] ?? null) as CircularRow | null;
    },

    async rankingReport(who: Principal, month: string): Promise<RankingReport | null> {
      const [rows] = await read(who, [
        { sql: `SELECT report FROM ranking_report WHERE month = ?`, params: [month] },
      ]);
      return ((rows as { report: RankingReport }[])[0]?.report ?? null) as RankingReport | null;
    },

    /**
     * The overdue list now (days late today, as the project list counts them), and the notices and
     * talks of the report's month.
     */
    async facts(
      who: Principal,
      report: Pick<RankingReport, 'periodStart' | 'cutoff'>,
    ): Promise<{ overdue: OverdueAlert[]; notices: MonthNotice[]; talks: MonthTalk[] }> {
      const { periodStart: start, cutoff } = report;
      const [overdue, notices, talks] = await read(who, [
        {
          sql: `SELECT p.code AS "projectCode", o.code AS "unitCode", o.name AS "unitName", a.kind, a.period, a.step,
                       ${ALERT_DAYS_LATE_NOW} AS "daysLate"
                  FROM alert a JOIN project p ON p.id = a.project_id JOIN org_unit o ON o.id = a.responsible_unit_id
                 WHERE a.status = 'active' AND a.step <> 'reminder'
                 ORDER BY o.code, p.code, a.kind, a.period`,
        },
        {
          sql: `SELECT n.serial, o.name AS "unitName", to_char(n.issued_on, 'YYYY-MM-DD') AS "issuedOn",
                       to_char(n.due_date, 'YYYY-MM-DD') AS "dueDate", n.status, n.closed_on_time AS "closedOnTime",
                       (n.issued_on >= ?::date AND n.issued_on < ?::date) AS "issuedInMonth",
                       COALESCE(${IN_MONTH('n.closed_at')}, false) AS "closedInMonth"
                  FROM rectification_notice n JOIN org_unit o ON o.id = n.org_unit_id
                 WHERE (n.issued_on >= ?::date AND n.issued_on < ?::date) OR ${IN_MONTH('n.closed_at')}
                 ORDER BY n.year, n.number`,
          params: [start, cutoff, start, cutoff, start, cutoff, start, cutoff],
        },
        {
          sql: `SELECT to_char(r.held_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS "heldOn", r.kind, r.reason,
                       ARRAY(SELECT o.name FROM interview_subject s JOIN org_unit o ON o.id = s.org_unit_id
                              WHERE s.record_id = r.id GROUP BY o.name ORDER BY min(s.seq)) AS "unitNames"
                  FROM interview_record r
                 WHERE ${IN_MONTH('r.held_at')}
                   -- a corrected record and its correction are one talk: the correction speaks
                   AND NOT EXISTS (SELECT 1 FROM interview_record c WHERE c.corrects_id = r.id)
                 ORDER BY r.held_at, r.id`,
          params: [start, cutoff],
        },
      ]);
      return {
        overdue: overdue as OverdueAlert[],
        notices: notices as MonthNotice[],
        talks: talks as MonthTalk[],
      };
    },
  };
}

export type CircularRepository = ReturnType<typeof createCircularRepository>;
