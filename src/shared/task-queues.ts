/**
 * Task queues, retry policies and timeouts: the one place workflows and workers agree on them.
 * Safe to import from workflow code (plain data and types only).
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/common';

export const TASK_QUEUES = {
  /** Workflow tasks only: cheap, deterministic orchestration. */
  workflow: 'lightbox-workflows',
  /** CPU-bound inference and image decoding. Scales out with CPU workers. */
  cpu: 'lightbox-cpu',
  /** Network-bound work: storage, external APIs. High concurrency, little CPU. */
  io: 'lightbox-io',
  /** GPU-only: polled by L4/T4 workers and nothing else. */
  gpu: 'lightbox-gpu',
} as const;

export type TaskQueueRole = keyof typeof TASK_QUEUES;

/** Error types that retrying cannot fix: bad input. Activities throw them as non-retryable too. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'EMPTY_FILE',
  'NOT_AN_IMAGE',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE',
  'PIXEL_LIMIT_EXCEEDED',
  'BLOB_NOT_FOUND',
  'INVALID_KEY',
  'NO_GPU',
] as const;

export const RETRY: Record<'infrastructure' | 'gpu', RetryPolicy> = {
  /** Storage blips, worker restarts: back off and try again a handful of times. */
  infrastructure: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 5,
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
  gpu: {
    taskQueue: TASK_QUEUES.gpu,
    startToCloseTimeout: '30m',
    // A GPU job heartbeats every step; silence means the node died, so retry elsewhere soon.
    heartbeatTimeout: '1m',
    retry: RETRY.gpu,
  },
} satisfies Record<Exclude<TaskQueueRole, 'workflow'>, ActivityOptions>;
