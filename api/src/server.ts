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
import type { Express } from 'express';

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
