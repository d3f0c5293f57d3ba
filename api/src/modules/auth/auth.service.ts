/**
 * Authentication use cases, as one service for the routes: logging in (login.service.ts), the
 * account's own session and password (account.service.ts), and its two-factor authentication
 * (totp.service.ts). Every attempt and every change is audited in the same transaction as the
 * write it describes.
 */
import type { AuditLog } from '#db/audit.js';
import type { Orm } from '#db/orm.js';
import { createAccountService } from './account.service.js';
import { createLoginService, type LoginPolicy } from './login.service.js';
import type { SessionPolicy } from './session.js';
import { createTotpService } from './totp.service.js';

export type { ClientMeta, LoginPolicy } from './login.service.js';

export function createAuthService(deps: {
  orm: Orm;
  audit: AuditLog;
  session: SessionPolicy;
  login: LoginPolicy;
}) {
  const account = createAccountService(deps);
  return {
    ...account,
    ...createLoginService({ ...deps, me: account.me }),
    ...createTotpService({ ...deps, me: account.me }),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
