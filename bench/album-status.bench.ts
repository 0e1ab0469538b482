/**
 * Status under load: 5 albums of 40 12 MP photos analysed with the real models by a CPU worker
 * process, while 20 clients watch them: 15 poll `GET /v1/albums/:id` back to back (100 ms
 * apart) and 5 hold the SSE stream `GET /v1/albums/:id/events`, reconnecting every second, so
 * each connection's first `status` event is a sample. Prints p50/p95/p99 of both beside the
 * targets (p95 ≤ 200 ms, p99 ≤ 500 ms), and the albums' throughput with the watchers against a
 * run of the same albums with nobody watching (it must not drop).
 *
 * The API and each worker role run as their own processes, as deployed: the watchers' own CPU
 * (this process) is never the API's.
 *
 *   npm run bench -- album-status
 *   BENCH_STATUS_PHOTOS=20 BENCH_STATUS_BASELINE=0 npm run bench -- album-status
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { call, TENANT_A } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../test/helpers/worker-process';
import { startApiProcess } from './lib/api-process';
import { percentile } from './lib/load';
import { photos12mp } from './lib/photo-floors';
import { loadAverage, runInfo } from './lib/run-info';
import { uploadPhotos } from './lib/upload';
import { runBench } from './lib/run-bench';

const ALBUMS = Number(process.env.BENCH_STATUS_ALBUMS ?? 5);
const PER_ALBUM = Number(process.env.BENCH_STATUS_PHOTOS ?? 40);
const GET_POLLERS = 15;
const SSE_CLIENTS = 5;
const BASELINE = process.env.BENCH_STATUS_BASELINE !== '0';
type Files = Array<{ name: string; contentType: string; data: Buffer }>;

/** Creates, fills and closes the albums; resolves with each album id as soon as it exists. */
async function startAlbums(baseUrl: string, files: Files, tag: string) {
  const A = (method: string, p: string, body?: unknown) => call(baseUrl, TENANT_A.key, method, p, body);
  const ids: string[] = [];
  for (let a = 0; a < ALBUMS; a++) ids.push((await A('POST', '/v1/albums', { title: `${tag}-${a}` })).body.albumId as string);
  const started = Date.now();
  const uploads = ids.map(async (id, a) => {
    await uploadPhotos(baseUrl, TENANT_A.key, id, files.slice(a * PER_ALBUM, (a + 1) * PER_ALBUM));
    await A('POST', `/v1/albums/${id}/close`);
  });
  return { ids, started, uploads: Promise.all(uploads) };
}

