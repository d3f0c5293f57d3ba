import type { AuditLog } from '../db/audit.js';
import type { Orm } from '../db/orm.js';
import { createProjectActivities } from './project.activities.js';

/** Every activity the worker registers, built from explicit dependencies. */
export function createActivities(deps: { orm: Orm; audit: AuditLog }) {
  return { ...createProjectActivities(deps) };
}
