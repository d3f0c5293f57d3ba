/**
 * The acceptance gate (DOMAIN.md §4 step 7, 建档资料不完善不予竣工验收): `inspect` is refused while a
 * ledger is incomplete or a required archive document is missing, and the refusal lists each gap.
 *
 * Minimal version, built on what the foundation records: the project row, its fund sources, and
 * the documents each stage step carried in its history payload. The ledgers issue replaces the
 * internals with the real three ledgers and archive checklist; the signature stays.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

export interface GateGap {
  ledger: string;
  item: string;
  label: string;
}

export async function acceptanceGate(
  em: EntityManager,
  projectId: string,
): Promise<{ ok: boolean; missing: GateGap[] }> {
  const [project] = await em.execute<{ approval_document_no: string; sources: number }[]>(
    `SELECT p.approval_document_no,
            (SELECT count(*)::int FROM project_fund_source s WHERE s.project_id = p.id) AS sources
       FROM project p WHERE p.id = ?`,
    [projectId],
    'all',
  );
  if (!project)
    return { ok: false, missing: [{ ledger: 'department', item: 'project', label: '项目不存在' }] };
  const steps = await em.execute<{ action: string; payload: Record<string, unknown> }[]>(
    `SELECT action, payload FROM project_history
      WHERE project_id = ? AND action IN ('approveDesign', 'fixImplementation', 'start', 'reportProgress', 'complete')
      ORDER BY seq`,
    [projectId],
    'all',
  );
  const last = (action: string) => steps.filter((s) => s.action === action).at(-1)?.payload;
  const hasDocs = (p?: Record<string, unknown>) => Array.isArray(p?.documents) && p.documents.length > 0;
  const filled = (v: unknown) => typeof v === 'string' && v.trim().length > 0;

  const missing: GateGap[] = [];
  const need = (ok: boolean, gap: GateGap) => {
    if (!ok) missing.push(gap);
  };
  // 主管部门项目台账
  need(filled(project.approval_document_no), {
    ledger: 'department',
    item: 'approvalDocument',
    label: '立项批复文号',
  });
  need(project.sources > 0, { ledger: 'department', item: 'fundSources', label: '资金来源' });
  need(filled(last('approveDesign')?.documentNo), {
    ledger: 'department',
    item: 'designApproval',
    label: '设计及预算批复文号',
  });
  // 实施单位项目台账
  const method = last('fixImplementation');
  need(!!method && (filled(method.recordNo) || hasDocs(method)), {
    ledger: 'implementingUnit',
    item: 'implementationRecord',
    label: '实施方式及集体决策记录',
  });
  need(!!last('reportProgress'), {
    ledger: 'implementingUnit',
    item: 'monthlyProgress',
    label: '月度进度（至少一期）',
  });
  // 建档资料
  need(hasDocs(last('start')), { ledger: 'archive', item: 'startReport', label: '开工报告' });
  need(hasDocs(last('complete')), { ledger: 'archive', item: 'completionReport', label: '竣工报告' });
  return { ok: missing.length === 0, missing };
}