async function untilCompleted(baseUrl: string, ids: string[]): Promise<number> {
  for (;;) {
    const views = await Promise.all(ids.map((id) => call(baseUrl, TENANT_A.key, 'GET', `/v1/albums/${id}`)));
    if (views.every((v) => v.body.status === 'completed')) return Date.now();
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function getPoller(baseUrl: string, id: string, done: () => boolean, out: number[], errors: string[]) {
  while (!done()) {
    const s = performance.now();
    try {
      const res = await fetch(`${baseUrl}/v1/albums/${id}`, { headers: { authorization: `Bearer ${TENANT_A.key}` } });
      await res.arrayBuffer();
      out.push(performance.now() - s);
      if (res.status !== 200) errors.push(`GET ${res.status}`);
    } catch (err) {
      errors.push(`GET ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Connect → first `status` event, again and again. */
async function sseClient(baseUrl: string, id: string, done: () => boolean, out: number[], errors: string[]) {
  while (!done()) {
    const ctl = new AbortController();
    const s = performance.now();
    try {
      const res = await fetch(`${baseUrl}/v1/albums/${id}/events`, { headers: { authorization: `Bearer ${TENANT_A.key}` }, signal: ctl.signal });
      if (res.status !== 200) errors.push(`SSE ${res.status}`);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('event: status')) {
        const { value, done: end } = await reader.read();
        if (end) break;
        text += Buffer.from(value).toString('utf8');
      }
      out.push(performance.now() - s);
    } catch (err) {
      errors.push(`SSE ${(err as Error).message}`);
    } finally {
      ctl.abort();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const ms = (sorted: number[], p: number) => `${percentile(sorted, p).toFixed(0)} ms`;

async function main() {
  const config = loadConfig();
  const all = await photos12mp(config.models.cacheDir, ALBUMS * PER_ALBUM * (BASELINE ? 2 : 1));
  const server = await startTestDevServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-status-'));
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: server.address,
    LIGHTBOX_DATA_DIR: dataDir,
    LIGHTBOX_API_KEYS: `${TENANT_A.key}:${TENANT_A.tenant}`,
    LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
    LIGHTBOX_ALBUM_SETTLE_SECONDS: '0',
    CPU_WORKER_CONCURRENCY: '2',
    LIGHTBOX_MODELS_DIR: config.models.dir,
    LIGHTBOX_MODEL_SET: 'production',
  };
  const workers: WorkerProcess[] = [];
  for (const role of ['workflow', 'io'] as const) workers.push(await startWorkerProcess(role, env));
  workers.push(await startWorkerProcess('cpu', { ...env, NODE_ENV: 'production' }));
  const api = await startApiProcess(env);
  const { baseUrl } = api;
  const n = ALBUMS * PER_ALBUM;
  const loads: string[] = [];
  try {
    let baseline: number | undefined;
    if (BASELINE) {
      loads.push(loadAverage());
      const run = await startAlbums(baseUrl, all.slice(n), 'quiet');
      await run.uploads;
      baseline = (n / ((await untilCompleted(baseUrl, run.ids)) - run.started)) * 1000;
    }
    loads.push(loadAverage());
    const run = await startAlbums(baseUrl, all.slice(0, n), 'watched');
    let finished = false;
    const gets: number[] = [];
    const sse: number[] = [];
    const errors: string[] = [];
    const watchers = [
      ...Array.from({ length: GET_POLLERS }, (_, i) => getPoller(baseUrl, run.ids[i % ALBUMS]!, () => finished, gets, errors)),
      ...Array.from({ length: SSE_CLIENTS }, (_, i) => sseClient(baseUrl, run.ids[i % ALBUMS]!, () => finished, sse, errors)),
    ];
    await run.uploads;
    const completed = await untilCompleted(baseUrl, run.ids);
    finished = true;
    await Promise.all(watchers);
    loads.push(loadAverage());
    const watched = (n / (completed - run.started)) * 1000;
    gets.sort((a, b) => a - b);
    sse.sort((a, b) => a - b);
    console.log(`\n${runInfo()}\nload average: ${loads.join(' → ')}`);
    console.log(
      `${ALBUMS} albums × ${PER_ALBUM} photos of 4000×3000, real models, CPU worker with 2 slots; ${GET_POLLERS} GET pollers + ${SSE_CLIENTS} SSE clients`,
    );
    console.log('\n| request | samples | p50 | p95 | p99 | max | target |\n|---|---|---|---|---|---|---|');
    console.log(
      `| GET /v1/albums/:id | ${gets.length} | ${ms(gets, 50)} | ${ms(gets, 95)} | ${ms(gets, 99)} | ${ms(gets, 100)} | p95 ≤ 200 ms, p99 ≤ 500 ms |`,
    );
    console.log(`| SSE connect → first status event | ${sse.length} | ${ms(sse, 50)} | ${ms(sse, 95)} | ${ms(sse, 99)} | ${ms(sse, 100)} | same |`);
    console.log(
      `\nalbum throughput (upload start → all completed): ${watched.toFixed(2)} photos/s watched${baseline ? `, ${baseline.toFixed(2)} photos/s unwatched (ratio ${(watched / baseline).toFixed(2)})` : ''}`,
    );
    if (errors.length) console.log(`errors: ${errors.length} (${[...new Set(errors)].slice(0, 5).join(', ')})`);
  } finally {
    await api.stop();
    for (const w of workers.reverse()) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
    await server.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(main);
