/**
 * Ledger reads: a project's three ledgers with completeness and reconciliation, and fund documents.
 * Ledger entries are written by write-service.ts.
 */
import { canWriteLedger, isCountyWide, type Principal } from '#domain/access.js';
import { AppError } from '#domain/errors.js';
import { ledgerCompleteness } from '#domain/ledgers/completeness.js';
import { reconcileLedgers } from '#domain/ledgers/reconciliation.js';
import { type FundDocumentDto, type LedgersDto } from '#domain/ledgers/outputs.js';
import { type LedgerKind } from '#domain/ledgers/kinds.js';
import { projectNotFound } from '../../http.js';
import type { ProjectRepository } from '../projects/repository.js';
import type { LedgerRepository } from './repository.js';

export type FoundProject = NonNullable<Awaited<ReturnType<ProjectRepository['find']>>>;

export function createLedgerService(deps: { repo: LedgerRepository; projects: ProjectRepository }) {
  const { repo, projects } = deps;

  async function find(who: Principal, idOrCode: string): Promise<FoundProject> {
    const p = await projects.find(who, idOrCode);
    if (!p) throw projectNotFound(idOrCode);
    return p;
  }

  async function view(who: Principal, p: FoundProject): Promise<LedgersDto> {
    const { data, workflowSettledFen } = await repo.load(who, p);
    return {
      ...data,
      completeness: ledgerCompleteness(data),
      reconciliation: reconcileLedgers(data, workflowSettledFen),
    };
  }

  return {
    projects,
    find,
    view,

    /** Both layers: the domain rule, then PostgreSQL's own verdict (RLS guards the rows as well). */
    async mayWrite(who: Principal, p: FoundProject, ledger: LedgerKind): Promise<boolean> {
      if (!canWriteLedger(who, p.scope, ledger)) return false;
      return repo.mayWrite(who, p.id, ledger);
    },

    async ledgers(who: Principal, idOrCode: string): Promise<LedgersDto> {
      return view(who, await find(who, idOrCode));
    },

    async listFundDocuments(who: Principal, onlyId?: string): Promise<FundDocumentDto[]> {
      let departmentId: string | undefined;
      if (!isCountyWide(who)) {
        if (who.orgKind !== 'department')
          throw new AppError(
            'FORBIDDEN',
            '资金文件由主管部门和县级账号查看 (departments and county accounts only)',
          );
        departmentId = who.orgUnitId;
      }
      return repo.fundDocuments(who, { departmentId, id: onlyId });
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
