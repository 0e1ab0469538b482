/**
 * How an album's cost grows with its size: albums of 1,000, 5,000 and 20,000 small photos
 * (160×120 synthetic scenes, the classic pipeline: no model, so the figure is orchestration and
 * the per-photo stages, not inference) through API, workflow, io and CPU workers, each its own
 * process as in production, on the Temporal dev server.
 *
 * For each size: wall time (first upload → completed) and photos/s; history events per photo and
 * the largest run's history (events and bytes; the workflow continues-as-new); peak RSS of the
 * workflow worker and of the API; time to the first highlight (first upload → results list one).
 * Writes docs/album-growth.png: photos/s and events per photo against album size.
 *
 *   npm run bench -- album-growth
 *   BENCH_GROWTH_SIZES=1000,5000 npm run bench -- album-growth
 *   BENCH_GROWTH_REPLOT=1 npm run bench -- album-growth   # the plot again from docs/album-growth.json
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { syntheticScene } from '../test/helpers/synthetic-photos';
import { call, TENANT_A, TENANT_B, waitFor, type Stack } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import { startWorkerProcess } from '../test/helpers/worker-process';
import { startApiProcess } from './lib/api-process';
import { rssKb } from './lib/proc';
import { loadAverage, runInfo } from './lib/run-info';
import { uploadPhotos } from './lib/upload';
import { historyStats } from './photo-pipeline.bench';
import { loadConfig } from '../src/config';
import { runBench } from './lib/run-bench';

const SIZES = (process.env.BENCH_GROWTH_SIZES ?? '1000,5000,20000').split(',').map(Number);
const PER_REQUEST = 200;
const PLOT_FILE = path.join(__dirname, '..', 'docs', 'album-growth.png');
/** What the last run measured, beside its plot. */
const DATA_FILE = path.join(__dirname, '..', 'docs', 'album-growth.json');

const rssMb = (pid: number) => rssKb(pid) / 1024;

interface Row {
  size: number;
  wallS: number;
  perSecond: number;
  eventsPerPhoto: number;
  runs: number;
  maxRunEvents: number;
  maxRunMb: number;
  workflowRssMb: number;
  apiRssMb: number;
  firstHighlightS: number;
  load: string;
}

async function album(baseUrl: string, size: number, sample: () => void): Promise<{ workflowId: string; wallS: number; firstHighlightS: number }> {
  const A = (method: string, p: string, body?: unknown) => call(baseUrl, TENANT_A.key, method, p, body);
  const created = (await A('POST', '/v1/albums', { title: `growth-${size}` })).body as { albumId: string; workflowId: string };
  const id = created.albumId;
  const started = Date.now();
  let firstHighlight = 0;
  let stopped = false;
  // Results are asked for every 2 s from the first upload; the first one that lists a highlight times it.
  const watcher = (async () => {
    while (!stopped && !firstHighlight) {
      const r = await A('GET', `/v1/albums/${id}/results`).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
      if (r.status === 200 && Array.isArray(r.body.highlights) && r.body.highlights.length > 0) firstHighlight = Date.now();
      sample();
      await new Promise((res) => setTimeout(res, 2000));
    }
  })();
  for (let i = 0; i < size; i += PER_REQUEST) {
    const files = await Promise.all(
      Array.from({ length: Math.min(PER_REQUEST, size - i) }, async (_, k) => ({
        name: `g${i + k}.jpg`,
        contentType: 'image/jpeg',
        data: await sharp(await syntheticScene(size * 7 + i + k, 160, 120))
          .jpeg({ quality: 80 })
          .toBuffer(),
      })),
    );
    await uploadPhotos(baseUrl, TENANT_A.key, id, files, PER_REQUEST, `${id}-upload-${i}`);
    sample();
  }
  await A('POST', `/v1/albums/${id}/close`);
  const done = await waitFor(
    async () => {
      sample();
      return A('GET', `/v1/albums/${id}`);
    },
    (r) => r.body.status === 'completed',
    3 * 60 * 60_000,
  );
  const wallS = (Date.now() - started) / 1000;
  stopped = true;
  await watcher;
  if (done.body.counts.analyzed !== size) throw new Error(`expected ${size} analysed: ${JSON.stringify(done.body.counts)}`);
  if (!firstHighlight) {
    const r = await A('GET', `/v1/albums/${id}/results`);
    if (Array.isArray(r.body.highlights) && r.body.highlights.length > 0) firstHighlight = Date.now();
  }
  return { workflowId: created.workflowId, wallS, firstHighlightS: (firstHighlight - started) / 1000 };
}

