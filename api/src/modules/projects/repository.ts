/**
 * Reads of the project read model. Every query takes the caller's principal and applies its scope
 * here, in one place: a project outside the scope is never returned (it is as if it did not exist).
 * The statements of the list and the export are in list-statements.ts, the row and its DTO in
 * rows.ts, the conditions they share in conditions.ts.
 */
import type { Principal, ProjectScope } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import type {
  AlertDto,
  HistoryEntry,
  ProjectDto,
  ProjectExportQuery,
  ProjectListQuery,
  OrgKind,
} from '#domain/schemas.js';
import { QueryOrder } from '@mikro-orm/core';
import type { Orm } from '#db/orm.js';
import {
  SYSTEM_SCOPE,
  executeAll,
  inScope,
  queryInScope,
  scopeOf,
  withScopedEm,
  type Statement,
  type Tx,
} from '#db/scope.js';
import { OrgUnitSchema } from '#db/entities/org-unit.entity.js';
import { ProjectSchema } from '#db/entities/project.entity.js';
import { scopeCondition } from './conditions.js';
import { encodeCursor, listOrder, orderSql } from './keyset.js';
import {
  countStatement,
  groupCountStatement,
  LIST_TOTAL_CAP,
  listCondition,
  listStatements,
} from './list-statements.js';
import { ALERT_DAYS_LATE_NOW, type OverdueRow } from './overdue.js';
import {
  HISTORY_COLUMN,
  historyOf,
  iso,
  listItemOf,
  SELECT,
  toDto,
  type HistoryRow,
  type ProjectRow,
} from './rows.js';

type FoundProject = ProjectDto & { scope: ProjectScope; workflowId: string };

/**
 * Two layers, each enough on its own: the application's scope condition in every query, and
 * PostgreSQL's row-level security beneath it (every query runs `inScope`).
 */
