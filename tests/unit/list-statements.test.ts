/**
 * Which of the project list's statements are prepared (planned once per connection): those whose
 * one plan serves every value (the page dressing the chosen projects always), never a choice or a
 * count with a filter, whose best plan depends on the value (a rare stage wants an index on stage,
 * a common one the order's index) — but for a call of a function that plans its own text each time. A generic plan chosen for a
 * common value and then reused for a rare one would read the whole county for a page.
 */
import { describe, expect, it } from 'vitest';
import { encodeCursor, listOrder } from '#api/modules/projects/keyset.js';
import { listStatements } from '#api/modules/projects/list-statements.js';
import type { Principal } from '#domain/access.js';
import { projectListQuerySchema } from '#domain/schemas.js';

const village: Principal = {
  orgUnitId: '7c4f9f0e-1d2b-4c3a-9e8f-0a1b2c3d4e5f',
  orgKind: 'village',
  roles: ['operator'],
};
const leader: Principal = {
  orgUnitId: '1c4f9f0e-1d2b-4c3a-9e8f-0a1b2c3d4e5f',
  orgKind: 'county',
  roles: ['leader'],
};
const statements = (who: Principal, q: Record<string, string>) =>
  listStatements(who, projectListQuerySchema.parse(q));

describe("the project list's prepared statements", () => {
  const after = encodeCursor(listOrder({}), [-2026, 'BR-1']);
  for (const [name, q] of [
    ['the first page', {}],
    ['a page by number', { page: '50' }],
    ['a page after a cursor', { after }],
  ] as const)
    it(`prepares the choice of ${name}, its count too`, () => {
      for (const who of [village, leader]) {
        const { choose, count } = statements(who, q);
        expect(choose.prepare, `${who.orgKind} choice`).toBe(true);
        expect(count.prepare, `${who.orgKind} count`).toBe(true);
      }
    });

  // Sorted, a county-wide scope's plan is the same for every caller (the sort's index); a unit's
  // depends on how many projects it holds, and connections serve one unit after another.
  it('prepares a sorted page’s choice for a county-wide scope only, its count for both', () => {
    for (const q of [
      { sort: 'budget', order: 'desc' },
      { sort: 'name', after: encodeCursor(listOrder({ sort: 'name' }), ['甲', 'BR-1']) },
    ] as Record<string, string>[]) {
      expect(statements(leader, q).choose.prepare, 'county').toBe(true);
      expect(statements(village, q).choose.prepare, 'village').toBe(false);
      for (const who of [village, leader]) expect(statements(who, q).count.prepare).toBe(true);
    }
  });

  for (const [name, q] of [
    ['a stage', { stage: 'underway' }],
    ['a department', { department: 'jtj' }],
    ['a text search', { q: '道路' }],
    ['an overdue kind and a stage', { overdue: 'completion', stage: 'underway' }],
    ['a year with a cursor', { year: '2026', after }],
  ] as const)
    it(`plans the choice filtered by ${name} every time, but not the page it dresses`, () => {
      const { choose, count, dress } = statements(village, q);
      expect(choose.prepare).toBe(false);
      expect(count.prepare).toBe(false);
      expect(dress(['7c4f9f0e-1d2b-4c3a-9e8f-0a1b2c3d4e5f']).prepare).toBe(true);
    });

  // Unfiltered in the default order, a page from a cursor is a call of app_project_page_from: the
  // reader's own range, where beneath the policies a small unit's last page read the county's rest.
  for (const q of [{ after }, { before: after }] as Record<string, string>[])
    it(`chooses the default order's page from a cursor in the reader's range (${Object.keys(q)[0]})`, () => {
      for (const who of [village, leader]) {
        const { choose } = statements(who, q);
        expect(choose.sql).toMatch(/app_project_page_from/);
        expect(choose.params).toEqual(['-2026', 'BR-1', 'before' in q, 21]);
      }
    });

  // Alone, the overdue filter's choice is a call of app_project_overdue_page, which plans its own
  // text at each call with the values: the call itself has one plan.
  for (const q of [{ overdue: 'completion' }, { overdue: 'any', after }] as Record<string, string>[])
    it(`prepares the call choosing the overdue filter's page (${JSON.stringify(q)}), not its count`, () => {
      for (const who of [village, leader]) {
        const { choose, count } = statements(who, q);
        expect(choose.sql).toMatch(/app_project_overdue_page/);
        expect(choose.prepare, `${who.orgKind} choice`).toBe(true);
        expect(count.prepare, `${who.orgKind} count`).toBe(false);
      }
    });
});
