/**
 * The worker's one observability port: the shared registry and the SDK exporter's text on
 * /metrics (the SDK side played by a local HTTP server speaking the same text format), and the
 * probe answers Kubernetes acts on.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { jobOutcomes } from '../../src/telemetry/metrics';
import { freeLoopbackPort, startMetricsServer, type HealthState, type MetricsServer } from '../../src/telemetry/metrics-server';

const SDK_TEXT =
  '# HELP temporal_num_pollers Current number of active pollers\n# TYPE temporal_num_pollers gauge\ntemporal_num_pollers{poller_type="activity_task",task_queue="lightbox-cpu"} 2\n';

let sdk: http.Server;
let server: MetricsServer;
let unreachable: MetricsServer;
let health: HealthState = { live: true, ready: false, detail: { state: 'STARTING' } };
const url = (s: MetricsServer, p: string) => `http://127.0.0.1:${s.port}${p}`;

before(async () => {
  sdk = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(SDK_TEXT));
  await new Promise<void>((r) => sdk.listen(0, '127.0.0.1', r));
  const sdkUrl = `http://127.0.0.1:${(sdk.address() as AddressInfo).port}/metrics`;
  server = await startMetricsServer({ host: '127.0.0.1', port: 0, sdkMetricsUrl: sdkUrl, health: () => health });
  // Nothing listens on this port: the SDK exporter before the runtime has started it.
  unreachable = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    sdkMetricsUrl: `http://127.0.0.1:${await freeLoopbackPort()}/metrics`,
    health: () => health,
  });
});

after(async () => {
  await server?.close();
  await unreachable?.close();
  await new Promise<void>((r) => sdk.close(() => r()));
});

test('/metrics serves the shared registry and the SDK metrics together', async () => {
  jobOutcomes.inc({ kind: 'photo', outcome: 'ok', code: '' });
  const res = await fetch(url(server, '/metrics'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  assert.match(text, /lightbox_job_outcomes_total\{kind="photo",outcome="ok",code=""\} \d+/);
  assert.ok(text.includes(SDK_TEXT), 'the SDK text is passed through unchanged');
});

test('without the SDK exporter, /metrics still serves the registry and says what is missing', async () => {
  const res = await fetch(url(unreachable, '/metrics'));
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /# TYPE lightbox_job_outcomes_total counter/);
  assert.match(text, /# SDK metrics unavailable: /);
  assert.doesNotMatch(text, /temporal_num_pollers/);
});

test('probes follow the worker state: starting, running, draining, failed', async () => {
  const probe = async (p: string) => {
    const res = await fetch(url(server, p));
    return [res.status, ((await res.json()) as { status: string }).status];
  };
  health = { live: true, ready: false, detail: { state: 'STARTING' } };
  assert.deepEqual(
    [await probe('/healthz'), await probe('/readyz')],
    [
      [200, 'ok'],
      [503, 'not_ready'],
    ],
  );
  health = { live: true, ready: true, detail: { state: 'RUNNING' } };
  assert.deepEqual(
    [await probe('/healthz'), await probe('/readyz')],
    [
      [200, 'ok'],
      [200, 'ready'],
    ],
  );
  health = { live: true, ready: false, detail: { state: 'DRAINING' } };
  assert.deepEqual(
    [await probe('/healthz'), await probe('/readyz')],
    [
      [200, 'ok'],
      [503, 'not_ready'],
    ],
  );
  health = { live: false, ready: false, detail: { state: 'FAILED' } };
  assert.deepEqual(
    [await probe('/healthz'), await probe('/readyz')],
    [
      [503, 'failed'],
      [503, 'not_ready'],
    ],
  );
});

test('other paths are 404 with the API error shape, other methods 405', async () => {
  const res = await fetch(url(server, '/nope'));
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  const post = await fetch(url(server, '/metrics'), { method: 'POST' });
  assert.equal(post.status, 405);
  await post.arrayBuffer();
});
