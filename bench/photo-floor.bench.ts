/**
 * The photo pipeline with the real models (MobileNetV2, BlazeFace, dlib) on 12 MP JPEGs against
 * an honest floor, in ONE run, on the same photos:
 *
 *   floor: every stage the pipeline executes per photo, each alone, one photo after another in
 *   this process: blob read, sha256 + format sniff, decode (the decoder child's own code, in
 *   process), quality (grey raster + measures), perceptual hash (thumbnail + embedding),
 *   MobileNetV2 (batches of BENCH_BATCH), BlazeFace, dlib (on the faces BlazeFace found), result
 *   write (the pipeline's own result documents, written again).
 *   isolation cost: the same decode through a one-child isolated decoder, minus the in-process decode
 *   (fork IPC of the bytes in and the rasters out).
 *   pipeline: the album through the API, the AlbumWorkflow and a CPU worker process
 *   (CPU_WORKER_CONCURRENCY slots), first batch start → last batch done; the worker's own
 *   per-stage times (its log) beside the floors; its peak RSS with its decoder children.
 *
 * pipeline / floor ≥ 0.8 is the target. With BENCH_CPU_PROF=1 the CPU worker and its decoder
 * children run under `node --cpu-prof` and the top self-time functions are printed.
 *
 *   npm run bench -- photo-floor                         # 32 photos of 4000×3000
 *   BENCH_PHOTOS=16 BENCH_CPU_PROF=1 npm run bench -- photo-floor
 *   BENCH_WORKER_ENV='INFERENCE_THREADS=2' npm run bench -- photo-floor   # any worker setting
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { albumPhotoKey, albumPrefix } from '../src/storage/keys';
import { TENANT_A } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import { topSelfTime } from './lib/cpu-profile';
import { floors, photos12mp, type Stage } from './lib/photo-floors';
import { loadAverage, runInfo } from './lib/run-info';
import { historyStats, runAlbum, startCpuWorker } from './photo-pipeline.bench';
import { p50p95Seconds, startPhotoStack } from './lib/photo-stack';
import { runBench } from './lib/run-bench';

const N = Number(process.env.BENCH_PHOTOS ?? 32);
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const CPU_SLOTS = Number(process.env.BENCH_CPU_SLOTS ?? 2);
const PROFILE = process.env.BENCH_CPU_PROF === '1';

/** Extra CPU worker settings from BENCH_WORKER_ENV ("A=1 B=2"), to compare configurations. */
function workerEnvOverrides(): Record<string, string> {
  const raw = process.env.BENCH_WORKER_ENV?.trim();
  if (!raw) return {};
  return Object.fromEntries(raw.split(/\s+/).map((kv) => kv.split('=', 2) as [string, string]));
}

/** The CPU worker's own per-stage times, summed from its "photo batch analysed" log lines. */
function workerStageMs(output: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.includes('"photo batch analysed"')) continue;
    try {
      const ms = (JSON.parse(line) as { ms?: Record<string, number> }).ms ?? {};
      for (const [k, v] of Object.entries(ms)) sums[k] = (sums[k] ?? 0) + v;
    } catch {
      // not a JSON log line
    }
  }
  return sums;
}

