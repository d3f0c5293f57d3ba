/**
 * Links to the portal's pages travel in text messages and come back with what followed them in the
 * sentence (…/projects/CK2026-028。, …/villages/mbz-ljc）), or typed in full width. A page address
 * whose code is not a code, but is one without the marks around it, is sent to the page it meant
 * (301); one that still is not a code names nothing (the router's not-found page).
 */
import type { NextFunction, Request, Response } from 'express';
import { publicProjectCodeParam, publicUnitCodeParam } from '#domain/public-schemas.js';

const PAGE = /^\/(projects|townships|villages)\/([^/]+)$/;

/** The code a pasted or full-width one meant: its NFKC form without the marks at either end. */
function meantCode(typed: string, kind: 'projects' | 'townships' | 'villages'): string {
  const bare = typed.normalize('NFKC').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  // Unit codes are lower-case; a project's is kept as it is, its letters' case being its own.
  return kind === 'projects' ? bare : bare.toLowerCase();
}

/** Middleware under `/public`, for page requests only (the data keeps its JSON errors). */
export function redirectPastedLink(req: Request, res: Response, next: NextFunction): void {
  const m = PAGE.exec(req.path);
  if (!m) return next();
  const kind = m[1] as 'projects' | 'townships' | 'villages';
  const schema = kind === 'projects' ? publicProjectCodeParam : publicUnitCodeParam;
  let typed: string;
  try {
    typed = decodeURIComponent(m[2]!);
  } catch {
    return next(); // the router's page for an address that does not decode
  }
  // A code the schema reads as another (a project's in full width) is sent to that one too.
  const read = schema.safeParse(typed);
  if (read.success && read.data === typed) return next();
  const meant = read.success ? read.data : meantCode(typed, kind);
  if (!schema.safeParse(meant).success) return next();
  const query = req.originalUrl.indexOf('?');
  res.redirect(301, `/public/${kind}/${meant}${query < 0 ? '' : req.originalUrl.slice(query)}`);
}
