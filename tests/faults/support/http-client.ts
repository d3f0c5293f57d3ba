/**
 * A logged-in HTTP client on node:http with kept-alive connections (hundreds of requests at once
 * cost fetch twice the CPU), a bound on every request, and the `Idempotency-Key` header a client
 * sends so that a retried step is done once.
 */
import http from 'node:http';

export type Outcome =
  { kind: 'answer'; status: number; body: any } | { kind: 'network'; message: string } | { kind: 'timeout' };

export class FaultClient {
  private cookie = '';
  private readonly agent = new http.Agent({ keepAlive: true });
  constructor(private readonly base: string) {}

  async login(username: string, password: string): Promise<void> {
    const res = await this.post('/api/auth/login', { username, password }, { timeoutMs: 30_000 });
    if (res.kind !== 'answer' || res.status !== 200)
      throw new Error(`login ${username}: ${JSON.stringify(res)}`);
  }

  /**
   * When a kept-alive connection is reset as it is reused, the server most likely closed it idle
   * (past its keep-alive timeout) and never saw the request: it is sent again at once, unless
   * `resendOnReset` is false — where every attempt must be counted, since a dying server resets
   * connections too.
   */
  async post(
    path: string,
    body: unknown,
    opts: { idempotencyKey?: string; timeoutMs: number; resendOnReset?: boolean },
  ): Promise<Outcome> {
    const first = await this.send(path, body, opts);
    if (first.kind !== 'network' || !first.reused || opts.resendOnReset === false) return first;
    return this.send(path, body, opts);
  }

  private send(
    path: string,
    body: unknown,
    opts: { idempotencyKey?: string; timeoutMs: number },
  ): Promise<Outcome & { reused?: boolean }> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve) => {
      let settled = false;
      const done = (o: Outcome & { reused?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = http.request(
        this.base + path,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': payload.length,
            ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
            ...(this.cookie ? { cookie: this.cookie } : {}),
          },
        },
        (res) => {
          const c = res.headers['set-cookie']?.[0];
          if (c) this.cookie = c.split(';')[0]!;
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              /* not JSON */
            }
            done({ kind: 'answer', status: res.statusCode!, body: parsed });
          });
          res.on('error', (err) => done({ kind: 'network', message: err.message }));
        },
      );
      const timer = setTimeout(() => {
        done({ kind: 'timeout' });
        req.destroy();
      }, opts.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        done({
          kind: 'network',
          message: err.code ?? err.message,
          reused: req.reusedSocket && err.code === 'ECONNRESET',
        }),
      );
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
