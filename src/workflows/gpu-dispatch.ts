/**
 * Running a GPU-class activity from a workflow. Only GPU workers poll the class queues, so a
 * schedule-to-start timeout means either no GPU worker is up — fail now, visibly, as
 * NO_GPU_WORKER — or the workers are up and the queue is long, in which case the job is queued
 * again instead of being failed for waiting its turn. Which one is asked of Temporal (the
 * queue's pollers) through an I/O activity.
 */
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { createGpuQueueActivities } from '../activities/gpu/gpu-queue-health';
import { ACTIVITY_OPTIONS, GPU_MAX_REQUEUES, GPU_QUEUES, type GpuClass } from '../shared/task-queues';

const io = proxyActivities<ReturnType<typeof createGpuQueueActivities>>(ACTIVITY_OPTIONS.io);

const waitedTooLong = (err: unknown) =>
  err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;

export async function onGpu<T>(gpuClass: GpuClass, run: () => Promise<T>): Promise<T> {
  for (let requeues = 0; ; requeues++) {
    try {
      return await run();
    } catch (err) {
      if (!waitedTooLong(err)) throw err;
      const queue = await io.gpuQueueHealth(gpuClass);
      if (queue.pollers === 0) {
        throw ApplicationFailure.nonRetryable(
          `No GPU worker polls ${GPU_QUEUES[gpuClass]}: the job waited past its schedule-to-start timeout`,
          'NO_GPU_WORKER',
        );
      }
      if (requeues >= GPU_MAX_REQUEUES) {
        throw ApplicationFailure.nonRetryable(`${GPU_QUEUES[gpuClass]} stayed too long to get through (${queue.backlog ?? '?'} waiting)`, 'GPU_QUEUE_TOO_LONG');
      }
    }
  }
}
