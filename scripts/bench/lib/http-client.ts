/**
 * A logged-in client on node:http with kept-alive connections: fetch (undici) costs the benchmark
 * process about twice the CPU per request, and that process shares the machine with what it
 * measures. Answers are parsed as JSON when they are JSON; other bodies are counted, not kept.
 */
import http from 'node:http';
import zlib from 'node:zlib';

export interface HttpAnswer {
  status: number;
  body: any;
  /** The body's bytes on the wire (compressed, if it was). */
  bytes: number;
}

export class Http {
  private cookie = '';
  // Idle sockets are dropped before the server's keep-alive timeout (Node's is 5 s) would close them.
  private readonly agent = new http.Agent({ keepAlive: true, timeout: 4_000 });
  /**
   * `parse: false`: JSON answers are counted, not parsed (a benchmark timing the server alone).
   * `compressed: true`: asks for brotli or gzip as a browser does, and decodes what comes.
   */
  constructor(
    private readonly base: string,
    private readonly opts: { parse?: boolean; compressed?: boolean } = {},
  ) {}

  post(p: string, b: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return this.retried('POST', p, Buffer.from(JSON.stringify(b)), headers);
  }

  put(p: string, b: unknown): Promise<HttpAnswer> {
    return this.retried('PUT', p, Buffer.from(JSON.stringify(b)), {});
  }

  get(p: string): Promise<HttpAnswer> {
    return this.retried('GET', p, undefined, {});
  }

  close(): void {
    this.agent.destroy();
  }

  private async retried(
    method: string,
    p: string,
    payload: Buffer | undefined,
    headers: Record<string, string>,
  ) {
    // The server closed a kept-alive connection just as it was reused (idle past its keep-alive
    // timeout): the request never reached it, so sending it again is safe. After a pause every
    // pooled socket may be stale, so each is tried in turn, then a new one.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(method, p, payload, headers);
      } catch (err) {
        if (!(err as { reused?: boolean }).reused || attempt >= 16) throw err;
      }
    }
  }

  private send(
    method: string,
    p: string,
    payload: Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        this.base + p,
        {
          method,
          agent: this.agent,
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...(this.cookie ? { cookie: this.cookie } : {}),
            ...(this.opts.compressed ? { 'accept-encoding': 'br, gzip' } : {}),
            ...headers,
          },
        },
        (res) => {
          const c = res.headers['set-cookie']?.[0];
          if (c) this.cookie = c.split(';')[0]!;
          const json = this.opts.parse !== false && (res.headers['content-type'] ?? '').includes('json');
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (d: Buffer) => {
            bytes += d.length;
            if (json) chunks.push(d);
          });
          res.on('end', () => {
            try {
              const text = decoded(Buffer.concat(chunks), res.headers['content-encoding']).toString('utf8');
              resolve({ status: res.statusCode!, body: json && text ? JSON.parse(text) : undefined, bytes });
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(Object.assign(err, { reused: req.reusedSocket && err.code === 'ECONNRESET' })),
      );
      req.end(payload);
    });
  }
}

function decoded(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'br') return zlib.brotliDecompressSync(body);
  if (encoding === 'gzip') return zlib.gunzipSync(body);
  return body;
}
