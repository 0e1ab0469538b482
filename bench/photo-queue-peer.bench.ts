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
import { call, TENANT_A, waitFor, type Stack } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import { floors, photos12mp } from './lib/photo-floors';
import { pidsNamed, treeCpuMs } from './lib/proc';
import { loadAverage, runInfo } from './lib/run-info';
import { uploadPhotos } from './lib/upload';
import { historyStats, startCpuWorker } from './photo-pipeline.bench';
import { p50p95Seconds, startPhotoStack } from './lib/photo-stack';
import { runBench } from './lib/run-bench';

const N = Number(process.env.BENCH_PHOTOS ?? 24);
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const CPU_SLOTS = Number(process.env.BENCH_CPU_SLOTS ?? 2);
const REDIS_DB = Number(process.env.BENCH_REDIS_DB ?? 9);
const PREFIX = 'lightbox-bench-peer';
const HEARTBEAT_SECONDS = 10;
/** BENCH_PEER_KILLS=0: throughput only, no crash runs. */
const KILLS = process.env.BENCH_PEER_KILLS !== '0';
/** Throughput rounds per system (default 2: Lightbox, BullMQ, BullMQ, Lightbox). */
const ROUNDS = Number(process.env.BENCH_PEER_ROUNDS ?? 2);
const connection = { host: '127.0.0.1', port: 6379, db: REDIS_DB };
type Files = Array<{ name: string; contentType: string; data: Buffer }>;

interface RunFigures {
  windowMs: number;
  latencies: number[];
  /** CPU ms, worker ready → album done: the worker with its decoder children, and everything else this bench runs plus Redis. */
  cpu: { worker: number; rest: number };
}

/** CPU so far of the worker's tree and of everything else: this process's tree (API, workflow and io workers, Temporal server) and Redis. */
function cpuNow(workerPid: number) {
  const worker = treeCpuMs(workerPid);
  const redis = pidsNamed('redis-server').reduce((s, p) => s + treeCpuMs(p), 0);
  return { worker, rest: treeCpuMs(process.pid) - worker + redis };
}
const cpuSince = (from: { worker: number; rest: number }, to: { worker: number; rest: number }) => ({
  worker: to.worker - from.worker,
  rest: to.rest - from.rest,
});

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
    pid: child.pid!,
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

