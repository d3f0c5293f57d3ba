/**
 * The monthly ranking's probes and expectations. Whether a month's report exists when a probe
 * reads it depends on the order of the accounts' probes (the office's run creates it), so a
 * permitted read is 200 or 404; a refused one is always 403.
 */
import { isCountyWide, type Principal } from '#domain/access.js';
import { isSupervisionOffice } from '#domain/rectification-schemas.js';
import type { Probe } from './probes.js';
import type { MatrixContext, Obj } from './stack.js';

/**
 * A month that is over whenever the matrix runs, and that no other test file runs: a month's
 * workflow id is `ranking-YYYY-MM` on the Temporal server every file shares, so a file running the
 * same month after the matrix would find it done (created: false) with no report in its database.
 */
const MONTH = '2025-04';
/** The unit of a probe: the department of project A or of project B. */
const unitOf = (c: MatrixContext, o: Obj) => c.projects[o].scope.departmentId;

export const RANKING_PROBES: Record<string, Probe> = {
  'get /api/ranking/months': { perObject: false, request: () => ({ path: '/api/ranking/months' }) },
  'get /api/ranking/months/:month': {
    perObject: false,
    request: () => ({ path: `/api/ranking/months/${MONTH}` }),
  },
  'get /api/ranking/months/:month/export': {
    perObject: false,
    request: () => ({ path: `/api/ranking/months/${MONTH}/export?format=xlsx` }),
  },
  'get /api/ranking/months/:month/units/:unitId': {
    perObject: true,
    request: (c, o) => ({ path: `/api/ranking/months/${MONTH}/units/${unitOf(c, o)}` }),
  },
  'get /api/ranking/preview': {
    perObject: false,
    request: () => ({ path: `/api/ranking/preview?asOf=${MONTH}-15` }),
  },
  'get /api/ranking/preview/units/:unitId': {
    perObject: true,
    request: (c, o) => ({ path: `/api/ranking/preview/units/${unitOf(c, o)}?asOf=${MONTH}-15` }),
  },
  'get /api/ranking/units/:unitId': {
    perObject: true,
    request: (c, o) => ({ path: `/api/ranking/units/${unitOf(c, o)}` }),
  },
  'post /api/ranking/runs': {
    perObject: false,
    request: () => ({ path: '/api/ranking/runs', body: { month: MONTH } }),
  },
};

export function rankingExpectation(
  access: string,
  p: Principal,
  ctx: MatrixContext,
  o: Obj,
): number[] | undefined {
  switch (access) {
    case 'ranking.read':
      return isCountyWide(p) ? [200, 404] : [403];
    case 'ranking.unit':
      // A unit's history is an empty list, never a 404.
      return isCountyWide(p) || p.orgUnitId === unitOf(ctx, o) ? [200, 404] : [403];
    case 'ranking.run':
      return isSupervisionOffice(p) ? [200] : [403];
    default:
      return undefined;
  }
}
