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

function once<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** One model inference run (a whole batch), by model id@version and the method that ran. */
export const inferenceSeconds = once(
  'lightbox_inference_duration_seconds',
  () =>
    new Histogram({
      name: 'lightbox_inference_duration_seconds',
      help: 'Duration of one inference run (one batch) by model and method',
      labelNames: ['model', 'method'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
);

/** Items per inference run: shows whether micro-batching actually batches. */
export const inferenceBatchSize = once(
  'lightbox_inference_batch_size',
  () =>
    new Histogram({
      name: 'lightbox_inference_batch_size',
      help: 'Items in one inference run by model',
      labelNames: ['model'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
);

/** LLM tokens per request (prompt and completion). */
export const llmTokens = once(
  'lightbox_llm_tokens',
  () =>
    new Histogram({
      name: 'lightbox_llm_tokens',
      help: 'Tokens per LLM request by model and kind (prompt, completion)',
      labelNames: ['model', 'kind'] as const,
      buckets: [16, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
      registers: [registry],
    }),
);

/** Vector store query latency (ChromaDB or the embedded index). */
export const vectorSearchSeconds = once(
  'lightbox_vector_search_duration_seconds',
  () =>
    new Histogram({
      name: 'lightbox_vector_search_duration_seconds',
      help: 'Vector search latency by store and operation',
      labelNames: ['store', 'operation'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
);

/** Vectors held by the vector store, per collection. */
export const vectorIndexSize = once(
  'lightbox_vector_index_size',
  () =>
    new Gauge({
      name: 'lightbox_vector_index_size',
      help: 'Vectors in the index by store and collection',
      labelNames: ['store', 'collection'] as const,
      registers: [registry],
    }),
);

/** Work items (photos, reports, styles, moderation messages) by kind and outcome: the failure rate. */
export const jobOutcomes = once(
  'lightbox_job_outcomes_total',
  () =>
    new Counter({
      name: 'lightbox_job_outcomes_total',
      help: 'Finished work items by kind (photo, style, report, moderation, match) and outcome (ok, failed, fallback)',
      labelNames: ['kind', 'outcome', 'code'] as const,
      registers: [registry],
    }),
);

/** Duration of one unit of work end to end inside an activity, by kind and stage. */
export const stageSeconds = once(
  'lightbox_stage_duration_seconds',
  () =>
    new Histogram({
      name: 'lightbox_stage_duration_seconds',
      help: 'Duration of one pipeline stage by kind and stage',
      labelNames: ['kind', 'stage'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
);

export interface GpuQueueSnapshot {
  queue: string;
  /** null when the server does not report it. */
  backlog: number | null;
  backlogAgeSeconds: number | null;
  pollers: number;
}

let gpuQueueSource: (() => Promise<GpuQueueSnapshot[]>) | undefined;

/** The process that can ask Temporal (the API) registers how; each scrape then reads fresh numbers. */
export function observeGpuQueues(source: () => Promise<GpuQueueSnapshot[]>): void {
  gpuQueueSource = source;
}

/** Set on scrape: jobs waiting on a GPU class's queue, how old the oldest is, and who polls it. */
export const gpuQueuePollers = once(
  'lightbox_gpu_queue_pollers',
  () =>
    new Gauge({
      name: 'lightbox_gpu_queue_pollers',
      help: 'Workers recently polling a GPU task queue; 0 with a backlog means no GPU worker is up',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
);

export const gpuQueueBacklogAgeSeconds = once(
  'lightbox_gpu_queue_backlog_age_seconds',
  () =>
    new Gauge({
      name: 'lightbox_gpu_queue_backlog_age_seconds',
      help: 'Age of the oldest job waiting on a GPU task queue (Temporal approximate)',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
);

export const gpuQueueBacklog = once(
  'lightbox_gpu_queue_backlog',
  () =>
    new Gauge({
      name: 'lightbox_gpu_queue_backlog',
      help: 'Jobs waiting on a GPU task queue for a GPU slot (Temporal approximate backlog)',
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        if (!gpuQueueSource) return;
        try {
          recordGpuQueues(await gpuQueueSource());
        } catch {
          // Temporal unreachable: keep the last values; the API's readiness check reports the outage.
        }
      },
    }),
);

export function recordGpuQueues(snapshots: GpuQueueSnapshot[]): void {
  for (const s of snapshots) {
    if (s.backlog !== null) gpuQueueBacklog.set({ queue: s.queue }, s.backlog);
    if (s.backlogAgeSeconds !== null) gpuQueueBacklogAgeSeconds.set({ queue: s.queue }, s.backlogAgeSeconds);
    gpuQueuePollers.set({ queue: s.queue }, s.pollers);
  }
}
