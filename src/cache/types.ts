// The cache's interface and value shapes, apart from the factory so the backends need not import it.

/** The slice of a pino logger the cache uses, so tests and workers can pass their own. */
export interface CacheLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
  sets: number;
  /** Operations that could not reach the backend (each one also reads as misses or a dropped set). */
  errors: number;
}

export interface EmbeddingCacheEntry {
  key: string;
  vector: Float32Array;
  ttlSeconds?: number;
}

export interface EmbeddingCache {
  readonly backend: 'redis' | 'lru';
  get(key: string): Promise<Float32Array | null>;
  /** One answer per key, in the order of `keys`; null where missing. */
  getMany(keys: readonly string[]): Promise<(Float32Array | null)[]>;
  set(key: string, vector: Float32Array, ttlSeconds?: number): Promise<void>;
  setMany(entries: readonly EmbeddingCacheEntry[]): Promise<void>;
  stats(): EmbeddingCacheStats;
  close(): Promise<void>;
}
