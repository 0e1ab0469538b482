/**
 * One SERVER span per API request, parented on the caller's W3C `traceparent` when there is one.
 * The rest of the request runs inside the span's context, so the Temporal client interceptor
 * puts its StartWorkflow / StartWorkflowUpdate / QueryWorkflow spans under it and carries the
 * trace on into the workflow and its activities.
 */
import dc from 'node:diagnostics_channel';
import type { Request, RequestHandler } from 'express';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

interface MatchedRoute {
  route: string;
  albumId?: string;
}

const UNTRACED = new Set(['/healthz', '/metrics']);
const matched = new WeakMap<Request, MatchedRoute>();
let listening = false;

/**
 * By the time the response finishes, an error has already unwound the routers: req.baseUrl and
 * req.params are back to the app's, so `/v1/albums/:albumId` would read `/albums/:albumId` with
 * no album id, on exactly the failed requests one most wants named. The router announces each
 * route handler as it starts (a documented diagnostics_channel since router 2.3), when both are
 * still the matched ones.
 */
function listenForRoutes(): void {
  if (listening) return;
  listening = true;
  // The start channel of the 'express.router.request' tracing channel.
  dc.subscribe('tracing:express.router.request:start', (message) => {
    const { req, route, errorHandler } = message as { req: Request; route?: string; errorHandler?: boolean };
    // Middleware also passes through here, with the path it was mounted on; only a route's own handlers match req.route.
    if (errorHandler || !route || req.route?.path !== route) return;
    const albumId = req.params?.albumId;
    matched.set(req, { route: `${req.baseUrl}${route}`, ...(typeof albumId === 'string' ? { albumId } : {}) });
  });
}

/** The matched route pattern (with mount path) and album id of a request; also used by metrics. */
export function routeOf(req: Request): MatchedRoute | undefined {
  const seen = matched.get(req);
  if (seen) return seen;
  // Without the router's channel (an older router), the finished request still knows its route on success.
  if (!req.route?.path) return undefined;
  const albumId = req.params?.albumId;
  return { route: `${req.baseUrl}${req.route.path}`, ...(typeof albumId === 'string' ? { albumId } : {}) };
}

export function requestTracing(): RequestHandler {
  listenForRoutes();
  const tracer = trace.getTracer('lightbox-api');
  return (req, res, next) => {
    // Probes and scrapes every few seconds would bury the traces that matter; the request log skips them too.
    if (UNTRACED.has(req.path)) {
      next();
      return;
    }
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `HTTP ${req.method}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const status = res.statusCode;
      const found = routeOf(req);
      const attributes: Attributes = { 'http.response.status_code': status };
      if (found) {
        span.updateName(`HTTP ${req.method} ${found.route}`);
        attributes['http.route'] = found.route;
        if (found.albumId) attributes['lightbox.album_id'] = found.albumId;
      }
      if (req.tenantId) attributes['lightbox.tenant'] = req.tenantId;
      span.setAttributes(attributes);
      // A 4xx is the client's mistake, not a failure of this server (OTel HTTP semantic conventions).
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      if (!res.writableFinished) span.setAttribute('lightbox.aborted', true);
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}