async function main() {
  const config = loadConfig();
  const modelsDir = config.models.dir;
  const files = await photos12mp(config.models.cacheDir, N);
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-prof-'));
  const server = await startTestDevServer();
  const stack = await startPhotoStack(server.address, { batch: BATCH, cpuSlots: CPU_SLOTS });
  const loadBefore = loadAverage();
  try {
    console.log(
      `${N} photos of 4000×3000 (${(files.reduce((s, f) => s + f.data.length, 0) / N / 1e6).toFixed(1)} MB each), batches of ${BATCH}, ${CPU_SLOTS} CPU slots`,
    );
    const overrides = workerEnvOverrides();
    let worker: Awaited<ReturnType<typeof startCpuWorker>> | undefined;
    let readyAt = 0;
    // The worker starts once every photo is stored: the batches' window holds their work, not the upload's.
    const album = await runAlbum(stack, files, 'bench-floor', {
      afterClose: async () => {
        worker = await startCpuWorker(
          stack,
          server,
          { LIGHTBOX_MODELS_DIR: modelsDir, LIGHTBOX_MODEL_SET: 'production', ...overrides },
          PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
        );
        readyAt = Date.now();
      },
    });
    if (!worker) throw new Error('the CPU worker never started');
    const output = worker.output();
    await worker.stop();
    if (!String(album.results.models.embedding).startsWith('mobilenetv2-imagenet@'))
      throw new Error(`the worker did not use the built models: ${JSON.stringify(album.results.models)}`);
    const stats = await historyStats(stack, album.workflowId);
    const pipelineMs = (stats.lastDone - stats.firstStart) / N;
    const loadPipeline = loadAverage();
    const photoIds = Object.keys(album.results.quality as Record<string, unknown>);
    const all = await stack.store.list(albumPrefix(TENANT_A.tenant, album.albumId));
    const docKeys = all.filter((k) => k.includes('/analyses/') && k.includes('/photos/') && k.endsWith('.json'));
    const uploads = photoIds.map((id) => albumPhotoKey(TENANT_A.tenant, album.albumId, id));
    // Floors measured after the pipeline, with the worker gone, so neither disturbs the other.
    const f = await floors(uploads, docKeys.slice(0, N), stack.store, BATCH);
    const floorMs = Object.values(f.per).reduce((a, b) => a + b, 0);
    const stage = workerStageMs(output);
    // Per photo, from the later of its batch's scheduling and the worker being ready.
    const sorted = stats.batchTimes.flatMap((b) => Array.from({ length: b.photos }, () => b.doneAt - Math.max(b.scheduledAt, readyAt))).sort((a, b) => a - b);
    const peaks = worker.peaks();
    console.log(`\n${runInfo()}\nload average during the pipeline run: ${loadBefore} → ${loadPipeline}`);
    console.log(
      `worker settings: CPU_WORKER_CONCURRENCY=${CPU_SLOTS} ${
        Object.entries(overrides)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || '(defaults)'
      }`,
    );
    console.log('\n| stage (each alone, ms per photo) | floor | pipeline worker, summed over its batches ÷ photos |\n|---|---|---|');
    const workerOf: Partial<Record<Stage, string>> = {
      decode: 'fetch + decode (child, concurrent)',
      MobileNetV2: 'embedding',
      BlazeFace: 'faces (BlazeFace + dlib)',
      'result write': 'store',
    };
    for (const [k, v] of Object.entries(f.per) as [Stage, number][]) {
      const w = { decode: stage.decode, MobileNetV2: stage.embedding, BlazeFace: stage.faces, 'result write': stage.store }[k as string];
      console.log(
        `| ${k}${k === 'dlib' ? ` (${f.faces} faces)` : ''} | ${v.toFixed(1)} | ${w !== undefined ? `${(w / N).toFixed(1)} (${workerOf[k]})` : ''} |`,
      );
    }
    console.log(`| **sum of floors** | **${floorMs.toFixed(1)}** | |`);
    const rows: [string, string][] = [
      [
        'isolation cost: decode through a one-child decoder − in process',
        `${f.isolationMs.toFixed(1)} ms/photo (child round trip ${f.isolatedMs.toFixed(1)} ms)`,
      ],
      ['whole pipeline (first batch start → last batch done)', `${pipelineMs.toFixed(1)} ms/photo = ${(1000 / pipelineMs).toFixed(2)} photos/s`],
      [
        `pipeline / floor over ${Math.min(CPU_SLOTS, os.availableParallelism())} cores (sum of floors ÷ min(slots, cores))`,
        `${(floorMs / Math.min(CPU_SLOTS, os.availableParallelism()) / pipelineMs).toFixed(2)}`,
      ],
      ['pipeline / floor (target ≥ 0.8)', `**${(floorMs / pipelineMs).toFixed(2)}** ${floorMs / pipelineMs >= 0.8 ? 'met' : 'NOT met'}`],
      ['per-photo latency p50 / p95 (batch scheduled, or worker ready if later → done)', p50p95Seconds(sorted)],
      ['CPU worker peak RSS', `${peaks.workerMb.toFixed(0)} MB worker, ${peaks.totalMb.toFixed(0)} MB with decoder children`],
      ['album wall (upload → completed)', `${album.wallSeconds.toFixed(1)} s`],
    ];
    console.log('\n| measure | value |\n|---|---|');
    for (const [m, v] of rows) console.log(`| ${m} | ${v} |`);
    if (PROFILE) {
      // Decoder children are SIGKILLed on close, so they leave no profile: their cost is the floor's decode rows.
      const top = topSelfTime(profDir, 15);
      console.log(`\nprofile, CPU worker main thread (${(top.totalMs / 1000).toFixed(1)} s sampled, whole life of the process): top self time`);
      console.log('| function | self ms | share |\n|---|---|---|');
      for (const r of top.rows) console.log(`| ${r.fn.replace(/\|/g, '\\|')} | ${r.selfMs.toFixed(0)} | ${(r.share * 100).toFixed(1)} % |`);
      console.log(`\nprofiles kept in ${profDir}`);
    }
  } finally {
    await stack.stop();
    await server.stop?.();
    if (!PROFILE) fs.rmSync(profDir, { recursive: true, force: true });
  }
}

runBench(main);
