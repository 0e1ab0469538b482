/**
 * A full disk, on a real small filesystem: the stack's data dir is a size-limited tmpfs this test
 * mounts (it runs as root in CI; elsewhere it says why it cannot and skips). A ballast file fills
 * it to the byte. Uploads that cannot be spooled or stored answer 507 with Retry-After and leave
 * no blob behind; a worker whose result write fails retries with backoff and marks nothing
 * failed; once the ballast goes, the album completes with every accepted photo exactly once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { scene } from '../../src/dev/demo-photos';
import { albumHandoverPrefix, albumPrefix } from '../../src/storage/keys';
import { cpuWorker, ioWorker, workflowWorker } from '../../src/workers/roles';
import { createWorker } from '../../src/workers/run-worker';
import { call, startStack, TENANT_A, testTelemetry, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';
import { multipart, raw } from './http-raw';

const SIZE_MB = 24;
const auth = { authorization: `Bearer ${TENANT_A.key}` };
const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);

let mountPoint = '';
let cannotMount = '';
let server: Awaited<ReturnType<typeof startTestDevServer>> | undefined;
let stack: Stack;
let cpu: { worker: Worker; running: Promise<void>; dispose: () => Promise<void> } | undefined;
const table: Array<{ fault: string; 'client saw': string; lost: string }> = [];

function tryMount(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    cannotMount = `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}): run as root to try a full disk`;
    return '';
  }
}

const ballast = () => path.join(mountPoint, 'ballast');

/** Fills the filesystem to the last byte, then gives back `leave` bytes. */
function fillDisk(leave = 0): void {
  const fd = fs.openSync(ballast(), 'a');
  const chunk = Buffer.alloc(256 * 1024, 0xaa);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // Page by page: whatever a 256 KiB chunk could not fit still has room for smaller writes.
  const page = Buffer.alloc(4096, 0xaa);
  try {
    for (;;) fs.writeSync(fd, page);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  if (leave > 0) fs.ftruncateSync(fd, Math.max(0, fs.fstatSync(fd).size - leave));
  fs.closeSync(fd);
}

const freeDisk = () => fs.rmSync(ballast(), { force: true });

/** JPEG magic, then noise: passes the API's sniffing, and never compresses. */
const jpegish = (bytes: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(bytes - 4)]);

