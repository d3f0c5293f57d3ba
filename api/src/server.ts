/**
 * The api's HTTP server. Express gives every request and response its app's prototype as it
 * enters (`Object.setPrototypeOf` in `app.handle`). V8 then keeps each request's objects alive
 * past the young generation's collections: measured on the api, every scavenge promoted ~3 MB of
 * finished requests, took 4–20 ms instead of under 1, and the old space grew until a full
 * collection — on an empty request, 0.5 ms of the api's CPU went to it. Here the server creates
 * requests and responses with the app's prototypes from the start, so Express's change is to the
 * prototype they already have, which V8 skips (the approach proposed in expressjs/express#5998).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { AppError, type Bilingual, type ErrorCode } from '#domain/errors.js';

export interface ApiServer {
  server: http.Server;
  /** Serves `app`: its requests are born with `app.request` and `app.response` as prototypes. */
  serve(app: Express): void;
}

/** How long the api keeps an idle connection open for the next request. */
export const KEEP_ALIVE_MS = 65_000;

/** A server that may listen before its app exists (the test stack learns its port first). */
export function createApiServer(): ApiServer {
  // Plain constructor functions, as Node's own are: the server calls `new` on them with the
  // socket (a request) or the request and options (a response).
  function ApiRequest(this: http.IncomingMessage, socket: unknown) {
    (http.IncomingMessage as unknown as (this: unknown, s: unknown) => void).call(this, socket);
  }
  function ApiResponse(this: http.ServerResponse, req: unknown, options: unknown) {
    (http.ServerResponse as unknown as (this: unknown, r: unknown, o: unknown) => void).call(
      this,
      req,
      options,
    );
  }
  ApiRequest.prototype = http.IncomingMessage.prototype;
  ApiResponse.prototype = http.ServerResponse.prototype;
  const server = http.createServer({
    IncomingMessage: ApiRequest as unknown as typeof http.IncomingMessage,
    ServerResponse: ApiResponse as unknown as typeof http.ServerResponse,
  });
  // An idle kept-alive connection stays open longer than a proxy in front keeps its own (nginx's
  // upstream and cloud balancers: 60 s). With Node's 5 s the api would close a connection the proxy
  // was about to reuse, and the request sent on it would come back to a user as 502.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Longer still, as Node asks, so no header timer ends a kept-alive connection before that does.
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  server.on('clientError', refuseUnreadable);
  return {
    server,
    serve(app) {
      ApiRequest.prototype = app.request;
      ApiResponse.prototype = app.response;
      server.on('request', app);
    },
  };
}

/** The server of `app`, not yet listening. */
export function apiServerFor(app: Express): http.Server {
  const s = createApiServer();
  s.serve(app);
  return s.server;
}

/** What the server says to a request its parser refused, by Node's error code (else a 400). */
const UNREADABLE: Record<string, [ErrorCode, Bilingual]> = {
  HPE_HEADER_OVERFLOW: [
    'HEADERS_TOO_LARGE',
    { zh: '请求头或网址过长', en: 'request headers or URL too long' },
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ['PAYLOAD_TOO_LARGE', { zh: '请求体过大', en: 'request body too large' }],
  ERR_HTTP_REQUEST_TIMEOUT: [
    'REQUEST_TIMEOUT',
    { zh: '请求未在时限内发送完', en: 'the request was not sent in time' },
  ],
};
const MALFORMED: [ErrorCode, Bilingual] = [
  'BAD_REQUEST',
  { zh: '请求格式不合法', en: 'malformed HTTP request' },
];

/**
 * A request Node's parser refuses (a URL past 16 KB, a garbled header) never reaches Express, and
 * Node would answer it with a bare status line. It gets the house error instead, in the language of
 * its Accept-Language where the part received shows one, and the connection is closed, as Node does.
 */
function refuseUnreadable(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [code, text] = UNREADABLE[err.code ?? ''] ?? MALFORMED;
  const refusal = new AppError(code, text);
  const body = JSON.stringify({ error: { code, message: refusal.messageIn(languageOfRaw(err.rawPacket)) } });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    // Closed once sent, whatever the caller does: no half-open socket is left to linger.
    () => socket.destroy(),
  );
}

/** The caller's language from an Accept-Language header in raw bytes: English only if it ranks first. */
function languageOfRaw(raw: Buffer | undefined): 'zh-CN' | 'en' {
  const header = raw && /\r\naccept-language:[ \t]*([^\r\n]*)/i.exec(raw.toString('latin1'));
  if (!header) return 'zh-CN';
  const ranked = header[1]!
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = /^\s*q=([\d.]+)/.exec(params.join(';'))?.[1];
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((l) => l.q > 0 && /^(zh|en)\b/.test(l.tag))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.tag.startsWith('en') ? 'en' : 'zh-CN';
}
