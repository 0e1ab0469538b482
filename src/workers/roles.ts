/**
 * What each worker role polls and registers. The entrypoints are one line each; tests use these
 * same specs to run real workers in-process.
 */
import os from 'node:os';
import { createAlbumIoActivities } from '../activities/album-io';
import { createGpuActivities } from '../activities/gpu-probe';
import { createIsolatedDecoder, isolatedDecoderOptionsFromConfig } from '../activities/decode/isolated-decode';
import { createPhotoActivities } from '../activities/photo-analysis';
import { createAlbumAnalysisActivities } from '../activities/photo-pipeline/analyze-album';
import { createPhotoPipelineActivities } from '../activities/photo-pipeline/analyze-batch';
import { createAlbumStateActivities } from '../activities/photo-pipeline/album-state';
import { blobStoreFromConfig, embeddingCacheFromConfig, photoModelsFromConfig } from './deps';
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
    const store = blobStoreFromConfig(config);
    const [models] = await Promise.all([photoModelsFromConfig(config), decoder.warmUp()]);
    const cache = embeddingCacheFromConfig(config);
    return {
      options: {
        activities: {
          // analyzePhoto: albums started before the pipeline (album-v1) still call it.
          ...createPhotoActivities({ store, decoder }),
          ...createPhotoPipelineActivities({ store, decoder, models, cache, decodeAttempts: config.analysis.decodeAttempts }),
          ...createAlbumAnalysisActivities({ store, settings: config.analysis }),
        },
        maxConcurrentActivityTaskExecutions: concurrency,
      },
      dispose: async () => {
        await decoder.close();
        await cache.close();
      },
    };
  },
};

export const ioWorker: WorkerSpec = {
  role: 'io',
  setup: (config) => ({
    options: {
      activities: (() => {
        const store = blobStoreFromConfig(config);
        return { ...createAlbumIoActivities({ store }), ...createAlbumStateActivities({ store }) };
      })(),
      maxConcurrentActivityTaskExecutions: config.workers.ioConcurrency,
    },
  }),
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
