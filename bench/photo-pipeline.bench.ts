/**
 * The photo pipeline, measured end to end on this machine:
 *
 *  A. Throughput: N photos through the whole stack (API → AlbumWorkflow → CPU worker process
 *     running the shape-faithful CLIP ViT-B/32 image encoder → album step), against raw
 *     onnxruntime-node throughput of the same model measured in the same run. The ratio is the
 *     figure (target ≥ 0.8). Also per-photo latency (batch scheduled → batch done), history
 *     events per photo, and the CPU worker's peak RSS (worker and its decoder children).
 *  B. Scale: a 5,000-photo album through the classic pipeline: history events per photo, the
 *     largest run's history against Temporal's limits, continue-as-new count, largest payload.
 *
 * The shape-faithful model has the real architecture with random weights (its embeddings mean
 * nothing, its compute and memory are the real model's); it is generated on first run into
 * .lightbox/models-bench (~350 MB, git-ignored).
 *
 *   npm run bench -- photo            # defaults: 96 photos of 1600×1200, 5,000-photo scale run
 *   BENCH_PHOTOS=200 BENCH_SCALE_PHOTOS=0 npm run bench -- photo
 */
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { syntheticScene } from '../test/helpers/synthetic-photos';
import { createModelRuntime, getModelSpec } from '../src/models';
import { BENCH_MODELS_DIR } from '../src/models/catalogue/bench';
import { connectClient } from '../src/temporal-client/connection';
import { call, TENANT_A, waitFor, type Stack } from '../test/helpers/stack';
import { ensureBenchModel } from './lib/load';
import { childPids, rssKb } from './lib/proc';
import { uploadPhotos } from './lib/upload';
import { startTestDevServer } from '../test/helpers/temporal';
import { startWorkerProcess } from '../test/helpers/worker-process';
import { p50p95Seconds, startPhotoStack } from './lib/photo-stack';

const ROOT = path.join(__dirname, '..');
const MODELS = path.join(ROOT, BENCH_MODELS_DIR);
const N = Number(process.env.BENCH_PHOTOS ?? 96);
const SCALE_N = Number(process.env.BENCH_SCALE_PHOTOS ?? 5000);
const [W, H] = (process.env.BENCH_PHOTO_SIZE ?? '1600x1200').split('x').map(Number) as [number, number];
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const CPU_SLOTS = Number(process.env.BENCH_CPU_SLOTS ?? 2);
const LIMITS = { events: 51_200, historyBytes: 50 * 1024 * 1024, payloadBytes: 2 * 1024 * 1024 };

/** Raw ORT: random [B,3,224,224] batches through the same model, same thread settings as the worker. */
async function rawOrtPhotosPerSecond(photos: number): Promise<{ perSecond: number; msPerBatch: number }> {
  const { sessions } = createModelRuntime({ dir: MODELS, intraOpThreads: undefined });
  const spec = getModelSpec('clip-vit-b32-image-bench');
  const session = await sessions.get(spec);
  const input = spec.inputs[0]!.name;
  const batch = new ort.Tensor(
    'float32',
    Float32Array.from({ length: BATCH * 3 * 224 * 224 }, () => Math.random() * 2 - 1),
    [BATCH, 3, 224, 224],
  );
  await session.run({ [input]: batch }); // warm-up
  const runs = Math.max(3, Math.ceil(photos / BATCH));
  const started = performance.now();
  for (let i = 0; i < runs; i++) await session.run({ [input]: batch });
  const ms = performance.now() - started;
  return { perSecond: (runs * BATCH) / (ms / 1000), msPerBatch: ms / runs };
}

export async function startCpuWorker(stack: Stack, server: { address: string }, env: Record<string, string>, nodeArgs: string[] = []) {
  const { child, exited, output } = await startWorkerProcess(
    'cpu',
    {
      NODE_ENV: 'production',
      LIGHTBOX_API_KEYS: 'unused-bench-key-000000:bench',
      TEMPORAL_ADDRESS: server.address,
      LIGHTBOX_DATA_DIR: stack.config.dataDir,
      LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
      CPU_WORKER_CONCURRENCY: String(CPU_SLOTS),
      LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'info',
      ...env,
    },
    { echo: Boolean(process.env.BENCH_VERBOSE), nodeArgs },
  );
  let peakWorker = 0;
  let peakTotal = 0;
  const sampler = setInterval(() => {
    const w = rssKb(child.pid!);
    const total = w + childPids(child.pid!).reduce((s, p) => s + rssKb(p), 0);
    peakWorker = Math.max(peakWorker, w);
    peakTotal = Math.max(peakTotal, total);
  }, 100);
  return {
    async stop() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await exited;
    },
    peaks: () => ({ workerMb: peakWorker / 1024, totalMb: peakTotal / 1024 }),
    /** A crash: no shutdown, no last heartbeat (its decoder children exit when their channel closes). */
    async kill() {
      clearInterval(sampler);
      child.kill('SIGKILL');
      await exited;
    },
    output: () => output(),
    pid: child.pid!,
  };
}

