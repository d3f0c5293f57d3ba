/**
 * The Express application, built from explicit dependencies (tests build it the same way).
 */
import fs from 'node:fs';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import { AppError } from '#domain/errors.js';
import type { Orm } from '#db/orm.js';
import type { Logger } from '#platform/log.js';
import { serveConsole } from './console-assets.js';
import { errorHandler } from './errors.js';
import { defineRoute, mountRoutes, type RouteDef } from './http.js';
import type { AuditLog } from '#db/audit.js';
import { adminRoutes } from './modules/admin/admin.routes.js';
import { createAccountAdminService } from './modules/admin/account-admin.service.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { createAuthService, type LoginPolicy } from './modules/auth/auth.service.js';
import { sessionMiddleware, type SessionUser } from './modules/auth/session.js';
import type { SessionCache } from './modules/auth/session-cache.js';
import { healthRoutes } from './modules/health/routes.js';
import { createInboxRepository } from './modules/inbox/repository.js';
import { inboxRoutes } from './modules/inbox/routes.js';
import { createInboxService } from './modules/inbox/service.js';
import { orgRoutes } from './modules/orgs/org.routes.js';
import { createNotificationRepository } from './modules/notifications/repository.js';
import { notificationRoutes } from './modules/notifications/routes.js';
import { createNotificationService } from './modules/notifications/service.js';
import { unconfiguredRender } from '#activities/notify/render.js';
import type { Render } from '#activities/notify/delivery-config.js';
import { createOrgService } from './modules/orgs/org.service.js';
import { createStatsRepository } from './modules/stats/repository.js';
import { rankingRoutes } from './modules/ranking/routes.js';
import { createRankingService } from './modules/ranking/service.js';
import { statsRoutes } from './modules/stats/routes.js';
import { createStatsService } from './modules/stats/service.js';
import { createStatisticsRepository } from './modules/statistics/repository.js';
import { statisticsRoutes } from './modules/statistics/routes.js';
import { createStatisticsService } from './modules/statistics/service.js';
import { createProjectRepository } from './modules/projects/repository.js';
import { projectRoutes } from './modules/projects/routes.js';
import { createProjectService } from './modules/projects/service.js';
import { ledgerRoutes } from './modules/ledgers/routes.js';
import { archiveRoutes } from './modules/archives/routes.js';
import { importRoutes } from './modules/imports/routes.js';
import { createImportRepository } from './modules/imports/repository.js';
import { createImportService } from './modules/imports/service.js';
import { createArchiveRepository } from './modules/archives/repository.js';
import { createArchiveService } from './modules/archives/service.js';
import { createFsArchiveStorage, type ArchiveStorage } from './modules/archives/storage.js';
import { createDetailTableService } from './modules/ledgers/detail-service.js';
import { detailTableRoutes } from './modules/ledgers/detail-routes.js';
import { createLedgerRepository } from './modules/ledgers/repository.js';
import { createLedgerService } from './modules/ledgers/service.js';
import { createLedgerWrites } from './modules/ledgers/write-service.js';
import { buildOpenApi } from './openapi.js';
import { createAttachmentRepository } from './modules/attachments/repository.js';
import { attachmentRoutes } from './modules/attachments/routes.js';
import { createAttachmentService } from './modules/attachments/service.js';
import { createMessageRepository } from './modules/messages/repository.js';
import { messageRoutes } from './modules/messages/routes.js';
import { createMessageService } from './modules/messages/service.js';
import { assessmentRoutes, createAssessmentService } from './modules/assessment/routes.js';
import { createInterviewRepository } from './modules/interviews/repository.js';
import { interviewRoutes } from './modules/interviews/routes.js';
import { createInterviewService } from './modules/interviews/service.js';
import { createNegativeListRepository } from './modules/negative-list/repository.js';
import { negativeListRoutes } from './modules/negative-list/routes.js';
import { createNegativeListService } from './modules/negative-list/service.js';
import { createCircularRepository } from './modules/circulars/repository.js';
import { circularRoutes } from './modules/circulars/routes.js';
import { createCircularService } from './modules/circulars/service.js';
import { createNoticeRepository } from './modules/notices/repository.js';
import { noticeRoutes } from './modules/notices/routes.js';
import { createNoticeService } from './modules/notices/service.js';
import { createPolicyRepository } from './modules/policies/repository.js';
import { policyRoutes } from './modules/policies/routes.js';
import { createPolicyService } from './modules/policies/service.js';
import { createRedFlagRepository } from './modules/red-flags/repository.js';
import { redFlagRoutes } from './modules/red-flags/routes.js';
import { createRedFlagService } from './modules/red-flags/service.js';
import { DEFAULT_RED_FLAG_CONFIG, type RedFlagConfig } from '#domain/red-flags.js';
import { createRectificationRepository } from './modules/rectifications/repository.js';
import { rectificationRoutes } from './modules/rectifications/routes.js';
import { createRectificationService } from './modules/rectifications/service.js';
import { complaintModule } from './modules/complaints/module.js';
import type { ComplaintLimits } from '#domain/complaint-schemas.js';
import { createPublicRouter } from './public/router.js';
import { posterRoutes } from './modules/posters/routes.js';

