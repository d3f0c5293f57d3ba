/**
 * 年度考核: a unit's year on one page — the rectification notices addressed to it (and whether
 * each closed on time), the talks it was part of, its negative-list entries and its twelve
 * months' ranks. County-wide accounts read any unit's; a unit reads its own.
 */
import { AppError } from '#domain/errors.js';
import { annualAssessmentSchema, assessmentQuerySchema, canReadAssessment } from '#domain/talks-schemas.js';
import type { Orm } from '#db/orm.js';
import { queryInScope, scopeOf } from '#db/scope.js';
import { callerOf, defineRoute, type Caller, type RouteDef } from '../../http.js';
import { interviewSummary, INTERVIEW_SELECT, type InterviewRow } from '../interviews/repository.js';
import { ENTRY_SELECT, entryDto, type EntryRow } from '../negative-list/repository.js';

interface NoticeRow {
  id: string;
  serial: string;
  title: string;
  issued_on: string;
  due_date: string;
  status: string;
  closed_on_time: boolean | null;
}

export function createAssessmentService(orm: Orm) {
  return {
    async annual(caller: Caller, code: string, year: number) {
      const scope = scopeOf(caller);
      const [units] = await queryInScope(orm, scope, [
        { sql: 'SELECT id, code, name, kind FROM org_unit WHERE code = ?', params: [code] },
      ]);
      const unit = (units as { id: string; code: string; name: string; kind: string }[])[0];
      // Another unit's year answers as one that does not exist.
      if (!unit || !canReadAssessment(caller, unit.id))
        throw new AppError('NOT_FOUND', `单位不存在或不在您的权限范围内 (unit “${code}” not found)`);
      const from = `${year}-01-01`;
      const to = `${year + 1}-01-01`;
      const [notices, talks, entries, ranked] = await queryInScope(orm, scope, [
        {
          sql: `SELECT id, serial, title, to_char(issued_on, 'YYYY-MM-DD') AS issued_on,
                       to_char(due_date, 'YYYY-MM-DD') AS due_date, status, closed_on_time
                  FROM rectification_notice WHERE org_unit_id = ? AND issued_on >= ?::date AND issued_on < ?::date
                 ORDER BY issued_on, serial`,
          params: [unit.id, from, to],
        },
        {
          sql: `${INTERVIEW_SELECT}
                 WHERE EXISTS (SELECT 1 FROM interview_subject s WHERE s.record_id = r.id AND s.org_unit_id = ?)
                   -- a corrected record and its correction are one talk: the correction speaks, as in
                   -- the ranking and the circular (even one that no longer names this unit)
                   AND interview_corrected_by(r.id) IS NULL
                   AND (r.held_at AT TIME ZONE 'Asia/Shanghai')::date >= ?::date
                   AND (r.held_at AT TIME ZONE 'Asia/Shanghai')::date < ?::date
                 ORDER BY r.held_at`,
          params: [unit.id, from, to],
        },
        {
          sql: `${ENTRY_SELECT} WHERE e.org_unit_id = ? AND e.listed_on >= ?::date AND e.listed_on < ?::date
                 ORDER BY e.listed_on, e.id`,
          params: [unit.id, from, to],
        },
        {
          // The stored monthly reports (one row per month the unit was in a group).
          sql: `SELECT month, rank, total_centi, movement FROM ranking_entry
                 WHERE org_unit_id = ? AND month >= ? AND month <= ?`,
          params: [unit.id, `${year}-01`, `${year}-12`],
        },
      ]);
      const byMonth = new Map(
        (
          ranked as { month: string; rank: number | null; total_centi: number; movement: number | null }[]
        ).map((r) => [r.month, r]),
      );
      const n = notices as NoticeRow[];
      const e = entries as EntryRow[];
      return {
        unit: { code: unit.code, name: unit.name, kind: unit.kind },
        year,
        summary: {
          notices: n.length,
          noticesClosedOnTime: n.filter((x) => x.closed_on_time === true).length,
          noticesOpen: n.filter((x) => x.status === 'open').length,
          talks: talks!.length,
          negativeEntries: e.length,
          negativeEntriesLifted: e.filter((x) => x.lifted_at !== null).length,
        },
        notices: n.map((x) => ({
          id: x.id,
          serial: x.serial,
          title: x.title,
          issuedOn: x.issued_on,
          dueDate: x.due_date,
          status: x.status,
          closedOnTime: x.closed_on_time,
        })),
        talks: (talks as InterviewRow[]).map(interviewSummary),
        negativeEntries: e.map((x) => entryDto(x)),
        // A month without a stored report, or in which the unit was not ranked, has no rank.
        ranks: Array.from({ length: 12 }, (_, k) => {
          const month = `${year}-${String(k + 1).padStart(2, '0')}`;
          const r = byMonth.get(month);
          return {
            month,
            rank: r?.rank ?? null,
            total: r ? (r.total_centi / 100).toFixed(2) : null,
            movement: r?.movement ?? null,
          };
        }),
      };
    },
  };
}

export function assessmentRoutes(service: ReturnType<typeof createAssessmentService>): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/units/:code/annual-assessment',
      summary:
        '年度考核 (a unit’s year: notices, talks, negative-list entries, monthly ranks; county-wide accounts or the unit itself)',
      tags: ['supervision'],
      access: 'unit.assessment',
      query: assessmentQuerySchema,
      response: annualAssessmentSchema,
      errors: [401, 404, 422],
      handler: async ({ user, params, query }) => service.annual(callerOf(user!), params.code!, query.year),
    }),
  ];
}
