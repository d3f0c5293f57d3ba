/**
 * The dashboard narrowed to a unit states the caller's scope and the unit's condition together only
 * where neither holds the other: both stated for one fact, the planner took them for independent
 * filters and sorted all of a village's projects under way rather than walking to the first twenty.
 */
import { describe, expect, it } from 'vitest';
import {
  narrowedScope,
  scopeCondition,
  unitCondition,
  type NarrowingUnit,
  type UnitFilter,
  type UnitNesting,
  waitingRangeScope,
} from '#api/modules/projects/conditions.js';
import type { Principal } from '#domain/access.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const as = (orgKind: Principal['orgKind'], roles: Principal['roles'] = ['operator']): Principal => ({
  orgUnitId: id(1),
  orgKind,
  roles,
});
const village: UnitFilter = { kind: 'village', id: id(2) };
const township: UnitFilter = { kind: 'township', id: id(3) };
const department: UnitFilter = { kind: 'department', id: id(4) };
const at = (unit: UnitFilter, nesting: UnitNesting): NarrowingUnit => ({ ...unit, nesting });
const joined = (who: Principal, unit: UnitFilter) => {
  const a = scopeCondition(who);
  const b = unitCondition(unit);
  return { sql: `${a.sql} AND ${b.sql}`, params: [...a.params, ...b.params] };
};

describe('the caller’s scope narrowed to a unit', () => {
  it.each<[string, Principal, UnitFilter, UnitNesting]>([
    ['a village’s account to its own village', as('village'), { ...village, id: id(1) }, 'own'],
    ['a village’s account to its township', as('village'), township, 'around'],
    ['a township’s account to itself', as('township'), { ...township, id: id(1) }, 'own'],
  ])('is the scope alone for %s', (_, who, unit, nesting) => {
    expect(narrowedScope(who, at(unit, nesting))).toEqual(scopeCondition(who));
  });

  it('is the village alone for a township’s account narrowed to one of its villages', () => {
    expect(narrowedScope(as('township'), at(village, 'inside'))).toEqual(unitCondition(village));
  });

  it('is the unit alone for a county-wide account', () => {
    expect(narrowedScope(as('county', ['leader']), at(village, null))).toEqual(unitCondition(village));
    expect(narrowedScope(as('department', ['leader']), at(department, 'own'))).toEqual(
      unitCondition(department),
    );
  });

  it.each<[string, Principal, UnitFilter, UnitNesting]>([
    // A department's scope is what it governs or owns; narrowed to itself, what it governs.
    ['a department’s account to itself', as('department'), { ...department, id: id(1) }, 'own'],
    ['a department’s account to a village', as('department'), village, null],
    ['a township’s account to another township', as('township'), township, null],
    ['a township’s account to a department', as('township'), department, null],
    ['a village’s account to another village', as('village'), village, null],
  ])('states both for %s', (_, who, unit, nesting) => {
    expect(narrowedScope(who, at(unit, nesting))).toEqual(joined(who, unit));
  });

  it('is the scope when nothing is chosen', () => {
    expect(narrowedScope(as('village'), null)).toEqual(scopeCondition(as('village')));
  });
});

describe('the scope of a range waiting on the caller’s own unit', () => {
  const all = { sql: 'TRUE', params: [] };
  it('is only the narrowing where the range is inside the scope: a department’s, a township’s owned', () => {
    for (const column of ['department_id', 'owner_unit_id'] as const) {
      expect(waitingRangeScope(as('department'), column, null)).toEqual(all);
      expect(waitingRangeScope(as('department'), column, at(village, null))).toEqual(unitCondition(village));
    }
    expect(waitingRangeScope(as('township'), 'owner_unit_id', null)).toEqual(all);
    expect(waitingRangeScope(as('township'), 'owner_unit_id', at({ ...township, id: id(1) }, 'own'))).toEqual(
      all,
    );
    expect(waitingRangeScope(as('township'), 'owner_unit_id', at(village, 'inside'))).toEqual(
      unitCondition(village),
    );
  });

  it('keeps the scope where the range may leave it: what a township governs, a village’s, a county’s', () => {
    expect(waitingRangeScope(as('township'), 'department_id', null)).toEqual(scopeCondition(as('township')));
    expect(waitingRangeScope(as('township'), 'department_id', at(village, 'inside'))).toEqual(
      narrowedScope(as('township'), at(village, 'inside')),
    );
    expect(waitingRangeScope(as('village'), 'owner_unit_id', null)).toEqual(scopeCondition(as('village')));
    const leader = as('county', ['leader']);
    expect(waitingRangeScope(leader, 'owner_unit_id', at(village, null))).toEqual(unitCondition(village));
  });
});
