/**
 * The public side (/public/…, no login): mounted before the session and CSRF middleware, each
 * part guarding its own writes. Kept minimal here; the portal's pages join it.
 */
import express from 'express';

export function publicRouter(parts: { complaints: express.Router }): express.Router {
  const router = express.Router();
  router.use(parts.complaints);
  return router;
}