export function createProjectRepository(orm: Orm) {
  /** One project by id or code within the principal's scope, with extra columns if asked. */
  function oneStatement(who: Principal, idOrCode: string, extra: string[] = [], extraParams: unknown[] = []) {
    const scope = scopeCondition(who);
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrCode);
    const columns = ['p.workflow_id', ...extra].map((c) => `${c}, `).join('');
    return {
      sql: `${SELECT.replace('SELECT p.id,', `SELECT ${columns}p.id,`)} WHERE ${byId ? 'p.id = ?' : 'p.code = ?'} AND ${scope.sql}`,
      params: [...extraParams, idOrCode, ...scope.params],
      prepare: true,
    };
  }

  function found(row: ProjectRow & { workflow_id: string }): FoundProject {
    // Assigned, not spread: see listItemOf.
    return Object.assign(toDto(row), { workflowId: row.workflow_id });
  }

  /** A whole single-statement read in the principal's scope: one round trip. */
  async function readOne<R>(who: Principal, statement: Statement): Promise<R | undefined> {
    const [rows] = await queryInScope(orm, scopeOf(who), [statement]);
    return rows![0] as R | undefined;
  }

  async function findIn(conn: Tx, who: Principal, idOrCode: string): Promise<FoundProject | null> {
    const st = oneStatement(who, idOrCode);
    const [row] = await conn.execute<(ProjectRow & { workflow_id: string })[]>(st.sql, st.params, 'all');
    return row ? found(row) : null;
  }

  return {
    /**
     * A page of the list with its projects' lateness, and its total (exact up to LIST_TOTAL_CAP), by
     * page number (`OFFSET`) or after/before a cursor (keyset: one index range however deep); with
     * the cursors of the pages on either side.
     */
    async list(
      who: Principal,
      q: ProjectListQuery,
    ): Promise<{
      items: (ProjectDto & { scope: ProjectScope })[];
      total: number;
      totalCapped: boolean;
      nextCursor: string | null;
      prevCursor: string | null;
    }> {
      if (q.after !== undefined && q.before !== undefined)
        throw new AppError('VALIDATION_FAILED', '翻页位置只能给一个 (give after or before, not both)', [
          {
            path: 'query.before',
            message: { zh: '翻页位置只能给一个', en: 'give after or before, not both' },
          },
        ]);
      const { count, searchTotal, choose, dress, order, cursor, backwards } = listStatements(who, q);
      // The count and the choice in one round trip, the page in a second, in one transaction.
      const [totalRows, fetched] = await inScope(orm, scopeOf(who), async (tx) => {
        const [first, second] = await tx.batch(searchTotal ? [choose] : [count, choose]);
        const chosen = (searchTotal ? first : second) as { id: string; total?: string }[];
        // A search's rows carry its total; past its last page none does: counted then.
        const counted = !searchTotal
          ? first!
          : chosen.length
            ? [{ total: chosen[0]!.total }]
            : (await tx.batch([count]))[0]!;
        const ids = chosen.map((r) => r.id);
        return [counted, ids.length ? (await tx.batch([dress(ids)], { commit: true }))[0]! : []];
      });
      const rows = fetched as (ProjectRow & { sort_key: unknown[]; overdue: OverdueRow | null })[];
      const more = rows.length > q.pageSize;
      const shown = rows.slice(0, q.pageSize);
      if (backwards) shown.reverse();
      const first = shown[0];
      const last = shown[shown.length - 1];
      const counted = Number((totalRows![0] as { total: string }).total);
      return {
        items: shown.map(listItemOf),
        total: Math.min(counted, LIST_TOTAL_CAP),
        totalCapped: counted > LIST_TOTAL_CAP,
        nextCursor: last && (backwards || more) ? encodeCursor(order, last.sort_key) : null,
        prevCursor:
          first && (backwards ? more : cursor !== null || q.page > 1)
            ? encodeCursor(order, first.sort_key)
            : null,
      };
    },

    /** The same, inside a transaction the caller already holds in the principal's scope. */
    findIn,

    /**
     * The whole filtered list in the list's order, batch by batch, for the export: one transaction
     * and a server-side cursor, so memory holds one batch whatever the county's size, and every
     * batch comes from the same snapshot. Refuses (422) above `max` rows before reading any.
     */
    async eachBatch(
      who: Principal,
      q: ProjectExportQuery,
      opts: { batch: number; max: number },
      onBatch: (items: ProjectDto[]) => Promise<void>,
    ): Promise<number> {
      const { cond, params } = listCondition(who, q);
      return inScope(orm, scopeOf(who), async (conn) => {
        const [count] = await executeAll(conn, [
          groupCountStatement(who, q, opts.max) ?? countStatement(cond, params, opts.max),
        ]);
        const total = Number((count![0] as { total: string }).total);
        if (total > opts.max)
          throw new AppError(
            'VALIDATION_FAILED',
            `导出最多 ${opts.max} 个项目，当前筛选结果超过 ${opts.max} 个，请缩小筛选范围 (at most ${opts.max} projects per export; narrow the filters)`,
            [{ path: 'query', message: { zh: `超过 ${opts.max} 个`, en: `more than ${opts.max}` } }],
          );
        await conn.execute(
          `DECLARE project_export NO SCROLL CURSOR FOR ${SELECT} WHERE ${cond} ORDER BY ${orderSql(listOrder(q))}`,
          params,
          'run',
        );
        let n = 0;
        for (;;) {
          const rows = await conn.execute<ProjectRow[]>(
            `FETCH FORWARD ${Math.trunc(opts.batch)} FROM project_export`,
            [],
            'all',
          );
          if (rows.length === 0) break;
          n += rows.length;
          await onBatch(rows.map(toDto));
        }
        await conn.execute('CLOSE project_export', [], 'run');
        return n;
      });
    },

    /** A project by id or by code, if the principal may see it. */
    async find(who: Principal, idOrCode: string): Promise<FoundProject | null> {
      const row = await readOne<ProjectRow & { workflow_id: string }>(who, oneStatement(who, idOrCode));
      return row ? found(row) : null;
    },

    /** The project and its history, in one statement (the page after a step). */
    async findWithHistory(
      who: Principal,
      idOrCode: string,
    ): Promise<{ project: FoundProject; history: HistoryEntry[] } | null> {
      const row = await readOne<ProjectRow & { workflow_id: string; history: HistoryRow[] }>(
        who,
        oneStatement(who, idOrCode, [HISTORY_COLUMN]),
      );
      return row ? { project: found(row), history: historyOf(row.history) } : null;
    },

    /**
     * The project, and whether PostgreSQL's own rule lets the principal take a step of `level` on
     * it, in one statement (the check before a transition).
     */
    async findForStep(
      who: Principal,
      idOrCode: string,
      level: 'department' | 'ownerUnit',
    ): Promise<{ project: FoundProject; mayTakeStep: boolean } | null> {
      const row = await readOne<ProjectRow & { workflow_id: string; may_take_step: boolean }>(
        who,
        oneStatement(who, idOrCode, ['app_may_take_step(p.id, ?) AS may_take_step'], [level]),
      );
      return row ? { project: found(row), mayTakeStep: row.may_take_step === true } : null;
    },

    /** Projects by code that the principal may see (for imports: one query, not one per row). */
    async findByCodes(who: Principal, codes: string[]): Promise<(ProjectDto & { scope: ProjectScope })[]> {
      if (codes.length === 0) return [];
      const scope = scopeCondition(who);
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: `${SELECT} WHERE p.code = ANY(ARRAY[?]::text[]) AND ${scope.sql}`,
          params: [codes, ...scope.params],
        },
      ]);
      return (rows as ProjectRow[]).map(toDto);
    },

    async history(who: Principal, projectId: string): Promise<HistoryEntry[]> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        { sql: `SELECT ${HISTORY_COLUMN} FROM project p WHERE p.id = ?`, params: [projectId] },
      ]);
      const row = rows![0] as { history: HistoryRow[] } | undefined;
      return row ? historyOf(row.history) : [];
    },

    /** The deadline alerts of a project, newest first, within the caller's scope. */
    async alerts(who: Principal, projectId: string): Promise<AlertDto[]> {
      const rows = await inScope(orm, scopeOf(who), (conn) =>
        conn.execute<
          {
            kind: AlertDto['kind'];
            period: string;
            step: AlertDto['step'];
            due_date: string;
            step_date: string;
            days_late: number;
            days_late_now: number;
            status: AlertDto['status'];
            unit_code: string;
            unit_name: string;
            raised_at: Date | string;
            closed_at: Date | string | null;
          }[]
        >(
          `SELECT a.kind, a.period, a.step, to_char(a.due_date, 'YYYY-MM-DD') AS due_date,
                to_char(a.step_date, 'YYYY-MM-DD') AS step_date, a.days_late, a.status,
                ${ALERT_DAYS_LATE_NOW} AS days_late_now,
                o.code AS unit_code, o.name AS unit_name, a.raised_at, a.closed_at
           FROM alert a JOIN org_unit o ON o.id = a.responsible_unit_id
          WHERE a.project_id = ? ORDER BY a.history_seq DESC`,
          [projectId],
          'all',
        ),
      );
      return rows.map((r) => ({
        kind: r.kind,
        period: r.period,
        step: r.step,
        dueDate: r.due_date,
        stepDate: r.step_date,
        daysLate: r.days_late,
        daysLateNow: r.days_late_now,
        status: r.status,
        responsibleUnit: { code: r.unit_code, name: r.unit_name },
        raisedAt: iso(r.raised_at),
        closedAt: r.closed_at === null ? null : iso(r.closed_at),
      }));
    },

    /** The codes of these units, sorted and without duplicates (nulls ignored). */
    async codesOf(ids: (string | null)[]): Promise<string[]> {
      const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
      if (wanted.length === 0) return [];
      const units = await orm.em
        .fork()
        .find(
          OrgUnitSchema,
          { id: { $in: wanted } },
          { fields: ['code'], orderBy: { code: QueryOrder.ASC } },
        );
      return units.map((u) => u.code);
    },

    /** Whether the step carrying out this request is recorded (it is readable to whoever asked it). */
    async stepRecorded(who: Principal, projectId: string, requestId: string): Promise<boolean> {
      const [rows] = await queryInScope(orm, scopeOf(who), [
        {
          sql: 'SELECT 1 FROM project_history WHERE project_id = ? AND request_id = ?',
          params: [projectId, requestId],
        },
      ]);
      return rows!.length > 0;
    },

    /** Codes are unique county-wide, so this looks beyond the caller's scope (and says only yes/no). */
    async codeExists(code: string): Promise<boolean> {
      return withScopedEm(orm, SYSTEM_SCOPE, async (em) => (await em.count(ProjectSchema, { code })) > 0);
    },

    async nextCode(year: number): Promise<string> {
      const [row] = (await orm.em
        .fork()
        .execute<{ n: string }[]>(`SELECT nextval('project_code_seq') AS n`, [], 'all')) as [{ n: string }];
      return `${year}-${row.n.padStart(5, '0')}`;
    },

    /** The database's own verdict on a step: the second layer beneath domain/access.ts. */
    async mayCreateFor(who: Principal, departmentId: string): Promise<boolean> {
      const rows = await inScope(orm, scopeOf(who), (conn) =>
        conn.execute<{ ok: boolean }[]>('SELECT app_is_operator_of(?) AS ok', [departmentId], 'all'),
      );
      return rows[0]?.ok === true;
    },

    async orgsByCode(
      codes: string[],
    ): Promise<Map<string, { id: string; code: string; kind: OrgKind; parentId: string | null }>> {
      const units = await orm.em.fork().find(OrgUnitSchema, { code: { $in: codes } });
      return new Map(
        units.map((u) => [u.code, { id: u.id, code: u.code, kind: u.kind, parentId: u.parent?.id ?? null }]),
      );
    },
  };
}

export type ProjectRepository = ReturnType<typeof createProjectRepository>;
