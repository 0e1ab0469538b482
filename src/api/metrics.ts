/**
 * The API's Prometheus metrics: request counts and latency by route and status, in a registry of
 * the app's own (tests build several apps in one process), served on /metrics together with the
 * shared registry (src/telemetry/metrics.ts: process metrics, task-queue backlog, and whatever
 * the services record in this process).
 */
import type { RequestHandler } from 'express';
import fs from 'node:fs';
import { routeOf } from './tracing';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registry as shared } from '../telemetry/metrics';

/**
 * `dataDir`: the folder whose filesystem holds the spool, the local blobs and (embedded) the
 * Temporal SQLite file; its free space is read at each scrape, for the LightboxDataDisk* alerts.
 */
export function createApiMetrics(dataDir?: string) {
  const registry = new Registry();
  const disk = (name: string, help: string, pick: (st: fs.StatsFs) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (dataDir === undefined) return;
        try {
          const st = fs.statfsSync(dataDir);
          this.set(pick(st) * st.bsize);
        } catch {
          // A data dir that vanished reads as no sample, not as a failed scrape.
        }
      },
    });
  // bavail, not bfree: what a non-root process like ours can still write.
  disk('lightbox_data_dir_free_bytes', 'Bytes free to the API on the data directory filesystem', (st) => st.bavail);
  disk('lightbox_data_dir_size_bytes', 'Size in bytes of the data directory filesystem', (st) => st.blocks);
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

  // Concatenated rather than Registry.merge'd: a merged registry drops each one's default labels
  // (the shared one labels everything with its component). The names are disjoint by prefix.
  const handler: RequestHandler = async (_req, res) => {
    const [own, common] = await Promise.all([registry.metrics(), shared.metrics()]);
    res.set('Content-Type', registry.contentType).send(`${own}\n${common}`);
  };

  return { registry, middleware, handler };
}
