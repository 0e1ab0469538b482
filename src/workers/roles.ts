/**
 * What each worker role polls and registers. The entrypoints are one line each; tests use these
 * same specs to run real workers in-process.
 */
import os from 'node:os';
import pino from 'pino';
import { createStylePromptActivities } from '../activities/gpu/style-prompt';
import { createStyleRenderActivities } from '../activities/gpu/style-render';
import { createTuningContextActivities } from '../activities/gpu/tuning-context';
import { createTuningReportActivities, LOCAL_REPORT_MAX_TOKENS, REPORT_MAX_TOKENS } from '../activities/gpu/tuning-report';
import { chooseLlmBackend } from '../llm/choose-backend';
import type { Config } from '../config';
import { styleBackendsFromConfig } from '../activities/gpu/style-backend';
import { GPU_QUEUES, type GpuClass } from '../shared/task-queues';
import { connectClient } from '../temporal-client/connection';
import { createGpuQueueActivities } from '../activities/gpu/gpu-queue-health';
import { GpuQueueMonitor } from '../temporal-client/gpu-queues';
import { createIsolatedDecoder, isolatedDecoderOptionsFromConfig } from '../activities/album/decode/isolated-decode';
import { createAlbumAnalysisActivities } from '../activities/album/analyze-album';
import { createPhotoPipelineActivities } from '../activities/album/analyze-batch';
import { peopleStoreFor } from '../people/people-store';
import { createAlbumStoreActivities } from '../activities/album/album-store';
import { blobStoreFromConfig } from '../storage/from-config';
import { BATCH_NICE, lowerPriority } from './batch-priority';
import { embeddingCacheFromConfig, photoModelsFromConfig } from './deps';
import { createMatchingCpuActivities, createMatchingIoActivities } from '../activities/matching/profile-index';
import { matchEmbedderFromConfig } from '../matching/match-embedder';
import { E5StyleMatcher } from '../matching/style-matcher';
import { SentenceEmbedder } from '../models/text/sentence-embedder';
import { vectorStoreFromConfig } from '../matching/store-from-config';
import { createModelRuntime, resolveModelId } from '../models';
import type { RoleSetup, WorkerSpec } from './run-worker';
import type { WorkerTuning } from './tuning';
import { workflowCodeOptions } from './workflow-bundle';
import { modelRolesFor } from '../models/roles';

export const workflowWorker: WorkerSpec = {
  role: 'workflow',
  setup: async (config) => ({
    options: { ...(await workflowCodeOptions(config)), maxCachedWorkflows: config.workers.maxCachedWorkflows },
  }),
};

export const cpuWorker: WorkerSpec = {
  role: 'cpu',
  setup: async (config) => {
    // Before the decoder children and onnxruntime's threads start, so they inherit it.
    const log = pino({ level: config.logLevel, base: { component: 'worker-cpu' } });
    lowerPriority(BATCH_NICE, (msg) => log.warn(msg));
    // Decoding is CPU-bound: more slots than cores only adds memory pressure.
    const concurrency = config.workers.cpuConcurrency ?? Math.max(1, os.availableParallelism());
    const decoder = createIsolatedDecoder({ ...isolatedDecoderOptionsFromConfig(config), poolSize: concurrency });
    const store = blobStoreFromConfig(config);
    // One session pool for every model this process runs (photos and text alike).
    const runtime = createModelRuntime(config.models);
    const [models] = await Promise.all([photoModelsFromConfig(config, runtime), decoder.warmUp()]);
    const cache = embeddingCacheFromConfig(config);
    return {
      options: {
        activities: {
          ...createPhotoPipelineActivities({ store, decoder, models, cache }),
          ...createAlbumAnalysisActivities({ store, people: peopleStoreFor(config, store) }),
          ...createMatchingCpuActivities({ embedder: matchEmbedderFromConfig(runtime.sessions, config.matching, modelRolesFor(config.models).sentence) }),
        },
        maxConcurrentActivityTaskExecutions: concurrency,
      },
      dispose: async () => {
        await decoder.close();
        await cache.close();
        await runtime.sessions.close();
      },
    };
  },
};