export interface AppDeps {
  orm: Orm;
  audit: AuditLog;
  temporal: Client;
  namespace: string;
  taskQueue: string;
  log: Logger;
  session: { idleMinutes: number; absoluteHours: number };
  /** Sessions kept in memory between requests (session-cache.ts); none: each request looks its own up. */
  sessionCache?: SessionCache<SessionUser>;
  /** How long a request waits for a step's answer (STEP_TIMEOUT_SECONDS). */
  stepTimeoutMs?: number;
  cookieSecure: 'auto' | 'on' | 'off';
  login?: Partial<LoginPolicy>;
  /** Directory of the built console; served with history fallback when present. */
  webDist?: string;
  version?: string;
  /** Where archive files are stored by default (DATA_DIR); `archiveStorage` overrides. */
  dataDir?: string;
  archiveStorage?: ArchiveStorage;
  archiveMaxBytes?: number;
  /**
   * Which peers' X-Forwarded-* headers to believe (TRUST_PROXY): none by default, so a client's own
   * X-Forwarded-For can neither pick its rate-limit address nor forge the audited one.
   */
  trustProxy?: string;
  /** The public portal and the notice-board posters (PUBLIC_BASE_URL, COMPLAINT_PHONE, PUBLIC_RATE_LIMIT_PER_MINUTE). */
  portal?: { baseUrl: string; complaintPhone: string; ratePerMinute: number };
  /** The red flag rules' settings (TENDER_THRESHOLD_FEN, RED_FLAG_*); the defaults when absent. */
  redFlags?: RedFlagConfig;
  /**
   * Complaints: the public routes' limits (DEFAULT_COMPLAINT_LIMITS when absent) and the key of
   * receipts and form tokens (derived from the audit key by main.ts; a fresh one when absent).
   */
  complaints?: { limits?: Partial<ComplaintLimits>; secret?: Buffer };
  /** What the notification admin pages show: the renderer of previews and the channels' state. */
  notifications?: {
    render?: Render;
    channels?: () => {
      name: 'inbox' | 'email' | 'sms' | 'dingtalk' | 'wecom' | 'outbox';
      live: boolean;
      detail: string;
    }[];
  };
}