/** The album's photo blobs, pending signed uploads and hand-over markers. */
async function albumBlobs(albumId: string): Promise<string[]> {
  const own = (await stack.store.list(albumPrefix(TENANT_A.tenant, albumId))).filter((k) => /\/(photos|uploads)\//.test(k) && !k.includes('/analyses/'));
  return [...own, ...(await stack.store.list(albumHandoverPrefix(TENANT_A.tenant, albumId)))];
}

const spoolLeft = () => fs.readdirSync(path.join(mountPoint, 'tmp', 'uploads'));

before(async () => {
  mountPoint = tryMount();
  if (!mountPoint) return;
  server = await startTestDevServer();
  // No CPU worker yet: the worker test starts one once the disk is full again.
  stack = await startStack(server.address, { LIGHTBOX_DATA_DIR: mountPoint, LIGHTBOX_MAX_UPLOAD_BYTES: String(512 * 1024) }, undefined, {
    specs: () => [workflowWorker, ioWorker],
  });
});

after(async () => {
  if (cpu) {
    if (cpu.worker.getState() === 'RUNNING') cpu.worker.shutdown();
    await cpu.running.catch(() => undefined);
    await cpu.dispose();
  }
  await stack?.stop();
  await server?.stop();
  if (mountPoint) {
    execFileSync('umount', ['-l', mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  }
  if (table.length) {
    console.log(`\nfull disk (${SIZE_MB} MiB tmpfs as the data dir):`);
    console.table(table);
  }
});

describe('a full disk', () => {
  let albumId = '';

  test('the data dir free space is a metric, and near zero when the disk is full', async (t) => {
    if (!mountPoint) return t.skip(cannotMount);
    albumId = (await A('POST', '/v1/albums', { title: 'full disk' })).body.albumId;
    const free = async () => Number(/^lightbox_data_dir_free_bytes (\S+)$/m.exec(await (await fetch(`${stack.baseUrl}/metrics`)).text())?.[1]);
    assert.ok((await free()) > 10 * 1024 * 1024, 'the empty disk shows its room');
    fillDisk();
    try {
      assert.ok((await free()) < 64 * 1024, `full disk, ${await free()} bytes free`);
    } finally {
      freeDisk();
    }
  });

  test('an upload that cannot be spooled: 507 INSUFFICIENT_STORAGE with Retry-After, nothing kept', async (t) => {
    if (!mountPoint) return t.skip(cannotMount);
    fillDisk();
    try {
      const m = multipart([0, 1, 2].map((i) => ({ filename: `spool-${i}.jpg`, data: jpegish(200 * 1024) })));
      const res = await raw(stack.baseUrl, 'POST', `/v1/albums/${albumId}/photos`, { ...auth, 'content-type': m.contentType }, m.body);
      assert.equal(res.status, 507, res.text);
      assert.equal(res.body.error.code, 'INSUFFICIENT_STORAGE');
      assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After');
      assert.deepEqual(await albumBlobs(albumId), []);
      assert.deepEqual(spoolLeft(), []);
      table.push({
        fault: 'multipart upload, disk full (spool write fails)',
        'client saw': `${res.status} ${res.body.error.code}, Retry-After ${res.headers['retry-after']}`,
        lost: 'nothing: no blob, no spool file',
      });

      const plan = await A('POST', `/v1/albums/${albumId}/uploads`, { files: [{ name: 'signed.jpg', contentType: 'image/jpeg', size: 1000 }] });
      assert.equal(plan.status, 507, JSON.stringify(plan.body));
      assert.equal(plan.body.error.code, 'INSUFFICIENT_STORAGE');
      table.push({ fault: 'signed-upload plan, disk full', 'client saw': `${plan.status} ${plan.body.error.code}`, lost: 'nothing' });
    } finally {
      freeDisk();
    }
  });

  test('an upload spooled whole but stored only half-way: 507, and the blobs it did store are taken back', async (t) => {
    if (!mountPoint) return t.skip(cannotMount);
    // Room for the spool (6 × 200 KiB) and about half of the same bytes again in the blob store.
    const files = [0, 1, 2, 3, 4, 5].map((i) => ({ filename: `half-${i}.jpg`, data: jpegish(200 * 1024) }));
    fillDisk(1800 * 1024);
    try {
      const m = multipart(files);
      const res = await raw(stack.baseUrl, 'POST', `/v1/albums/${albumId}/photos`, { ...auth, 'content-type': m.contentType }, m.body);
      assert.equal(res.status, 507, res.text);
      assert.equal(res.body.error.code, 'INSUFFICIENT_STORAGE');
      assert.deepEqual(await albumBlobs(albumId), [], 'no partial blob left');
      assert.deepEqual(spoolLeft(), []);
      const album = (await A('GET', `/v1/albums/${albumId}`)).body;
      assert.equal(album.counts.total, 0, 'the workflow was handed nothing');
      table.push({
        fault: 'multipart upload, disk fills while storing blobs',
        'client saw': `${res.status} ${res.body.error.code}`,
        lost: 'nothing: stored blobs deleted',
      });
    } finally {
      freeDisk();
    }
  });

  test('a worker whose result writes fail retries with backoff, marks nothing failed, and the album completes exactly once after space is freed', async (t) => {
    if (!mountPoint) return t.skip(cannotMount);
    const photos = await Promise.all([1, 2, 3, 4].map(async (seed) => ({ filename: `real-${seed}.jpg`, data: await scene(160, 120, seed) })));
    const m = multipart(photos);
    const up = await raw(stack.baseUrl, 'POST', `/v1/albums/${albumId}/photos`, { ...auth, 'content-type': m.contentType }, m.body);
    assert.equal(up.status, 202, up.text);
    assert.equal(up.body.accepted.length, 4);
    assert.equal((await A('POST', `/v1/albums/${albumId}/close`)).status, 202);

    fillDisk();
    const filledAt = Date.now();
    const created = await createWorker(stack.config, cpuWorker, testTelemetry());
    cpu = { worker: created.worker, running: created.worker.run(), dispose: created.dispose };
    const handle = stack.client.workflow.getHandle((await A('GET', `/v1/albums/${albumId}`)).body.workflowId);
    // Wait for a retried batch whose last failure was the full disk.
    const pending = await waitFor(
      async () => (await handle.describe()).raw.pendingActivities ?? [],
      (acts) => acts.some((a) => (a.attempt ?? 0) >= 2 && a.lastFailure?.applicationFailureInfo?.type === 'INSUFFICIENT_STORAGE'),
      120_000,
    );
    const attempts = Math.max(...pending.map((a) => a.attempt ?? 0));
    const during = (await A('GET', `/v1/albums/${albumId}`)).body;
    assert.equal(during.counts.failed, 0, 'no photo is marked failed while the disk is full');
    const fullFor = Date.now() - filledAt;
    freeDisk();
    const freedAt = Date.now();

    const done = await waitFor(
      () => A('GET', `/v1/albums/${albumId}`),
      (r) => r.body.status === 'completed',
      120_000,
    );
    assert.deepEqual(
      { total: done.body.counts.total, analyzed: done.body.counts.analyzed, failed: done.body.counts.failed },
      { total: 4, analyzed: 4, failed: 0 },
    );
    const results = (await A('GET', `/v1/albums/${albumId}/results`)).body;
    assert.deepEqual(
      Object.values<any>(results.photos)
        .map((p) => p.name)
        .sort(),
      photos.map((p) => p.filename).sort(),
    );
    assert.deepEqual(results.failed, []);
    const docs = (await stack.store.list(`${albumPrefix(TENANT_A.tenant, albumId)}analyses/`)).filter((k) => /\/photos\/[^/]+\.json$/.test(k));
    assert.equal(docs.length, 4, 'one result document per photo');
    table.push({
      fault: `worker result write, disk full for ${(fullFor / 1000).toFixed(1)} s`,
      'client saw': `202; batch retried (attempt ${attempts}), 0 failed; completed ${((Date.now() - freedAt) / 1000).toFixed(1)} s after space freed`,
      lost: 'nothing: 4/4 analysed once',
    });
  });
});
