/**
 * An account's TOTP settings. Every change is one conditional UPDATE whose guard is checked and
 * acted on at once: a code's step is spent only while it is later than the last one accepted
 * (RFC 6238 §5.2) — of two requests with the same code, the second waits for the first's row lock,
 * then finds the step taken and changes no row. Each function answers whether its row changed.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppUserSchema } from '#db/entities/user.entity.js';
import { stepOf } from './login.repository.js';

/** The guard that spends a step: later than the last one accepted. */
const unused = (step: number) => ({
  $or: [{ totpLastStep: null }, { totpLastStep: { $lt: String(step) } }],
});

export interface TotpState {
  secret: string | null;
  enabled: boolean;
  lastStep: number | null;
  /** A lock is in force: no code is checked at all. */
  locked: boolean;
}

export async function totpState(em: EntityManager, userId: string): Promise<TotpState> {
  const u = await em.findOneOrFail(
    AppUserSchema,
    { id: userId },
    { fields: ['totpSecret', 'totpEnabled', 'totpLastStep', 'locked'] },
  );
  return { secret: u.totpSecret, enabled: u.totpEnabled, lastStep: stepOf(u.totpLastStep), locked: u.locked };
}

/**
 * A new secret, not active until a code from it is confirmed. It starts a new sequence of codes:
 * none of it has been used. Not while 2FA is on: a setup racing an enable must not replace the
 * secret (and the last step) of 2FA just turned on.
 */
export async function startEnrolment(em: EntityManager, userId: string, secret: string): Promise<boolean> {
  const n = await em.nativeUpdate(
    AppUserSchema,
    { id: userId, totpEnabled: false },
    { totpSecret: secret, totpLastStep: null },
  );
  return n > 0;
}

/**
 * Turns on the secret the code was checked against, and nothing else: a setup in another tab
 * meanwhile (a new secret the user never confirmed) leaves this update without a row.
 */
export async function enable(
  em: EntityManager,
  userId: string,
  secret: string,
  step: number,
): Promise<boolean> {
  const n = await em.nativeUpdate(
    AppUserSchema,
    { id: userId, totpSecret: secret, totpEnabled: false, ...unused(step) },
    { totpEnabled: true, totpLastStep: String(step) },
  );
  return n > 0;
}

/** Turns 2FA off with an unused code; the secret goes, and with it the record of its used steps. */
export async function disable(em: EntityManager, userId: string, step: number): Promise<boolean> {
  const n = await em.nativeUpdate(
    AppUserSchema,
    { id: userId, ...unused(step) },
    { totpEnabled: false, totpSecret: null, totpLastStep: null },
  );
  return n > 0;
}

/** Spends a code's step at login. */
export async function spendStep(em: EntityManager, userId: string, step: number): Promise<boolean> {
  const n = await em.nativeUpdate(
    AppUserSchema,
    { id: userId, ...unused(step) },
    { totpLastStep: String(step) },
  );
  return n > 0;
}
