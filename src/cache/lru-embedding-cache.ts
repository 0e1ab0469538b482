/**
 * The in-process cache used when no Redis is configured: bounded by entry count, so a worker's
 * memory stays predictable (10,000 × 512-d ≈ 20 MB). Private to one process; a restart starts cold.
 */
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import { CacheStats } from './cache-stats';
import type { EmbeddingCache, EmbeddingCacheEntry, EmbeddingCacheStats } from './types';

export interface LruEmbeddingCacheOptions {
  maxEntries: number;
  registry?: Registry;
}

export class LruEmbeddingCache implements EmbeddingCache {
  readonly backend = 'lru' as const;
  private readonly lru: LRUCache<string, Float32Array>;
  private readonly counters: CacheStats;

  constructor({ maxEntries, registry }: LruEmbeddingCacheOptions) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.lru = new LRUCache({ max: maxEntries });
    this.counters = new CacheStats('lru', registry);
  }

  async get(key: string): Promise<Float32Array | null> {
    return this.lookup(key);
  }

  async getMany(keys: readonly string[]): Promise<(Float32Array | null)[]> {
    return keys.map((key) => this.lookup(key));
  }

  async set(key: string, vector: Float32Array, ttlSeconds?: number): Promise<void> {
    this.store(key, vector, ttlSeconds);
  }

  async setMany(entries: readonly EmbeddingCacheEntry[]): Promise<void> {
    for (const { key, vector, ttlSeconds } of entries) this.store(key, vector, ttlSeconds);
  }

  stats(): EmbeddingCacheStats {
    return this.counters.snapshot();
  }

  /** Entries currently held (for tests and diagnostics). */
  get size(): number {
    return this.lru.size;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }

  private lookup(key: string): Float32Array | null {
    const found = this.lru.get(key);
    if (!found) {
      this.counters.miss();
      return null;
    }
    this.counters.hit();
    // Same contract as Redis: the caller owns what it gets and may normalise it in place.
    return found.slice();
  }

  private store(key: string, vector: Float32Array, ttlSeconds?: number): void {
    if (!(vector instanceof Float32Array)) throw new TypeError('an embedding must be a Float32Array');
    const ttl = ttlSeconds === undefined ? undefined : ttlMs(ttlSeconds);
    this.lru.set(key, vector.slice(), ttl === undefined ? undefined : { ttl });
    this.counters.set();
  }
}

function ttlMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return Math.ceil(ttlSeconds * 1000);
}
