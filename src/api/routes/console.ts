/**
 * The web console: the Vite build in dist/console, served at /console with an SPA fallback (every
 * path under /console that is not a file answers index.html, so a reloaded deep link works).
 * Its CSP allows only this origin (plus the blob store's, for signed photo URLs): nothing comes
 * from a CDN, so the console works offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config';
import { ApiError } from '../errors';

/** dist/console of this checkout, found from this file whether it runs from src/ (tsx) or dist/src/ (tsc). */
export function defaultConsoleDir(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'console');
}

/** Origins the console's images and uploads talk to besides itself: where signed URLs point. */
function blobOrigins(config: Pick<Config, 'api' | 'storage'>): string[] {
  const origins = [new URL(config.api.publicUrl).origin];
  if (config.storage.kind === 'gcs') origins.push('https://storage.googleapis.com');
  return origins;
}

/** The console's content security policy: self only, plus the blob store for photos and uploads. */
function consoleCsp(blobs: string[]): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'blob:', 'data:', ...blobs],
      connectSrc: ["'self'", ...blobs],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
}

export function consoleRoutes(config: Pick<Config, 'api' | 'storage'>, dir = defaultConsoleDir()) {
  const router = Router();
  router.use('/console', consoleCsp(blobOrigins(config)));
  router.use('/console', express.static(dir, { index: false, fallthrough: true, maxAge: '1h', immutable: false }));
  router.get(['/console', '/console/*rest'], (req, res) => {
    const index = path.join(dir, 'index.html');
    if (!fs.existsSync(index)) {
      throw new ApiError('CONSOLE_NOT_BUILT', `The console is not built (no ${index}): run npm run console:build`);
    }
    // A missing asset is a 404, not the app: a stale hashed file name must not load HTML as a script.
    if (req.path.startsWith('/console/assets/')) throw new ApiError('ROUTE_NOT_FOUND', `No console asset ${req.path}`);
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