interface RunStats {
  runs: number;
  events: number;
  maxRunEvents: number;
  maxRunBytes: number;
  maxPayloadBytes: number;
  batchLatenciesMs: number[];
  /** Each analyzePhotoBatch: when it was scheduled and completed (epoch ms), and its photo count. */
  batchTimes: Array<{ scheduledAt: number; doneAt: number; photos: number }>;
  firstStart: number;
  lastDone: number;
  batches: number;
}

export async function historyStats(stack: Stack, workflowId: string): Promise<RunStats> {
  const client = await connectClient(stack.config.temporal);
  try {
    const runIds: Array<{ runId: string; start: number }> = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runIds.push({ runId: wf.runId, start: wf.startTime.getTime() });
    const stats: RunStats = {
      runs: runIds.length,
      events: 0,
      maxRunEvents: 0,
      maxRunBytes: 0,
      maxPayloadBytes: 0,
      batchLatenciesMs: [],
      batchTimes: [],
      firstStart: Infinity,
      lastDone: 0,
      batches: 0,
    };
    for (const { runId } of runIds) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      stats.events += events.length;
      stats.maxRunEvents = Math.max(stats.maxRunEvents, events.length);
      const scheduled = new Map<string, { at: number; photos: number; type: string }>();
      let bytes = 0;
      for (const e of events) {
        const size = JSON.stringify(e).length;
        bytes += size;
        stats.maxPayloadBytes = Math.max(stats.maxPayloadBytes, size);
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        const s = e.activityTaskScheduledEventAttributes;
        if (s) scheduled.set(String(e.eventId), { at, photos: 0, type: s.activityType?.name ?? '' });
        const started = e.activityTaskStartedEventAttributes;
        if (started && scheduled.get(String(started.scheduledEventId))?.type === 'analyzePhotoBatch') stats.firstStart = Math.min(stats.firstStart, at);
        const done = e.activityTaskCompletedEventAttributes;
        if (done) {
          const from = scheduled.get(String(done.scheduledEventId));
          if (from?.type === 'analyzePhotoBatch') {
            stats.batches++;
            stats.lastDone = Math.max(stats.lastDone, at);
            const photos = JSON.parse(Buffer.from(done.result!.payloads![0]!.data!).toString()).outcomes.length as number;
            for (let i = 0; i < photos; i++) stats.batchLatenciesMs.push(at - from.at);
            stats.batchTimes.push({ scheduledAt: from.at, doneAt: at, photos });
          }
        }
      }
      stats.maxRunBytes = Math.max(stats.maxRunBytes, bytes);
    }
    return stats;
  } finally {
    await client.connection.close();
  }
}

/**
 * An album through the API: created, filled, closed, then waited for. `afterClose` runs once every
 * photo is stored and the album closed (a bench starts its CPU worker there, so the upload's CPU
 * stays out of the batches' window).
 */
export async function runAlbum(
  stack: Stack,
  files: Array<{ name: string; contentType: string; data: Buffer }>,
  title: string,
  opts: { afterClose?: () => Promise<void> } = {},
) {
  const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
  const album = (await A('POST', '/v1/albums', { title })).body;
  const started = Date.now();
  await uploadPhotos(stack.baseUrl, TENANT_A.key, album.albumId, files, 200);
  await A('POST', `/v1/albums/${album.albumId}/close`);
  await opts.afterClose?.();
  const done = await waitFor(
    () => A('GET', `/v1/albums/${album.albumId}`),
    (r) => r.body.status === 'completed',
    60 * 60_000,
  );
  const wallSeconds = (Date.now() - started) / 1000;
  if (done.body.counts.analyzed !== files.length) throw new Error(`expected ${files.length} analysed: ${JSON.stringify(done.body.counts)}`);
  const results = (await A('GET', `/v1/albums/${album.albumId}/results`)).body;
  return { albumId: album.albumId as string, workflowId: album.workflowId as string, wallSeconds, results, status: done.body };
}

