/**
 * The only reader of process.env. Every variable is declared, described and validated in its
 * section (./sections/, gathered by ./schema.ts, documented in docs/configuration.md); this file
 * turns them into the typed Config the processes use.
 */
import path from 'node:path';
import { envSchema } from './schema';

/**
 * Algorithm tunables no deployment needs to set: typed defaults in code, changed by a commit that
 * shows its `npm run eval` figures rather than per environment (they were environment variables).
 */
const TUNABLES = {
  /** width of the hashing fallback embedding. */
  hashingDim: 1024,
  /** img2img denoising strength (0 keeps the photo, 1 ignores it). */
  denoisingStrength: 0.55,
  /** one Gemini request's timeout. */
  geminiTimeoutMs: 30_000,
  /** time box of each context search attempt. */
  contextTimeoutMs: 8_000,
} as const;

export type WorkerRole = 'workflow' | 'cpu' | 'io' | 'gpu';

/** Offset of each worker role's Prometheus port from WORKER_METRICS_PORT_BASE, so one host can run them all. */
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
  if (e.LIGHTBOX_VECTOR_STORE === 'chroma' && !e.CHROMA_URL) {
    throw new ConfigError('Invalid configuration:\n  CHROMA_URL: required when LIGHTBOX_VECTOR_STORE=chroma');
  }
  if (e.LIGHTBOX_STORAGE === 'gcs' && !e.GCS_BUCKET) {
    throw new ConfigError('Invalid configuration:\n  GCS_BUCKET: required when LIGHTBOX_STORAGE=gcs');
  }
  if (e.GPU_STALL_ABORT_SECONDS <= e.GPU_HEARTBEAT_TIMEOUT_SECONDS + e.GPU_RETRY_INITIAL_INTERVAL_SECONDS) {
    // Otherwise a stalled node frees its slot before Temporal has moved the job, and may take it back.
    throw new ConfigError(
      'Invalid configuration:\n  GPU_STALL_ABORT_SECONDS: must be longer than GPU_HEARTBEAT_TIMEOUT_SECONDS + GPU_RETRY_INITIAL_INTERVAL_SECONDS',
    );
  }
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
      jsonBodyLimit: e.LIGHTBOX_JSON_BODY_LIMIT,
      maxUploadBytes: e.LIGHTBOX_MAX_UPLOAD_BYTES,
      maxFilesPerRequest: e.LIGHTBOX_MAX_FILES_PER_REQUEST,
      uploadsPerTenant: e.LIGHTBOX_MAX_UPLOADS_PER_TENANT,
      uploadsInFlight: e.LIGHTBOX_MAX_UPLOADS_IN_FLIGHT,
      signedUrlTtlSeconds: e.LIGHTBOX_SIGNED_URL_TTL_SECONDS,
    },
    temporal: {
      /** true: Lightbox runs its own dev server (npm start); false: TEMPORAL_ADDRESS names a cluster. */
      embedded,
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_DEV_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS || e.TEMPORAL_API_KEY !== undefined,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
      searchPath: e.PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: (e.TEMPORAL_UI_PUBLIC_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
      dbFile: path.join(dataDir, 'temporal', 'dev-server.sqlite'),
    },
    storage: {
      kind: e.LIGHTBOX_STORAGE,
      localRoot: path.join(dataDir, 'blobs'),
      signingSecret: e.LIGHTBOX_SIGNING_SECRET,
      gcs: { bucket: e.GCS_BUCKET, projectId: e.GCS_PROJECT_ID, apiEndpoint: e.GCS_API_ENDPOINT },
    },
    photos: {
      albumIdleCloseMs: Math.round(e.LIGHTBOX_ALBUM_IDLE_CLOSE_HOURS * 3600_000),
      albumParallelism: e.LIGHTBOX_ALBUM_PARALLELISM,
      batchSize: e.LIGHTBOX_PHOTO_BATCH_SIZE,
      heartbeatSeconds: e.LIGHTBOX_PHOTO_HEARTBEAT_SECONDS,
      maxPhotosPerAlbum: e.LIGHTBOX_ALBUM_MAX_PHOTOS,
      continueAsNewAfterEvents: e.LIGHTBOX_CONTINUE_AS_NEW_EVENTS,
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
      cacheDir: path.resolve(e.LIGHTBOX_MODEL_CACHE_DIR ?? path.join(e.XDG_CACHE_HOME ?? path.join(e.HOME ?? '/tmp', '.cache'), 'lightbox', 'models')),
      skipBuild: e.LIGHTBOX_SKIP_MODEL_BUILD,
      source: e.LIGHTBOX_MODEL_SOURCE,
      bucket: e.LIGHTBOX_MODELS_BUCKET,
      hfToken: e.HF_TOKEN,
      intraOpThreads: e.ORT_INTRA_OP_THREADS,
      interOpThreads: e.ORT_INTER_OP_THREADS,
      allowSpinning: e.ORT_ALLOW_SPINNING,
    },
    matching: {
      store: e.LIGHTBOX_VECTOR_STORE,
      chromaUrl: e.CHROMA_URL,
      /** Where the embedded vector index lives. */
      embeddedDir: path.join(dataDir, 'vectors'),
      hashingDim: TUNABLES.hashingDim,
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
      metricsPortBase: e.WORKER_METRICS_PORT_BASE,
      metricsHost: e.WORKER_METRICS_HOST,
      /** Loopback port of the SDK's own Prometheus exporter, proxied through metricsPort; unset → any free port. */
      sdkMetricsPort: e.WORKER_SDK_METRICS_PORT,
      workflowBundle: e.WORKFLOW_BUNDLE_PATH,
    },
    gpu: {
      timeouts: {
        heartbeatTimeoutMs: Math.round(e.GPU_HEARTBEAT_TIMEOUT_SECONDS * 1000),
        scheduleToStartTimeoutMs: Math.round(e.GPU_SCHEDULE_TO_START_TIMEOUT_SECONDS * 1000),
        retryInitialIntervalMs: Math.round(e.GPU_RETRY_INITIAL_INTERVAL_SECONDS * 1000),
      },
      stallAbortMs: Math.round(e.GPU_STALL_ABORT_SECONDS * 1000),
      diffusion: {
        /** Comma-separated: one A1111 server per GPU on the node. Unset → CPU fallback stylizer. */
        urls:
          e.DIFFUSION_BACKEND_URL?.split(',')
            .map((u) => u.trim().replace(/\/+$/, ''))
            .filter(Boolean) ?? [],
        steps: e.DIFFUSION_STEPS,
        denoisingStrength: TUNABLES.denoisingStrength,
        maxSide: e.DIFFUSION_MAX_SIDE,
        progressPollMs: e.DIFFUSION_PROGRESS_POLL_MS,
      },
      llm: {
        baseUrl: e.LLM_BASE_URL?.replace(/\/+$/, ''),
        apiKey: e.LLM_API_KEY,
        model: e.LLM_MODEL,
        maxTokens: e.LLM_MAX_TOKENS,
        local: { model: e.LLM_LOCAL_MODEL === 'none' ? undefined : e.LLM_LOCAL_MODEL, threads: e.LLM_THREADS, maxTokens: e.LLM_LOCAL_MAX_TOKENS },
      },
    },
    gemini: { apiKey: e.GEMINI_API_KEY, model: e.GEMINI_MODEL, baseUrl: e.GEMINI_BASE_URL, timeoutMs: TUNABLES.geminiTimeoutMs },
    context: {
      timeoutMs: TUNABLES.contextTimeoutMs,
      google: { apiKey: e.GOOGLE_CSE_API_KEY, cx: e.GOOGLE_CSE_ID, baseUrl: e.GOOGLE_CSE_BASE_URL },
      spotify: {
        clientId: e.SPOTIFY_CLIENT_ID,
        clientSecret: e.SPOTIFY_CLIENT_SECRET,
        apiBaseUrl: e.SPOTIFY_API_BASE_URL,
        accountsUrl: e.SPOTIFY_ACCOUNTS_URL,
      },
      youtube: { apiKey: e.YOUTUBE_API_KEY, baseUrl: e.YOUTUBE_API_BASE_URL },
    },
    telemetry: {
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME,
      /** How often the API exports task-queue backlog gauges; 0 turns the collector off. */
      backlogPollMs: Math.round(e.LIGHTBOX_BACKLOG_POLL_SECONDS * 1000),
    },
  };
}

export type Config = ReturnType<typeof loadConfig>;

/** Names of every variable the schema knows, for the README table check. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);
