/**
 * The one typed API client. Request and response types come from the shared contract in
 * domain/schemas.ts (type-only imports: the contract's zod code stays out of the bundle);
 * components never call fetch themselves.
 */
import type { z } from 'zod';
import type {
  AdminUserDto,
  createOrgUnitSchema,
  DashboardStatsDto,
  ProjectExportQuery,
  createUserSchema,
  MeDto,
  orgListSchema,
  ProjectDetailDto,
  ProjectListDto,
  ProjectListQuery,
  totpSetupSchema,
  TransitionInput,
  updateUserSchema,
  userWithPasswordSchema,
} from '@domain/schemas';

export type OrgListDto = z.infer<typeof orgListSchema>;
export type OrgUnitDto = OrgListDto['items'][number];
export type TotpSetupDto = z.infer<typeof totpSetupSchema>;
export type UserWithPasswordDto = z.infer<typeof userWithPasswordSchema>;
export type CreateUserInput = z.input<typeof createUserSchema>;
export type UpdateUserInput = z.input<typeof updateUserSchema>;
export type CreateOrgUnitInput = z.input<typeof createOrgUnitSchema>;
export type { AdminUserDto };

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
    /** Details given as an object rather than a list of fields: `totpRequired`, `restriction`. */
    readonly info: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The messages the api gave for one field (`body.newPassword`), joined. */
  fieldMessage(path: string): string {
    return (this.details ?? [])
      .filter((d) => d.path === path)
      .map((d) => d.message)
      .join('; ');
  }
}

/**
 * Called when the api answers 403 with `details.restriction`: the session may only change its
 * password or set up two-factor authentication (the session store reloads `me`, the router follows).
 */
let onRestricted: ((restriction: string) => void) | null = null;
export function setRestrictionHandler(fn: (restriction: string) => void) {
  onRestricted = fn;
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
    const details = err?.details;
    const info =
      details && typeof details === 'object' && !Array.isArray(details)
        ? (details as Record<string, unknown>)
        : {};
    if (res.status === 403 && typeof info.restriction === 'string') onRestricted?.(info.restriction);
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? res.statusText,
      Array.isArray(details) ? (details as ErrorDetail[]) : undefined,
      info,
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

const userPath = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;

export const api = {
  login: (username: string, password: string, totp?: string) =>
    request<MeDto>('POST', '/api/auth/login', { username, password, ...(totp ? { totp } : {}) }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<MeDto>('GET', '/api/auth/me'),
  orgs: () => request<OrgListDto>('GET', '/api/orgs'),
  listProjects: (q: Partial<ProjectListQuery>) => request<ProjectListDto>('GET', `/api/projects${qs(q)}`),
  getProject: (id: string) => request<ProjectDetailDto>('GET', `/api/projects/${encodeURIComponent(id)}`),
  transition: (id: string, input: TransitionInput) =>
    request<ProjectDetailDto>('POST', `/api/projects/${encodeURIComponent(id)}/transitions`, input),

  // ── own account ──
  /** Every session of the account ends; the answer sets a fresh session cookie for this client. */
  changePassword: (currentPassword: string, newPassword: string) =>
    request<MeDto>('POST', '/api/auth/password', { currentPassword, newPassword }),
  totpSetup: () => request<TotpSetupDto>('POST', '/api/auth/totp/setup'),
  totpEnable: (code: string) => request<MeDto>('POST', '/api/auth/totp/enable', { code }),
  totpDisable: (code: string) => request<MeDto>('POST', '/api/auth/totp/disable', { code }),

  // ── administration (administrators only) ──
  adminUsers: (q?: string) => request<{ items: AdminUserDto[] }>('GET', `/api/admin/users${qs({ q })}`),
  createUser: (input: CreateUserInput) => request<UserWithPasswordDto>('POST', '/api/admin/users', input),
  updateUser: (id: string, input: UpdateUserInput) => request<AdminUserDto>('PATCH', userPath(id), input),
  resetPassword: (id: string) => request<UserWithPasswordDto>('POST', `${userPath(id)}/reset-password`),
  disableUser: (id: string) => request<AdminUserDto>('POST', `${userPath(id)}/disable`),
  enableUser: (id: string) => request<AdminUserDto>('POST', `${userPath(id)}/enable`),
  createOrgUnit: (input: CreateOrgUnitInput) => request<OrgUnitDto>('POST', '/api/admin/org-units', input),
  renameOrgUnit: (code: string, name: string) =>
    request<OrgUnitDto>('PATCH', `/api/admin/org-units/${encodeURIComponent(code)}`, { name }),

  // ── dashboard figures and the list export (console-dash) ──
  dashboardStats: () => request<DashboardStatsDto>('GET', '/api/stats/dashboard'),
  /** A link, not a request: the browser downloads the file with the session cookie. */
  projectsExportUrl: (q: Partial<ProjectExportQuery>) => `/api/projects/export${qs(q)}`,
};
