/**
 * The public portal's reads. Every one runs in the public scope (no row-level security policy
 * admits it) and calls one of the public_* SECURITY DEFINER functions (Migration20261204300000),
 * so the database itself decides which columns leave; the answers are then built field by field
 * and parsed with the strict schemas of domain/public-schemas.ts.
 */
import type { Orm } from '#db/orm.js';
import { PUBLIC_SCOPE, queryInScope } from '#db/scope.js';
import { fenFromDb } from '#domain/money.js';
import {
  ACTUAL_DATE_STAGES,
  MIN_NOTICE_DAYS,
  maskPersonName,
  noticeDays,
  publicChangePageSchema,
  publicProjectSchema,
  publicProjectSummarySchema,
  publicText,
  type PublicChangePage,
  type PublicProject,
  type PublicProjectSummary,
} from '#domain/public-schemas.js';
import type { FundSourceKind } from '#domain/schemas.js';

type Row = Record<string, unknown>;

export interface ListFilter {
  year?: number;
  township?: string;
  village?: string;
  code?: string;
}

export interface PublicUnit {
  code: string;
  name: string;
  kind: 'county' | 'township' | 'village';
  parent: string | null;
}

const s = (v: unknown) => v as string;
const opt = (v: unknown) => (v === null || v === undefined ? null : String(v));

function summary(r: Row): PublicProjectSummary {
  return publicProjectSummarySchema.parse({
    code: r.code,
    name: publicText(s(r.name)),
    year: r.year,
    type: r.type,
    stage: r.stage,
    progressPercent: r.progress_percent,
    budgetFen: fenFromDb(s(r.budget_fen)),
    disbursedFen: fenFromDb(s(r.disbursed_fen)),
    township: r.township_code ? { code: r.township_code, name: r.township_name } : null,
    villages: r.villages,
    plannedStart: r.planned_start,
    plannedCompletion: r.planned_completion,
    updatedAt: new Date(r.updated_at as string).toISOString(),
  });
}

function detail(base: PublicProjectSummary, d: Record<string, any>): PublicProject {
  const sources = d.fundSources as Row[];
  const kindAt = new Map(sources.map((x) => [x.position as number, x.kind as FundSourceKind]));
  const reached = d.reached as Record<string, string>;
  const impl = d.implementation as Row | null;
  return publicProjectSchema.parse({
    ...base,
    nature: d.nature,
    location: d.location === null ? null : publicText(d.location),
    approvalDocumentNo: d.approvalDocumentNo,
    department: d.department,
    ownerUnit: d.ownerUnit,
    plannedAcceptance: d.plannedAcceptance,
    plannedReimbursement: d.plannedReimbursement,
    constructionContent: d.constructionContent === null ? null : publicText(d.constructionContent),
    actualDates: Object.fromEntries(ACTUAL_DATE_STAGES.map((st) => [st, reached[st] ?? null])),
    fundSources: sources.map((x) => ({
      position: x.position,
      kind: x.kind,
      amountFen: fenFromDb(s(x.amountFen)),
      disbursedFen: fenFromDb(s(x.disbursedFen)),
      documentNo: opt(x.documentNo),
      issuer: opt(x.issuer),
    })),
    disbursements: (d.disbursements as Row[]).map((x) => ({
      id: x.id,
      paidOn: x.paidOn,
      amountFen: fenFromDb(s(x.amountFen)),
      sourceKind: kindAt.get(x.sourcePosition as number),
    })),
    settlement: d.settlement
      ? { settledOn: d.settlement.settledOn, settledAmountFen: fenFromDb(d.settlement.settledAmountFen) }
      : null,
    implementation: impl
      ? {
          method: impl.method,
          contractorName: opt(impl.contractorName),
          contractAmountFen: impl.contractAmountFen === null ? null : fenFromDb(s(impl.contractAmountFen)),
          contractSignedOn: opt(impl.contractSignedOn),
        }
      : d.stepMethod
        ? { method: d.stepMethod, contractorName: null, contractAmountFen: null, contractSignedOn: null }
        : null,
    notices: (d.notices as Row[]).map((n) => {
      const days = noticeDays(s(n.postedFrom), s(n.postedTo));
      return {
        id: n.id,
        village: n.village,
        place: publicText(s(n.place)),
        postedFrom: n.postedFrom,
        postedTo: n.postedTo,
        days,
        meetsMinimum: days >= MIN_NOTICE_DAYS,
        content: publicText(s(n.content)),
        announcedAmountFen: n.announcedAmountFen === null ? null : fenFromDb(s(n.announcedAmountFen)),
      };
    }),
    afterCare: d.afterCare
      ? { owner: maskPersonName(d.afterCare.owner), duty: publicText(d.afterCare.duty) }
      : null,
    photos: d.photos,
  });
}

