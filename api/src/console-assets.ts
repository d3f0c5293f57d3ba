/**
 * The built console (web/dist): its assets, compressed where the build left a compressed copy and
 * the browser accepts it, and index.html for every other path (the console routes in the browser).
 *
 * Vite names each asset by a hash of its content, so an asset's address never changes meaning: it
 * may be kept for a year without asking again. index.html, which names the current assets, is
 * asked for every time (no-cache, answered 304 while unchanged).
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import { ENCODINGS } from '#platform/precompress.js';
import { acceptedOf } from './compress.js';

const YEAR_SECONDS = 365 * 24 * 3600;
const ASSETS = '/assets/';

export function serveConsole(app: Express, webDist: string): void {
  const indexHtml = path.join(webDist, 'index.html');
  const assetsDir = path.join(webDist, 'assets');
  // The build is done before the api starts and does not change under it: what it holds is listed once.
  const files = new Set(fs.existsSync(assetsDir) ? fs.readdirSync(assetsDir) : []);
  const variants = (name: string) => ENCODINGS.filter((e) => files.has(name + e.suffix));

  const cacheHeaders = (res: Response, file: string) => {
    const name = path.basename(file);
    if (path.dirname(file) === assetsDir && files.has(name)) {
      res.setHeader('Cache-Control', `public, max-age=${YEAR_SECONDS}, immutable`);
      // A cache between must keep the copies apart even where this one answered uncompressed.
      if (variants(name).length) res.setHeader('Vary', 'Accept-Encoding');
    }
  };

  app.use(ASSETS, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = req.path.slice(1);
    if (name.includes('/') || !files.has(name)) return next();
    const offered = variants(name);
    if (offered.length === 0) return next();
    // The smallest copy the browser accepts at all (browsers rank none above another: they list
    // them in their own order, gzip first).
    const variant = acceptedOf(req, offered);
    if (!variant) return next();
    res.setHeader('Content-Encoding', variant.name);
    // The type of what it decodes to (send would take it from the copy's suffix otherwise).
    res.type(path.extname(name));
    res.sendFile(name + variant.suffix, {
      root: assetsDir,
      maxAge: YEAR_SECONDS * 1000,
      immutable: true,
      headers: { Vary: 'Accept-Encoding' },
    });
  });
  app.use(express.static(webDist, { index: false, maxAge: '1h', setHeaders: cacheHeaders }));
  app.get(/.*/, (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
}
