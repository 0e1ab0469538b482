/**
 * Dashboards, alert rules, the Prometheus config and the Alertmanager config, checked with the
 * real tools (promtool, amtool) and against the metrics the code really defines, so a dashboard
 * cannot chart a metric nobody exports and a rule cannot watch a name that was renamed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import { createApiMetrics } from '../../src/api/metrics';
import { CacheStats } from '../../src/cache/cache-stats';
import { collectProcessMetrics, registry } from '../../src/telemetry/metrics';
import { DASHBOARDS } from '../../scripts/observability/dashboards';
import { DCGM_METRICS, PROMETHEUS_METRICS, TEMPORAL_SDK_METRICS } from '../../scripts/observability/external-metrics';
import { metricNames } from '../../scripts/observability/promql';
import { renderAll, ruleFiles } from '../../scripts/observability/render';
import { DEPLOY, exec, REPO, seriesNames, yamlDocs } from '../helpers/deploy';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-obs-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = ruleFiles().flatMap((f) => (yamlDocs(f)[0] as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules));
const dashboardQueries = DASHBOARDS.flatMap((d) =>
  d.rows.flatMap((r) => r.panels.flatMap((p) => p.queries.map((q) => ({ where: `${d.uid} / ${p.title}`, expr: q.expr })))),
);

async function knownMetrics(): Promise<Set<string>> {
  // Everything Lightbox registers: the shared registry (incl. process metrics and the cache
  // counters a cache registers there), and the API's own request metrics.
  collectProcessMetrics('test');
  new CacheStats('lru', registry);
  const ours = [...(await seriesNames(registry)), ...(await seriesNames(createApiMetrics().registry))];
  return new Set([...ours, ...TEMPORAL_SDK_METRICS, ...DCGM_METRICS, ...PROMETHEUS_METRICS]);
}

describe('generated files', () => {
  test('the committed dashboards and PrometheusRule are what npm run observability:build writes', () => {
    for (const [file, content] of renderAll()) {
      const rel = path.relative(REPO, file);
      assert.ok(fs.existsSync(file), `${rel} is missing: run npm run observability:build`);
      assert.equal(fs.readFileSync(file, 'utf8'), content, `${rel} is stale: run npm run observability:build`);
    }
  });

  test('every dashboard file is generated (none hand-made beside them) and parses as Grafana JSON', () => {
    const generated = new Set([...renderAll().keys()].map((f) => path.basename(f)));
    const files = fs.readdirSync(path.join(DEPLOY, 'grafana', 'dashboards'));
    assert.deepEqual(files.sort(), [...generated].filter((f) => f.endsWith('.json')).sort());
    const uids = new Set<string>();
    for (const f of files) {
      const d = JSON.parse(fs.readFileSync(path.join(DEPLOY, 'grafana', 'dashboards', f), 'utf8'));
      assert.ok(!uids.has(d.uid), `unique uid ${d.uid}`);
      uids.add(d.uid);
      const panels = d.panels.filter((p: { type: string }) => p.type !== 'row');
      assert.ok(panels.length >= 4, `${f} has panels`);
      for (const p of panels)
        assert.ok(p.targets.length > 0 && p.targets.every((t: { expr: string }) => t.expr.length > 0), `${f} / ${p.title} queries something`);
    }
    // The five the operations section promises.
    assert.deepEqual([...uids].sort(), ['lightbox-api', 'lightbox-gpu', 'lightbox-models', 'lightbox-temporal', 'lightbox-vector-store']);
  });

  test('Grafana provisioning points at the dashboards folder and the Prometheus service', () => {
    const [ds] = yamlDocs(path.join(DEPLOY, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'));
    assert.equal(ds.datasources[0].type, 'prometheus');
    assert.equal(ds.datasources[0].url, 'http://prometheus:9090');
    const [dash] = yamlDocs(path.join(DEPLOY, 'grafana', 'provisioning', 'dashboards', 'lightbox.yml'));
    assert.equal(dash.providers[0].options.path, '/var/lib/grafana/dashboards');
  });
});

describe('PromQL', () => {
  test('promtool accepts the Prometheus config and the alert rules', async () => {
    const config = await exec('promtool', ['check', 'config', path.join(DEPLOY, 'prometheus', 'prometheus.yml')]);
    assert.equal(config.code, 0, config.output);
    assert.match(config.output, /SUCCESS/);
    const checked = await exec('promtool', ['check', 'rules', ...ruleFiles()]);
    assert.equal(checked.code, 0, checked.output);
    assert.match(checked.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  test('promtool parses every dashboard query', async () => {
    // promtool checks expressions only inside rule files: each query becomes a recording rule.
    const file = path.join(tmp, 'dashboards.rules.yml');
    const asRules = dashboardQueries.map((q, i) => ({ record: `lightbox:dashboard_query_${i}`, expr: q.expr }));
    fs.writeFileSync(file, YAML.stringify({ groups: [{ name: 'dashboards', rules: asRules }] }));
    const checked = await exec('promtool', ['check', 'rules', file]);
    assert.equal(checked.code, 0, checked.output);
    assert.match(checked.output, new RegExp(`SUCCESS: ${asRules.length} rules found`));
  });

  test('promtool rejects a broken expression (the check above can fail)', async () => {
    const file = path.join(tmp, 'broken.rules.yml');
    fs.writeFileSync(file, YAML.stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum by (le (rate(up[5m]))' }] }] }));
    const checked = await exec('promtool', ['check', 'rules', file]);
    assert.notEqual(checked.code, 0);
  });

  test('every metric a dashboard or rule names is exported by the code or a known exporter', async () => {
    const known = await knownMetrics();
    const missing = [...dashboardQueries, ...rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr }))].flatMap((q) =>
      metricNames(q.expr)
        .filter((n) => !known.has(n))
        .map((n) => `${q.where}: ${n}`),
    );
    assert.deepEqual(missing, [], `names nothing exports:\n${missing.join('\n')}`);
  });

  test('every seed metric is on a dashboard', () => {
    const charted = new Set(dashboardQueries.flatMap((q) => metricNames(q.expr)));
    const seedMetrics = [
      'lightbox_http_request_duration_seconds_bucket', // latency p95/p99
      'lightbox_http_requests_total', // RPS, 4xx/5xx
      'lightbox_inference_duration_seconds_bucket', // inference time per model
      'lightbox_llm_tokens_bucket', // tokens per request
      'lightbox_job_outcomes_total', // failure rate, album progress
      'lightbox_embedding_cache_lookups_total', // cache hit rate
      'lightbox_vector_search_duration_seconds_bucket', // vector search latency
      'lightbox_vector_index_size', // index size
      'lightbox_task_queue_backlog', // queue length (DescribeTaskQueue)
      'temporal_activity_schedule_to_start_latency_bucket', // schedule-to-start per queue
      'lightbox_stage_duration_seconds_bucket', // album progress by stage
      'DCGM_FI_DEV_GPU_UTIL', // GPU utilisation
      'DCGM_FI_DEV_FB_USED', // GPU memory
    ];
    assert.deepEqual(
      seedMetrics.filter((m) => !charted.has(m)),
      [],
    );
  });
});

describe('alerts', () => {
  test('the alerts the issue asks for exist, each with a severity, a summary and what to do', () => {
    const alerts = rules.filter((r) => r.alert);
    for (const name of [
      'LightboxApiHighLatencyP99',
      'LightboxApi5xxRate',
      'LightboxJobFailureRate',
      'LightboxGpuBacklogHigh',
      'LightboxNoGpuPoller',
      'LightboxWorkerDown',
    ]) {
      assert.ok(
        alerts.some((a) => a.alert === name),
        `alert ${name}`,
      );
    }
    for (const a of alerts) {
      assert.match(a.labels?.severity ?? '', /^(critical|warning)$/, `${a.alert} severity`);
      assert.ok((a.annotations?.summary ?? '').length > 10, `${a.alert} summary`);
      assert.ok((a.annotations?.description ?? '').length > 40, `${a.alert} says what to do`);
    }
    const operations = fs.readFileSync(path.join(REPO, 'docs', 'operations.md'), 'utf8');
    const undocumented = alerts.filter((a) => !operations.includes(a.alert!)).map((a) => a.alert);
    assert.deepEqual(undocumented, [], 'every alert is in docs/operations.md');
  });
});

describe('Alertmanager', () => {
  const config = path.join(DEPLOY, 'alertmanager', 'alertmanager.yml');

  /**
   * Debian's amtool (0.25) predates `webhook_url_file` for Discord (Alertmanager 0.26+, which
   * the images pin). For an older amtool the check runs on a copy with an inline placeholder
   * URL in its place; everything else is checked as committed.
   */
  async function checkable(): Promise<string> {
    const version = (await exec('amtool', ['--version'])).output.match(/version (\d+)\.(\d+)/);
    assert.ok(version, 'amtool --version');
    if (Number(version[1]) > 0 || Number(version[2]) >= 26) return config;
    const copy = path.join(tmp, 'alertmanager.yml');
    fs.writeFileSync(copy, fs.readFileSync(config, 'utf8').replace(/webhook_url_file: .*/g, 'webhook_url: https://discord.com/api/webhooks/0/placeholder'));
    return copy;
  }

  test('amtool accepts the config, which reads the Discord webhook from a file, never inline', async () => {
    const text = fs.readFileSync(config, 'utf8');
    assert.doesNotMatch(text, /webhook_url:/, 'no webhook URL in git');
    assert.doesNotMatch(text, /discord(app)?\.com\/api\/webhooks/);
    const [parsed] = yamlDocs(config);
    const discord = parsed.receivers.flatMap((r: { discord_configs?: unknown[] }) => r.discord_configs ?? []);
    assert.ok(discord.length >= 1 && discord.every((d: { webhook_url_file?: string }) => d.webhook_url_file?.startsWith('/etc/alertmanager/secrets/')));
    const checked = await exec('amtool', ['check-config', await checkable()]);
    assert.equal(checked.code, 0, checked.output);
    assert.match(checked.output, /SUCCESS/);
  });

  test('critical alerts route to the on-call channel, warnings to ops', async () => {
    const file = await checkable();
    const critical = await exec('amtool', ['config', 'routes', 'test', '--config.file', file, 'severity=critical', 'alertname=LightboxNoGpuPoller']);
    assert.equal(critical.stdout.trim(), 'discord-oncall', critical.output);
    const warning = await exec('amtool', ['config', 'routes', 'test', '--config.file', file, 'severity=warning', 'alertname=LightboxGpuBacklogHigh']);
    assert.equal(warning.stdout.trim(), 'discord-ops', warning.output);
  });
});
