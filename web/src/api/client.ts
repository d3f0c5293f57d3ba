/**
 * The one typed API client. Request and response types come from the shared contract in
 * domain/schemas.ts; components never call fetch themselves.
 */
import type {
  MeDto,
  ProjectDetailDto,
  ProjectListDto,
  ProjectListQuery,
  TransitionInput,
} from '@domain/schemas';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { path: string; message: string }[],
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
    const err = (
      data as {
        error?: { code?: string; message?: string; details?: { path: string; message: string }[] };
      } | null
    )?.error;
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? res.statusText,
      err?.details,
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
  listProjects: (q: Partial<ProjectListQuery>) => request<ProjectListDto>('GET', `/api/projects${qs(q)}`),
  getProject: (id: string) => request<ProjectDetailDto>('GET', `/api/projects/${encodeURIComponent(id)}`),
  transition: (id: string, input: TransitionInput) =>
    request<ProjectDetailDto>('POST', `/api/projects/${encodeURIComponent(id)}/transitions`, input),
};
