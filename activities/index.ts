import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { DEFAULT_DEADLINE_CONFIG, type DeadlineConfig } from '#domain/deadlines.js';
import { createDeadlineActivities } from './deadline.activities.js';
import { createNotifyActivities, type NotificationChannel } from './notify.activities.js';
import type { DeliveryConfig } from './notify/delivery-config.js';
import { createProjectActivities } from './project.activities.js';
import { createRankingActivities } from './ranking.activities.js';
import { createRectificationActivities } from './rectification.activities.js';
import { createComplaintActivities } from './complaint.activities.js';
import type { ComplaintSlaConfig } from '#domain/complaint-records.js';

/** Every activity the worker registers, built from explicit dependencies. */
export function createActivities(deps: {
  orm: Orm;
  audit: AuditLog;
  deadlines?: DeadlineConfig;
  channels?: NotificationChannel[];
  delivery?: DeliveryConfig;
  /** RECTIFICATION_SERIAL_PREFIX (城口监督整改 when not given). */
  rectificationSerialPrefix?: string;
  /** COMPLAINT_* time limits (the defaults when not given). */
  complaintSla?: ComplaintSlaConfig;
  /** Whether Temporal knows a workflow id (the worker's own connection asks it). */
  workflowKnown?: (workflowId: string) => Promise<boolean>;
}) {
  return {
    ...createProjectActivities(deps),
    ...createDeadlineActivities({
      orm: deps.orm,
      audit: deps.audit,
      config: deps.deadlines ?? DEFAULT_DEADLINE_CONFIG,
    }),
    ...createRankingActivities({ orm: deps.orm, audit: deps.audit }),
    ...createRectificationActivities({
      orm: deps.orm,
      audit: deps.audit,
      deadlines: deps.deadlines ?? DEFAULT_DEADLINE_CONFIG,
      ...(deps.rectificationSerialPrefix ? { serialPrefix: deps.rectificationSerialPrefix } : {}),
      ...(deps.workflowKnown ? { workflowKnown: deps.workflowKnown } : {}),
    }),
    ...createComplaintActivities({
      orm: deps.orm,
      audit: deps.audit,
      deadlines: deps.deadlines ?? DEFAULT_DEADLINE_CONFIG,
      ...(deps.complaintSla ? { sla: deps.complaintSla } : {}),
    }),
    ...createNotifyActivities({
      orm: deps.orm,
      audit: deps.audit,
      ...(deps.channels ? { channels: deps.channels } : {}),
      ...(deps.delivery ? { delivery: deps.delivery } : {}),
    }),
  };
}
