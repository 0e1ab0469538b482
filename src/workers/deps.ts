/** The real dependencies activities close over, built once per worker process from config. */
import type { Config } from '../config';
import pino from 'pino';
import { loadPhotoModels, type PhotoModels } from '../activities/album/photo-models';
import { createEmbeddingCache, type EmbeddingCache } from '../cache/embedding-cache';
import { createModelRuntime, type ModelRuntime } from '../models';
import { registry } from '../telemetry/metrics';
import { modelRolesFor } from '../models/roles';

/** The photo models this worker has (each missing one is reported and falls back honestly). */
export function photoModelsFromConfig(config: Config, runtime: ModelRuntime = createModelRuntime(config.models)): Promise<PhotoModels> {
  return loadPhotoModels({
    runtime,
    set: config.models.set,
    roles: modelRolesFor(config.models),
    logger: pino({ level: config.logLevel, base: { component: 'photo-models' } }),
  });
}

/** Redis when REDIS_URL is set (shared by every CPU worker), else an in-process LRU. */
export function embeddingCacheFromConfig(config: Config): EmbeddingCache {
  return createEmbeddingCache(config.cache, { registry, logger: pino({ level: config.logLevel, base: { component: 'embedding-cache' } }) });
}
