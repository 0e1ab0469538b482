/** The real dependencies activities close over, built once per worker process from config. */
import type { Config } from '../config';
import { resolveSigningSecret } from '../config/secrets';
import { createBlobStore, type BlobStore } from '../storage';
import pino from 'pino';
import { loadPhotoModels, readLabelsFile, type PhotoModels } from '../activities/photo-pipeline/photo-models';
import { createEmbeddingCache, type EmbeddingCache } from '../cache/embedding-cache';
import { createModelRuntime, type ModelRuntime } from '../models';
import { registry } from '../telemetry/metrics';

export function blobStoreFromConfig(config: Config): BlobStore {
  if (config.storage.kind === 'gcs') {
    return createBlobStore({
      kind: 'gcs',
      bucket: config.storage.gcs.bucket!,
      projectId: config.storage.gcs.projectId,
      apiEndpoint: config.storage.gcs.apiEndpoint,
    });
  }
  return createBlobStore({
    kind: 'local',
    rootDir: config.storage.localRoot,
    signingSecret: resolveSigningSecret(config),
    publicBaseUrl: config.api.publicUrlConfigured ? config.api.publicUrl : undefined,
  });
}

/** The photo models this worker has (each missing one is reported and falls back honestly). */
export function photoModelsFromConfig(config: Config, runtime: ModelRuntime = createModelRuntime(config.models)): Promise<PhotoModels> {
  return loadPhotoModels({
    runtime,
    set: config.models.set,
    roles: config.models.roles,
    categoryMapFile: config.analysis.categoryMapFile,
    labels: readLabelsFile(config.analysis.categoryLabelsFile),
    limitInputPixels: Math.floor(config.photos.maxMegapixels * 1e6),
    logger: pino({ level: config.logLevel, base: { component: 'photo-models' } }),
  });
}

/** Redis when REDIS_URL is set (shared by every CPU worker), else an in-process LRU. */
export function embeddingCacheFromConfig(config: Config): EmbeddingCache {
  return createEmbeddingCache(config.cache, { registry, logger: pino({ level: config.logLevel, base: { component: 'embedding-cache' } }) });
}
