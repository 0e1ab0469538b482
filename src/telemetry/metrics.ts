/**
 * The process-wide Prometheus registry and the metrics the seeds ask for (hertz's monitoring
 * table, yeosa's pipeline): every component records into these, so the API's /metrics and each
 * worker's metrics port show one consistent set of names. Label values must stay low-cardinality
 * (model ids, queues, outcomes; never photo, user or album ids).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();

let defaultsOn = false;
/** Node process metrics (CPU, RSS, event-loop lag) under a component prefix; once per process. */
export function collectProcessMetrics(component: string): void {
  if (defaultsOn) return;
  defaultsOn = true;
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: 'lightbox_' });
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Each metric is registered once per process, however many times its module is loaded. */
function once<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return once(name, () => new Histogram({ name, help, labelNames, buckets, registers: [registry] }));
}
function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return once(name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}
function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return once(name, () => new Gauge({ name, help, labelNames, registers: [registry] }));
}

/** One model inference run (a whole batch), by model id@version and the method that ran. */
export const inferenceSeconds = histogram(
  'lightbox_inference_duration_seconds',
  'Duration of one inference run (one batch) by model and method',
  ['model', 'method'],
  LATENCY_BUCKETS,
);

/** Items per inference run: shows whether micro-batching actually batches. */
export const inferenceBatchSize = histogram('lightbox_inference_batch_size', 'Items in one inference run by model', ['model'], [1, 2, 4, 8, 16, 32, 64, 128]);

/** LLM tokens per request (prompt and completion). */
export const llmTokens = histogram(
  'lightbox_llm_tokens',
  'Tokens per LLM request by model and kind (prompt, completion)',
  ['model', 'kind'],
  [16, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
);

/** Vector store query latency (ChromaDB or the embedded index). */
export const vectorSearchSeconds = histogram(
  'lightbox_vector_search_duration_seconds',
  'Vector search latency by store and operation',
  ['store', 'operation'],
  LATENCY_BUCKETS,
);

/** Vectors held by the vector store, per collection. */
export const vectorIndexSize = gauge('lightbox_vector_index_size', 'Vectors in the index by store and collection', ['store', 'collection']);

/** Work items (photos, reports, styles, moderation messages) by kind and outcome: the failure rate. */
export const jobOutcomes = counter(
  'lightbox_job_outcomes_total',
  'Finished work items by kind (photo, style, report, moderation, match) and outcome (ok, failed, fallback)',
  ['kind', 'outcome', 'code'],
);

/** Duration of one unit of work end to end inside an activity, by kind and stage. */
export const stageSeconds = histogram(
  'lightbox_stage_duration_seconds',
  'Duration of one pipeline stage by kind and stage',
  ['kind', 'stage'],
  LATENCY_BUCKETS,
);

/** A gauge per task queue and task type (workflow, activity), as the backlog collector sets them. */
function queueGauge(name: string, help: string): Gauge<'task_queue' | 'task_type'> {
  return gauge(name, help, ['task_queue', 'task_type']);
}

/**
 * Task-queue backlog as the Temporal server reports it (DescribeTaskQueue with reportStats), by
 * queue and task type: what KEDA scales the worker pools on and what the GPU-backlog alert
 * watches. Set by the backlog collector (src/telemetry/queue-backlog.ts).
 */
export const taskQueueBacklog = queueGauge('lightbox_task_queue_backlog', 'Approximate tasks waiting in a task queue by queue and task type');
export const taskQueueBacklogAge = queueGauge(
  'lightbox_task_queue_backlog_age_seconds',
  'Age of the oldest waiting task in a task queue by queue and task type',
);
export const taskQueueAddRate = queueGauge(
  'lightbox_task_queue_tasks_add_rate',
  'Tasks added per second to a task queue (server estimate) by queue and task type',
);
export const taskQueueDispatchRate = queueGauge(
  'lightbox_task_queue_tasks_dispatch_rate',
  'Tasks handed to workers per second from a task queue (server estimate) by queue and task type',
);
/** Pollers the server has seen on a task queue recently: 0 on the GPU queues means no GPU worker is up. */
export const taskQueuePollers = queueGauge(
  'lightbox_task_queue_pollers',
  'Workers polling a task queue (as the server saw them recently) by queue and task type',
);

/** Failed DescribeTaskQueue calls: the backlog gauges above are stale while this grows. */
export const taskQueueStatsErrors = counter('lightbox_task_queue_stats_errors_total', 'DescribeTaskQueue calls that failed, by queue', ['task_queue']);
