/**
 * Metric names the dashboards and alerts use that no Lightbox registry defines: the Temporal
 * SDK's runtime metrics (as our workers export them: durations in seconds, counters with
 * `_total`) and NVIDIA's DCGM exporter. Lightbox's own names come from the registries
 * themselves. test/integration/prometheus-scrape.test.ts checks every SDK name here is really
 * scraped from a running worker; the DCGM names are dcgm-exporter's default counters
 * (default-counters.csv) and need a GPU to see.
 */
export const TEMPORAL_SDK_METRICS = [
  'temporal_activity_schedule_to_start_latency_bucket',
  'temporal_activity_execution_latency_bucket',
  'temporal_activity_execution_latency_count',
  'temporal_activity_execution_failed_total',
  'temporal_workflow_task_schedule_to_start_latency_bucket',
  'temporal_workflow_task_execution_latency_bucket',
  'temporal_num_pollers',
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_request_latency_bucket',
] as const;

export const DCGM_METRICS = ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_POWER_USAGE'] as const;

/** Prometheus' own per-target series. */
export const PROMETHEUS_METRICS = ['up'] as const;
