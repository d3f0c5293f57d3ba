/**
 * Stand-ins for DingTalk custom robots and WeCom group robots on one loopback server.
 *
 *   const robots = await startRobotStandin();
 *   const ding = robots.dingtalkRobot('tok1', 'SECsecret'); // webhook URL; the secret turns on 加签
 *   const wecom = robots.wecomRobot('key1');                 // webhook URL
 *   robots.failNext('tok1', 130101);                         // the next call to tok1 answers 130101
 *   robots.requests[0].body …
 *
 * DingTalk calls to a robot with a secret are verified as DingTalk does: `timestamp` within an
 * hour of the stand-in's clock and `sign` equal to base64(HMAC-SHA256(secret, "ts\nsecret")),
 * the query decoded as a form (so an unencoded '+' arrives as a space and fails, as it does
 * there); a failure answers errcode 310000.
 */
import { createHmac } from 'node:crypto';
import { json, startHttp } from './http.js';

export interface RobotRequest {
  kind: 'dingtalk' | 'wecom';
  /** DingTalk's access_token or WeCom's key. */
  id: string;
  /** The raw query string, as sent (to check its encoding). */
  rawQuery: string;
  body: any;
  /** DingTalk: 'ok', 'missing', 'stale' or 'mismatch' for a robot with a secret; else null. */
  signature: 'ok' | 'missing' | 'stale' | 'mismatch' | null;
}

export interface RobotStandin {
  url: string;
  /** Registers a DingTalk robot and returns its webhook (…/robot/send?access_token=<token>). */
  dingtalkRobot(token: string, secret?: string): string;
  /** Registers a WeCom robot and returns its webhook (…/cgi-bin/webhook/send?key=<key>). */
  wecomRobot(key: string): string;
  /** The next calls to robot `id` answer these errcodes, in order; afterwards errcode 0. */
  failNext(id: string, ...errcodes: number[]): void;
  /** The next `count` calls are taken (and posted) but answered only after `ms`. */
  stall(count: number, ms: number): void;
  requests: RobotRequest[];
  stop(): Promise<void>;
}

export async function startRobotStandin(opts: { now?: () => number } = {}): Promise<RobotStandin> {
  const now = opts.now ?? Date.now;
  const dingtalk = new Map<string, string | null>();
  const wecom = new Set<string>();
  const scripts = new Map<string, number[]>();
  const requests: RobotRequest[] = [];
  const http = await startHttp((req, raw, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const query = new URLSearchParams(url.search);
    let body: any = null;
    try {
      body = JSON.parse(raw);
    } catch {
      /* recorded as null */
    }
    const answer = (id: string, errcode: number, errmsg: string) => {
      const scripted = scripts.get(id)?.shift();
      if (scripted !== undefined && errcode === 0)
        return json(res, 200, { errcode: scripted, errmsg: 'scripted by the stand-in' });
      json(res, 200, { errcode, errmsg });
    };
    if (url.pathname === '/robot/send') {
      const id = query.get('access_token') ?? '';
      if (!dingtalk.has(id)) return json(res, 200, { errcode: 300001, errmsg: 'token is not exist' });
      const signature = verify(dingtalk.get(id) ?? null, query, now());
      requests.push({ kind: 'dingtalk', id, rawQuery: url.search.slice(1), body, signature });
      if (signature !== null && signature !== 'ok')
        return answer(id, 310000, `sign not match (${signature})`);
      if (!body || (body.msgtype !== 'markdown' && body.msgtype !== 'actionCard'))
        return answer(id, 40035, 'unsupported msgtype (stand-in: markdown, actionCard)');
      return answer(id, 0, 'ok');
    }
    if (url.pathname === '/cgi-bin/webhook/send') {
      const id = query.get('key') ?? '';
      if (!wecom.has(id)) return json(res, 200, { errcode: 93000, errmsg: 'invalid webhook url' });
      requests.push({ kind: 'wecom', id, rawQuery: url.search.slice(1), body, signature: null });
      const content = body?.markdown?.content;
      if (body?.msgtype !== 'markdown' || typeof content !== 'string')
        return answer(id, 40008, 'invalid message type');
      if (Buffer.byteLength(content, 'utf8') > 4096)
        return answer(id, 40058, 'markdown.content exceed max length 4096');
      return answer(id, 0, 'ok');
    }
    json(res, 404, { errcode: 404, errmsg: 'not a robot path' });
  });
  return {
    url: http.url,
    dingtalkRobot(token, secret) {
      dingtalk.set(token, secret ?? null);
      return `${http.url}/robot/send?access_token=${encodeURIComponent(token)}`;
    },
    wecomRobot(key) {
      wecom.add(key);
      return `${http.url}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`;
    },
    failNext(id, ...errcodes) {
      scripts.set(id, [...(scripts.get(id) ?? []), ...errcodes]);
    },
    requests,
    stall: http.stall,
    stop: http.stop,
  };
}

function verify(secret: string | null, query: URLSearchParams, nowMs: number): RobotRequest['signature'] {
  if (secret === null) return null;
  const timestamp = query.get('timestamp');
  const sign = query.get('sign');
  if (!timestamp || !sign) return 'missing';
  if (Math.abs(nowMs - Number(timestamp)) > 3_600_000) return 'stale';
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return sign === expected ? 'ok' : 'mismatch';
}
