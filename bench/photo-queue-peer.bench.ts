/**
 * Lightbox beside the queue the seeds (and Immich) would pick: the same per-photo analysis
 * function (analyzePhotoBatch, real MobileNetV2 + BlazeFace + dlib) on the same 12 MP photos,
 * with the same batches and the same concurrency, once through Temporal (API → AlbumWorkflow →
 * CPU worker process) and once through a BullMQ queue on the local Redis (a worker process from
 * bench/lib/bullmq-photo-worker.ts). Prints throughput, per-photo latency p50/p95 (queued → done)
 * and orchestration overhead per photo (wall per photo − the stage floors measured in the same run).
 *
 * Then the crash: each worker is SIGKILLed right after a batch's result documents land (the
 * widest window: work done, completion not yet recorded), a fresh worker is started, and every
 * photo's result document is watched: photos lost (no result) and photos done twice (two
 * analyses, told apart by their analysedAt). BullMQ runs with its defaults (6.7.6: lock 30 s,
 * stalled check every 30 s, maxStalledCount 1) and with the stalled-job check off.
 *
 *   npm run bench -- photo-queue-peer        # 24 photos, batches of 8, 2 slots
 *   BENCH_PEER_KILLS=0 npm run bench -- photo-queue-peer   # throughput only
 * Redis: 127.0.0.1:6379, db BENCH_REDIS_DB (default 9), prefix "lightbox-bench-peer", removed at the end.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import { Queue } from 'bullmq';
import { loadConfig } from '../src/config';
import type { PhotoBatchInput, PhotoRef } from '../src/shared/album';
import type { BlobStore } from '../src/storage/blob-store';
import { albumPhotoKey, albumPrefix } from '../src/storage/keys';
import { gpuWorkerSpecs, ioWorker, workflowWorker } from '../src/workers/roles';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import { percentile } from './lib/load';
import { floors, photos12mp } from './lib/photo-floors';
import { loadAverage, runInfo } from './lib/run-info';
import { uploadPhotos } from './lib/upload';
import { historyStats, startCpuWorker } from './photo-pipeline.bench';

const N = Number(process.env.BENCH_PHOTOS ?? 24);
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const CPU_SLOTS = Number(process.env.BENCH_CPU_SLOTS ?? 2);
const REDIS_DB = Number(process.env.BENCH_REDIS_DB ?? 9);
const PREFIX = 'lightbox-bench-peer';
const HEARTBEAT_SECONDS = 10;
/** BENCH_PEER_KILLS=0: throughput only, no crash runs. */
const KILLS = process.env.BENCH_PEER_KILLS !== '0';
const connection = { host: '127.0.0.1', port: 6379, db: REDIS_DB };
type Files = Array<{ name: string; contentType: string; data: Buffer }>;

interface RunFigures {
  windowMs: number;
  latencies: number[];
}

interface Watch {
  /** Distinct analyses seen per photo (a rewrite carries a new analysedAt). */
  analyses: Map<string, Set<string>>;
  stop(): void;
}

/** Polls an album's result documents; `onDoc` sees the count of photos with one. */
function watchDocs(store: BlobStore, albumId: string, onDoc: (done: number) => void): Watch {
  const analyses = new Map<string, Set<string>>();
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const keys = (await store.list(albumPrefix(TENANT_A.tenant, albumId))).filter((k) => /\/analyses\/[^/]+\/photos\/[^/]+\.json$/.test(k));
      for (const k of keys) {
        try {
          const doc = JSON.parse((await store.get(k)).toString('utf8')) as { photoId: string; analysedAt: string };
          if (!analyses.has(doc.photoId)) analyses.set(doc.photoId, new Set());
          analyses.get(doc.photoId)!.add(doc.analysedAt);
        } catch {
          // mid-rename: read it next round
        }
      }
      onDoc(analyses.size);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  void loop();
  return { analyses, stop: () => (stopped = true) };
}

const lostAndTwice = (w: Watch, n: number) => ({
  lost: n - w.analyses.size,
  twice: [...w.analyses.values()].filter((s) => s.size > 1).length,
});

// ---- Lightbox ------------------------------------------------------------------------------
async function lightboxAlbum(stack: Stack, files: Files, title: string) {
  const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
  const album = (await A('POST', '/v1/albums', { title })).body as { albumId: string; workflowId: string };
  const accepted = await uploadPhotos(stack.baseUrl, TENANT_A.key, album.albumId, files);
  await A('POST', `/v1/albums/${album.albumId}/close`);
  return {
    ...album,
    done: () =>
      waitFor(
        () => A('GET', `/v1/albums/${album.albumId}`),
        (x) => x.body.status === 'completed',
        30 * 60_000,
      ),
    photoIds: accepted.map((p) => p.photoId),
  };
}

