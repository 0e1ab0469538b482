/**
 * The cache shared by every CPU worker: one Redis, values as raw float32 bytes with a TTL.
 *
 * Redis being slow or gone must cost the pipeline a recomputation, never a failed photo or a
 * stalled activity. So every command has a short deadline, a failed command reads as a miss (or
 * a dropped write) and is counted, and while the connection is known to be down the cache does
 * not even try — ioredis keeps reconnecting in the background and the cache resumes by itself.
 */
import Redis from 'ioredis';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { CacheStats } from './cache-stats';
import type { CacheLogger } from './types';
import type { EmbeddingCache, EmbeddingCacheEntry, EmbeddingCacheStats } from './types';
import { decodeFloat32, encodeFloat32 } from '../vectors/float32-codec';

export interface RedisEmbeddingCacheOptions {
  url: string;
  /** Prepended by ioredis to every key; tests give each run its own so they can clean up. */
  keyPrefix?: string;
  /**
   * Expiry of an entry written without an explicit TTL. Embeddings never go stale for a given
   * model version, but old versions should age out rather than fill Redis forever.
   */
  defaultTtlSeconds?: number;
  /** Deadline of one Redis round-trip; past it the answer is a miss. */
  operationTimeoutMs?: number;
  logger?: CacheLogger | undefined;
  registry?: Registry | undefined;
}

export const DEFAULT_EMBEDDING_TTL_SECONDS = 30 * 24 * 3600;
const DEFAULT_OPERATION_TIMEOUT_MS = 500;
/** Keys per MGET: large enough to batch an album page, small enough not to block Redis. */
const MGET_CHUNK = 500;

export class RedisEmbeddingCache implements EmbeddingCache {
  readonly backend = 'redis' as const;
  private readonly client: Redis;
  private readonly counters: CacheStats;
  private readonly logger: CacheLogger;
  private readonly defaultTtlSeconds: number;
  private readonly operationTimeoutMs: number;
  /** Set on the first failure, cleared when ioredis reports the connection ready again. */
  private down = false;
  private closed = false;

  constructor(options: RedisEmbeddingCacheOptions) {
    this.defaultTtlSeconds = ttlSeconds(options.defaultTtlSeconds ?? DEFAULT_EMBEDDING_TTL_SECONDS);
    this.operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    this.logger = options.logger ?? pino({ base: { component: 'embedding-cache' } });
    this.counters = new CacheStats('redis', options.registry);
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      connectionName: 'lightbox-embedding-cache',
      connectTimeout: Math.max(1000, this.operationTimeoutMs),
      // Also applies to commands parked in the offline queue while (re)connecting.
      commandTimeout: this.operationTimeoutMs,
      // ioredis's default of 20 retries would hold a caller for seconds during an outage.
      maxRetriesPerRequest: 1,
      // Reconnect forever, backing off to 5 s: the cache should heal without a worker restart.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
    });
    // Without a listener ioredis prints every reconnect failure as an unhandled error event.
    // A connection error is not a failed operation, so it marks the cache down without counting.
    this.client.on('error', (err: Error) => this.markDown(err, 0));
    this.client.on('ready', () => this.markUp());
  }

  async get(key: string): Promise<Float32Array | null> {
    const [vector] = await this.getMany([key]);
    return vector ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(Float32Array | null)[]> {
    const out: (Float32Array | null)[] = new Array<Float32Array | null>(keys.length).fill(null);
    if (keys.length === 0) return out;
    if (!this.usable()) {
      this.counters.error();
      this.counters.miss(keys.length);
      return out;
    }
    const chunks: Promise<void>[] = [];
    for (let start = 0; start < keys.length; start += MGET_CHUNK) {
      const slice = keys.slice(start, start + MGET_CHUNK);
      chunks.push(
        this.client.mgetBuffer(...slice).then(
          (values) => {
            this.markUp();
            values.forEach((value, i) => {
              if (value === null) return;
              const vector = decodeFloat32(value);
              if (vector) out[start + i] = vector;
              else this.counters.error(); // a foreign or truncated value: recompute rather than misread
            });
          },
          (err: unknown) => this.markDown(err),
        ),
      );
    }
    await Promise.all(chunks);
    const hits = out.reduce((n, v) => n + (v ? 1 : 0), 0);
    this.counters.hit(hits);
    this.counters.miss(keys.length - hits);
    return out;
  }

  async set(key: string, vector: Float32Array, ttl?: number): Promise<void> {
    await this.setMany([{ key, vector, ttlSeconds: ttl }]);
  }

  async setMany(entries: readonly EmbeddingCacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Encoding errors are the caller's bug, not an outage: they throw before anything is sent.
    const encoded = entries.map(({ key, vector, ttlSeconds: ttl }) => ({
      key,
      bytes: encodeFloat32(vector),
      ttl: ttl === undefined ? this.defaultTtlSeconds : ttlSeconds(ttl),
    }));
    if (!this.usable()) {
      this.counters.error();
      return;
    }
    const pipeline = this.client.pipeline();
    for (const { key, bytes, ttl } of encoded) pipeline.set(key, bytes, 'EX', ttl);
    try {
      const results = (await pipeline.exec()) ?? [];
      let written = 0;
      let firstError: Error | null = null;
      for (const [err] of results) {
        if (err) firstError ??= err;
        else written++;
      }
      this.counters.set(written);
      if (written > 0) this.markUp();
      if (firstError) this.markDown(firstError, encoded.length - written);
    } catch (err) {
      this.markDown(err);
    }
  }

  stats(): EmbeddingCacheStats {
    return this.counters.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      // QUIT lets pipelined writes already sent finish; the deadline keeps shutdown bounded.
      await Promise.race([this.client.quit().catch(() => undefined), delay(this.operationTimeoutMs)]);
    }
    this.client.disconnect();
  }

  private usable(): boolean {
    if (this.closed) return false;
    return !this.down || this.client.status === 'ready';
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info({ backend: 'redis' }, 'embedding cache reachable again');
  }

  private markDown(err: unknown, failedOps = 1): void {
    if (!this.closed) this.counters.error(failedOps);
    if (this.down || this.closed) return;
    this.down = true;
    // Once per outage, not once per command or reconnect attempt.
    this.logger.warn(
      { backend: 'redis', err: err instanceof Error ? err.message : String(err) },
      'embedding cache unavailable: treating lookups as misses until Redis is back',
    );
  }
}

function ttlSeconds(value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`ttlSeconds must be positive, got ${value}`);
  // Redis EX takes whole seconds; rounding down could turn 0.5 s into an invalid 0.
  return Math.ceil(value);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
