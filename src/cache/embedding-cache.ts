/**
 * The shared embedding cache. Inference is the expensive step of the photo pipeline, and the
 * same bytes come back often (re-uploads, the same photo in two albums, a re-analysis that only
 * changed another model), so an embedding is keyed by what determines it — the content hash and
 * the exact model — and looked up before any model runs.
 *
 * Two backends behind one interface: Redis when `REDIS_URL` is set, so every CPU worker shares
 * one cache; an in-process LRU otherwise. A cache is an optimisation, never a dependency: every
 * method resolves (a failure reads as a miss or a skipped write) and is counted.
 */
import type { Registry } from 'prom-client';
import { LruEmbeddingCache } from './lru-embedding-cache';
import { RedisEmbeddingCache, type RedisEmbeddingCacheOptions } from './redis-embedding-cache';
import type { CacheLogger, EmbeddingCache } from './types';

export type { CacheLogger, EmbeddingCache } from './types';
export { LruEmbeddingCache } from './lru-embedding-cache';
export { RedisEmbeddingCache, type RedisEmbeddingCacheOptions } from './redis-embedding-cache';

/**
 * Bump the version when the stored value format changes: old entries then simply stop being
 * found instead of being misread.
 */
export const EMBEDDING_CACHE_NAMESPACE = 'lightbox:emb:v1:';

export interface EmbeddingCacheKeyParts {
  /** Hex sha256 of the photo's original bytes. */
  contentSha256: string;
  modelId: string;
  modelVersion: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `lightbox:emb:v1:<modelId>:<modelVersion>:<sha256>`. Model first so one model's entries can be
 * found (and dropped) with a single SCAN pattern. The parts are URI-encoded so a ':' inside a
 * model id cannot make two different triples collide.
 */
export function embeddingCacheKey({ contentSha256, modelId, modelVersion }: EmbeddingCacheKeyParts): string {
  const sha = contentSha256.toLowerCase();
  if (!SHA256_HEX.test(sha)) throw new TypeError(`contentSha256 must be 64 hex characters, got "${contentSha256}"`);
  if (!modelId) throw new TypeError('modelId is required');
  if (!modelVersion) throw new TypeError('modelVersion is required');
  return `${EMBEDDING_CACHE_NAMESPACE}${encodeURIComponent(modelId)}:${encodeURIComponent(modelVersion)}:${sha}`;
}

/** Entries of the in-process LRU: a few KB each (one float32 vector and its key), so tens of MB per worker at most. */
export const LRU_EMBEDDING_ENTRIES = 10_000;

export interface EmbeddingCacheConfig {
  redisUrl?: string | undefined;
  /** Tests use a small LRU to see eviction; production takes LRU_EMBEDDING_ENTRIES. */
  embeddingEntries?: number;
}

export interface CreateEmbeddingCacheOptions {
  logger?: CacheLogger;
  /** Counters are registered here when given (the worker's Prometheus registry). */
  registry?: Registry;
  /** Redis-only tuning; see RedisEmbeddingCacheOptions. */
  redis?: Omit<RedisEmbeddingCacheOptions, 'url' | 'logger' | 'registry'>;
}

/** Takes `config.cache`: Redis when `redisUrl` is set, otherwise an in-process LRU. */
export function createEmbeddingCache(config: EmbeddingCacheConfig, options: CreateEmbeddingCacheOptions = {}): EmbeddingCache {
  if (config.redisUrl) {
    return new RedisEmbeddingCache({ ...options.redis, url: config.redisUrl, logger: options.logger, registry: options.registry });
  }
  return new LruEmbeddingCache({ maxEntries: config.embeddingEntries ?? LRU_EMBEDDING_ENTRIES, registry: options.registry });
}