// ---- BullMQ --------------------------------------------------------------------------------
function startBullWorker(stack: Stack, queue: string, modelsDir: string, skipStalled: boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib', 'bullmq-photo-worker.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LIGHTBOX_API_KEYS: 'unused-bench-key-000000:bench',
      LIGHTBOX_DATA_DIR: stack.config.dataDir,
      LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
      LIGHTBOX_MODELS_DIR: modelsDir,
      LIGHTBOX_MODEL_SET: 'production',
      CPU_WORKER_CONCURRENCY: String(CPU_SLOTS),
      BULLMQ_QUEUE: queue,
      BULLMQ_PREFIX: PREFIX,
      BULLMQ_REDIS_DB: String(REDIS_DB),
      BULLMQ_SKIP_STALLED_CHECK: skipStalled ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = waitFor(
    async () => out,
    (o) => o.includes('"worker started"') || child.exitCode !== null,
    120_000,
  ).then(() => {
    if (child.exitCode !== null) throw new Error(`the BullMQ worker exited: ${out}`);
  });
  return {
    ready,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function storeAlbum(store: BlobStore, files: Files, albumId: string): Promise<PhotoRef[]> {
  return Promise.all(
    files.map(async (f, i) => {
      const photoId = `ph${String(i).padStart(4, '0')}`;
      const key = albumPhotoKey(TENANT_A.tenant, albumId, photoId);
      await store.put(key, f.data, { contentType: f.contentType });
      return { photoId, name: f.name, key, contentType: f.contentType };
    }),
  );
}

async function bullAlbum(queueName: string, albumId: string, refs: PhotoRef[]) {
  const queue = new Queue<PhotoBatchInput>(queueName, { connection, prefix: PREFIX });
  const jobs = [];
  for (let i = 0; i < refs.length; i += BATCH) {
    jobs.push({ name: 'analyzePhotoBatch', data: { tenantId: TENANT_A.tenant, albumId, analysisId: 'a1', photos: refs.slice(i, i + BATCH) } });
  }
  await queue.addBulk(jobs);
  return queue;
}

async function bullFigures(queue: Queue): Promise<RunFigures & { failed: number }> {
  const done = await queue.getJobs(['completed']);
  const failed = (await queue.getJobs(['failed'])).length;
  const firstStart = Math.min(...done.map((j) => j.processedOn!));
  const lastDone = Math.max(...done.map((j) => j.finishedOn!));
  const latencies = done.flatMap((j) => Array.from({ length: (j.data as PhotoBatchInput).photos.length }, () => j.finishedOn! - j.timestamp));
  return { windowMs: lastDone - firstStart, latencies, failed };
}

async function waitDrained(queue: Queue, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((v) => v === 0)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

// ---- the run -------------------------------------------------------------------------------
async function main() {
  const config = loadConfig();
  const modelsDir = config.models.dir;
  const files = await photos12mp(config.models.cacheDir, N);
  const server = await startTestDevServer();
  const stack = await startStack(
    server.address,
    {
      LIGHTBOX_PHOTO_BATCH_SIZE: String(BATCH),
      LIGHTBOX_ALBUM_PARALLELISM: String(BATCH * CPU_SLOTS * 2),
      LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
    },
    undefined,
    { specs: (c) => [workflowWorker, ioWorker, ...gpuWorkerSpecs(c)] },
  );
  const workerEnv = { LIGHTBOX_MODELS_DIR: modelsDir, LIGHTBOX_MODEL_SET: 'production' };
  const cleanup: Queue[] = [];
  const loads: string[] = [loadAverage()];
  try {
    // A. Throughput, Lightbox then BullMQ, same photos (distinct bytes per album: no cache hits).
    const lbWorker = await startCpuWorker(stack, server, workerEnv);
    const lb = await lightboxAlbum(stack, files, 'peer-lightbox');
    await lb.done();
    await lbWorker.stop();
    const lbStats = await historyStats(stack, lb.workflowId);
    const lbFig: RunFigures = { windowMs: lbStats.lastDone - lbStats.firstStart, latencies: lbStats.batchLatenciesMs };
    loads.push(loadAverage());

    const bullId = 'bull-throughput';
    const refs = await storeAlbum(stack.store, files, bullId);
    const bw = startBullWorker(stack, 'peer-throughput', modelsDir, false);
    await bw.ready;
    const q = await bullAlbum('peer-throughput', bullId, refs);
    cleanup.push(q);
    if (!(await waitDrained(q, 30 * 60_000))) throw new Error('BullMQ did not drain');
    await bw.stop();
    const bullFig = await bullFigures(q);
    loads.push(loadAverage());

    // The floors, on the same photos, with both workers gone.
    const docKeys = (await stack.store.list(albumPrefix(TENANT_A.tenant, bullId))).filter((k) => /\/analyses\/[^/]+\/photos\/[^/]+\.json$/.test(k));
    const f = await floors(
      refs.map((r) => r.key),
      docKeys,
      stack.store,
      BATCH,
    );
    const floorMs = Object.values(f.per).reduce((a, b) => a + b, 0);
    loads.push(loadAverage());

    // B. Crash: SIGKILL right after the first batch's results land, then a fresh worker.
    const threshold = Math.min(BATCH, N - 1);
    const kills: Array<{ system: string; lost: number; twice: number; recoveredS: string; note: string }> = [];
    try {
      if (!KILLS) throw new Error('skipped (BENCH_PEER_KILLS=0)');
      {
        const victim = await startCpuWorker(stack, server, workerEnv);
        const album = await lightboxAlbum(stack, files, 'peer-kill');
        let killedAt = 0;
        const watch = watchDocs(stack.store, album.albumId, (n) => {
          if (!killedAt && n >= threshold) {
            killedAt = Date.now();
            void victim.kill();
          }
        });
        await waitFor(
          async () => killedAt,
          (t) => t > 0,
          30 * 60_000,
        );
        const fresh = await startCpuWorker(stack, server, workerEnv);
        await album.done();
        await new Promise((r) => setTimeout(r, 500));
        watch.stop();
        await fresh.stop();
        kills.push({
          system: 'Lightbox (Temporal)',
          ...lostAndTwice(watch, N),
          recoveredS: ((Date.now() - killedAt) / 1000).toFixed(0),
          note: `heartbeat timeout ${HEARTBEAT_SECONDS} s`,
        });
      }
      for (const skipStalled of [false, true]) {
        const name = skipStalled ? 'peer-kill-nocheck' : 'peer-kill-defaults';
        const albumId = `bull-${name}`;
        const r = await storeAlbum(stack.store, files, albumId);
        const victim = startBullWorker(stack, name, modelsDir, skipStalled);
        await victim.ready;
        let killedAt = 0;
        const watch = watchDocs(stack.store, albumId, (n) => {
          if (!killedAt && n >= threshold) {
            killedAt = Date.now();
            void victim.kill();
          }
        });
        const queue = await bullAlbum(name, albumId, r);
        cleanup.push(queue);
        await waitFor(
          async () => killedAt,
          (t) => t > 0,
          30 * 60_000,
        );
        const fresh = startBullWorker(stack, name, modelsDir, skipStalled);
        await fresh.ready;
        // Defaults: the stalled check (every 30 s) finds the dead worker's job once its 30 s lock lapses.
        const drained = await waitDrained(queue, 150_000);
        await new Promise((x) => setTimeout(x, 500));
        watch.stop();
        await fresh.stop();
        const failed = (await queue.getJobs(['failed'])).length;
        kills.push({
          system: `BullMQ ${skipStalled ? 'stalled check off' : 'defaults (stalled check on)'}`,
          ...lostAndTwice(watch, N),
          recoveredS: drained ? ((Date.now() - killedAt) / 1000).toFixed(0) : 'never (waited 150 s)',
          note: `${failed} job(s) failed${drained ? '' : `, ${(await queue.getJobCounts('active')).active} still "active" with no worker`}`,
        });
      }
    } catch (err) {
      // The throughput figures below still stand; the crash rows printed are those that finished.
      console.error('a crash run failed:', err);
    }
    loads.push(loadAverage());

    // ---- the tables ----
    const row = (name: string, fig: RunFigures) => {
      const perPhoto = fig.windowMs / N;
      const sorted = [...fig.latencies].sort((a, b) => a - b);
      // Work runs on min(slots, cores) cores at once: overhead is wall per photo minus the floor shared over them.
      const parallel = Math.min(CPU_SLOTS, os.availableParallelism());
      return `| ${name} | ${(1000 / perPhoto).toFixed(2)} | ${(percentile(sorted, 50) / 1000).toFixed(2)} s / ${(percentile(sorted, 95) / 1000).toFixed(2)} s | ${perPhoto.toFixed(1)} | ${(perPhoto - floorMs / parallel).toFixed(1)} |`;
    };
    console.log(`\n${runInfo()}\nload average at each step (start, after Lightbox, after BullMQ, after floors, after kills): ${loads.join(' → ')}`);
    console.log(`${N} photos of 4000×3000, batches of ${BATCH}, ${CPU_SLOTS} slots each; floor (sum of stages alone) ${floorMs.toFixed(1)} ms/photo`);
    console.log(
      '\n| system | photos/s | latency p50 / p95 (queued → done) | wall ms per photo | overhead ms per photo (wall − floor ÷ parallel slots) |\n|---|---|---|---|---|',
    );
    console.log(row('Lightbox (Temporal)', lbFig));
    console.log(row('BullMQ 6.7.6', bullFig));
    const ratio = bullFig.windowMs / lbFig.windowMs;
    console.log(`\nLightbox / BullMQ throughput: **${ratio.toFixed(2)}** (target ≥ 0.9: ${ratio >= 0.9 ? 'met' : 'NOT met'})`);
    console.log(
      `\nSIGKILL after ${threshold} photos had results, then a fresh worker:\n| system | photos lost | photos done twice | kill → album done | note |\n|---|---|---|---|---|`,
    );
    for (const k of kills) console.log(`| ${k.system} | ${k.lost} | ${k.twice} | ${k.recoveredS} s | ${k.note} |`);
  } finally {
    for (const q of cleanup) {
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
    }
    await stack.stop();
    await server.stop?.();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
