/**
 * A real Prometheus scraping the real processes: the API and one worker per pool, each started
 * from its production entrypoint and configured only by the environment, after an album (one
 * good photo, one corrupt) has gone through them. Prometheus runs the committed scrape jobs and
 * alert rules (deploy/prometheus/), pointed at this test's ports. It must find every target up,
 * the metrics the dashboards chart, every Temporal SDK metric the dashboards and rules use, and
 * evaluate every rule and every dashboard query without an error.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { scene, photosForm } from '../../src/dev/demo-photos';
import { ALL_TASK_QUEUES } from '../../src/shared/task-queues';
import { DASHBOARDS } from '../../scripts/observability/dashboards';
import { TEMPORAL_SDK_METRICS } from '../../scripts/observability/external-metrics';
import { ruleFiles } from '../../scripts/observability/render';
import type { DevServer } from '../../temporal/dev-server';
import { DEPLOY, REPO, tool, yamlDocs } from '../helpers/deploy';
import { call, waitFor } from '../helpers/stack';
import { freePort, startTestDevServer } from '../helpers/temporal';

const KEY = 'scrape-test-key-0123456789';
const POOLS = ['workflow', 'cpu', 'io', 'gpu'] as const;

let server: DevServer;
let dir: string;
let promUrl: string;
let apiUrl: string;
const children: Array<{ name: string; child: ChildProcess; output: () => string }> = [];

function start(name: string, command: string[], env: Record<string, string>) {
  let output = '';
  const child = spawn(command[0]!, command.slice(1), { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
  children.push({ name, child, output: () => output });
}

const logs = () => children.map((c) => `--- ${c.name} (exit ${c.child.exitCode})\n${c.output().slice(-3000)}`).join('\n');

async function prom(pathAndQuery: string): Promise<any> {
  const res = await fetch(`${promUrl}${pathAndQuery}`);
  const body = (await res.json()) as { status: string; data: unknown; error?: string };
  assert.equal(body.status, 'success', `${pathAndQuery}: ${body.error}`);
  return body.data;
}

const query = (q: string) =>
  prom(`/api/v1/query?query=${encodeURIComponent(q)}`) as Promise<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-scrape-'));
  server = await startTestDevServer();
  const common = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: server.address,
    LIGHTBOX_DATA_DIR: path.join(dir, 'data'),
    LIGHTBOX_SIGNING_SECRET: 'scrape-test-secret',
    WORKER_METRICS_HOST: '127.0.0.1',
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    CPU_WORKER_CONCURRENCY: '1',
  };
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const node = [process.execPath, '--import', 'tsx'];
  start('api', [...node, 'src/api/main.ts'], {
    ...common,
    PORT: String(apiPort),
    LIGHTBOX_PUBLIC_URL: apiUrl,
    LIGHTBOX_API_KEYS: `${KEY}:scrape`,
    LIGHTBOX_BACKLOG_POLL_SECONDS: '1',
  });
  const workerPorts: Record<string, number> = {};
  for (const pool of POOLS) {
    workerPorts[pool] = await freePort();
    start(`worker-${pool}`, [...node, `src/workers/${pool}-worker.ts`], { ...common, WORKER_METRICS_PORT: String(workerPorts[pool]) });
  }
  const ready = async (url: string) =>
    fetch(url).then(
      (r) => r.status,
      () => 0,
    );
  try {
    await waitFor(
      () => ready(`${apiUrl}/readyz`),
      (s) => s === 200,
      90_000,
    );
    for (const pool of POOLS)
      await waitFor(
        () => ready(`http://127.0.0.1:${workerPorts[pool]}/readyz`),
        (s) => s === 200,
        90_000,
      );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${logs()}`, { cause: err });
  }

  // One album through every pool: a good photo and a corrupt one (a failed photo; its batch still succeeds).
  const A = (method: string, p: string, body?: unknown) => call(apiUrl, KEY, method, p, body);
  const created = await A('POST', '/v1/albums', { title: 'Scraped' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { albumId } = created.body;
  const upload = await A(
    'POST',
    `/v1/albums/${albumId}/photos`,
    photosForm([
      { name: 'good.jpg', contentType: 'image/jpeg', data: await scene(320, 240, 1) },
      { name: 'cut.jpg', contentType: 'image/jpeg', data: (await scene(640, 480, 2)).subarray(0, 4000) },
    ]),
  );
  assert.equal(upload.status, 202);
  assert.equal((await A('POST', `/v1/albums/${albumId}/close`)).status, 202);
  await waitFor(
    () => A('GET', `/v1/albums/${albumId}`),
    (r) => r.body.status === 'completed',
    90_000,
  );

  // The committed Prometheus config, its lightbox jobs pointed at this test's processes. The
  // workers' DNS discovery becomes static targets carrying the name DNS would have given them,
  // so the committed relabelling (name → pool) is what labels them here too.
  const [config] = yamlDocs(path.join(DEPLOY, 'prometheus', 'prometheus.yml'));
  const apiTarget = `127.0.0.1:${apiPort}`;
  const localTargets = (job: any) =>
    job.dns_sd_configs
      ? job.dns_sd_configs.flatMap((sd: { names: string[] }) =>
          sd.names.map((name) => ({ targets: [`127.0.0.1:${workerPorts[name.replace(/^worker-/, '')]}`], labels: { __meta_dns_name: name } })),
        )
      : job.static_configs.map((sc: { targets: string[] }) => ({ ...sc, targets: sc.targets.map((t) => (t.startsWith('api:') ? apiTarget : t)) }));
  const promConfig = {
    global: { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles(),
    scrape_configs: config.scrape_configs
      .filter((j: { job_name: string }) => j.job_name.startsWith('lightbox-'))
      .map(({ dns_sd_configs: _dns, ...j }: any) => ({ ...j, static_configs: localTargets({ dns_sd_configs: _dns, ...j }) })),
  };
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, YAML.stringify(promConfig));
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  start(
    'prometheus',
    [tool('prometheus'), `--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    {},
  );
  try {
    await waitFor(
      () =>
        fetch(`${promUrl}/-/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      60_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${logs()}`, { cause: err });
  }
});

after(async () => {
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus scraping the API and every worker pool', () => {
  test('every target is up, labelled with its job and pool', async () => {
    const targets = await waitFor(
      async () => (await prom('/api/v1/targets')).activeTargets as Array<{ health: string; labels: Record<string, string>; lastError: string }>,
      (t) => t.length === 1 + POOLS.length && t.every((x) => x.health === 'up'),
      30_000,
    ).catch((err) => assert.fail(`${err.message}\n${logs()}`));
    assert.deepEqual(
      targets.map((t) => `${t.labels.job}/${t.labels.pool ?? '-'}`).sort(),
      ['lightbox-api/-', ...POOLS.map((p) => `lightbox-worker/${p}`)].sort(),
    );
  });

  test('the API, shared-registry, backlog and Temporal SDK metrics are all there', async () => {
    const required = [
      'lightbox_http_requests_total',
      'lightbox_http_request_duration_seconds_bucket',
      'lightbox_task_queue_backlog',
      'lightbox_task_queue_backlog_age_seconds',
      'lightbox_task_queue_tasks_add_rate',
      'lightbox_task_queue_tasks_dispatch_rate',
      'lightbox_task_queue_pollers',
      'lightbox_process_cpu_seconds_total',
      'lightbox_job_outcomes_total',
      'lightbox_stage_duration_seconds_bucket',
      // An activity failure is no longer what a bad photo causes (the pipeline records it per photo).
      ...TEMPORAL_SDK_METRICS.filter((m) => m !== 'temporal_activity_execution_failed_total'),
    ];
    const names = await waitFor(
      async () => new Set((await prom('/api/v1/label/__name__/values')) as string[]),
      (n) => required.every((r) => n.has(r)),
      30_000,
    ).catch(() => undefined);
    const have = names ?? new Set((await prom('/api/v1/label/__name__/values')) as string[]);
    assert.deepEqual(
      required.filter((r) => !have.has(r)),
      [],
      'metrics Prometheus did not find',
    );

    const created = await query('sum(lightbox_http_requests_total{job="lightbox-api", route="/v1/albums", status="201"})');
    assert.equal(Number(created.result[0]?.value[1]), 1, 'the album creation was counted');
    const backlogQueues = new Set((await query('lightbox_task_queue_backlog{task_type="activity"}')).result.map((r) => r.metric.task_queue));
    assert.deepEqual(
      ALL_TASK_QUEUES.filter((q) => !backlogQueues.has(q)),
      [],
      'a backlog series for every queue',
    );
    const pollers = await query('lightbox_task_queue_pollers{task_queue="lightbox-cpu", task_type="activity"}');
    assert.ok(Number(pollers.result[0]?.value[1]) >= 1, 'the server sees the CPU worker polling');
    const s2s = await query('temporal_activity_schedule_to_start_latency_count{job="lightbox-worker", pool="cpu", task_queue="lightbox-cpu"}');
    assert.ok(Number(s2s.result[0]?.value[1]) >= 2, 'schedule-to-start recorded per queue by the CPU pool');
    const failed = await query('sum(lightbox_job_outcomes_total{kind="photo", outcome="failed", code="CORRUPT_IMAGE"})');
    assert.equal(Number(failed.result[0]?.value[1]), 1, 'the corrupt photo is a failed photo, by its code');
    const ok = await query('sum(lightbox_job_outcomes_total{kind="photo", outcome="ok"})');
    assert.equal(Number(ok.result[0]?.value[1]), 1, 'the good photo is counted');
  });

  test('every alert rule evaluates without error, and none fires on a healthy stack', async () => {
    const groups = await waitFor(
      async () =>
        (await prom('/api/v1/rules')).groups as Array<{
          rules: Array<{ name: string; health: string; lastError?: string; state?: string; lastEvaluation: string }>;
        }>,
      (g) => g.length > 0 && g.every((x) => x.rules.every((r) => !r.lastEvaluation.startsWith('0001'))),
      30_000,
    );
    const rules = groups.flatMap((g) => g.rules);
    const committed = ruleFiles().flatMap((f) => (yamlDocs(f)[0].groups as Array<{ rules: unknown[] }>).flatMap((g) => g.rules));
    assert.equal(rules.length, committed.length, 'Prometheus loaded every committed rule');
    assert.deepEqual(
      rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`),
      [],
    );
    // Before the first scrape `up` is absent, so the pool-missing alert is briefly pending at start.
    const active = await waitFor(
      async () =>
        ((await prom('/api/v1/alerts')).alerts as Array<{ labels: { alertname: string }; state: string }>).map((a) => `${a.labels.alertname} (${a.state})`),
      (a) => a.length === 0,
      20_000,
    ).catch(async () =>
      ((await prom('/api/v1/alerts')).alerts as Array<{ labels: { alertname: string }; state: string }>).map((a) => `${a.labels.alertname} (${a.state})`),
    );
    assert.deepEqual(active, [], 'no alert pending or firing');
  });

  test('every dashboard query runs, and the API and Temporal panels show data', async () => {
    const queries = DASHBOARDS.flatMap((d) =>
      d.rows.flatMap((row) => row.panels.flatMap((p) => p.queries.map((q) => ({ key: `${d.uid} / ${p.title}`, expr: q.expr })))),
    );
    // Every query is accepted by Prometheus (prom() asserts status success).
    for (const q of queries) await query(q.expr);
    const expected = [
      'lightbox-api / Requests per second by route',
      'lightbox-api / p99 latency by route',
      'lightbox-api / 4xx ratio',
      'lightbox-temporal / Backlog by queue and task type',
      'lightbox-temporal / Activity schedule-to-start p95 by queue',
      'lightbox-temporal / Activity slots used / available by pool',
      'lightbox-temporal / Workers up by pool',
      'lightbox-models / Failures by code',
      'lightbox-gpu / Pollers by GPU queue (server view and worker view)',
    ];
    // rate() needs two scrapes inside its window: wait for them rather than for a fixed time.
    const empty = await waitFor(
      async () => {
        const missing: string[] = [];
        for (const key of expected) {
          const panel = queries.filter((q) => q.key === key);
          assert.ok(panel.length > 0, `panel ${key} exists`);
          const counts = await Promise.all(panel.map(async (q) => (await query(q.expr)).result.length));
          if (counts.every((n) => n === 0)) missing.push(key);
        }
        return missing;
      },
      (m) => m.length === 0,
      30_000,
    ).catch((err: Error) => [err.message]);
    assert.deepEqual(empty, [], 'panels that chart nothing');
  });
});
