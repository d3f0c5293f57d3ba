/**
 * Projects for ledger imports (the import benchmark and its test): written by the same activity
 * the workflow calls, so no workflow is needed. 县水务局 governs them, 修齐镇 owns them, 白台村 is
 * the site; each has a 200,000 元 budget from two sources, so disbursements have room.
 */
import { randomUUID } from 'node:crypto';
import type { createProjectActivities } from '#activities/project.activities.js';
import { SYSTEM_ACTOR } from '#domain/project-records.js';

export async function recordImportProjects(
  acts: ReturnType<typeof createProjectActivities>,
  orgId: (code: string) => string,
  opts: { count: number; codePrefix: string; namePrefix: string },
): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const id = randomUUID();
    const code = `${opts.codePrefix}-${id.slice(0, 8)}`;
    codes.push(code);
    await acts.recordProjectCreated({
      project: {
        id,
        code,
        workflowId: `project-${code}`,
        name: `${opts.namePrefix} ${i + 1}`,
        year: 2026,
        type: '水利',
        nature: 'new',
        departmentId: orgId('swj'),
        departmentCode: 'swj',
        ownerUnitId: orgId('xqz'),
        ownerUnitCode: 'xqz',
        villageIds: [orgId('xqz-btc')],
        villageCodes: ['xqz-btc'],
        location: null,
        approvalDocumentNo: `城扶发〔2026〕${i + 1}号`,
        budgetFen: 20_000_000,
        fundSources: [
          { kind: 'centralSpecial', amountFen: 10_000_000, documentNo: null },
          { kind: 'countySpecial', amountFen: 10_000_000, documentNo: null },
        ],
        plannedDates: {
          start: '2026-04-01',
          completion: '2026-08-31',
          acceptance: '2026-09-30',
          reimbursement: '2026-11-30',
        },
      },
      actor: SYSTEM_ACTOR,
      at: new Date().toISOString(),
    });
  }
  return codes;
}