export const ioWorker: WorkerSpec = {
  role: 'io',
  setup: async (config, tuning = {}) => {
    const store = blobStoreFromConfig(config);
    const vectors = vectorStoreFromConfig(config.matching);
    // A client of its own: the GPU queue health check asks the frontend about a task queue.
    const client = await connectClient(config.temporal);
    return {
      options: {
        activities: {
          ...createAlbumStoreActivities({ store }),
          ...createStylePromptActivities({
            store,
            gemini: { ...config.gemini, baseUrl: tuning.geminiBaseUrl },
            // Loaded on the first request that names no style, not at start.
            matcher: new E5StyleMatcher(
              new SentenceEmbedder(
                createModelRuntime(config.models).sessions,
                resolveModelId(modelRolesFor(config.models).sentence, config.matching.useTestModels),
              ),
            ),
          }),
          ...createTuningContextActivities(config.context, tuning.contextEndpoints),
          ...createGpuQueueActivities(new GpuQueueMonitor(client, config.temporal.namespace)),
          ...createMatchingIoActivities({ store: vectors }),
        },
        maxConcurrentActivityTaskExecutions: config.workers.ioConcurrency,
      },
      dispose: async () => {
        await vectors.close();
        await client.connection.close();
      },
    };
  },
};

/** Concurrent jobs one GPU worker takes from a class's queue: slots per GPU × GPUs on the node. */
export const gpuClassSlots = (config: Config, gpuClass: GpuClass) => config.workers.gpuSlotsPerGpu[gpuClass] * config.workers.gpuCount;

async function diffusionActivities(config: Config, tuning: WorkerTuning) {
  return createStyleRenderActivities({
    store: blobStoreFromConfig(config),
    ...(await styleBackendsFromConfig({ ...config.gpu.diffusion, progressPollMs: tuning.progressPollMs }, createModelRuntime(config.models).sessions)),
    settings: tuning.render,
  });
}

/**
 * One model class's queue on a GPU node: its own Worker, so each class has its own slot count
 * and one class's backlog never takes the other's slots. The llm class on a CPU node (llama.cpp
 * in process) takes one report at a time.
 */
export function gpuClassWorker(gpuClass: GpuClass, opts: { identity?: string } = {}): WorkerSpec {
  return {
    role: 'gpu',
    setup: async (config, tuning = {}): Promise<RoleSetup> => {
      const common = {
        taskQueue: GPU_QUEUES[gpuClass],
        identity: opts.identity ?? `gpu-${gpuClass}@${process.pid}@${os.hostname()}`,
        // Heartbeats carry the progress GET /v1/styles|reports shows: send them every 2 s, not
        // the SDK's default of 0.8 × the heartbeat timeout (48 s at 60 s).
        maxHeartbeatThrottleInterval: '2s' as const,
      };
      if (gpuClass === 'diffusion') {
        return {
          options: { ...common, activities: await diffusionActivities(config, tuning), maxConcurrentActivityTaskExecutions: gpuClassSlots(config, gpuClass) },
        };
      }
      const { backend, reason } = await chooseLlmBackend(config);
      // A worker's stdout is JSON lines only (log shippers parse it), so this goes through pino too.
      const log = pino({ level: config.logLevel, base: { component: 'gpu-llm' } });
      log.info({ backend: backend?.name ?? 'template', model: backend?.model, reason }, 'report backend chosen');
      const local = backend?.name === 'llama.cpp';
      // In the background: the worker polls at once, and a report that comes first waits for the same load.
      backend?.warmUp?.().catch((err: unknown) => log.error({ err }, 'model load failed'));
      const activities = createTuningReportActivities({
        store: blobStoreFromConfig(config),
        backend,
        noBackendReason: backend ? undefined : reason,
        maxTokens: tuning.reportMaxTokens ?? (local ? LOCAL_REPORT_MAX_TOKENS : REPORT_MAX_TOKENS),
        stallAbortMs: tuning.render?.stallAbortMs,
      });
      return {
        options: {
          ...common,
          activities,
          maxConcurrentActivityTaskExecutions: local ? (backend.slotsPerDevice ?? 1) : gpuClassSlots(config, gpuClass),
          // A cancel reaches the activity in a heartbeat's reply; one a second keeps it well inside 2 s.
          ...(local ? { maxHeartbeatThrottleInterval: '1s' as const } : {}),
        },
        dispose: () => backend?.close?.() ?? Promise.resolve(),
      };
    },
  };
}

/** Everything a GPU node polls: the queue of each class named in GPU_WORKER_CLASSES. */
export const gpuWorkerSpecs = (config: Config): WorkerSpec[] => config.workers.gpuClasses.map((c) => gpuClassWorker(c));
