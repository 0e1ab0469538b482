import type { GpuClass } from '../../shared/task-queues';
import type { GpuQueueMonitor, GpuQueueSnapshot } from '../../temporal-client/gpu-queues';

/** I/O-queue activity: the workflows' view of a GPU class's queue. */
export function createGpuQueueActivities(monitor: Pick<GpuQueueMonitor, 'snapshot'>) {
  async function gpuQueueHealth(gpuClass: GpuClass): Promise<GpuQueueSnapshot> {
    return monitor.snapshot(gpuClass);
  }
  return { gpuQueueHealth };
}