async function main() {
  ensureBenchModel('clip-vit-b32-image-bench', 'clip-image');
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
  const server = await startTestDevServer();
  const stack = await startPhotoStack(server.address, {
    batch: BATCH,
    cpuSlots: CPU_SLOTS,
    env: { LIGHTBOX_ALBUM_MAX_PHOTOS: String(Math.max(10_000, SCALE_N)) },
  });
  const rows: Array<Record<string, string>> = [];
  try {
    // ---- A. throughput with the shape-faithful CLIP encoder --------------------------------
    console.log(`A. ${N} photos of ${W}×${H}, batches of ${BATCH}, ${CPU_SLOTS} CPU slots, model clip-vit-b32-image-bench`);
    const files = await Promise.all(
      Array.from({ length: N }, async (_, i) => ({
        name: `p${i}.jpg`,
        contentType: 'image/jpeg',
        data: await sharp(await syntheticScene(1000 + i, 400, 300))
          .resize(W, H)
          .jpeg({ quality: 90 })
          .toBuffer(),
      })),
    );
    const worker = await startCpuWorker(stack, server, { LIGHTBOX_MODEL_SET: 'bench', LIGHTBOX_MODELS_DIR: MODELS });
    const album = await runAlbum(stack, files, 'bench-clip');
    await worker.stop();
    if (album.results.models.embedding !== 'clip-vit-b32-image-bench@bench-1')
      throw new Error(`the worker did not use the bench model: ${JSON.stringify(album.results.models)}`);
    const stats = await historyStats(stack, album.workflowId);
    const pipelinePerSecond = N / ((stats.lastDone - stats.firstStart) / 1000);
    // Raw ORT measured after the pipeline, with the worker gone, so neither disturbs the other.
    const raw = await rawOrtPhotosPerSecond(N);
    const ratio = pipelinePerSecond / raw.perSecond;
    const peaks = worker.peaks();
    const sorted = [...stats.batchLatenciesMs].sort((a, b) => a - b);
    rows.push(
      {
        measure: 'raw ORT, CLIP ViT-B/32 (shape-faithful)',
        value: `${raw.perSecond.toFixed(1)} photos/s (${raw.msPerBatch.toFixed(0)} ms per batch of ${BATCH})`,
        target: '',
        verdict: '',
      },
      {
        measure: 'whole pipeline, same model',
        value: `${pipelinePerSecond.toFixed(1)} photos/s (first batch start → last batch done)`,
        target: '',
        verdict: '',
      },
      { measure: 'pipeline / raw ORT', value: ratio.toFixed(2), target: '≥ 0.80', verdict: ratio >= 0.8 ? 'met' : 'NOT met' },
      {
        measure: 'per-photo latency p50 / p95',
        value: `${p50p95Seconds(sorted)} (batch scheduled → done, queue wait included)`,
        target: '',
        verdict: '',
      },
      { measure: 'album wall time (upload → completed)', value: `${album.wallSeconds.toFixed(1)} s`, target: '', verdict: '' },
      {
        measure: 'history events per photo',
        value: `${(stats.events / N).toFixed(2)} (${stats.events} events, ${stats.runs} run(s))`,
        target: '',
        verdict: '',
      },
      {
        measure: 'CPU worker peak RSS',
        value: `${peaks.workerMb.toFixed(0)} MB worker, ${peaks.totalMb.toFixed(0)} MB with decoder children`,
        target: '',
        verdict: '',
      },
    );

    // ---- B. a 5,000-photo album against Temporal's limits ------------------------------------
    if (SCALE_N > 0) {
      console.log(`B. ${SCALE_N} photos (160×120) through the classic pipeline`);
      const small = await Promise.all(
        Array.from({ length: SCALE_N }, async (_, i) => ({ name: `s${i}.jpg`, contentType: 'image/jpeg', data: await syntheticScene(5000 + i, 160, 120) })),
      );
      const classic = await startCpuWorker(stack, server, {});
      const big = await runAlbum(stack, small, 'bench-scale');
      await classic.stop();
      const s = await historyStats(stack, big.workflowId);
      rows.push(
        {
          measure: `${SCALE_N}-photo album: wall time`,
          value: `${big.wallSeconds.toFixed(0)} s (${(SCALE_N / big.wallSeconds).toFixed(1)} photos/s, classic method)`,
          target: '',
          verdict: '',
        },
        {
          measure: `${SCALE_N}-photo album: history events per photo`,
          value: `${(s.events / SCALE_N).toFixed(2)} (${s.events} events over ${s.runs} runs)`,
          target: '',
          verdict: '',
        },
        {
          measure: 'largest run: events',
          value: String(s.maxRunEvents),
          target: `< ${LIMITS.events} (limit)`,
          verdict: s.maxRunEvents < LIMITS.events / 4 ? 'far from it' : s.maxRunEvents < LIMITS.events ? 'under' : 'OVER',
        },
        {
          measure: 'largest run: history size',
          value: `${(s.maxRunBytes / 1024 / 1024).toFixed(2)} MB`,
          target: `< ${LIMITS.historyBytes / 1024 / 1024} MB`,
          verdict: s.maxRunBytes < LIMITS.historyBytes / 4 ? 'far from it' : 'under',
        },
        {
          measure: 'largest event (payload)',
          value: `${(s.maxPayloadBytes / 1024).toFixed(0)} KB`,
          target: `< ${LIMITS.payloadBytes / 1024 / 1024} MB`,
          verdict: s.maxPayloadBytes < 512 * 1024 ? 'under the 512 KB warning' : 'under',
        },
        { measure: 'continue-as-new', value: `${s.runs - 1} time(s)`, target: '', verdict: '' },
        {
          measure: 'album results',
          value: `${Object.keys(big.results.quality).length} photos, ${big.results.duplicates.length} duplicate groups, ${big.results.highlights.length} highlights`,
          target: '',
          verdict: '',
        },
      );
    }
  } finally {
    await stack.stop();
    await server.stop();
  }
  console.log('\nPhoto pipeline benchmark (this machine; the model is shape-faithful: real compute, random weights)');
  console.table(rows);
}

// bench/photo-models.bench.ts reuses the helpers above.
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
