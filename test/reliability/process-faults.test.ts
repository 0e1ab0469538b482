/**
 * Process faults, each in the middle of an album, on the stack `npm start` runs (the launcher's
 * own command, its own data dir, ports and Redis). After each fault the album must complete with
 * every accepted photo analysed exactly once. The recovery time (fault → the album makes
 * progress again, or the retried upload is accepted) is printed, not asserted: speed is the
 * bench's business, survival is this suite's.
 *
 * Faults: SIGKILL of the CPU, workflow and I/O workers (the launcher restarts them), SIGKILL of
 * the Temporal dev server (restarted on the same SQLite file), SIGKILL of the API during an
 * upload then a client retry with the same Idempotency-Key, and a paused Redis.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { syntheticScene } from '../helpers/synthetic-photos';
import { photosForm } from '../../src/dev/demo-photos';
import { portInUse } from '../../temporal/dev-server';
import { startLauncher, type Launcher } from '../helpers/launcher';
import { call, TENANT_A, waitFor } from '../helpers/stack';
import { freePort } from '../helpers/temporal';

const PHOTOS = 10;
let launcher: Launcher;
let redis: ChildProcess;
let files: Array<{ name: string; contentType: string; data: Buffer }>;
const table: Array<{ fault: string; recovery: string; album: string }> = [];

const A = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => call(launcher.baseUrl, TENANT_A.key, method, p, body, headers);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

before(async () => {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  assert.equal(which.status, 0, 'redis-server is needed (scripts/install-tools.sh installs it with apt-get)');
  // Our own Redis on our own port: pausing the shared one would stall every other test on the machine.
  const redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await portInUse('127.0.0.1', redisPort)); i++) await new Promise((r) => setTimeout(r, 100));

  // Large enough that a batch takes a while to decode, so each fault lands with work in flight.
  files = await Promise.all(
    Array.from({ length: PHOTOS }, async (_, i) => ({
      name: `fault-${i}.jpg`,
      contentType: 'image/jpeg',
      data: await sharp(await syntheticScene(300 + i, 1000, 750))
        .resize(2800, 2100)
        .jpeg({ quality: 92 })
        .toBuffer(),
    })),
  );
  launcher = await startLauncher({
    env: {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: '3',
      LIGHTBOX_PHOTO_BATCH_SIZE: '2',
      LIGHTBOX_ALBUM_PARALLELISM: '4',
    },
  });
  await launcher.waitForOutput(/API ready/, 240_000);
});

after(async () => {
  await launcher?.stop();
  redis?.kill('SIGCONT');
  redis?.kill('SIGKILL');
  if (table.length) {
    console.log('\nrecovery per fault (fault → progress again; not asserted):');
    console.table(table);
  }
});

type Counts = { total: number; analyzed: number; failed: number; pending: number };

/** The album's counts, or undefined while the API or the workflow cannot answer (that is the fault). */
async function counts(albumId: string): Promise<(Counts & { status: string }) | undefined> {
  try {
    const r = await A('GET', `/v1/albums/${albumId}`);
    return r.status === 200 ? { ...r.body.counts, status: r.body.status } : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(fn: () => Promise<T | undefined>, ok: (v: T) => boolean, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last !== undefined && ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s (last ${JSON.stringify(last)})\n${launcher.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The album completes with every file exactly once: counts, result names and one result document each. */
async function assertExactlyOnce(albumId: string): Promise<void> {
  const done = await until(
    () => counts(albumId),
    (c) => c.status === 'completed',
    'album completed',
  );
  assert.deepEqual(
    { total: done.total, analyzed: done.analyzed, failed: done.failed, pending: done.pending },
    { total: PHOTOS, analyzed: PHOTOS, failed: 0, pending: 0 },
  );
  const results = (await A('GET', `/v1/albums/${albumId}/results`)).body;
  assert.deepEqual(
    Object.values<any>(results.photos)
      .map((p) => p.name)
      .sort(),
    files.map((f) => f.name).sort(),
  );
  assert.deepEqual(results.failed, []);
  const docs = path.join(launcher.dataDir, 'blobs', 'tenants', TENANT_A.tenant, 'albums', albumId, 'analyses', 'a1', 'photos');
  assert.equal(fs.readdirSync(docs).length, PHOTOS, 'one result document per photo');
}

/**
 * The same photos with a few bytes after the JPEG's end marker (decoders ignore them): new
 * content hashes, so each album misses the embedding cache and does its full work in flight.
 */
const unique = (salt: string) => files.map((f) => ({ ...f, data: Buffer.concat([f.data, Buffer.from(salt)]) }));

/** Retried on 503 as a client would: a stack just (re)started may still be warming its workflow worker. */
const untilServed = (fn: () => ReturnType<typeof A>) => waitFor(fn, (r) => r.status !== 503, 180_000);

/**
 * An album in flight, then `fault` once a few photos are analysed; measures fault → next progress.
 * The album is open at the fault, and the rest of its photos arrive after it, so the fault always
 * lands mid-album, however fast this machine analyses the first ones (a fast one had finished all
 * ten between two polls). `fault` returns a function that undoes it (for a pause), called once
 * progress resumed.
 */
async function albumThroughFault(label: string, fault: () => Promise<(() => void) | void>): Promise<void> {
  const started = Date.now();
  const created = await untilServed(() => A('POST', '/v1/albums', { title: label }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { albumId } = created.body;
  const photos = unique(albumId);
  const beforeFault = photos.slice(0, PHOTOS / 2);
  const upload = await A('POST', `/v1/albums/${albumId}/photos`, photosForm(beforeFault));
  assert.equal(upload.body.accepted.length, beforeFault.length, JSON.stringify(upload.body));
  const before = await until(
    () => counts(albumId),
    (c) => c.analyzed >= 2,
    'two photos analysed',
  );
  assert.notEqual(before.status, 'completed', 'the album is open, so the fault lands mid-album');
  const t0 = Date.now();
  const undo = await fault();
  try {
    // The rest arrive after the fault, as a careful client sends them: one Idempotency-Key over its
    // retries, so an upload the API took but could not confirm in time is answered, not added again.
    const key = { 'Idempotency-Key': `rest-${albumId}` };
    const rest = await waitFor(
      () => A('POST', `/v1/albums/${albumId}/photos`, photosForm(photos.slice(PHOTOS / 2)), key),
      (r) => r.status !== 503 && r.status !== 409,
      180_000,
    );
    assert.equal(rest.status, 202, JSON.stringify(rest.body));
    assert.equal(rest.body.accepted.length, PHOTOS / 2, JSON.stringify(rest.body));
    assert.equal((await untilServed(() => A('POST', `/v1/albums/${albumId}/close`))).status, 202);
    await until(
      () => counts(albumId),
      (c) => c.analyzed > before.analyzed || c.status === 'completed',
      'progress after the fault',
    );
  } finally {
    undo?.();
  }
  const recovery = Date.now() - t0;
  await assertExactlyOnce(albumId);
  table.push({ fault: label, recovery: seconds(recovery), album: seconds(Date.now() - started) });
  console.log(`# ${label}: recovered in ${seconds(recovery)} (album ${seconds(Date.now() - started)})`);
}

/** SIGKILL a child of the launcher and wait until it printed the restart. */
async function killAndAwaitRestart(name: string, restartLine: RegExp): Promise<void> {
  const mark = launcher.output().length;
  process.kill(launcher.pidOf(name), 'SIGKILL');
  await launcher.waitForOutput(restartLine, 60_000, mark);
}

for (const worker of ['worker-cpu', 'worker-workflow', 'worker-io'] as const) {
  test(`SIGKILL of ${worker} mid-album: restarted, album completes, every photo exactly once`, async () => {
    await albumThroughFault(`SIGKILL ${worker}`, async () => {
      await killAndAwaitRestart(worker, new RegExp(`${worker} restarted`));
    });
  });
}

test('SIGKILL of the Temporal dev server mid-album: restarted on the same SQLite file, album completes exactly once', async () => {
  await albumThroughFault('SIGKILL Temporal dev server', async () => {
    await killAndAwaitRestart('Temporal', /Temporal restarted \(restart \d+\)/);
  });
});

/** The multipart body as bytes with its content type, to send in pieces over a raw socket. */
async function multipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const res = new Response(form);
  return { body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type')! };
}

test('SIGKILL of the API during an upload, then client retries with the same Idempotency-Key: no photo twice', async () => {
  // Needs Idempotency-Key on multipart POST …/photos (issue 13, defect 7, the api branch); it fails
  // until that lands. The contract: a replay answers the first response and adds nothing.
  const started = Date.now();
  const { albumId } = (await A('POST', '/v1/albums', { title: 'API killed mid-upload' })).body;
  const { body, contentType } = await multipart(photosForm(files));
  const key = `retry-${albumId}`;
  const url = new URL(`${launcher.baseUrl}/v1/albums/${albumId}/photos`);

  // Half the body, then the API dies: the client sees its request fail.
  const failed = new Promise<string>((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TENANT_A.key}`, 'content-type': contentType, 'content-length': body.length, 'idempotency-key': key },
    });
    req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
    req.write(body.subarray(0, body.length >> 1));
  });
  await new Promise((r) => setTimeout(r, 300));
  const mark = launcher.output().length;
  const t0 = Date.now();
  process.kill(launcher.pidOf('api'), 'SIGKILL');
  assert.match(await failed, /ECONNRESET|EPIPE|socket hang up/);
  await launcher.waitForOutput(/api restarted/, 60_000, mark);

  // The client retries the same request until the API is back.
  const send = () => A('POST', `/v1/albums/${albumId}/photos`, photosForm(files), { 'idempotency-key': key }).catch(() => undefined);
  const retry = await until(send, (r) => r.status === 202, 'the retried upload accepted', 120_000);
  const recovery = Date.now() - t0;
  console.log(`# SIGKILL api mid-upload + retry: recovered in ${seconds(recovery)}`);
  table.push({ fault: 'SIGKILL api mid-upload + retry', recovery: seconds(recovery), album: '' });
  assert.equal(retry.body.accepted.length, PHOTOS);
  // A client that lost that answer too retries once more: the same answer, nothing added.
  const again = await send();
  assert.ok(again && again.status >= 200 && again.status < 300, `replay answered ${again?.status} ${JSON.stringify(again?.body)}`);
  assert.deepEqual(
    again.body.accepted.map((p: { photoId: string }) => p.photoId).sort(),
    retry.body.accepted.map((p: { photoId: string }) => p.photoId).sort(),
    'a replay with the same Idempotency-Key accepted different photos',
  );
  await A('POST', `/v1/albums/${albumId}/close`);
  await assertExactlyOnce(albumId);
  table.at(-1)!.album = seconds(Date.now() - started);
});

test('Redis paused mid-album: the cache degrades to misses, album completes exactly once', async () => {
  await albumThroughFault('Redis paused (SIGSTOP)', async () => {
    redis.kill('SIGSTOP');
    return () => void redis.kill('SIGCONT');
  });
});