/** TRUST_PROXY as Express's `trust proxy` takes it: `off`, a hop count, or addresses/subnets. */
export function trustProxySetting(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'off') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export function createApp(deps: AppDeps): { app: express.Express; routes: RouteDef[] } {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(deps.trustProxy));

  const projectRepo = createProjectRepository(deps.orm);
  const projects = createProjectService({
    repo: projectRepo,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    orm: deps.orm,
    stepTimeoutMs: deps.stepTimeoutMs,
  });
  const auth = createAuthService({
    orm: deps.orm,
    audit: deps.audit,
    session: deps.session,
    login: { maxFailures: 5, lockMinutes: 15, ipLimitPerMinute: 30, ...deps.login },
  });
  const orgs = createOrgService({ orm: deps.orm, audit: deps.audit });
  const files = {
    maxBytes: deps.archiveMaxBytes ?? 20 * 1024 * 1024,
    storage:
      deps.archiveStorage ??
      createFsArchiveStorage(path.join(path.resolve(deps.dataDir ?? 'data'), 'archives')),
  };
  const complaints = complaintModule(deps, files, attachmentService(deps, files));
  const routes: RouteDef[] = [
    ...healthRoutes({
      orm: deps.orm,
      temporal: deps.temporal,
      namespace: deps.namespace,
      taskQueue: deps.taskQueue,
    }),
    ...authRoutes({
      auth,
      secureCookies: (req) => deps.cookieSecure === 'on' || (deps.cookieSecure === 'auto' && req.secure),
    }),
    ...adminRoutes(createAccountAdminService({ orm: deps.orm, audit: deps.audit }), orgs),
    ...orgRoutes(orgs),
    ...projectRoutes(projects),
    ...ledgerModule(deps, projectRepo, projects, files),
    ...bulletinModule(deps, files),
    ...talksModule(deps, files),
    ...circularRoutes(
      createCircularService({ orm: deps.orm, repo: createCircularRepository(deps.orm), audit: deps.audit }),
    ),
    ...statsRoutes(createStatsService({ repo: createStatsRepository(deps.orm) })),
    ...statisticsRoutes(createStatisticsService({ repo: createStatisticsRepository(deps.orm) })),
    ...rankingRoutes(
      createRankingService({
        orm: deps.orm,
        audit: deps.audit,
        temporal: deps.temporal,
        taskQueue: deps.taskQueue,
      }),
    ),
    ...rectificationRoutes(
      createRectificationService({
        repo: createRectificationRepository(deps.orm),
        temporal: deps.temporal,
        taskQueue: deps.taskQueue,
        orm: deps.orm,
        attachments: attachmentService(deps, files),
        stepTimeoutMs: deps.stepTimeoutMs,
      }),
    ),
    ...complaints.routes,
    ...inboxRoutes(createInboxService({ repo: createInboxRepository(deps.orm), audit: deps.audit })),
    ...redFlagRoutes(
      createRedFlagService({
        orm: deps.orm,
        repo: createRedFlagRepository(deps.orm),
        audit: deps.audit,
        config: deps.redFlags ?? DEFAULT_RED_FLAG_CONFIG,
      }),
    ),
    ...notificationRoutes(
      createNotificationService({
        repo: createNotificationRepository(deps.orm, deps.audit),
        render: deps.notifications?.render ?? unconfiguredRender,
        channels:
          deps.notifications?.channels ??
          (() => [
            { name: 'inbox', live: true, detail: 'in-app' },
            { name: 'outbox', live: false, detail: 'off' },
          ]),
      }),
    ),
  ];
  const portal = deps.portal ?? {
    baseUrl: 'http://127.0.0.1:3000',
    complaintPhone: '12317',
    ratePerMinute: 120,
  };
  routes.push(...posterRoutes({ projects: projectRepo, orm: deps.orm, ...portal }));
  const publicSite = createPublicRouter({
    orm: deps.orm,
    storage: files.storage,
    ...portal,
    parts: [complaints.publicRouter],
  });
  routes.push(...publicSite.routes);
  const openapi = buildOpenApi(
    [
      ...routes,
      ...complaints.publicRoutes,
      defineRoute({
        method: 'get',
        path: '/api/openapi.json',
        summary: 'this document',
        tags: ['meta'],
        access: 'public',
        handler: async () => undefined,
      }),
    ],
    deps.version ?? '0.1.0',
  );
  routes.push(
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'OpenAPI 3.1 document of this API, generated from the zod schemas',
      tags: ['meta'],
      access: 'public',
      handler: async () => openapi,
    }),
  );

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"], // the component library sets inline styles
          scriptSrc: ["'self'"],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      hsts: deps.cookieSecure === 'on',
    }),
  );
  // Answers of the api carry what an account may see: no cache (browser or shared) keeps them,
  // refusals included (they are set before any parser or guard can answer).
  app.use('/api', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // The public side: no session, no cookies read; before the console's middleware. Complaints
  // read their own bodies and guard their own writes.
  app.use(publicSite.router);
  app.use(express.json({ limit: '1mb' }));
  app.use(cookieParser());
  app.use(csrfGuard);
  app.use(sessionMiddleware(deps.orm, deps.session, deps.sessionCache));

  const router = express.Router();
  mountRoutes(
    router,
    routes.filter((r) => !publicSite.routes.includes(r)),
    { orm: deps.orm },
  );
  app.use(router);

  app.use(['/api', '/public'], (req: Request) => {
    throw new AppError('NOT_FOUND', `没有这个接口 (no route “${req.method} ${req.originalUrl}”)`);
  });

  if (deps.webDist && fs.existsSync(path.join(deps.webDist, 'index.html'))) {
    serveConsole(app, deps.webDist);
  } else {
    app.get('/', (_req: Request, res: Response) => {
      res
        .type('text/plain; charset=utf-8')
        .send('控制台尚未构建 (console not built): run `npm run build:web`');
    });
  }

  app.use(errorHandler(deps.log));
  return { app, routes };
}

