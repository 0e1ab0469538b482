/**
 * Task queues, retry policies and timeouts: the one place workflows and workers agree on them.
 * Safe to import from workflow code (plain data and types only).
 */
import type { RetryPolicy } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';

export const TASK_QUEUES = {
  /** Workflow tasks only: cheap, deterministic orchestration. */
  workflow: 'lightbox-workflows',
  /** CPU-bound inference and image decoding. Scales out with CPU workers. */
  cpu: 'lightbox-cpu',
  /** Network-bound work: storage, external APIs. High concurrency, little CPU. */
  io: 'lightbox-io',
} as const;

/**
 * GPU work is queued per model class, because a class is tied to a GPU kind and a server on it
 * (Qwen2.5-7B behind vLLM on L4s, Stable Diffusion behind A1111 on T4s) and to how many requests
 * one GPU takes at once. Polled only by GPU workers; one node may poll several classes.
 */
export const GPU_CLASSES = ['llm', 'diffusion'] as const;
export type GpuClass = (typeof GPU_CLASSES)[number];
export const GPU_QUEUES: Record<GpuClass, string> = {
  llm: 'lightbox-gpu-llm',
  diffusion: 'lightbox-gpu-diffusion',
};

type TaskQueueRole = keyof typeof TASK_QUEUES;

/** Every task queue a Lightbox worker polls: what the backlog collector and the autoscalers cover. */
export const ALL_TASK_QUEUES: readonly string[] = [...new Set([...Object.values(TASK_QUEUES), ...Object.values(GPU_QUEUES)])];

/** Error types that retrying cannot fix: bad input. Activities throw them as non-retryable too. */
const NON_RETRYABLE_ERROR_TYPES = [
  'EMPTY_FILE',
  'NOT_AN_IMAGE',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE',
  'PIXEL_LIMIT_EXCEEDED',
  'BLOB_NOT_FOUND',
  'INVALID_KEY',
] as const;

export const RETRY: Record<'infrastructure' | 'externalApi' | 'gpu', RetryPolicy> = {
  /** Storage blips, worker restarts: back off and try again a handful of times. */
  infrastructure: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
  /** Paid external APIs (Gemini, search): a short burst of retries, then the caller falls back. */
  externalApi: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
  /** GPU jobs are long and expensive: fewer, slower retries. */
  gpu: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
};

export const ACTIVITY_OPTIONS = {
  cpu: {
    taskQueue: TASK_QUEUES.cpu,
    startToCloseTimeout: '2m',
    retry: RETRY.infrastructure,
  },
  io: {
    taskQueue: TASK_QUEUES.io,
    startToCloseTimeout: '1m',
    retry: RETRY.infrastructure,
  },
} satisfies Record<Exclude<TaskQueueRole, 'workflow'>, ActivityOptions>;

/** GPU jobs, before gpuActivityOptions names the class's queue and applies the configured timeouts. */
export const GPU_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30m',
  // A GPU job heartbeats every step; silence means the node died, so retry elsewhere soon.
  heartbeatTimeout: '1m',
  retry: RETRY.gpu,
} satisfies ActivityOptions;

/**
 * Timeouts of GPU-class activities. They reach the workflow through its input (workflow code
 * cannot read config): the API sends DEFAULT_GPU_TIMEOUTS with the deployment's schedule-to-start
 * timeout, and tests send shorter ones.
 */
export interface GpuTimeouts {
  /** A GPU job heartbeats per step or token; silence this long means a stuck GPU: retry elsewhere. */
  heartbeatTimeoutMs: number;
  /** No GPU worker took the job for this long: fail it visibly instead of waiting forever. */
  scheduleToStartTimeoutMs: number;
  /** First retry delay after a stuck or failed attempt. */
  retryInitialIntervalMs: number;
}

/**
 * A job that hit the schedule-to-start timeout while GPU workers were polling is only stuck
 * behind a long queue: it is queued again, at most this many times, before it fails.
 */
export const GPU_MAX_REQUEUES = 48;

/**
 * 60 s: a diffusion step or an LLM token comes within seconds even on a small GPU, so a minute
 * of silence is a hung GPU, not a slow one. 10 s before the retry: time for a crashed node's slot
 * to come back. 30 min to start: a cold GPU node (autoscaling, model load) is up well inside it.
 */
export const DEFAULT_GPU_TIMEOUTS: GpuTimeouts = {
  heartbeatTimeoutMs: 60_000,
  scheduleToStartTimeoutMs: 30 * 60_000,
  retryInitialIntervalMs: 10_000,
};

export function gpuActivityOptions(gpuClass: GpuClass, t: GpuTimeouts = DEFAULT_GPU_TIMEOUTS): ActivityOptions {
  return {
    ...GPU_ACTIVITY_OPTIONS,
    taskQueue: GPU_QUEUES[gpuClass],
    // Only GPU workers poll these queues, so a job that waits this long means no GPU worker is up.
    scheduleToStartTimeout: t.scheduleToStartTimeoutMs,
    heartbeatTimeout: t.heartbeatTimeoutMs,
    retry: { ...RETRY.gpu, initialInterval: t.retryInitialIntervalMs },
  };
}
