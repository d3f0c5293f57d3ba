/**
 * The one HTTP exchange both chat robots share: POST a JSON body to the webhook, read
 * `{errcode, errmsg}`. Robots answer HTTP 200 with errcode ≠ 0 for their own refusals.
 */
import { DeliveryError, noAnswer } from '../channel.js';

export interface RobotVerdict {
  retryable: boolean;
  retryAfterMs?: number;
}

export async function postToRobot(
  url: string,
  body: unknown,
  timeoutMs: number,
  verdict: (errcode: number) => RobotVerdict,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // A refused connection never reached the robot; after a timeout or a reset the post may
    // have been made.
    const cause = (e as { cause?: { code?: string } }).cause;
    throw noAnswer(cause?.code ?? (e as Error).name, (e as Error).message);
  }
  const raw = await res.text().catch(() => '');
  if (!res.ok) {
    // 429 and 5xx pass with time; another 4xx is a wrong address or a refused request.
    const retryable = res.status === 429 || res.status >= 500;
    throw new DeliveryError(`http-${res.status}`, raw.slice(0, 200) || res.statusText, retryable);
  }
  let answer: { errcode?: unknown; errmsg?: unknown };
  try {
    answer = JSON.parse(raw) as typeof answer;
  } catch {
    throw new DeliveryError('bad-answer', `not JSON: ${raw.slice(0, 200)}`, true);
  }
  const errcode = Number(answer.errcode ?? 0);
  if (errcode === 0) return;
  const v = verdict(errcode);
  throw new DeliveryError(String(errcode), String(answer.errmsg ?? ''), v.retryable, v.retryAfterMs);
}