/** photos/s and events per photo against album size, as an SVG drawn to PNG by sharp. */
async function plot(rows: Row[], file: string, caption: string) {
  const W = 900;
  const H = 380;
  const panel = (x0: number, title: string, values: number[], colour: string) => {
    const px = 60;
    const pw = 360;
    const py = 50;
    const ph = 250;
    const max = Math.max(...values) * 1.2 || 1;
    const logMin = Math.log10(Math.min(...rows.map((r) => r.size)) / 2);
    const logMax = Math.log10(Math.max(...rows.map((r) => r.size)) * 2);
    const xAt = (size: number) => x0 + px + ((Math.log10(size) - logMin) / (logMax - logMin)) * pw;
    const yAt = (v: number) => py + ph - (v / max) * ph;
    const pts = rows.map((r, i) => `${xAt(r.size).toFixed(1)},${yAt(values[i]!).toFixed(1)}`);
    const ticks = [0, 0.25, 0.5, 0.75, 1].map(
      (t) =>
        `<line x1="${x0 + px}" x2="${x0 + px + pw}" y1="${yAt(max * t)}" y2="${yAt(max * t)}" stroke="#ddd"/><text x="${x0 + px - 6}" y="${yAt(max * t) + 4}" text-anchor="end" font-size="11">${Number((max * t).toPrecision(2))}</text>`,
    );
    const labels = rows.map(
      (r, i) =>
        `<circle cx="${xAt(r.size)}" cy="${yAt(values[i]!)}" r="4" fill="${colour}"/><text x="${xAt(r.size)}" y="${yAt(values[i]!) - 9}" text-anchor="middle" font-size="11">${values[i]!.toFixed(2)}</text><text x="${xAt(r.size)}" y="${py + ph + 16}" text-anchor="middle" font-size="11">${r.size.toLocaleString('en')}</text>`,
    );
    return `<text x="${x0 + px + pw / 2}" y="30" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>
      <line x1="${x0 + px}" x2="${x0 + px}" y1="${py}" y2="${py + ph}" stroke="#333"/><line x1="${x0 + px}" x2="${x0 + px + pw}" y1="${py + ph}" y2="${py + ph}" stroke="#333"/>
      ${ticks.join('')}<polyline points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>${labels.join('')}
      <text x="${x0 + px + pw / 2}" y="${py + ph + 34}" text-anchor="middle" font-size="12">photos in the album (log scale)</text>`;
  };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>
    ${panel(
      0,
      'photos / s',
      rows.map((r) => r.perSecond),
      '#1f77b4',
    )}
    ${panel(
      450,
      'history events per photo',
      rows.map((r) => r.eventsPerPhoto),
      '#d62728',
    )}
    <text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#555">${caption}</text></svg>`;
  await sharp(Buffer.from(svg)).png().toFile(file);
}

