/**
 * The GPU class queues as Temporal sees them: approximate backlog, its age, and the workers
 * polling. The API shows it in job status; the workflows ask it (through
 * activities/gpu/gpu-queue-health.ts) whether a job that waited too long has live GPU workers or none.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { GPU_QUEUES, type GpuClass } from '../shared/task-queues';

const { TaskQueueType } = temporal.api.enums.v1;

export interface GpuQueueSnapshot {
  queue: string;
  /** null when the server does not report it. */
  backlog: number | null;
  backlogAgeSeconds: number | null;
  pollers: number;
}

/** Cached briefly: status polling must not hammer the frontend. */
export class GpuQueueMonitor {
  private cache = new Map<GpuClass, { at: number; value: Promise<GpuQueueSnapshot> }>();

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
    private readonly maxAgeMs = 2000,
  ) {}

  snapshot(gpuClass: GpuClass): Promise<GpuQueueSnapshot> {
    const hit = this.cache.get(gpuClass);
    if (hit && Date.now() - hit.at < this.maxAgeMs) return hit.value;
    // The Prometheus gauges for these queues come from the backlog collector (src/telemetry/queue-backlog.ts).
    const value = this.describe(GPU_QUEUES[gpuClass]);
    value.catch(() => this.cache.delete(gpuClass));
    this.cache.set(gpuClass, { at: Date.now(), value });
    return value;
  }

  all(): Promise<GpuQueueSnapshot[]> {
    return Promise.all((Object.keys(GPU_QUEUES) as GpuClass[]).map((c) => this.snapshot(c)));
  }

  private async describe(queue: string): Promise<GpuQueueSnapshot> {
    const res = await this.client.workflowService.describeTaskQueue({
      namespace: this.namespace,
      taskQueue: { name: queue },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      reportStats: true,
    });
    const age = res.stats?.approximateBacklogAge;
    return {
      queue,
      backlog: res.stats?.approximateBacklogCount != null ? Number(res.stats.approximateBacklogCount) : null,
      backlogAgeSeconds: age ? Number(age.seconds ?? 0) + (age.nanos ?? 0) / 1e9 : null,
      pollers: res.pollers?.length ?? 0,
    };
  }
}
