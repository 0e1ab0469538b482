/**
 * The Redis embedding cache against a real Redis (127.0.0.1:6379, or REDIS_URL). Nothing here is
 * skipped: without a Redis the suite fails in its first hook and says so. Every key this run
 * writes lives under its own prefix and is deleted at the end.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import Redis from 'ioredis';
import { DEFAULT_EMBEDDING_TTL_SECONDS } from '../../src/cache/redis-embedding-cache';
import { RedisEmbeddingCache, embeddingCacheKey, type CacheLogger } from '../../src/cache/embedding-cache';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `lightbox-test:${process.pid}:${crypto.randomUUID()}:`;

const key = (n: number) =>
  embeddingCacheKey({ contentSha256: crypto.createHash('sha256').update(`photo-${n}`).digest('hex'), modelId: 'clip-vit-b32', modelVersion: 'test-1' });
const vec = (seed: number, dim = 512) => Float32Array.from({ length: dim }, (_, i) => Math.fround(Math.cos(seed * 31 + i) * (1 + seed / 7)));

/** Records what the cache logs, so the tests can also check an outage is reported once, not per call. */
function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const logger: CacheLogger = {
    warn: (_obj, msg) => lines.push({ level: 'warn', msg }),
    info: (_obj, msg) => lines.push({ level: 'info', msg }),
  };
  return { logger, lines };
}

let admin: Redis;
const caches: RedisEmbeddingCache[] = [];
function cache(options: Partial<ConstructorParameters<typeof RedisEmbeddingCache>[0]> = {}) {
  const c = new RedisEmbeddingCache({ url: REDIS_URL, keyPrefix: PREFIX, logger: recordingLogger().logger, ...options });
  caches.push(c);
  return c;
}

before(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // ioredis reports the cause (ECONNREFUSED…) only as an error event; the rejection just says "closed".
  let cause = '';
  admin.on('error', (err: Error) => (cause ||= err.message));
  try {
    await admin.connect();
    assert.equal(await admin.ping(), 'PONG');
  } catch (err) {
    throw new Error(
      `These tests need a real Redis at ${REDIS_URL} and could not reach it (${cause || (err as Error).message}). ` +
        'Start one (e.g. `redis-server` or `docker run -p 6379:6379 redis:7`) or point REDIS_URL at one.',
      { cause: err },
    );
  }
});

after(async () => {
  await Promise.all(caches.map((c) => c.close()));
  if (admin?.status !== 'ready') return;
  const leftovers: string[] = [];
  const stream = admin.scanStream({ match: `${PREFIX}*`, count: 500 });
  for await (const keys of stream) leftovers.push(...(keys as string[]));
  if (leftovers.length) await admin.del(...leftovers);
  assert.equal((await admin.keys(`${PREFIX}*`)).length, 0);
  admin.disconnect();
});

test('two cache instances (two workers) share entries, stored as raw little-endian float32 with a TTL', async () => {
  const workerA = cache();
  const workerB = cache();
  const entries = [1, 2, 3].map((n) => ({ key: key(n), vector: vec(n) }));
  await workerA.setMany(entries);
  assert.equal(workerA.stats().sets, 3);

  const got = await workerB.getMany(entries.map((e) => e.key));
  got.forEach((v, i) => assert.deepEqual(v, entries[i]!.vector));
  assert.deepEqual(workerB.stats(), { hits: 3, misses: 0, sets: 0, errors: 0 });

  const raw = await admin.getBuffer(PREFIX + key(2));
  assert.ok(raw);
  assert.equal(raw.length, 512 * 4);
  assert.equal(raw.readFloatLE(4 * 5), vec(2)[5]);
  const ttl = await admin.ttl(PREFIX + key(2));
  assert.ok(ttl > DEFAULT_EMBEDDING_TTL_SECONDS - 60 && ttl <= DEFAULT_EMBEDDING_TTL_SECONDS, `ttl ${ttl}`);
});

test('vectors round-trip bit for bit, including -0, denormals and infinities', async () => {
  const c = cache();
  const v = vec(9, 768);
  v.set([-0, 1.401298464324817e-45, -3.4028234663852886e38, Infinity, NaN], 0);
  await c.set(key(9), v);
  const back = (await c.get(key(9)))!;
  assert.ok(back instanceof Float32Array);
  assert.deepEqual(Buffer.from(back.buffer), Buffer.from(v.buffer));
});

