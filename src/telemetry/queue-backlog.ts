/**
 * Exports every task queue's backlog (DescribeTaskQueue with reportStats) as gauges in the
 * shared registry. The SDK's own metrics show what a worker sees (schedule-to-start latency,
 * slots); only the server knows how much work is waiting for a pool that has no worker at all,
 * which is exactly the GPU pools' state between jobs (scaled to zero).
 *
 * The queue list is ALL_TASK_QUEUES (TASK_QUEUES and the GPU class queues), so a queue added there is picked up
 * without touching this file. Both task types are asked for every queue: a queue's workflow
 * and activity backlogs are separate, and asking costs one cheap RPC.
 */
import type { WorkflowService } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_TASK_QUEUES } from '../shared/task-queues';
import { taskQueueAddRate, taskQueueBacklog, taskQueueBacklogAge, taskQueueDispatchRate, taskQueuePollers, taskQueueStatsErrors } from './metrics';

const TYPES = {
  workflow: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  activity: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
} as const;

export interface BacklogCollectorOptions {
  workflowService: WorkflowService;
  namespace: string;
  intervalMs: number;
  /** Defaults to every queue in ALL_TASK_QUEUES. */
  queues?: () => string[];
  onError?: (err: Error, taskQueue: string) => void;
}

export interface BacklogCollector {
  /** One round now: resolves when every queue has been asked (failures are counted, not thrown). */
  collect(): Promise<void>;
  stop(): void;
}

const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => (d ? Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9 : 0);

export function startBacklogCollector(opts: BacklogCollectorOptions): BacklogCollector {
  const queues = opts.queues ?? (() => [...ALL_TASK_QUEUES]);

  async function describe(taskQueue: string, type: keyof typeof TYPES): Promise<void> {
    const res = await opts.workflowService.describeTaskQueue({
      namespace: opts.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TYPES[type],
      reportStats: true,
    });
    const labels = { task_queue: taskQueue, task_type: type };
    const stats = res.stats;
    taskQueueBacklog.set(labels, Number(stats?.approximateBacklogCount ?? 0));
    taskQueueBacklogAge.set(labels, seconds(stats?.approximateBacklogAge));
    taskQueueAddRate.set(labels, stats?.tasksAddRate ?? 0);
    taskQueueDispatchRate.set(labels, stats?.tasksDispatchRate ?? 0);
    taskQueuePollers.set(labels, res.pollers?.length ?? 0);
  }

  async function collect(): Promise<void> {
    await Promise.all(
      queues().flatMap((q) =>
        (Object.keys(TYPES) as Array<keyof typeof TYPES>).map((type) =>
          describe(q, type).catch((err: Error) => {
            taskQueueStatsErrors.inc({ task_queue: q });
            opts.onError?.(err, q);
          }),
        ),
      ),
    );
  }

  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    // A slow server must not pile up rounds.
    if (!running) running = collect().finally(() => (running = undefined));
  }, opts.intervalMs);
  timer.unref();
  void collect();
  return { collect, stop: () => clearInterval(timer) };
}
