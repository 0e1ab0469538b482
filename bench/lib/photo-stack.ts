/**
 * What the photo benchmarks share: the stack without a CPU worker (each benchmark runs its own,
 * in a child process, so its CPU and memory are measured alone), and their latency figure.
 */
import { gpuWorkerSpecs, ioWorker, workflowWorker } from '../../src/workers/roles';
import { startStack } from '../../test/helpers/stack';
import { percentile } from './load';

/** `batch` photos per activity and `cpuSlots` slots: enough photos in flight to keep every slot busy. */
export function startPhotoStack(temporalAddress: string, opts: { batch?: number; cpuSlots?: number; env?: Record<string, string> } = {}) {
  const batching: Record<string, string> =
    opts.batch === undefined
      ? {}
      : { LIGHTBOX_PHOTO_BATCH_SIZE: String(opts.batch), LIGHTBOX_ALBUM_PARALLELISM: String(opts.batch * (opts.cpuSlots ?? 1) * 2) };
  return startStack(temporalAddress, { ...batching, ...opts.env }, undefined, {
    specs: (config) => [workflowWorker, ioWorker, ...gpuWorkerSpecs(config)],
  });
}

/** Per-photo latency p50 / p95 of sorted milliseconds, in seconds. */
export const p50p95Seconds = (sorted: readonly number[]) => `${(percentile(sorted, 50) / 1000).toFixed(2)} s / ${(percentile(sorted, 95) / 1000).toFixed(2)} s`;