/** A cursor of the change feed: the window's two snapshots and the last row served in it. */
export interface ChangeCursor {
  from: string;
  to: string | null;
  after: { at: string; key: string } | null;
}

export function createPublicRepository(orm: Orm) {
  const one = async (sql: string, params: unknown[]) =>
    ((await queryInScope(orm, PUBLIC_SCOPE, [{ sql, params }]))[0] ?? []) as Row[];
  return {
    async projects(f: ListFilter): Promise<PublicProjectSummary[]> {
      const rows = await one(`SELECT * FROM public_project_list(?, ?, ?, ?)`, [
        f.year ?? null,
        f.township ?? null,
        f.village ?? null,
        f.code ?? null,
      ]);
      return rows.map(summary);
    },

    async project(code: string): Promise<PublicProject | null> {
      const [rows, ds] = (await queryInScope(orm, PUBLIC_SCOPE, [
        { sql: `SELECT * FROM public_project_list(NULL, NULL, NULL, ?)`, params: [code] },
        { sql: `SELECT public_project_detail(?) AS d`, params: [code] },
      ])) as Row[][];
      const row = rows?.[0];
      const d = ds?.[0];
      if (!row || !d?.d) return null;
      return detail(summary(row), d.d as Record<string, any>);
    },

    /** Every project of a year (or all years) in full: the open-data packages. */
    async projectsInFull(f: ListFilter): Promise<PublicProject[]> {
      const rows = await one(
        `SELECT l.*, public_project_detail(l.code) AS d FROM public_project_list(?, ?, ?, ?) l`,
        [f.year ?? null, f.township ?? null, f.village ?? null, f.code ?? null],
      );
      return rows.map((r) => detail(summary(r), r.d as Record<string, any>));
    },

    /** The county, its townships and villages: org units are not scoped data (no personal fields). */
    async units(): Promise<PublicUnit[]> {
      const rows = await one(
        `SELECT u.code, u.name, u.kind, p.code AS parent FROM org_unit u LEFT JOIN org_unit p ON p.id = u.parent_id
          WHERE u.kind IN ('county', 'township', 'village') ORDER BY u.kind, u.code`,
        [],
      );
      return rows.map((r) => ({
        code: s(r.code),
        name: s(r.name),
        kind: r.kind as PublicUnit['kind'],
        parent: opt(r.parent),
      }));
    },

    async photo(id: string): Promise<{ storageKey: string; contentType: string; sizeBytes: number } | null> {
      const [r] = await one(`SELECT * FROM public_photo(?::uuid)`, [id]);
      return r
        ? { storageKey: s(r.storage_key), contentType: s(r.content_type), sizeBytes: Number(r.size_bytes) }
        : null;
    },

    /**
     * One page of the change feed. A new window starts at the snapshot the last one ended at and
     * ends at the current one; the window's rows are served in (time, key) order, `limit` at a time.
     */
    async changes(cursor: ChangeCursor, limit: number): Promise<PublicChangePage> {
      const [snap] = await one(`SELECT pg_current_snapshot()::text AS s`, []);
      const to = cursor.to ?? s(snap!.s);
      const rows = await one(
        `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, key, code, kind
           FROM public_changes(?::pg_snapshot, ?::pg_snapshot, ?::timestamptz, ?, ?)`,
        [cursor.from, to, cursor.after?.at ?? null, cursor.after?.key ?? null, limit + 1],
      );
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const next: ChangeCursor = more
        ? { from: cursor.from, to, after: { at: s(last!.at), key: s(last!.key) } }
        : { from: to, to: null, after: null };
      return publicChangePageSchema.parse({
        items: page.map((r) => ({
          at: r.at,
          projectCode: r.code,
          kind: r.kind,
        })),
        next: encodeCursor(next),
        more,
      });
    },
  };
}
export type PublicRepository = ReturnType<typeof createPublicRepository>;

const SNAPSHOT = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20}){0,999})?$/;

export function encodeCursor(c: ChangeCursor): string {
  return Buffer.from(JSON.stringify([c.from, c.to, c.after?.at ?? null, c.after?.key ?? null])).toString(
    'base64url',
  );
}

/** The cursor a client sent back, or null when it is not one of ours. */
export function decodeCursor(text: string): ChangeCursor | null {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== 4) return null;
    const [from, to, at, key] = v as unknown[];
    if (typeof from !== 'string' || !SNAPSHOT.test(from)) return null;
    if (to !== null && (typeof to !== 'string' || !SNAPSHOT.test(to))) return null;
    if (at === null) return key === null ? { from, to, after: null } : null;
    if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at)) return null;
    if (typeof key !== 'string' || !/^[hl]\d{1,19}$/.test(key)) return null;
    return { from, to, after: { at, key } };
  } catch {
    return null;
  }
}

/** The start of the feed: a snapshot in which nothing is visible yet. */
export const FEED_START: ChangeCursor = { from: '1:1:', to: null, after: null };
