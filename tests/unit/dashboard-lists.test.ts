/**
 * The dashboard's two lists read only the index ranges the rollups say hold projects of the scope,
 * each for no more than it holds: a range asked for more than it holds reads to its end (a village's
 * in a township's stage: 35,000 projects and 560 ms at a million).
 */
import { describe, expect, it } from 'vitest';
import { missingProgressList, waitingList } from '#api/modules/stats/lists.js';
import type { Principal } from '#domain/access.js';

const township: Principal = {
  orgUnitId: '7c4f9f0e-1d2b-4c3a-9e8f-0a1b2c3d4e5f',
  orgKind: 'township',
  roles: ['operator'],
};
const scope = {
  sql: 'p.readers @> ARRAY[app_reader_token(?, ?::uuid)]',
  params: ['village', township.orgUnitId],
};
/** The unit column of each range read, in order. */
const ranges = (sql: string) => [...sql.matchAll(/p\.(\w+) = \? AND p\.stage = \?/g)].map((m) => m[1]);

describe('the dashboard’s lists', () => {
  it('read only the waiting ranges that hold projects, each for at most what it holds', () => {
    const st = waitingList(
      township,
      () => scope,
      [
        { stage: 'approved', column: 'department_id', count: 0 },
        { stage: 'designApproved', column: 'owner_unit_id', count: 3 },
        { stage: 'methodFixed', column: 'owner_unit_id', count: 0 },
        { stage: 'underway', column: 'owner_unit_id', count: 500 },
      ],
      20,
    )!;
    expect(ranges(st.sql)).toEqual(['owner_unit_id', 'owner_unit_id']);
    // Per range: the unit, the stage, the scope's two values, the range's limit; then the merge's.
    expect(st.params).toEqual([
      township.orgUnitId,
      'designApproved',
      ...scope.params,
      3,
      township.orgUnitId,
      'underway',
      ...scope.params,
      20,
      20,
    ]);
  });

  it('read the missing-progress ranges the same way, and nothing at all where none holds any', () => {
    const st = missingProgressList(
      scope,
      [
        { stage: 'underway', count: 7 },
        { stage: 'rectifying', count: 0 },
      ],
      '2026-12',
      20,
    )!;
    expect(st.params).toEqual(['underway', ...scope.params, '2026-12', '2026-12', 7, 20]);
    expect(missingProgressList(scope, [{ stage: 'underway', count: 0 }], '2026-12', 20)).toBeNull();
    expect(
      waitingList(township, () => scope, [{ stage: 'underway', column: 'owner_unit_id', count: 0 }], 20),
    ).toBeNull();
  });
});
