/**
 * The public portal (docs/portal.md): no login, mounted before the session middleware, every
 * route declared in the route table with access 'public' and rate-limited per client. Reads go
 * through the public repository only (public_* functions in the database).
 */
import { encodeFor } from '../compress.js';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '#domain/errors.js';
import { formatYuan } from '#domain/money.js';
import { oc4idsPackage } from '#domain/oc4ids.js';
import { FUND_SOURCE_LABELS } from '#domain/schemas.js';
import {
  publicChangePageSchema,
  publicProjectCodeParam,
  publicProjectSchema,
  publicProjectSummarySchema,
  publicUnitCodeParam,
  type PublicProject,
  type PublicProjectSummary,
} from '#domain/public-schemas.js';
import { STAGE_LABELS } from '#domain/lifecycle.js';
import type { Orm } from '#db/orm.js';
import { defineRoute, mountRoutes, type RouteDef } from '../http.js';
import type { ArchiveStorage } from '../modules/archives/storage.js';
import { pageLangOf, type PublicLang } from './layout.js';
import {
  countyPage,
  notFoundPage,
  projectPage,
  townshipPage,
  tooManyRequestsPage,
  villagePage,
} from './pages.js';
import { redirectPastedLink } from './pasted-links.js';
import { publicRateLimit } from './rate-limit.js';
import {
  createPublicRepository,
  decodeCursor,
  FEED_START,
  type ListFilter,
  type PublicRepository,
  type PublicUnit,
} from './repository.js';

export interface PublicDeps {
  orm: Orm;
  storage: ArchiveStorage;
  /** The portal's address as printed on posters and in open data (PUBLIC_BASE_URL). */
  baseUrl: string;
  /** The supervision hotline shown on every project (COMPLAINT_PHONE). */
  complaintPhone: string;
  /** Requests per client per minute (PUBLIC_RATE_LIMIT_PER_MINUTE). */
  ratePerMinute: number;
  /** Further public routers mounted beside the portal's (complaints), each guarding its own writes. */
  parts?: express.Router[];
  /** The county's name as the open data's publisher. */
  oc4idsPrefix?: string;
}

// Any `lang` is taken (EN, zh, a typo): an unknown one is the default language, not a refusal.
const langQuery = {
  lang: z
    .unknown()
    .optional()
    .transform((v) => pageLangOf(v)),
};
const pageQuery = z.object(langQuery);
const yearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() });
const dataQuery = yearQuery.extend({ project: publicProjectCodeParam.optional() });
const code = { code: publicProjectCodeParam };
const unitCode = { code: publicUnitCodeParam };

/** Sends a body compressed when the client takes it: the first load of a page is counted in bytes. */
function send(req: Request, res: Response, type: string, body: string | Buffer, status = 200) {
  res.status(status).type(type);
  res.setHeader('Cache-Control', 'public, max-age=60');
  res.send(encodeFor(req, res, typeof body === 'string' ? Buffer.from(body, 'utf8') : body));
}
const html = (req: Request, res: Response, body: string, status = 200) =>
  send(req, res, 'text/html; charset=utf-8', body, status);
const json = (req: Request, res: Response, body: unknown) =>
  send(req, res, 'application/json; charset=utf-8', JSON.stringify(body));
const langOf = (q: { lang?: PublicLang } | undefined): PublicLang => q?.lang ?? 'zh-CN';

/**
 * A project's code for one typed in lower case or full width (ck2026-009, ＣＫ２０２６-００９), as the
 * platform writes codes: looked up as that one code, never by reading the list (a mistyped code
 * costs one indexed lookup, whatever the county's size).
 */
async function projectCodeIn(repo: PublicRepository, typed: string): Promise<string | undefined> {
  const meant = typed.normalize('NFKC').toUpperCase();
  if (meant === typed) return undefined;
  return (await repo.projects({ code: meant })).length === 1 ? meant : undefined;
}

