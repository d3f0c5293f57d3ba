/**
 * The list's items share one hidden class. V8 (Node 20) gives an object spread followed by more
 * properties (`{ ...dto, overdue }`) a hidden class of its own from about the ninth call of a site
 * on; hidden classes live in the old space, so each page of the list left garbage there that only
 * a full collection reclaims (docs/performance.md, the api's own cost).
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { listItemOf } from '#api/modules/projects/rows.js';

// V8's own test of two objects' hidden classes, compiled after the flag that allows it.
v8.setFlagsFromString('--allow-natives-syntax');
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

type Row = Parameters<typeof listItemOf>[0];
const row = (n: number): Row => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  code: `BR-${n}`,
  name: `基准项目${n}`,
  year: 2026,
  type: 'infrastructure',
  nature: 'new',
  stage: 'underway',
  location: null,
  approval_document_no: `X〔2026〕${n}号`,
  budget_fen: String(100_000 + n),
  progress_percent: 40,
  planned_start: '2026-03-01',
  planned_completion: '2026-09-30',
  planned_acceptance: '2026-10-31',
  planned_reimbursement: '2026-11-30',
  created_at: '2026-01-05T02:00:00.000Z',
  updated_at: '2026-06-05T02:00:00.000Z',
  department_id: '10000000-0000-4000-8000-000000000001',
  department_code: 'jtj',
  department_name: '交通局',
  owner_unit_id: '10000000-0000-4000-8000-000000000002',
  owner_code: 'mbz',
  owner_name: '庙坝镇',
  villages: [{ id: '10000000-0000-4000-8000-000000000003', code: 'ljc', name: '罗江村', parent_id: null }],
  sources: [{ kind: 'centralSpecial', amount_fen: String(100_000 + n), document_no: null }],
  overdue: null,
});

describe("the project list's items", () => {
  it('share one hidden class however many pages are built', () => {
    const items = Array.from({ length: 200 }, (_, n) => listItemOf(row(n)));
    const apart = items.filter((item) => !sameHiddenClass(item, items[0]!)).length;
    expect(apart).toBe(0);
    expect(items[199]).toMatchObject({ code: 'BR-199', budgetFen: 100_199, overdue: null });
  });
});
