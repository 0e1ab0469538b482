/**
 * The only reader of process.env. Every variable is declared, described and validated in its
 * section (./sections/, gathered by ./schema.ts, documented in docs/configuration.md); this file
 * turns them into the typed Config the processes use. Only what a deployment decides lives here;
 * algorithm tunables (thresholds, sizes, retry timing) are typed constants beside the code that
 * uses them, and tests reach them through factory options (WorkerTuning, ApiTuning).
 */
import os from 'node:os';
import path from 'node:path';
import { envSchema } from './schema';

export type WorkerRole = 'workflow' | 'cpu' | 'io' | 'gpu';

/** Offset of each worker role's metrics port from WORKER_METRICS_PORT when `npm start` runs them all on one host. */
export const WORKER_METRICS_PORT_OFFSET: Record<WorkerRole, number> = { workflow: 0, cpu: 1, io: 2, gpu: 3 };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LIGHTBOX_DATA_DIR);
  const embedded = e.TEMPORAL_ADDRESS === undefined;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir,
    api: {
      port: e.PORT,
      publicUrl: (e.LIGHTBOX_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      /** Only a configured URL is baked into local signed URLs; the localhost default would break other hosts. */
      publicUrlConfigured: e.LIGHTBOX_PUBLIC_URL !== undefined,
      apiKeys: e.LIGHTBOX_API_KEYS,
      maxUploadBytes: e.LIGHTBOX_MAX_UPLOAD_BYTES,
      uploadsPerTenant: e.LIGHTBOX_MAX_UPLOADS_PER_TENANT,
      uploadsInFlight: e.LIGHTBOX_MAX_UPLOADS_IN_FLIGHT,
    },
    temporal: {
      /** true: Lightbox runs its own dev server (npm start); false: TEMPORAL_ADDRESS names a cluster. */
      embedded,
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_DEV_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS || e.TEMPORAL_API_KEY !== undefined,
      cliPath: e.TEMPORAL_CLI_PATH,
      searchPath: e.PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: (e.TEMPORAL_UI_PUBLIC_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
      dbFile: path.join(dataDir, 'temporal', 'dev-server.sqlite'),
    },
    storage: {
      /** A bucket named: Google Cloud Storage; else the local store. */
      kind: e.GCS_BUCKET ? ('gcs' as const) : ('local' as const),
      localRoot: path.join(dataDir, 'blobs'),
      signingSecret: e.LIGHTBOX_SIGNING_SECRET,
      gcs: { bucket: e.GCS_BUCKET },
    },
    photos: {
      albumParallelism: e.LIGHTBOX_ALBUM_PARALLELISM,
      batchSize: e.LIGHTBOX_PHOTO_BATCH_SIZE,
      maxPhotosPerAlbum: e.LIGHTBOX_ALBUM_MAX_PHOTOS,
      heartbeatSeconds: e.LIGHTBOX_PHOTO_HEARTBEAT_SECONDS,
      albumSettleMs: Math.round(e.LIGHTBOX_ALBUM_SETTLE_SECONDS * 1000),
    },
    models: {
      /** Where installed model files live (npm run models:pull writes here). */
      dir: e.LIGHTBOX_MODELS_DIR ? path.resolve(e.LIGHTBOX_MODELS_DIR) : path.join(dataDir, 'models'),
      /** production ids, their test twins (tests), or the shape-faithful bench encoder. */
      set: e.LIGHTBOX_MODEL_SET,
      /** LIGHTBOX_MODEL_ROLES as written; models/roles.ts checks it against the catalogue (modelRolesFor). */
      roleSetting: e.LIGHTBOX_MODEL_ROLES,
      /** models:build's download and conversion cache, outside the clone so a fresh clone reuses it. */
      cacheDir: path.resolve(e.LIGHTBOX_MODEL_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'lightbox', 'models')),
      skipBuild: e.LIGHTBOX_SKIP_MODEL_BUILD,
      source: e.LIGHTBOX_MODEL_SOURCE,
      bucket: e.LIGHTBOX_MODELS_BUCKET,
      hfToken: e.HF_TOKEN,
      /** ONNX Runtime's threads inside one operator; unset, every core. */
      intraOpThreads: e.INFERENCE_THREADS,
    },
    matching: {
      /** A Chroma server named: it holds the vectors; else the embedded index. */
      store: e.CHROMA_URL ? ('chroma' as const) : ('embedded' as const),
      chromaUrl: e.CHROMA_URL,
      /** Where the embedded vector index lives. */
      embeddedDir: path.join(dataDir, 'vectors'),
      useTestModels: e.LIGHTBOX_MODEL_SET === 'test',
    },
    moderation: {
      useTestModels: e.LIGHTBOX_MODEL_SET === 'test',
    },
    cache: {
      redisUrl: e.REDIS_URL,
    },
    workers: {
      cpuConcurrency: e.CPU_WORKER_CONCURRENCY,
      ioConcurrency: e.IO_WORKER_CONCURRENCY,
      gpuClasses: e.GPU_WORKER_CLASSES,
      gpuCount: e.GPU_COUNT,
      /** Slots per GPU by class: diffusion owns the whole GPU; vLLM batches concurrent LLM requests. */
      gpuSlotsPerGpu: { llm: e.GPU_LLM_SLOTS_PER_GPU, diffusion: e.GPU_DIFFUSION_SLOTS_PER_GPU },
      maxCachedWorkflows: e.WORKFLOW_WORKER_MAX_CACHED,
      shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
      metricsPort: e.WORKER_METRICS_PORT,
      metricsHost: e.WORKER_METRICS_HOST,
      workflowBundle: e.WORKFLOW_BUNDLE_PATH,
    },
    gpu: {
      diffusion: {
        /** Comma-separated: one A1111 server per GPU on the node. Unset → CPU fallback stylizer. */
        urls:
          e.DIFFUSION_BACKEND_URL?.split(',')
            .map((u) => u.trim().replace(/\/+$/, ''))
            .filter(Boolean) ?? [],
      },
      llm: {
        baseUrl: e.LLM_BASE_URL?.replace(/\/+$/, ''),
        apiKey: e.LLM_API_KEY,
        model: e.LLM_MODEL,
        local: { model: e.LLM_LOCAL_MODEL === 'none' ? undefined : e.LLM_LOCAL_MODEL, threads: e.INFERENCE_THREADS ?? 1 },
      },
    },
    gemini: { apiKey: e.GEMINI_API_KEY },
    context: {
      google: { apiKey: e.GOOGLE_CSE_API_KEY, cx: e.GOOGLE_CSE_ID },
      spotify: { clientId: e.SPOTIFY_CLIENT_ID, clientSecret: e.SPOTIFY_CLIENT_SECRET },
      youtube: { apiKey: e.YOUTUBE_API_KEY },
    },
    telemetry: {
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      /** How often the API exports task-queue backlog gauges; 0 turns the collector off. */
      backlogPollMs: Math.round(e.LIGHTBOX_BACKLOG_POLL_SECONDS * 1000),
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** Names of every variable the schema knows, for the README table check. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);
