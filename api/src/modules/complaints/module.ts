/** Complaints, wired: the console's routes, and the public router with its JSON routes' table. */
import crypto from 'node:crypto';
import { DEFAULT_COMPLAINT_LIMITS } from '#domain/complaint-schemas.js';
import type { AppDeps } from '../../app.js';
import type { RouteDef } from '../../http.js';
import type { ArchiveStorage } from '../archives/storage.js';
import type { AttachmentService } from '../attachments/service.js';
import { complaintPublicApi, complaintPublicRoutes } from './public-routes.js';
import { createComplaintRepository } from './repository.js';
import { complaintRoutes } from './routes.js';
import { createComplaintService } from './service.js';

export function complaintModule(
  deps: AppDeps,
  files: { storage: ArchiveStorage },
  attachments: AttachmentService,
) {
  const service = createComplaintService({
    repo: createComplaintRepository(deps.orm),
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    orm: deps.orm,
    storage: files.storage,
    attachments,
    limits: { ...DEFAULT_COMPLAINT_LIMITS, ...deps.complaints?.limits },
    secret: deps.complaints?.secret ?? crypto.randomBytes(32),
    ...(deps.stepTimeoutMs ? { stepTimeoutMs: deps.stepTimeoutMs } : {}),
  });
  const api = complaintPublicApi({ service, orm: deps.orm });
  return {
    service,
    routes: complaintRoutes(service) as RouteDef[],
    /** Documented in the OpenAPI document; mounted by the public router, not the console's. */
    publicRoutes: api.defs,
    publicRouter: complaintPublicRoutes({ service, orm: deps.orm }, api),
  };
}
