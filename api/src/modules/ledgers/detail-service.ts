/** The project detail table (项目明细表): the workflow's read model and the three ledgers, as one table. */
import { buildDetailTable, type DetailTable } from '#domain/detail-table.js';
import type { Principal } from '#domain/access.js';
import type { ProjectService } from '../projects/service.js';
import type { LedgerService } from './service.js';

export function createDetailTableService(deps: { projects: ProjectService; ledgers: LedgerService }) {
  return {
    async build(who: Principal, idOrCode: string, now = new Date()): Promise<DetailTable> {
      const project = await deps.projects.detail(who, idOrCode);
      const [ledgers, alerts] = await Promise.all([
        deps.ledgers.ledgers(who, project.id),
        deps.projects.alerts(who, project.id),
      ]);
      return buildDetailTable(project, ledgers, alerts.items, now);
    },
  };
}
export type DetailTableService = ReturnType<typeof createDetailTableService>;