/** The ledgers, the detail table, archives and imports. */
function ledgerModule(
  deps: AppDeps,
  projectRepo: ReturnType<typeof createProjectRepository>,
  projects: ReturnType<typeof createProjectService>,
  files: StoredFiles,
): RouteDef[] {
  const ledgerRepo = createLedgerRepository(deps.orm);
  const ledgers = createLedgerService({ repo: ledgerRepo, projects: projectRepo });
  const writes = createLedgerWrites({
    orm: deps.orm,
    repo: ledgerRepo,
    projects: projectRepo,
    audit: deps.audit,
    ledgers,
  });
  const { maxBytes, storage } = files;
  const archives = createArchiveService({
    orm: deps.orm,
    repo: createArchiveRepository(deps.orm),
    audit: deps.audit,
    ledgers,
    storage,
    maxBytes,
    log: deps.log,
  });
  return [
    ...ledgerRoutes(ledgers, writes),
    ...detailTableRoutes(createDetailTableService({ projects, ledgers })),
    ...archiveRoutes(archives, maxBytes),
    ...importRoutes(
      createImportService({
        orm: deps.orm,
        repo: createImportRepository(deps.orm),
        projects: projectRepo,
        log: deps.log,
        audit: deps.audit,
      }),
      { projects, ledgers },
    ),
  ];
}

/** Where uploaded files go (archive documents and bulletin attachments alike), and how large one may be. */
interface StoredFiles {
  storage: ArchiveStorage;
  maxBytes: number;
}

/** Uploaded files (bulletin attachments), shared by the modules that claim them. */
function attachmentService(deps: AppDeps, files: StoredFiles) {
  return createAttachmentService({
    orm: deps.orm,
    repo: createAttachmentRepository(deps.orm),
    audit: deps.audit,
    log: deps.log,
    ...files,
  });
}

/** 通知公告, 政策法规 and 网络寻呼, and the attachments they share. */
function bulletinModule(deps: AppDeps, files: StoredFiles): RouteDef[] {
  const attachments = attachmentService(deps, files);
  const common = { orm: deps.orm, audit: deps.audit, attachments };
  return [
    ...attachmentRoutes(attachments, files.maxBytes),
    ...noticeRoutes(createNoticeService({ ...common, repo: createNoticeRepository(deps.orm) })),
    ...policyRoutes(createPolicyService({ ...common, repo: createPolicyRepository(deps.orm) })),
    ...messageRoutes(createMessageService({ ...common, repo: createMessageRepository(deps.orm) })),
  ];
}

/** 约谈 records and flags, the negative list and a unit's annual assessment. */
function talksModule(deps: AppDeps, files: StoredFiles): RouteDef[] {
  const attachments = attachmentService(deps, files);
  const common = { orm: deps.orm, audit: deps.audit, attachments };
  return [
    ...interviewRoutes(createInterviewService({ ...common, repo: createInterviewRepository(deps.orm) })),
    ...negativeListRoutes(
      createNegativeListService({ ...common, repo: createNegativeListRepository(deps.orm) }),
    ),
    ...assessmentRoutes(createAssessmentService(deps.orm)),
  ];
}

/**
 * Cookie sessions need CSRF protection. Every state-changing request must be JSON (a cross-site
 * HTML form cannot send application/json without a CORS preflight, which we never grant), and an
 * Origin header, when present, must be our own.
 */
function csrfGuard(req: Request, _res: Response, next: NextFunction) {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const origin = req.get('origin');
  // The whole origin — scheme, host and port — must be ours: comparing the host alone let a page
  // of another scheme or port on the same host post here.
  const ours = originOf(`${req.protocol}://${req.get('host') ?? ''}`);
  if (origin && (ours === null || originOf(origin) !== ours))
    throw new AppError('FORBIDDEN', '跨站请求被拒绝 (cross-site request refused)');
  const length = Number(req.get('content-length') ?? 0);
  // File uploads (archives, ledger imports) carry raw bytes with an X-File-Name header: a custom
  // header cannot be sent cross-site without a CORS preflight, which we never grant.
  const upload = req.get('x-file-name') !== undefined;
  if ((length > 0 || req.get('transfer-encoding')) && !upload && !req.is('application/json')) {
    throw new AppError('BAD_REQUEST', '请求体须为 application/json (request body must be JSON)');
  }
  next();
}

/** The normalized origin of a URL (default ports dropped), or null when it is not one. */
function originOf(url: string): string | null {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}
