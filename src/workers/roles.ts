/**
 * What each worker role polls and registers. The entrypoints are one line each; tests use these
 * same specs to run real workers in-process.
 */
import os from 'node:os';
import { createAlbumIoActivities } from '../activities/album-io';
import { createGpuActivities } from '../activities/gpu-probe';
import { createIsolatedDecoder, isolatedDecoderOptionsFromConfig } from '../activities/decode/isolated-decode';
import { createPhotoActivities } from '../activities/photo-analysis';
import { createMatchingCpuActivities, createMatchingIoActivities } from '../activities/matching';
import { matchEmbedderFromConfig } from '../matching/match-embedder';
import { vectorStoreFromConfig } from '../matching/store-from-config';
import { createModelRuntime } from '../models';
import { blobStoreFromConfig } from './deps';
import type { WorkerSpec } from './run-worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export const workflowWorker: WorkerSpec = {
  role: 'workflow',
  setup: (config) => ({
    options: { workflowsPath: WORKFLOWS_PATH, maxCachedWorkflows: config.workers.maxCachedWorkflows },
  }),
};

export const cpuWorker: WorkerSpec = {
  role: 'cpu',
  setup: async (config) => {
    // Decoding is CPU-bound: more slots than cores only adds memory pressure.
    const concurrency = config.workers.cpuConcurrency ?? Math.max(1, os.availableParallelism());
    const decoder = createIsolatedDecoder({ ...isolatedDecoderOptionsFromConfig(config), poolSize: concurrency });
    await decoder.warmUp();
    const models = createModelRuntime(config.models);
    return {
      options: {
        activities: {
          ...createPhotoActivities({ store: blobStoreFromConfig(config), decoder }),
          ...createMatchingCpuActivities({ embedder: matchEmbedderFromConfig(models.sessions, config.matching) }),
        },
        maxConcurrentActivityTaskExecutions: concurrency,
      },
      dispose: async () => {
        await decoder.close();
        await models.sessions.close();
      },
    };
  },
};

export const ioWorker: WorkerSpec = {
  role: 'io',
  setup: (config) => {
    const vectors = vectorStoreFromConfig(config.matching);
    return {
      options: {
        activities: {
          ...createAlbumIoActivities({ store: blobStoreFromConfig(config) }),
          ...createMatchingIoActivities({ store: vectors }),
        },
        maxConcurrentActivityTaskExecutions: config.workers.ioConcurrency,
      },
      dispose: () => vectors.close(),
    };
  },
};

export const gpuWorker: WorkerSpec = {
  role: 'gpu',
  setup: (config) => ({
    options: {
      activities: createGpuActivities(),
      // One job per GPU by default: a second diffusion job on a T4 only thrashes its memory.
      maxConcurrentActivityTaskExecutions: config.workers.gpuConcurrency,
    },
  }),
};
