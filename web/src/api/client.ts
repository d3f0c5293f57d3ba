/**
 * The one typed API client. Request and response types come from the shared contract in
 * domain/schemas.ts (type-only imports: the contract's zod code stays out of the bundle);
 * components never call fetch themselves.
 */
import type { z } from 'zod';
import type {
  MeDto,
  orgListSchema,
  ProjectDetailDto,
  ProjectListDto,
  ProjectListQuery,
  TransitionInput,
} from '@domain/schemas';

export type OrgListDto = z.infer<typeof orgListSchema>;
export type OrgUnitDto = OrgListDto['items'][number];

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? res.statusText,
      Array.isArray(err?.details) ? (err.details as ErrorDetail[]) : undefined,
    );
  }
  return data as T;
}

function qs(params: Record<string, unknown>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const str = s.toString();
  return str ? `?${str}` : '';
}

export const api = {
  login: (username: string, password: string) =>
    request<MeDto>('POST', '/api/auth/login', { username, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<MeDto>('GET', '/api/auth/me'),
  orgs: () => request<OrgListDto>('GET', '/api/orgs'),
  listProjects: (q: Partial<ProjectListQuery>) => request<ProjectListDto>('GET', `/api/projects${qs(q)}`),
  getProject: (id: string) => request<ProjectDetailDto>('GET', `/api/projects/${encodeURIComponent(id)}`),
  transition: (id: string, input: TransitionInput) =>
    request<ProjectDetailDto>('POST', `/api/projects/${encodeURIComponent(id)}/transitions`, input),
};
