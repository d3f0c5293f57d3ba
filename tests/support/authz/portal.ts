/**
 * The public portal's probes (anonymous: any answer but 401/403) and the staff's posters. Public
 * routes take a project code; the matrix's pair is named by id, so a probe may find no project
 * (404) — what it checks is that no session is asked for.
 */
import type { Probe } from './probes.js';
import type { MatrixContext, Obj } from './stack.js';

const FOUND_OR_NOT = [200, 404];

export const PORTAL_PROBES: Record<string, Probe> = {
  'get /public': { perObject: false, request: () => ({ path: '/public' }) },
  'get /public/townships/:code': { perObject: false, request: () => ({ path: '/public/townships/xqz' }) },
  'get /public/villages/:code': { perObject: false, request: () => ({ path: '/public/villages/xqz-btc' }) },
  'get /public/projects/:code': {
    perObject: false,
    request: () => ({ path: '/public/projects/CK2026-001' }),
    allowed: FOUND_OR_NOT,
  },
  'get /public/api/projects': {
    perObject: false,
    request: () => ({ path: '/public/api/projects?year=2026' }),
  },
  'get /public/api/projects/:code': {
    perObject: false,
    request: () => ({ path: '/public/api/projects/CK2026-001' }),
    allowed: FOUND_OR_NOT,
  },
  'get /public/photos/:id': {
    perObject: false,
    request: () => ({ path: '/public/photos/00000000-0000-4000-8000-000000000000' }),
    allowed: [404],
  },
  'get /public/changes': { perObject: false, request: () => ({ path: '/public/changes?limit=5' }) },
  'get /public/oc4ids/projects/:code': {
    perObject: false,
    request: () => ({ path: '/public/oc4ids/projects/CK2026-001' }),
    allowed: FOUND_OR_NOT,
  },
  'get /public/oc4ids/packages/:year': {
    perObject: false,
    request: () => ({ path: '/public/oc4ids/packages/2026' }),
    allowed: FOUND_OR_NOT,
  },
  'get /public/data/projects.csv': {
    perObject: false,
    request: () => ({ path: '/public/data/projects.csv' }),
  },
  'get /public/data/transactions.csv': {
    perObject: false,
    request: () => ({ path: '/public/data/transactions.csv' }),
  },
  // Staff: one project's poster (project.read: 200 in scope, 404 outside).
  'get /api/projects/:id/poster.pdf': {
    perObject: true,
    request: (c: MatrixContext, o: Obj) => ({ path: `/api/projects/${c.projects[o].id}/poster.pdf` }),
  },
  // A township's posters: only the projects in the caller's scope; none there answers 404.
  'get /api/posters': {
    perObject: false,
    request: () => ({ path: '/api/posters?township=xqz' }),
    allowed: FOUND_OR_NOT,
  },
};
