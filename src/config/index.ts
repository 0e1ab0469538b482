/**
 * The only reader of process.env. Every setting Lightbox has is declared here, validated with
 * zod, and documented in the README's configuration table (keep the two in step).
 */
import path from 'node:path';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LIGHTBOX_DATA_DIR: z.string().default('.lightbox'),

  PORT: port.default(3000),
  LIGHTBOX_PUBLIC_URL: optionalString,
  LIGHTBOX_API_KEYS: optionalString,
  LIGHTBOX_JSON_BODY_LIMIT: z.string().default('1mb'),
  LIGHTBOX_MAX_UPLOAD_BYTES: positiveInt.default(50 * 1024 * 1024),
  LIGHTBOX_MAX_FILES_PER_REQUEST: positiveInt.default(200),
  LIGHTBOX_SIGNED_URL_TTL_SECONDS: positiveInt.max(7 * 24 * 3600).default(900),
  LIGHTBOX_SIGNING_SECRET: optionalString,

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('lightbox'),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_TEST_SERVER_PATH: optionalString,
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_PUBLIC_URL: optionalString,

  LIGHTBOX_STORAGE: z.enum(['local', 'gcs']).default('local'),
  GCS_BUCKET: optionalString,
  GCS_PROJECT_ID: optionalString,
  GCS_API_ENDPOINT: optionalString,

  LIGHTBOX_MAX_MEGAPIXELS: z.coerce.number().positive().default(150),
  LIGHTBOX_ALBUM_IDLE_CLOSE_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7),
  LIGHTBOX_ALBUM_PARALLELISM: positiveInt.max(500).default(16),

  LIGHTBOX_MODELS_DIR: optionalString,
  LIGHTBOX_MODEL_SOURCE: z.enum(['huggingface', 'gcs']).default('huggingface'),
  LIGHTBOX_MODELS_BUCKET: optionalString,
  HF_TOKEN: optionalString,
  ORT_INTRA_OP_THREADS: positiveInt.optional(),
  ORT_INTER_OP_THREADS: positiveInt.default(1),
  ORT_ALLOW_SPINNING: bool.default(false),
  REDIS_URL: optionalString,
  LIGHTBOX_EMBEDDING_CACHE_ENTRIES: positiveInt.default(10_000),
  LIGHTBOX_DUPLICATE_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  LIGHTBOX_PEOPLE_MIN_FACES: positiveInt.default(2),
  LIGHTBOX_PEOPLE_EPS: z.coerce.number().gt(0).max(2).default(0.5),
  LIGHTBOX_HIGHLIGHT_COUNT: positiveInt.max(1000).default(20),
  LIGHTBOX_HIGHLIGHT_MIN_QUALITY: z.coerce.number().min(0).max(1).default(0.4),
  LIGHTBOX_HIGHLIGHT_DIVERSITY: z.coerce.number().min(0).max(5).default(0.5),
  LIGHTBOX_MODEL_SET: z.enum(['production', 'test', 'bench']).default('production'),
  LIGHTBOX_MODEL_ROLES: optionalString,
  LIGHTBOX_SKIP_MODEL_BUILD: bool.default(false),
  LIGHTBOX_MODEL_CACHE_DIR: optionalString,
  XDG_CACHE_HOME: optionalString,
  HOME: optionalString,
  LIGHTBOX_CATEGORY_MAP_FILE: optionalString,
  LIGHTBOX_SIMILAR_THRESHOLD: z.coerce.number().min(0).max(1).default(0.75),
  LIGHTBOX_CATEGORY_LABELS_FILE: optionalString,
  LIGHTBOX_PHOTO_BATCH_SIZE: positiveInt.max(64).default(8),
  LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: positiveInt.max(3600).default(60),
  LIGHTBOX_PHOTO_DECODE_ATTEMPTS: positiveInt.max(10).default(3),
  LIGHTBOX_ALBUM_MAX_PHOTOS: positiveInt.default(10_000),
  LIGHTBOX_ALBUM_SETTLE_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  LIGHTBOX_CONTINUE_AS_NEW_EVENTS: positiveInt.min(200).max(40_000).default(10_000),
  LIGHTBOX_DECODE_TIMEOUT_MS: positiveInt.default(30_000),
  LIGHTBOX_DECODE_MAX_MEMORY_MB: positiveInt.default(1024),

  LIGHTBOX_VECTOR_STORE: z.enum(['embedded', 'chroma']).default('embedded'),
  CHROMA_URL: optionalString,
  LIGHTBOX_MATCH_HASHING_DIM: positiveInt.min(16).max(8192).default(1024),
  LIGHTBOX_MATCH_MAX_K: positiveInt.max(1000).default(100),
  LIGHTBOX_TEXT_MAX_CHARS: positiveInt.default(2000),
  LIGHTBOX_TOXICITY_LABELS: optionalString,
  LIGHTBOX_TOXICITY_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  LIGHTBOX_MODERATION_MAX_MESSAGES: positiveInt.max(1000).default(64),
  LIGHTBOX_MODERATION_MAX_BATCH: positiveInt.max(1024).default(32),
  LIGHTBOX_MODERATION_MAX_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(4),

  CPU_WORKER_CONCURRENCY: positiveInt.optional(),
  IO_WORKER_CONCURRENCY: positiveInt.default(50),
  GPU_WORKER_CLASSES: z
    .string()
    .default('llm,diffusion')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['llm', 'diffusion'])).min(1)),
  GPU_COUNT: positiveInt.default(1),
  GPU_LLM_SLOTS_PER_GPU: positiveInt.max(256).default(8),
  GPU_DIFFUSION_SLOTS_PER_GPU: positiveInt.max(16).default(1),
  GPU_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
  GPU_SCHEDULE_TO_START_TIMEOUT_SECONDS: z.coerce.number().positive().default(1800),
  GPU_RETRY_INITIAL_INTERVAL_SECONDS: z.coerce.number().positive().default(10),
  GPU_STALL_ABORT_SECONDS: z.coerce.number().positive().default(300),
  DIFFUSION_BACKEND_URL: optionalString,
  DIFFUSION_STEPS: positiveInt.max(150).default(20),
  DIFFUSION_DENOISING_STRENGTH: z.coerce.number().min(0).max(1).default(0.55),
  DIFFUSION_MAX_SIDE: positiveInt.max(2048).default(768),
  DIFFUSION_PROGRESS_POLL_MS: positiveInt.default(500),
  GEMINI_API_KEY: optionalString,
  GEMINI_MODEL: z.string().default('gemini-2.5-flash'),
  GEMINI_BASE_URL: optionalString,
  GEMINI_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
  LLM_BASE_URL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_MODEL: z.string().default('Qwen/Qwen2.5-7B-Instruct'),
  LLM_MAX_TOKENS: positiveInt.max(8192).default(700),
  GOOGLE_CSE_API_KEY: optionalString,
  GOOGLE_CSE_ID: optionalString,
  GOOGLE_CSE_BASE_URL: z.string().default('https://www.googleapis.com/customsearch/v1'),
  SPOTIFY_CLIENT_ID: optionalString,
  SPOTIFY_CLIENT_SECRET: optionalString,
  SPOTIFY_API_BASE_URL: z.string().default('https://api.spotify.com/v1'),
  SPOTIFY_ACCOUNTS_URL: z.string().default('https://accounts.spotify.com/api/token'),
  YOUTUBE_API_KEY: optionalString,
  YOUTUBE_API_BASE_URL: z.string().default('https://www.googleapis.com/youtube/v3'),
  CONTEXT_TIMEOUT_SECONDS: z.coerce.number().positive().default(8),
  WORKFLOW_WORKER_MAX_CACHED: positiveInt.default(200),
  WORKER_SHUTDOWN_GRACE_SECONDS: positiveInt.default(30),
  WORKER_METRICS_PORT: port.optional(),
  WORKER_METRICS_PORT_BASE: port.default(9464),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  WORKER_SDK_METRICS_PORT: port.optional(),
  /** A prebuilt workflow bundle to load; production defaults to dist/workflow-bundle.js. */
  WORKFLOW_BUNDLE_PATH: optionalString,
  LIGHTBOX_BACKLOG_POLL_SECONDS: z.coerce.number().min(0).default(15),

  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  OTEL_SERVICE_NAME: optionalString,

  /** Read only to find the temporal CLI on the user's PATH. */
  PATH: z.string().default(''),
});

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
      apiKeys: e.LIGHTBOX_API_KEYS,
      jsonBodyLimit: e.LIGHTBOX_JSON_BODY_LIMIT,
      maxUploadBytes: e.LIGHTBOX_MAX_UPLOAD_BYTES,
      maxFilesPerRequest: e.LIGHTBOX_MAX_FILES_PER_REQUEST,
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
      maxMegapixels: e.LIGHTBOX_MAX_MEGAPIXELS,
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
      hashingDim: e.LIGHTBOX_MATCH_HASHING_DIM,
      maxK: e.LIGHTBOX_MATCH_MAX_K,
      maxTextChars: e.LIGHTBOX_TEXT_MAX_CHARS,
      useTestModels: e.LIGHTBOX_MODEL_SET === 'test',
    },
    moderation: {
      labels: e.LIGHTBOX_TOXICITY_LABELS?.split(',')
        .map((l) => l.trim())
        .filter(Boolean),
      threshold: e.LIGHTBOX_TOXICITY_THRESHOLD,
      maxMessages: e.LIGHTBOX_MODERATION_MAX_MESSAGES,
      maxTextChars: e.LIGHTBOX_TEXT_MAX_CHARS,
      maxBatch: e.LIGHTBOX_MODERATION_MAX_BATCH,
      maxWaitMs: e.LIGHTBOX_MODERATION_MAX_WAIT_MS,
      useTestModels: e.LIGHTBOX_MODEL_SET === 'test',
    },
    cache: {
      redisUrl: e.REDIS_URL,
      embeddingEntries: e.LIGHTBOX_EMBEDDING_CACHE_ENTRIES,
    },
    analysis: {
      /** Unset: each embedding method's calibrated threshold (duplicateThresholdFor). */
      duplicateThreshold: e.LIGHTBOX_DUPLICATE_THRESHOLD,
      peopleMinFaces: e.LIGHTBOX_PEOPLE_MIN_FACES,
      peopleEps: e.LIGHTBOX_PEOPLE_EPS,
      highlightCount: e.LIGHTBOX_HIGHLIGHT_COUNT,
      highlightDiversity: e.LIGHTBOX_HIGHLIGHT_DIVERSITY,
      highlightMinQuality: e.LIGHTBOX_HIGHLIGHT_MIN_QUALITY,
      categoryLabelsFile: e.LIGHTBOX_CATEGORY_LABELS_FILE,
      /** ImageNet class → album category map for the classifier (default: src/models/imagenet/category-map.json). */
      categoryMapFile: e.LIGHTBOX_CATEGORY_MAP_FILE,
      /** Cosine on the semantic embedding at or above which two photos are similar shots. */
      similarThreshold: e.LIGHTBOX_SIMILAR_THRESHOLD,
      decodeAttempts: e.LIGHTBOX_PHOTO_DECODE_ATTEMPTS,
      decodeTimeoutMs: e.LIGHTBOX_DECODE_TIMEOUT_MS,
      decodeMaxMemoryMb: e.LIGHTBOX_DECODE_MAX_MEMORY_MB,
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
        denoisingStrength: e.DIFFUSION_DENOISING_STRENGTH,
        maxSide: e.DIFFUSION_MAX_SIDE,
        progressPollMs: e.DIFFUSION_PROGRESS_POLL_MS,
      },
      llm: { baseUrl: e.LLM_BASE_URL?.replace(/\/+$/, ''), apiKey: e.LLM_API_KEY, model: e.LLM_MODEL, maxTokens: e.LLM_MAX_TOKENS },
    },
    gemini: { apiKey: e.GEMINI_API_KEY, model: e.GEMINI_MODEL, baseUrl: e.GEMINI_BASE_URL, timeoutMs: Math.round(e.GEMINI_TIMEOUT_SECONDS * 1000) },
    context: {
      timeoutMs: Math.round(e.CONTEXT_TIMEOUT_SECONDS * 1000),
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