async function main() {
  const server = await startTestDevServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-growth-'));
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: server.address,
    LIGHTBOX_DATA_DIR: dataDir,
    LIGHTBOX_API_KEYS: `${TENANT_A.key}:${TENANT_A.tenant},${TENANT_B.key}:${TENANT_B.tenant}`,
    LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
    LIGHTBOX_ALBUM_MAX_PHOTOS: String(Math.max(...SIZES, 10_000)),
    LIGHTBOX_ALBUM_SETTLE_SECONDS: '0',
    CPU_WORKER_CONCURRENCY: '2',
    // Classic pipeline: no model directory, so the photo stages are the model-free ones.
    LIGHTBOX_MODELS_DIR: path.join(dataDir, 'no-models'),
  };
  loadConfig(env); // fail fast on a bad setting, before any process starts
  const workers = [];
  const rows: Row[] = [];
  let api: Awaited<ReturnType<typeof startApiProcess>> | undefined;
  try {
    for (const role of ['workflow', 'io', 'cpu'] as const) workers.push(await startWorkerProcess(role, env));
    api = await startApiProcess(env);
    const wf = workers[0]!.child.pid!;
    for (const size of SIZES) {
      let peakWf = 0;
      let peakApi = 0;
      const sample = () => {
        peakWf = Math.max(peakWf, rssMb(wf));
        peakApi = Math.max(peakApi, rssMb(api!.pid));
      };
      const sampler = setInterval(sample, 500);
      const run = await album(api.baseUrl, size, sample);
      clearInterval(sampler);
      const s = await historyStats({ config: loadConfig(env) } as Stack, run.workflowId);
      rows.push({
        size,
        wallS: run.wallS,
        perSecond: size / run.wallS,
        eventsPerPhoto: s.events / size,
        runs: s.runs,
        maxRunEvents: s.maxRunEvents,
        maxRunMb: s.maxRunBytes / 2 ** 20,
        workflowRssMb: peakWf,
        apiRssMb: peakApi,
        firstHighlightS: run.firstHighlightS,
        load: loadAverage(),
      });
      console.log(`${size} photos: ${run.wallS.toFixed(0)} s, load ${loadAverage()}`);
      // Table and plot after every size, so a run cut short still leaves what it measured.
      await report(rows);
    }
  } finally {
    await api?.stop();
    for (const w of workers.reverse()) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
    await server.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function report(rows: Row[]) {
  const info = runInfo();
  console.log(`\n${info}`);
  console.log(
    '\n| photos | wall | photos/s | events/photo | runs (continue-as-new + 1) | largest run: events / size | workflow worker peak RSS | API peak RSS | first highlight after | load avg at end |\n|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of rows) {
    console.log(
      `| ${r.size.toLocaleString('en')} | ${r.wallS.toFixed(0)} s | ${r.perSecond.toFixed(1)} | ${r.eventsPerPhoto.toFixed(3)} | ${r.runs} | ${r.maxRunEvents} / ${r.maxRunMb.toFixed(2)} MB | ${r.workflowRssMb.toFixed(0)} MB | ${r.apiRssMb.toFixed(0)} MB | ${r.firstHighlightS.toFixed(0)} s | ${r.load} |`,
    );
  }
  const when = info.split('\n').find((l) => l.startsWith('date:'))!;
  const commit = info.split('\n').find((l) => l.startsWith('commit:'))!;
  const caption = `npm run bench -- album-growth · ${commit} · ${when} · load avg at end ${rows.map((r) => r.load.split(' / ')[0]).join(', ')}`;
  fs.writeFileSync(DATA_FILE, `${JSON.stringify({ runInfo: info, caption, rows }, null, 2)}\n`);
  await plot(rows, PLOT_FILE, caption);
  console.log(`\nfigures: ${path.relative(process.cwd(), DATA_FILE)}; plot: ${path.relative(process.cwd(), PLOT_FILE)}`);
}

/** BENCH_GROWTH_REPLOT=1: draws the plot again from the figures file, measuring nothing. */
async function replot() {
  const { rows, caption } = JSON.parse(fs.readFileSync(DATA_FILE, 'utf8')) as { rows: Row[]; caption: string };
  await plot(rows, PLOT_FILE, caption);
  console.log(`plot: ${path.relative(process.cwd(), PLOT_FILE)}`);
}

runBench(process.env.BENCH_GROWTH_REPLOT === '1' ? replot : main);
