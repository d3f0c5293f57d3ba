/** A node:http server on 127.0.0.1 with an ephemeral port, for the vendor stand-ins. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpStandin {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port> */
  host: string;
  /**
   * The next `count` requests are taken and handled as any other (recorded, counted as sent), but
   * their answers leave only after `ms`: a vendor that received the message and whose answer the
   * caller's timeout never saw.
   */
  stall(count: number, ms: number): void;
  stop(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

export async function startHttp(handler: Handler): Promise<HttpStandin> {
  const stalls: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const stallMs = stalls.shift();
      if (stallMs !== undefined) {
        const end = res.end.bind(res) as (...a: unknown[]) => http.ServerResponse;
        res.end = ((...a: unknown[]) => {
          setTimeout(() => end(...a), stallMs).unref();
          return res;
        }) as typeof res.end;
      }
      try {
        handler(req, Buffer.concat(chunks).toString('utf8'), res);
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    stall: (count, ms) => void stalls.push(...Array.from({ length: count }, () => ms)),
    stop: () =>
      new Promise<void>((resolve) => {
        // The SDKs keep connections alive: close them, or close() waits for their idle timeout.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json;charset=utf-8');
  res.end(JSON.stringify(body));
}