test('an explicit TTL applies: the entry is gone once it expires', async () => {
  const c = cache();
  await c.set(key(20), vec(20), 1);
  const pttl = await admin.pttl(PREFIX + key(20));
  assert.ok(pttl > 0 && pttl <= 1000, `pttl ${pttl}`);
  assert.ok(await c.get(key(20)));
  const deadline = Date.now() + 3000;
  while ((await c.get(key(20))) !== null) {
    assert.ok(Date.now() < deadline, 'the entry outlived its TTL');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('getMany answers in request order with mixed hits and misses (and across MGET chunks)', async () => {
  const c = cache();
  await c.setMany([
    { key: key(31), vector: vec(31) },
    { key: key(33), vector: vec(33) },
  ]);
  const asked = [key(30), key(31), key(32), key(33), key(31)];
  const got = await c.getMany(asked);
  assert.deepEqual(
    got.map((v) => (v ? 'hit' : 'miss')),
    ['miss', 'hit', 'miss', 'hit', 'hit'],
  );
  assert.deepEqual(got[3], vec(33));
  assert.deepEqual(c.stats(), { hits: 3, misses: 2, sets: 2, errors: 0 });

  // More keys than one MGET carries: positions must still line up.
  const many = Array.from({ length: 1203 }, (_, i) => key(1000 + i));
  await c.setMany(many.filter((_, i) => i % 3 === 0).map((k, j) => ({ key: k, vector: Float32Array.of(j * 3) })));
  const answers = await c.getMany(many);
  answers.forEach((v, i) => assert.deepEqual(v, i % 3 === 0 ? Float32Array.of(i) : null, `position ${i}`));
});

test('a value that is not a float32 vector reads as a miss and an error', async () => {
  const c = cache();
  await admin.set(PREFIX + key(40), Buffer.from([1, 2, 3]));
  assert.equal(await c.get(key(40)), null);
  assert.deepEqual(c.stats(), { hits: 0, misses: 1, sets: 0, errors: 1 });
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

test('Redis unreachable: every call resolves quickly as a miss, errors are counted, the outage is logged once', async () => {
  const { logger, lines } = recordingLogger();
  const c = cache({ url: `redis://127.0.0.1:${await closedPort()}`, logger, operationTimeoutMs: 300 });
  const started = Date.now();
  assert.equal(await c.get(key(1)), null);
  assert.deepEqual(await c.getMany([key(1), key(2), key(3)]), [null, null, null]);
  await c.set(key(1), vec(1));
  await c.setMany([{ key: key(2), vector: vec(2) }]);
  for (let i = 0; i < 20; i++) assert.equal(await c.get(key(i)), null);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 2000, `calls during an outage took ${elapsed} ms`);
  const s = c.stats();
  assert.equal(s.hits, 0);
  assert.equal(s.misses, 24);
  assert.equal(s.sets, 0);
  assert.ok(s.errors >= 24, `errors ${s.errors}`);
  assert.equal(lines.filter((l) => l.level === 'warn').length, 1, JSON.stringify(lines));
  // Invalid input is still the caller's bug, outage or not.
  await assert.rejects(c.set(key(1), [1, 2] as unknown as Float32Array), /Float32Array/);
});

/** A TCP hop in front of the real Redis that the test can cut and restore. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      const s = server!;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        for (const sock of sockets) sock.destroy();
      });
    },
    restore: listen,
  };
}

test('Redis going away mid-run degrades to misses, and the cache heals when it returns', async () => {
  const proxy = await cuttableProxy(new URL(REDIS_URL));
  const { logger, lines } = recordingLogger();
  const c = cache({ url: `redis://127.0.0.1:${proxy.port}`, logger, operationTimeoutMs: 300 });
  await c.set(key(50), vec(50));
  assert.deepEqual(await c.get(key(50)), vec(50));

  await proxy.cut();
  const started = Date.now();
  for (let i = 0; i < 5; i++) assert.equal(await c.get(key(50)), null);
  await c.setMany([{ key: key(51), vector: vec(51) }]);
  assert.ok(Date.now() - started < 2000);
  assert.ok(c.stats().errors >= 5);

  await proxy.restore();
  const deadline = Date.now() + 8000;
  while ((await c.get(key(50))) === null) {
    assert.ok(Date.now() < deadline, 'the cache did not reconnect after Redis came back');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(
    lines.map((l) => l.level),
    ['warn', 'info'],
  );
  await c.close();
  await proxy.cut();
});
