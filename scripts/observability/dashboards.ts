/**
 * The Grafana dashboards, as data: one definition per dashboard, rendered to Grafana's JSON
 * model by scripts/build-observability.ts into deploy/grafana/dashboards/. Kept as code so the
 * panels stay uniform and test/deploy/observability.test.ts can check every query (PromQL parses
 * with promtool, every metric it names exists in the code or in a known exporter).
 */
export interface Query {
  expr: string;
  legend?: string;
}

export interface Panel {
  title: string;
  description?: string;
  queries: Query[];
  unit?: string;
  kind?: 'timeseries' | 'stat';
  /** Grid width out of 24 (default 12). */
  width?: number;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  rows: Array<{ title: string; panels: Panel[] }>;
}

const GPU_QUEUES = 'task_queue=~"lightbox-gpu.*"';
const rate = (expr: string, window = '5m') => `rate(${expr}[${window}])`;
const quantile = (q: number, bucket: string, by: string, window = '5m') => `histogram_quantile(${q}, sum by (le, ${by}) (rate(${bucket}[${window}])))`;
/** A duration panel: the p95 of a histogram, one line per value of `by`. */
const p95 = (title: string, bucket: string, by: string, window?: string): Panel => ({
  title,
  unit: 's',
  queries: [
    {
      expr: quantile(0.95, bucket, by, window),
      legend: by
        .split(', ')
        .map((l) => `{{${l}}}`)
        .join(' '),
    },
  ],
});