async function bullFigures(queue: Queue): Promise<Omit<RunFigures, 'cpu'> & { failed: number }> {
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

/**
 * One Lightbox round. Every photo is uploaded and the album closed before the CPU worker starts,
 * so its batches meet a ready worker as BullMQ's jobs do (the peer's photos are in storage before
 * its jobs are added). Uploading through the API while the first batches run would put the
 * upload's CPU inside Lightbox's window only. Latency counts from the later of scheduling and
 * the worker being ready.
 */
async function lightboxRound(stack: Stack, server: { address: string }, files: Files, title: string, workerEnv: Record<string, string>): Promise<RunFigures> {
  const album = await lightboxAlbum(stack, files, title);
  const worker = await startCpuWorker(stack, server, workerEnv);
  const readyAt = Date.now();
  const cpu0 = cpuNow(worker.pid);
  await album.done();
  const cpu = cpuSince(cpu0, cpuNow(worker.pid));
  await worker.stop();
  const s = await historyStats(stack, album.workflowId);
  return {
    windowMs: s.lastDone - s.firstStart,
    latencies: s.batchTimes.flatMap((b) => Array.from({ length: b.photos }, () => b.doneAt - Math.max(b.scheduledAt, readyAt))),
    cpu,
  };
}

/** One BullMQ round: the photos stored, a ready worker, then the batches added as jobs. */
async function bullRound(stack: Stack, files: Files, queueName: string, modelsDir: string, cleanup: Queue[]): Promise<RunFigures & { refs: PhotoRef[] }> {
  const refs = await storeAlbum(stack.store, files, `bull-${queueName}`);
  const worker = startBullWorker(stack, queueName, modelsDir, false);
  await worker.ready;
  const cpu0 = cpuNow(worker.pid);
  const queue = await bullAlbum(queueName, `bull-${queueName}`, refs);
  cleanup.push(queue);
  if (!(await waitDrained(queue, 30 * 60_000))) throw new Error('BullMQ did not drain');
  const cpu = cpuSince(cpu0, cpuNow(worker.pid));
  await worker.stop();
  const fig = await bullFigures(queue);
  if (fig.failed) throw new Error(`${fig.failed} BullMQ job(s) failed`);
  return { ...fig, cpu, refs };
}

/** Rounds pooled: their windows summed, their latencies together. */
const pooled = (rounds: RunFigures[]): RunFigures => ({
  windowMs: rounds.reduce((a, r) => a + r.windowMs, 0),
  latencies: rounds.flatMap((r) => r.latencies),
  cpu: { worker: rounds.reduce((a, r) => a + r.cpu.worker, 0), rest: rounds.reduce((a, r) => a + r.cpu.rest, 0) },
});

// ---- the run -------------------------------------------------------------------------------
async function main() {
  const config = loadConfig();
  const modelsDir = config.models.dir;
  const files = await photos12mp(config.models.cacheDir, N);
  const server = await startTestDevServer();
  const stack = await startPhotoStack(server.address, {
    batch: BATCH,
    cpuSlots: CPU_SLOTS,
    env: { LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS) },
  });
  const workerEnv = { LIGHTBOX_MODELS_DIR: modelsDir, LIGHTBOX_MODEL_SET: 'production' };
  const cleanup: Queue[] = [];
  const loads: string[] = [loadAverage()];
  try {
    // A. Throughput in rounds, the order alternating (Lightbox first, then BullMQ first, …) so
    // neither always meets the colder machine. Each round is a fresh worker on the same photos
    // (a fresh process: its in-process embedding cache starts empty).
    const lbRounds: RunFigures[] = [];
    const bullRounds: Array<RunFigures & { refs: PhotoRef[] }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['lightbox', 'bullmq'] as const) : (['bullmq', 'lightbox'] as const);
      for (const system of order) {
        if (system === 'lightbox') lbRounds.push(await lightboxRound(stack, server, files, `peer-lightbox-${r}`, workerEnv));
        else bullRounds.push(await bullRound(stack, files, `peer-throughput-${r}`, modelsDir, cleanup));
        loads.push(loadAverage());
      }
    }
    const lbFig = pooled(lbRounds);
    const bullFig = pooled(bullRounds);
    // The floors read the photos and result documents of BullMQ's first round.
    const refs = bullRounds[0]!.refs;
    const bullId = 'bull-peer-throughput-0';

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
    const kills: Array<{ system: string; lost: number; twice: number; recovered: string; note: string }> = [];
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
          recovered: ((Date.now() - killedAt) / 1000).toFixed(0) + ' s',
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
          recovered: drained ? ((Date.now() - killedAt) / 1000).toFixed(0) + ' s' : 'never (waited 150 s)',
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
      const perPhoto = fig.windowMs / (N * ROUNDS);
      const sorted = [...fig.latencies].sort((a, b) => a - b);
      // Work runs on min(slots, cores) cores at once: overhead is wall per photo minus the floor shared over them.
      const parallel = Math.min(CPU_SLOTS, os.availableParallelism());
      const cpuPerPhoto = (ms: number) => (ms / (N * ROUNDS)).toFixed(1);
      return `| ${name} | ${(1000 / perPhoto).toFixed(2)} | ${p50p95Seconds(sorted)} | ${perPhoto.toFixed(1)} | ${(perPhoto - floorMs / parallel).toFixed(1)} | ${cpuPerPhoto(fig.cpu.worker)} | ${cpuPerPhoto(fig.cpu.rest)} |`;
    };
    console.log(`\n${runInfo()}\nload average at each step (start, after each throughput round, after floors, after kills): ${loads.join(' → ')}`);
    console.log(
      `${N} photos of 4000×3000, batches of ${BATCH}, ${CPU_SLOTS} slots each, ${ROUNDS} rounds each in alternating order; floor (sum of stages alone) ${floorMs.toFixed(1)} ms/photo`,
    );
    console.log(
      '\n| system | photos/s | latency p50 / p95 (queued → done) | wall ms per photo | overhead ms per photo (wall − floor ÷ parallel slots) | worker CPU ms per photo (with decoder children) | CPU ms per photo of everything else (API, workflow/io workers, Temporal server; Redis) |\n|---|---|---|---|---|---|---|',
    );
    console.log(row('Lightbox (Temporal)', lbFig));
    console.log(row('BullMQ 6.7.6', bullFig));
    const perRound = (rounds: RunFigures[]) => rounds.map((r) => ((N / r.windowMs) * 1000).toFixed(2)).join(', ');
    console.log(`\nphotos/s per round: Lightbox ${perRound(lbRounds)}; BullMQ ${perRound(bullRounds)}`);
    const ratio = bullFig.windowMs / lbFig.windowMs;
    console.log(`\nLightbox / BullMQ throughput: **${ratio.toFixed(2)}** (target ≥ 0.9: ${ratio >= 0.9 ? 'met' : 'NOT met'})`);
    console.log(
      `\nSIGKILL after ${threshold} photos had results, then a fresh worker:\n| system | photos lost | photos done twice | kill → album done | note |\n|---|---|---|---|---|`,
    );
    for (const k of kills) console.log(`| ${k.system} | ${k.lost} | ${k.twice} | ${k.recovered} | ${k.note} |`);
  } finally {
    for (const q of cleanup) {
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
    }
    await stack.stop();
    await server.stop?.();
  }
}

runBench(main);
