/** API-key authentication: every key is bound to one tenant, and every resource to its tenant. */
import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ApiError } from './errors';

const digest = (key: string) => crypto.createHash('sha256').update(key).digest('hex');

export function apiKeyAuth(keys: Map<string, string>): RequestHandler {
  // Look keys up by digest so comparison time says nothing about how close a guess was.
  const byDigest = new Map([...keys].map(([key, tenant]) => [digest(key), tenant]));
  return (req, _res, next) => {
    const header = req.get('authorization');
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : req.get('x-api-key');
    const tenant = key ? byDigest.get(digest(key)) : undefined;
    if (!tenant) {
      next(new ApiError('UNAUTHENTICATED', 'Send a valid API key as "Authorization: Bearer <key>" or "X-API-Key"'));
      return;
    }
    req.tenantId = tenant;
    next();
  };
}

export function tenantOf(req: Request): string {
  if (!req.tenantId) throw new ApiError('UNAUTHENTICATED', 'No tenant on this request');
  return req.tenantId;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      tenantId?: string;
    }
  }
}
