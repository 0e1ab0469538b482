/** The API's Prometheus metrics: request counts and latency by route and status. */
import type { RequestHandler } from 'express';
import { routeOf } from './tracing';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registry as sharedRegistry } from '../telemetry/metrics';

export function createApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lightbox_api_' });
  const requests = new Counter({
    name: 'lightbox_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lightbox_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path: ids in paths would explode cardinality.
      const route = routeOf(req)?.route ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };

  // The shared registry too: what the API records there (e.g. the GPU queue backlog gauges,
  // refreshed from Temporal on each scrape) is served here.
  const handler: RequestHandler = async (_req, res) => {
    const merged = Registry.merge([registry, sharedRegistry]);
    res.set('Content-Type', merged.contentType).send(await merged.metrics());
  };

  return { registry, middleware, handler };
}