const api: Dashboard = {
  uid: 'lightbox-api',
  title: 'Lightbox / API',
  description: 'Request rate, latency percentiles and errors of the Express API (hertz: API 응답 성능, 4xx/5xx).',
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          title: 'Requests per second by route',
          unit: 'reqps',
          queries: [{ expr: `sum by (route) (${rate('lightbox_http_requests_total{route!="unmatched"}')})`, legend: '{{route}}' }],
        },
        {
          title: 'Requests per second by status',
          unit: 'reqps',
          queries: [{ expr: `sum by (status) (${rate('lightbox_http_requests_total')})`, legend: '{{status}}' }],
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          title: 'p50 / p95 / p99 latency (all routes)',
          unit: 's',
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le) (${rate('lightbox_http_request_duration_seconds_bucket{route!="unmatched"}')}))`,
            legend: `p${q * 100}`,
          })),
        },
        {
          title: 'p99 latency by route',
          unit: 's',
          queries: [{ expr: quantile(0.99, 'lightbox_http_request_duration_seconds_bucket{route!="unmatched"}', 'route'), legend: '{{route}}' }],
        },
        {
          title: 'Mean latency by route',
          unit: 's',
          queries: [
            {
              expr: `sum by (route) (${rate('lightbox_http_request_duration_seconds_sum')}) / sum by (route) (${rate('lightbox_http_request_duration_seconds_count')})`,
              legend: '{{route}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Errors',
      panels: [
        {
          title: '5xx ratio',
          description: 'Share of requests answered with a server error (0 when there are none).',
          unit: 'percentunit',
          kind: 'stat',
          width: 6,
          queries: [{ expr: `(sum(${rate('lightbox_http_requests_total{status=~"5.."}')}) or vector(0)) / sum(${rate('lightbox_http_requests_total')})` }],
        },
        {
          title: '4xx ratio',
          unit: 'percentunit',
          kind: 'stat',
          width: 6,
          queries: [{ expr: `(sum(${rate('lightbox_http_requests_total{status=~"4.."}')}) or vector(0)) / sum(${rate('lightbox_http_requests_total')})` }],
        },
        {
          title: '4xx / 5xx per second by route and status',
          unit: 'reqps',
          queries: [{ expr: `sum by (route, status) (${rate('lightbox_http_requests_total{status=~"[45].."}')})`, legend: '{{status}} {{route}}' }],
        },
      ],
    },
    {
      title: 'Process',
      panels: [
        {
          title: 'CPU (cores) by instance',
          unit: 'short',
          queries: [{ expr: `sum by (instance) (${rate('lightbox_process_cpu_seconds_total{job="lightbox-api"}')})`, legend: '{{instance}}' }],
        },
        {
          title: 'Resident memory by instance',
          unit: 'bytes',
          queries: [{ expr: 'lightbox_process_resident_memory_bytes{job="lightbox-api"}', legend: '{{instance}}' }],
        },
        {
          title: 'Event-loop lag p99',
          unit: 's',
          queries: [{ expr: 'lightbox_nodejs_eventloop_lag_p99_seconds{job="lightbox-api"}', legend: '{{instance}}' }],
        },
        { title: 'API instances up', kind: 'stat', unit: 'short', queries: [{ expr: 'sum(up{job="lightbox-api"})' }] },
      ],
    },
  ],
};

const models: Dashboard = {
  uid: 'lightbox-models',
  title: 'Lightbox / Models and jobs',
  description: 'Inference time per model, batch sizes, LLM tokens, failure rate, embedding cache and album progress (hertz: 모델 추론 성능; yeosa pipeline).',
  rows: [
    {
      title: 'Inference',
      panels: [
        p95('Inference p95 by model', 'lightbox_inference_duration_seconds_bucket', 'model'),
        {
          title: 'Inference runs per second by model and method',
          unit: 'ops',
          queries: [{ expr: `sum by (model, method) (${rate('lightbox_inference_duration_seconds_count')})`, legend: '{{model}} ({{method}})' }],
        },
        {
          title: 'Mean batch size by model',
          unit: 'short',
          queries: [
            {
              expr: `sum by (model) (${rate('lightbox_inference_batch_size_sum')}) / sum by (model) (${rate('lightbox_inference_batch_size_count')})`,
              legend: '{{model}}',
            },
          ],
        },
        {
          title: 'LLM tokens per request (p50, p95)',
          unit: 'short',
          queries: [
            { expr: quantile(0.5, 'lightbox_llm_tokens_bucket', 'model, kind', '15m'), legend: 'p50 {{model}} {{kind}}' },
            { expr: quantile(0.95, 'lightbox_llm_tokens_bucket', 'model, kind', '15m'), legend: 'p95 {{model}} {{kind}}' },
          ],
        },
        {
          title: 'LLM tokens per second by model',
          unit: 'short',
          queries: [{ expr: `sum by (model, kind) (${rate('lightbox_llm_tokens_sum')})`, legend: '{{model}} {{kind}}' }],
        },
      ],
    },
    {
      title: 'Jobs',
      panels: [
        {
          title: 'Failure rate by kind',
          unit: 'percentunit',
          queries: [
            {
              expr: `sum by (kind) (${rate('lightbox_job_outcomes_total{outcome="failed"}', '15m')}) / sum by (kind) (${rate('lightbox_job_outcomes_total', '15m')})`,
              legend: '{{kind}}',
            },
          ],
        },
        {
          title: 'Finished items per second by kind and outcome',
          unit: 'ops',
          queries: [{ expr: `sum by (kind, outcome) (${rate('lightbox_job_outcomes_total')})`, legend: '{{kind}} {{outcome}}' }],
        },
        {
          title: 'Failures by code',
          unit: 'ops',
          queries: [{ expr: `sum by (kind, code) (${rate('lightbox_job_outcomes_total{outcome="failed"}')})`, legend: '{{kind}} {{code}}' }],
        },
      ],
    },
    {
      title: 'Album progress',
      panels: [
        {
          title: 'Photos finished per minute by outcome',
          unit: 'short',
          queries: [{ expr: `60 * sum by (outcome) (${rate('lightbox_job_outcomes_total{kind="photo"}')})`, legend: '{{outcome}}' }],
        },
        p95('Photo stage p95 by stage', 'lightbox_stage_duration_seconds_bucket{kind="photo"}', 'stage'),
        {
          title: 'Photos waiting for a CPU worker',
          unit: 'short',
          queries: [{ expr: 'max by (task_queue) (lightbox_task_queue_backlog{task_queue="lightbox-cpu", task_type="activity"})', legend: '{{task_queue}}' }],
        },
        p95('Stage p95 by kind and stage (all pipelines)', 'lightbox_stage_duration_seconds_bucket', 'kind, stage'),
      ],
    },
    {
      title: 'Embedding cache',
      panels: [
        {
          title: 'Hit rate by backend',
          unit: 'percentunit',
          queries: [
            {
              expr: `sum by (backend) (${rate('lightbox_embedding_cache_lookups_total{result="hit"}')}) / sum by (backend) (${rate('lightbox_embedding_cache_lookups_total')})`,
              legend: '{{backend}}',
            },
          ],
        },
        {
          title: 'Lookups, writes and errors per second',
          unit: 'ops',
          queries: [
            { expr: `sum by (result) (${rate('lightbox_embedding_cache_lookups_total')})`, legend: 'lookup {{result}}' },
            { expr: `sum(${rate('lightbox_embedding_cache_sets_total')})`, legend: 'set' },
            { expr: `sum(${rate('lightbox_embedding_cache_errors_total')})`, legend: 'error' },
          ],
        },
      ],
    },
  ],
};

const gpu: Dashboard = {
  uid: 'lightbox-gpu',
  title: 'Lightbox / GPU queues and GPUs',
  description:
    'GPU task queues (backlog, wait, pollers, replicas) and the GPUs themselves from the NVIDIA DCGM exporter (hertz: GPU 자원; yeosa: T4 style transfer).',
  rows: [
    {
      title: 'GPU queues',
      panels: [
        {
          title: 'Backlog by GPU queue',
          unit: 'short',
          queries: [{ expr: `max by (task_queue) (lightbox_task_queue_backlog{${GPU_QUEUES}, task_type="activity"})`, legend: '{{task_queue}}' }],
        },
        {
          title: 'Oldest waiting task by GPU queue',
          unit: 's',
          queries: [{ expr: `max by (task_queue) (lightbox_task_queue_backlog_age_seconds{${GPU_QUEUES}, task_type="activity"})`, legend: '{{task_queue}}' }],
        },
        p95('Schedule-to-start p95 by GPU queue', `temporal_activity_schedule_to_start_latency_bucket{${GPU_QUEUES}}`, 'task_queue', '15m'),
        {
          title: 'Pollers by GPU queue (server view and worker view)',
          unit: 'short',
          queries: [
            { expr: `max by (task_queue) (lightbox_task_queue_pollers{${GPU_QUEUES}, task_type="activity"})`, legend: 'server {{task_queue}}' },
            { expr: `sum by (task_queue) (temporal_num_pollers{${GPU_QUEUES}, poller_type="activity_task"})`, legend: 'workers {{task_queue}}' },
          ],
        },
        { title: 'GPU workers up by pool', unit: 'short', queries: [{ expr: 'sum by (pool) (up{job="lightbox-worker", pool=~"gpu.*"})', legend: '{{pool}}' }] },
        p95('GPU activity duration p95 by type', `temporal_activity_execution_latency_bucket{${GPU_QUEUES}}`, 'activity_type', '15m'),
      ],
    },
    {
      title: 'GPUs (DCGM exporter)',
      panels: [
        { title: 'GPU utilisation', unit: 'percent', queries: [{ expr: 'DCGM_FI_DEV_GPU_UTIL', legend: '{{Hostname}} gpu{{gpu}} {{modelName}}' }] },
        {
          title: 'GPU memory used',
          unit: 'percentunit',
          queries: [{ expr: 'DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)', legend: '{{Hostname}} gpu{{gpu}}' }],
        },
        { title: 'GPU memory used (MiB)', unit: 'decmbytes', queries: [{ expr: 'DCGM_FI_DEV_FB_USED', legend: '{{Hostname}} gpu{{gpu}}' }] },
        { title: 'GPU temperature', unit: 'celsius', queries: [{ expr: 'DCGM_FI_DEV_GPU_TEMP', legend: '{{Hostname}} gpu{{gpu}}' }] },
        { title: 'GPU power', unit: 'watt', queries: [{ expr: 'DCGM_FI_DEV_POWER_USAGE', legend: '{{Hostname}} gpu{{gpu}}' }] },
      ],
    },
  ],
};

const vectorStore: Dashboard = {
  uid: 'lightbox-vector-store',
  title: 'Lightbox / Vector store',
  description: 'Matching: vector search latency, query rate and index size per collection (hertz: ChromaDB 상태).',
  rows: [
    {
      title: 'Search',
      panels: [
        {
          title: 'Search latency p50 / p95 / p99',
          unit: 's',
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, 'lightbox_vector_search_duration_seconds_bucket', 'store, operation'),
            legend: `p${q * 100} {{store}} {{operation}}`,
          })),
        },
        {
          title: 'Queries per second by store and operation',
          unit: 'ops',
          queries: [{ expr: `sum by (store, operation) (${rate('lightbox_vector_search_duration_seconds_count')})`, legend: '{{store}} {{operation}}' }],
        },
      ],
    },
    {
      title: 'Index',
      panels: [
        {
          title: 'Vectors by collection',
          unit: 'short',
          queries: [{ expr: 'max by (store, collection) (lightbox_vector_index_size)', legend: '{{store}} {{collection}}' }],
        },
        { title: 'Total vectors', unit: 'short', kind: 'stat', queries: [{ expr: 'sum(max by (store, collection) (lightbox_vector_index_size))' }] },
        {
          title: 'Matching jobs per second by outcome',
          unit: 'ops',
          queries: [{ expr: `sum by (outcome) (${rate('lightbox_job_outcomes_total{kind="match"}')})`, legend: '{{outcome}}' }],
        },
      ],
    },
  ],
};

const temporalDash: Dashboard = {
  uid: 'lightbox-temporal',
  title: 'Lightbox / Temporal queues and workers',
  description:
    'Every task queue (backlog from DescribeTaskQueue, schedule-to-start from the SDK), worker slots and pollers, activity failures and Temporal request latency.',
  rows: [
    {
      title: 'Queues',
      panels: [
        {
          title: 'Backlog by queue and task type',
          unit: 'short',
          queries: [{ expr: 'max by (task_queue, task_type) (lightbox_task_queue_backlog)', legend: '{{task_queue}} {{task_type}}' }],
        },
        {
          title: 'Oldest waiting task by queue',
          unit: 's',
          queries: [{ expr: 'max by (task_queue, task_type) (lightbox_task_queue_backlog_age_seconds)', legend: '{{task_queue}} {{task_type}}' }],
        },
        {
          title: 'Tasks added vs dispatched per second',
          unit: 'ops',
          queries: [
            { expr: 'max by (task_queue) (lightbox_task_queue_tasks_add_rate{task_type="activity"})', legend: 'added {{task_queue}}' },
            { expr: 'max by (task_queue) (lightbox_task_queue_tasks_dispatch_rate{task_type="activity"})', legend: 'dispatched {{task_queue}}' },
          ],
        },
        p95('Activity schedule-to-start p95 by queue', 'temporal_activity_schedule_to_start_latency_bucket', 'task_queue'),
        p95('Workflow task schedule-to-start p95 by queue', 'temporal_workflow_task_schedule_to_start_latency_bucket', 'task_queue'),
      ],
    },
    {
      title: 'Workers',
      panels: [
        { title: 'Workers up by pool', unit: 'short', queries: [{ expr: 'sum by (pool) (up{job="lightbox-worker"})', legend: '{{pool}}' }] },
        {
          title: 'Activity slots used / available by pool',
          unit: 'short',
          queries: [
            { expr: 'sum by (pool) (temporal_worker_task_slots_used{worker_type="ActivityWorker"})', legend: 'used {{pool}}' },
            { expr: 'sum by (pool) (temporal_worker_task_slots_available{worker_type="ActivityWorker"})', legend: 'free {{pool}}' },
          ],
        },
        {
          title: 'Pollers by queue',
          unit: 'short',
          queries: [{ expr: 'sum by (task_queue, poller_type) (temporal_num_pollers)', legend: '{{task_queue}} {{poller_type}}' }],
        },
        {
          title: 'Worker memory by pool',
          unit: 'bytes',
          queries: [{ expr: 'sum by (pool) (lightbox_process_resident_memory_bytes{job="lightbox-worker"})', legend: '{{pool}}' }],
        },
      ],
    },
    {
      title: 'Activities',
      panels: [
        {
          title: 'Activity failures per second by type',
          unit: 'ops',
          queries: [
            { expr: `sum by (task_queue, activity_type) (${rate('temporal_activity_execution_failed_total')})`, legend: '{{task_queue}} {{activity_type}}' },
          ],
        },
        p95('Activity duration p95 by type', 'temporal_activity_execution_latency_bucket', 'activity_type'),
        p95('Workflow task execution p95', 'temporal_workflow_task_execution_latency_bucket', 'workflow_type'),
        p95('Temporal request latency p95 by operation (workers to server)', 'temporal_request_latency_bucket', 'operation'),
        {
          title: 'Backlog stats failures per second',
          unit: 'ops',
          queries: [{ expr: `sum by (task_queue) (${rate('lightbox_task_queue_stats_errors_total')})`, legend: '{{task_queue}}' }],
        },
      ],
    },
  ],
};

export const DASHBOARDS: Dashboard[] = [api, models, gpu, vectorStore, temporalDash];

/** Grafana's dashboard JSON model (schemaVersion 39) for one definition. */
export function renderDashboard(d: Dashboard): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of d.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const p of row.panels) {
      const w = p.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      panels.push({
        id: id++,
        type: p.kind ?? 'timeseries',
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        datasource,
        gridPos: { h: 8, w, x, y },
        fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
        options:
          p.kind === 'stat'
            ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
            : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: p.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource, expr: q.expr, legendFormat: q.legend ?? '__auto', range: true })),
      });
      x += w;
    }
    y += 8;
  }
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['lightbox'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: { text: 'Prometheus', value: 'prometheus' } }],
    },
    annotations: { list: [] },
    panels,
  };
}
