/**
 * 405 Method Not Allowed, with an Allow header, for a method a known path does not take
 * (TRACE and CONNECT everywhere): a 404 there would tell a client the path does not exist.
 * The known paths and their methods come from the OpenAPI document, so they cannot drift.
 */
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

const ALWAYS_REFUSED = new Set(['TRACE', 'CONNECT', 'TRACK']);

export function methodGuard(doc: { paths: Record<string, object> }): RequestHandler {
  const routes = Object.entries(doc.paths).map(([template, ops]) => ({
    re: new RegExp(`^${template.replace(/\{key\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    methods: Object.keys(ops).map((m) => m.toUpperCase()),
  }));
  return (req, res, next) => {
    const allowed = new Set<string>();
    for (const r of routes) if (r.re.test(req.path)) r.methods.forEach((m) => allowed.add(m));
    if (allowed.size === 0) {
      if (ALWAYS_REFUSED.has(req.method))
        return next(new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not supported`, ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']));
      return next();
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    const allow = [...allowed].sort();
    if (req.method === 'OPTIONS') {
      res.set('Allow', allow.join(', ')).status(204).end();
      return;
    }
    if (!allowed.has(req.method)) return next(new ApiError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}`, allow));
    next();
  };
}
