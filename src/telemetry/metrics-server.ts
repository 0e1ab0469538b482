/**
 * A worker's one observability port: `/metrics` serves the shared prom-client registry and the
 * Temporal SDK's runtime metrics together, `/healthz` and `/readyz` answer Kubernetes probes.
 *
 * The SDK's Prometheus exporter lives in the Rust core and binds its own address; it is bound to
 * loopback on a private port and proxied here, so Prometheus, the pod annotations and the
 * ServiceMonitor know one port per worker and nobody scrapes a half of it.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { registry } from './metrics';

export interface HealthState {
  /** false: restart me (the worker failed). */
  live: boolean;
  /** false: not polling (still starting, draining or stopped). */
  ready: boolean;
  detail: Record<string, unknown>;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** The SDK exporter's URL (loopback); its text is appended to the registry's. */
  sdkMetricsUrl?: string;
  health: () => HealthState;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

async function sdkMetrics(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return `# SDK metrics unavailable: HTTP ${res.status}\n`;
    return await res.text();
  } catch (err) {
    // Before the first connection the core has not started its exporter yet: serve ours alone.
    return `# SDK metrics unavailable: ${(err as Error).message.replace(/\n/g, ' ')}\n`;
  }
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      void (async () => {
        const own = await registry.metrics();
        const sdk = opts.sdkMetricsUrl ? await sdkMetrics(opts.sdkMetricsUrl) : '';
        res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`);
      })().catch((err: Error) => res.writeHead(500).end(err.message));
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const state = opts.health();
      const ok = path === '/healthz' ? state.live : state.ready;
      const status = path === '/healthz' ? (ok ? 'ok' : 'failed') : ok ? 'ready' : 'not_ready';
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status, ...state.detail }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `No route ${path}` } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on now, for the SDK exporter (which needs a fixed address up front). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
