/** Counting shared by both cache backends, mirrored into Prometheus when a registry is given. */
import { Counter, type Registry } from 'prom-client';
import type { EmbeddingCacheStats } from './types';

type Backend = 'redis' | 'lru';

/**
 * Several caches may share one registry (tests, a worker that rebuilds its cache), and
 * prom-client throws on a second registration of a name, so an existing counter is reused.
 */
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export class CacheStats {
  private readonly counts: EmbeddingCacheStats = { hits: 0, misses: 0, sets: 0, errors: 0 };
  private readonly lookups?: Counter<string>;
  private readonly writes?: Counter<string>;
  private readonly failures?: Counter<string>;

  constructor(
    private readonly backend: Backend,
    registry?: Registry,
  ) {
    if (registry) {
      this.lookups = counter(registry, 'lightbox_embedding_cache_lookups_total', 'Embedding cache lookups by result (hit, miss).', ['backend', 'result']);
      this.writes = counter(registry, 'lightbox_embedding_cache_sets_total', 'Embeddings written to the cache.', ['backend']);
      this.failures = counter(registry, 'lightbox_embedding_cache_errors_total', 'Cache operations that failed and were treated as misses or dropped writes.', [
        'backend',
      ]);
    }
  }

  hit(n = 1): void {
    if (n <= 0) return;
    this.counts.hits += n;
    this.lookups?.inc({ backend: this.backend, result: 'hit' }, n);
  }

  miss(n = 1): void {
    if (n <= 0) return;
    this.counts.misses += n;
    this.lookups?.inc({ backend: this.backend, result: 'miss' }, n);
  }

  set(n = 1): void {
    if (n <= 0) return;
    this.counts.sets += n;
    this.writes?.inc({ backend: this.backend }, n);
  }

  error(n = 1): void {
    if (n <= 0) return;
    this.counts.errors += n;
    this.failures?.inc({ backend: this.backend }, n);
  }

  snapshot(): EmbeddingCacheStats {
    return { ...this.counts };
  }
}
