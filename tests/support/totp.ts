/**
 * TOTP codes for tests that log in more than once. The api accepts each time step's code once per
 * account (RFC 6238 §5.2), so a second login within the same 30 s needs the next step's code — which
 * it accepts as one step of clock drift — and a third must wait until that step is current.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { totpAt, totpStepAt } from '#api/modules/auth/totp.js';

/** The code of time step `step`, once the api accepts it: it accepts codes up to one step ahead. */
export async function totpOfStep(secret: string, step: number): Promise<string> {
  const wait = (step - 1) * 30_000 - Date.now();
  if (wait > 0) await sleep(wait + 50);
  return totpAt(secret, step * 30_000);
}

/** The last step handed out per secret, in this test process (each test file has its own database). */
const lastStep = new Map<string, number>();

/** A code of a step not handed out before for `secret` (waiting at most one step for it). */
export async function freshTotp(secret: string): Promise<string> {
  const step = Math.max(totpStepAt(Date.now()), (lastStep.get(secret) ?? -Infinity) + 1);
  lastStep.set(secret, step);
  return totpOfStep(secret, step);
}
