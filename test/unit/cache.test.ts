import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { EMBEDDING_CACHE_NAMESPACE, LruEmbeddingCache, RedisEmbeddingCache, createEmbeddingCache, embeddingCacheKey } from '../../src/cache/embedding-cache';
import { decodeFloat32, encodeFloat32 } from '../../src/vectors/float32-codec';

const sha = (n: number) => n.toString(16).padStart(64, '0');
const key = (n: number, modelVersion = '1') => embeddingCacheKey({ contentSha256: sha(n), modelId: 'clip-vit-b32', modelVersion });

/** Values that a lossy (JSON, float64 → float32 rounding) format would not give back bit for bit. */
function awkwardVector(): Float32Array {
  const v = new Float32Array(512);
  for (let i = 0; i < v.length; i++) v[i] = Math.fround(Math.sin(i * 1.7) / 3 + i * 1e-7);
  v.set([-0, 1.401298464324817e-45 /* smallest denormal */, 3.4028234663852886e38, Infinity, -Infinity], 0);
  return v;
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  assert.deepEqual(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('the key names content, model and version under a versioned namespace', () => {
  const k = embeddingCacheKey({ contentSha256: sha(1).toUpperCase(), modelId: 'openai/clip:vit-b32', modelVersion: '2024-01' });
  assert.equal(k, `${EMBEDDING_CACHE_NAMESPACE}openai%2Fclip%3Avit-b32:2024-01:${sha(1)}`);
  assert.ok(k.startsWith('lightbox:emb:v1:'));
  assert.notEqual(key(1, '1'), key(1, '2'), 'a new model version must not read the old embedding');
  // Without escaping, ("a:b", "c") and ("a", "b:c") would be the same key.
  assert.notEqual(
    embeddingCacheKey({ contentSha256: sha(1), modelId: 'a:b', modelVersion: 'c' }),
    embeddingCacheKey({ contentSha256: sha(1), modelId: 'a', modelVersion: 'b:c' }),
  );
  assert.throws(() => embeddingCacheKey({ contentSha256: 'abc', modelId: 'm', modelVersion: '1' }), /64 hex/);
  assert.throws(() => embeddingCacheKey({ contentSha256: sha(1), modelId: '', modelVersion: '1' }), /modelId/);
});

test('float32 codec is exact, little-endian and rejects bytes that cannot be a vector', () => {
  const v = awkwardVector();
  v[7] = NaN;
  const bytes = encodeFloat32(v);
  assert.equal(bytes.length, 512 * 4);
  assert.equal(bytes.readFloatLE(4 * 9), v[9]);
  // ioredis returns slices at odd offsets: decoding must not depend on alignment.
  const unaligned = Buffer.concat([Buffer.from([0xff]), bytes]).subarray(1);
  sameBits(decodeFloat32(unaligned)!, v);
  assert.equal(decodeFloat32(Buffer.alloc(0)), null);
  assert.equal(decodeFloat32(Buffer.alloc(6)), null);
  assert.throws(() => encodeFloat32(Array.from(v) as unknown as Float32Array), /Float32Array/);
});

test('LRU: round-trips vectors exactly and hands out copies', async () => {
  const cache = new LruEmbeddingCache({ maxEntries: 10 });
  const v = awkwardVector();
  await cache.set(key(1), v);
  v[0] = 42; // the caller reusing its buffer must not change the cached value
  const got = (await cache.get(key(1)))!;
  assert.equal(got[1], 1.401298464324817e-45);
  assert.ok(Object.is(got[0], -0));
  got[2] = 0; // nor may a reader normalising in place
  const again = (await cache.get(key(1)))!;
  assert.equal(again[2], awkwardVector()[2]);
  sameBits(again, awkwardVector());
});

test('LRU: bounded by entries, evicting the least recently used', async () => {
  const cache = new LruEmbeddingCache({ maxEntries: 3 });
  for (const n of [1, 2, 3]) await cache.set(key(n), Float32Array.of(n));
  await cache.get(key(1)); // 1 becomes most recent, so 2 is the oldest
  await cache.setMany([{ key: key(4), vector: Float32Array.of(4) }]);
  assert.equal(cache.size, 3);
  const got = await cache.getMany([key(1), key(2), key(3), key(4)]);
  assert.deepEqual(
    got.map((v) => (v ? v[0] : null)),
    [1, null, 3, 4],
  );
  for (let n = 10; n < 1000; n++) await cache.set(key(n), Float32Array.of(n));
  assert.equal(cache.size, 3);
  assert.deepEqual(cache.stats(), { hits: 4, misses: 1, sets: 994, errors: 0 });
});

test('LRU: getMany keeps order with mixed hits and misses; TTL expires entries', async () => {
  const cache = new LruEmbeddingCache({ maxEntries: 100 });
  await cache.setMany([
    { key: key(1), vector: Float32Array.of(1) },
    { key: key(3), vector: Float32Array.of(3), ttlSeconds: 0.05 },
  ]);
  const got = await cache.getMany([key(0), key(1), key(2), key(3), key(1)]);
  assert.deepEqual(
    got.map((v) => (v ? v[0] : null)),
    [null, 1, null, 3, 1],
  );
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(await cache.get(key(3)), null);
  assert.equal((await cache.get(key(1)))?.[0], 1);
  await assert.rejects(cache.set(key(5), Float32Array.of(5), 0), /ttlSeconds/);
});

test('counters are mirrored into a Prometheus registry, and two caches can share it', async () => {
  const registry = new Registry();
  const a = new LruEmbeddingCache({ maxEntries: 5, registry });
  const b = new LruEmbeddingCache({ maxEntries: 5, registry });
  await a.set(key(1), Float32Array.of(1));
  await a.getMany([key(1), key(2)]);
  await b.get(key(1));
  const text = await registry.metrics();
  assert.match(text, /lightbox_embedding_cache_lookups_total\{backend="lru",result="hit"\} 1/);
  assert.match(text, /lightbox_embedding_cache_lookups_total\{backend="lru",result="miss"\} 2/);
  assert.match(text, /lightbox_embedding_cache_sets_total\{backend="lru"\} 1/);
});

test('the factory picks Redis only when a URL is configured', async () => {
  const lru = createEmbeddingCache({ redisUrl: undefined, embeddingEntries: 7 });
  assert.ok(lru instanceof LruEmbeddingCache);
  assert.equal(lru.backend, 'lru');
  await lru.close();

  // A port nothing listens on: construction must not throw or wait for a connection.
  const closedPort = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
  const quiet = { warn: () => {}, info: () => {} };
  const redis = createEmbeddingCache({ redisUrl: `redis://127.0.0.1:${closedPort}`, embeddingEntries: 7 }, { logger: quiet });
  assert.ok(redis instanceof RedisEmbeddingCache);
  assert.equal(await redis.get(key(1)), null);
  await redis.close();
});