function csvCell(v: string | number | null): string {
  let s = v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`; // no formula runs when a spreadsheet opens the file
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csv = (rows: (string | number | null)[][]) =>
  `\ufeff${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

export function projectsCsv(ps: PublicProject[]): string {
  return csv([
    [
      '项目编号',
      '项目名称',
      '年度',
      '类型',
      '阶段',
      '进度(%)',
      '乡镇',
      '村',
      '资金总额(元)',
      '已拨付(元)',
      '计划开工',
      '实际开工',
      '计划竣工',
      '实际竣工',
      '实施方式',
      '施工单位',
    ],
    ...ps.map((p) => [
      p.code,
      p.name,
      p.year,
      p.type,
      STAGE_LABELS[p.stage].zh,
      p.progressPercent,
      p.township?.name ?? '',
      p.villages.map((v) => v.name).join('、'),
      formatYuan(p.budgetFen).replace(/,/g, ''),
      formatYuan(p.disbursedFen).replace(/,/g, ''),
      p.plannedStart,
      p.actualDates.underway,
      p.plannedCompletion,
      p.actualDates.completed,
      p.implementation?.method ?? '',
      p.implementation?.contractorName ?? '',
    ]),
  ]);
}

export function transactionsCsv(ps: PublicProject[]): string {
  return csv([
    ['项目编号', '拨付日期', '金额(元)', '资金来源'],
    ...ps.flatMap((p) =>
      p.disbursements.map((d) => [
        p.code,
        d.paidOn,
        formatYuan(d.amountFen).replace(/,/g, ''),
        FUND_SOURCE_LABELS[d.sourceKind],
      ]),
    ),
  ]);
}

export function publicRouteDefs(
  deps: PublicDeps,
  repo: PublicRepository = createPublicRepository(deps.orm),
): RouteDef[] {
  const pkgOptions = async (uri: string) => {
    const units = await repo.units();
    const county = units.find((u) => u.kind === 'county');
    return {
      baseUrl: deps.baseUrl,
      idPrefix: deps.oc4idsPrefix ?? county?.code ?? 'county',
      publisher: county?.name ?? '县',
      uri: `${deps.baseUrl}${uri}`,
      publishedDate: new Date().toISOString(),
    };
  };
  const full = (f: ListFilter) => repo.projectsInFull(f);
  /** A township's or a village's page: the unit found by kind and code (else the 404 page), and its projects. */
  const unitRoute = (
    kind: 'township' | 'village',
    summary: string,
    render: (lang: PublicLang, unit: PublicUnit, units: PublicUnit[], ps: PublicProjectSummary[]) => string,
  ) =>
    defineRoute({
      method: 'get',
      path: `/public/${kind}s/:code`,
      summary,
      tags: ['public'],
      access: 'public',
      params: unitCode,
      query: pageQuery,
      handler: async ({ req, res, params, query }) => {
        const lang = langOf(query);
        const units = await repo.units();
        const unit = units.find((u) => u.kind === kind && u.code === params.code);
        if (!unit) return html(req, res, notFoundPage(lang), 404);
        const ps = await repo.projects(
          kind === 'township' ? { township: unit.code } : { village: unit.code },
        );
        html(req, res, render(lang, unit, units, ps));
      },
    });
  return [
    defineRoute({
      method: 'get',
      path: '/public',
      summary: '公开：全县项目 (public: the county page, HTML)',
      tags: ['public'],
      access: 'public',
      query: pageQuery,
      handler: async ({ req, res, query }) => {
        const [units, ps] = await Promise.all([repo.units(), repo.projects({})]);
        html(req, res, countyPage(langOf(query), units, ps));
      },
    }),
    unitRoute('township', '公开：乡镇 (public: a township, HTML)', (lang, township, units, ps) =>
      townshipPage(
        lang,
        township,
        units.filter((u) => u.parent === township.code),
        ps,
      ),
    ),
    unitRoute('village', '公开：村 (public: a village, HTML)', (lang, village, units, ps) =>
      villagePage(
        lang,
        village,
        units.find((u) => u.code === village.parent),
        ps,
      ),
    ),
    defineRoute({
      method: 'get',
      path: '/public/projects/:code',
      summary: '公开：项目 (public: a project, HTML; the QR code points here)',
      tags: ['public'],
      access: 'public',
      params: code,
      query: pageQuery,
      handler: async ({ req, res, params, query }) => {
        const p = await repo.project(params.code!);
        if (!p) {
          const meant = await projectCodeIn(repo, params.code!);
          if (!meant) return html(req, res, notFoundPage(langOf(query)), 404);
          const at = req.originalUrl.indexOf('?');
          // 302: a browser must not keep it, should a code of that spelling be registered later.
          return res.redirect(302, `/public/projects/${meant}${at < 0 ? '' : req.originalUrl.slice(at)}`);
        }
        html(req, res, projectPage(langOf(query), p, deps.complaintPhone));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/api/projects',
      summary: '公开：项目列表 (public: projects, JSON)',
      tags: ['public'],
      access: 'public',
      query: yearQuery.extend({
        township: publicUnitCodeParam.optional(),
        village: publicUnitCodeParam.optional(),
      }),
      response: z.object({ items: z.array(publicProjectSummarySchema) }),
      handler: async ({ req, res, query }) => json(req, res, { items: await repo.projects(query ?? {}) }),
    }),
    defineRoute({
      method: 'get',
      path: '/public/api/projects/:code',
      summary: '公开：项目 (public: a project, JSON)',
      tags: ['public'],
      access: 'public',
      params: code,
      response: publicProjectSchema,
      errors: [404],
      handler: async ({ req, res, params }) => {
        const p = await repo.project(params.code!);
        if (!p) throw new AppError('NOT_FOUND', `没有这个项目 (no project ${params.code})`);
        json(req, res, p);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/photos/:id',
      summary: '公开：现场照片 (public: a site photo)',
      tags: ['public'],
      access: 'public',
      params: { id: z.uuid() },
      errors: [404],
      handler: async ({ res, params }) => {
        const ph = await repo.photo(params.id!);
        const bytes = ph ? await deps.storage.get(ph.storageKey) : null;
        if (!ph || !bytes) throw new AppError('NOT_FOUND', '没有这张照片 (no such photo)');
        res.type(ph.contentType).setHeader('Cache-Control', 'public, max-age=86400');
        res.send(bytes);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/changes',
      summary: '公开：变更记录 (public: change feed; pass `next` back as `since`)',
      tags: ['public'],
      access: 'public',
      query: z.object({
        since: z.string().max(20_000).optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
      response: publicChangePageSchema,
      errors: [422],
      handler: async ({ req, res, query }) => {
        const cursor = query?.since === undefined ? FEED_START : decodeCursor(query.since);
        if (!cursor)
          throw new AppError(
            'VALIDATION_FAILED',
            '请求内容不合法: query.since: 不是本站给出的游标 (not a cursor of this feed)',
            [{ path: 'query.since', message: { zh: '不是本站给出的游标', en: 'invalid cursor' } }],
          );
        json(req, res, await repo.changes(cursor, query?.limit ?? 100));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/oc4ids/projects/:code',
      summary: '公开：OC4IDS 项目包（单个项目） (public: OC4IDS package of one project)',
      tags: ['public'],
      access: 'public',
      params: code,
      errors: [404],
      handler: async ({ req, res, params }) => {
        const ps = await full({ code: params.code });
        if (!ps.length) throw new AppError('NOT_FOUND', `没有这个项目 (no project ${params.code})`);
        json(req, res, oc4idsPackage(ps, await pkgOptions(req.originalUrl)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/oc4ids/packages/:year',
      summary: '公开：OC4IDS 全县年度项目包 (public: OC4IDS package of the county for a year)',
      tags: ['public'],
      access: 'public',
      params: { year: z.string().regex(/^20\d{2}$/) },
      errors: [404],
      handler: async ({ req, res, params }) => {
        const ps = await full({ year: Number(params.year) });
        if (!ps.length) throw new AppError('NOT_FOUND', `该年度没有项目 (no projects in ${params.year})`);
        json(req, res, oc4idsPackage(ps, await pkgOptions(req.originalUrl)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/data/projects.csv',
      summary: '公开：项目表 CSV (public: projects as CSV)',
      tags: ['public'],
      access: 'public',
      query: dataQuery,
      handler: async ({ req, res, query }) => {
        res.setHeader('Content-Disposition', 'attachment; filename="projects.csv"');
        send(
          req,
          res,
          'text/csv; charset=utf-8',
          projectsCsv(await full({ year: query?.year, code: query?.project })),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/public/data/transactions.csv',
      summary: '公开：拨付明细 CSV (public: disbursements as CSV)',
      tags: ['public'],
      access: 'public',
      query: dataQuery,
      handler: async ({ req, res, query }) => {
        res.setHeader('Content-Disposition', 'attachment; filename="transactions.csv"');
        send(
          req,
          res,
          'text/csv; charset=utf-8',
          transactionsCsv(await full({ year: query?.year, code: query?.project })),
        );
      },
    }),
  ];
}

/** The machine-read parts under /public, the feed among them: their errors are JSON, as the api's. */
const DATA_PARTS = /^\/(api|changes|oc4ids|data|photos)(\/|$)/;

/** A page request: a browser's GET for an address among the portal's pages, not its data. */
function asksForPage(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    !DATA_PARTS.test(req.path) &&
    req.accepts(['text/html', 'application/json']) === 'text/html'
  );
}
const pageLang = (req: Request): PublicLang => pageLangOf(req.query.lang);
/** A person's request under /public (a page, or a form posted from one), not the data's. */
const fromPerson = (req: Request) =>
  !DATA_PARTS.test(req.path) && req.accepts(['text/html', 'application/json']) === 'text/html';
const paramsRefused = (err: AppError) =>
  Array.isArray(err.details) && err.details.some((d: { path?: string }) => d.path?.startsWith('params.'));

/**
 * The public router: the rate limit, then the routes. The app mounts it before any session.
 * A page address that names nothing, or whose percent-encoding does not decode (a mistyped or
 * mangled link from a notice board), gets the portal's own page leading home, not the api's JSON;
 * one a message's punctuation stuck to is sent to the page it meant (pasted-links.ts).
 */
export function createPublicRouter(deps: PublicDeps): { router: express.Router; routes: RouteDef[] } {
  const routes = publicRouteDefs(deps);
  const router = express.Router();
  router.use('/public', publicRateLimit({ limit: deps.ratePerMinute, windowMs: 60_000 }));
  router.use('/public', (req: Request, res: Response, next: express.NextFunction) =>
    asksForPage(req) ? redirectPastedLink(req, res, next) : next(),
  );
  mountRoutes(router, routes, { orm: deps.orm });
  for (const part of deps.parts ?? []) router.use(part);
  router.use('/public', (req: Request, res: Response, next: express.NextFunction) => {
    if (!asksForPage(req)) return next();
    html(req, res, notFoundPage(pageLang(req)), 404);
  });
  router.use('/public', (err: unknown, req: Request, res: Response, next: express.NextFunction) => {
    // Over the per-minute limit: a person is told so on a page in the page's language.
    if (err instanceof AppError && err.code === 'RATE_LIMITED' && fromPerson(req))
      return html(
        req,
        res,
        tooManyRequestsPage(pageLang(req), Number(res.getHeader('Retry-After')) || 60),
        429,
      );
    if (!asksForPage(req)) return next(err);
    if (err instanceof URIError) return html(req, res, notFoundPage(pageLang(req)), 400);
    // A page's code that is no code (and meant none, see pasted-links.ts) names no page.
    if (err instanceof AppError && err.code === 'VALIDATION_FAILED' && paramsRefused(err))
      return html(req, res, notFoundPage(pageLang(req)), 404);
    next(err);
  });
  return { router, routes };
}
