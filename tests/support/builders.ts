/** Fixture builders: a valid request body by default, overridden per test. */
import type { CreateProjectInput } from '#domain/schemas.js';

let n = 0;
/**
 * Test files run two at a time, each counting from 1, and all start their project workflows on one
 * Temporal server where the workflow id is the code: the process id keeps two files' codes apart
 * even when made in the same millisecond.
 */
const PROCESS = process.pid.toString(36).toUpperCase();
export function aProject(overrides: Partial<CreateProjectInput> = {}): CreateProjectInput {
  n += 1;
  return {
    code: `T${Date.now().toString(36).toUpperCase()}${PROCESS}-${n}`,
    name: `测试项目 ${n}：白台村人饮工程`,
    year: 2026,
    type: '饮水安全',
    nature: 'new',
    departmentCode: 'swj',
    ownerUnitCode: 'xqz',
    villageCodes: ['xqz-btc'],
    approvalDocumentNo: '城扶发〔2026〕1号',
    budgetFen: 30_000_000,
    fundSources: [
      { kind: 'centralSpecial', amountFen: 20_000_010 },
      { kind: 'countySpecial', amountFen: 9_999_990 },
    ],
    plannedDates: {
      start: '2026-04-01',
      completion: '2026-08-31',
      acceptance: '2026-09-30',
      reimbursement: '2026-11-30',
    },
    ...overrides,
  };
}
