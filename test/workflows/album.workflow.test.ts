/**
 * AlbumWorkflow on the time-skipping server with the real activities over a temp local store:
 * timers (idle auto-close) run in an instant, and activity failures behave as in production.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createAlbumIoActivities } from '../../src/activities/album-io';
import { createIsolatedDecoder, testHookPayload } from '../../src/activities/decode/isolated-decode';
import { createPhotoActivities } from '../../src/activities/photo-analysis';
import { scene } from '../../src/dev/demo-photos';
import type { AlbumWorkflowInput, PhotoRef } from '../../src/shared/album';
import { TASK_QUEUES } from '../../src/shared/task-queues';
import { LocalBlobStore } from '../../src/storage/local-store';
import { tenantKey } from '../../src/storage/keys';
import { workerInterceptors, workflowSinks } from '../../src/telemetry/temporal-interceptors';
import { testTelemetry } from '../helpers/stack';
import { addPhotosUpdate, AlbumWorkflow, albumResultsQuery, closeAlbumSignal } from '../../src/workflows/album';
import { WORKFLOWS_PATH } from '../../src/workers/roles';
import { quietRuntime } from '../helpers/stack';
import { createTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let store: LocalBlobStore;
let dir: string;
// Test hooks let a payload crash the decoder child on purpose (NODE_ENV=test only).
process.env.NODE_ENV = 'test';
const decoder = createIsolatedDecoder({ timeoutMs: 5000, maxMemoryMb: 512, poolSize: 2, maxPixels: 150e6, testHooks: true });
const telemetry = testTelemetry();

before(async () => {
  quietRuntime();
  env = await createTimeSkippingEnv();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-wf-'));
  store = new LocalBlobStore({ rootDir: dir, signingSecret: 's', publicBaseUrl: 'http://127.0.0.1:1' });
});

after(async () => {
  await decoder.close();
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function withWorkers<T>(fn: () => Promise<T>): Promise<T> {
  const common = { connection: env.nativeConnection, namespace: env.namespace };
  const workers = await Promise.all([
    Worker.create({
      ...common,
      taskQueue: TASK_QUEUES.workflow,
      workflowsPath: WORKFLOWS_PATH,
      interceptors: workerInterceptors(),
      sinks: workflowSinks(telemetry.spanProcessor, telemetry.resource),
    }),
    Worker.create({ ...common, taskQueue: TASK_QUEUES.cpu, activities: createPhotoActivities({ store, decoder }) }),
    Worker.create({ ...common, taskQueue: TASK_QUEUES.io, activities: createAlbumIoActivities({ store }) }),
  ]);
  const [first, ...rest] = workers;
  return first!.runUntil(async () => {
    const running = rest.map((w) => w.run());
    try {
      return await fn();
    } finally {
      rest.forEach((w) => w.shutdown());
      await Promise.all(running);
    }
  });
}

async function putPhoto(albumId: string, photoId: string, name: string, data: Buffer): Promise<PhotoRef> {
  const key = tenantKey('acme', 'albums', albumId, 'photos', photoId);
  await store.put(key, data, { contentType: 'image/jpeg' });
  return { photoId, name, key, contentType: 'image/jpeg' };
}

const input = (albumId: string, photos: PhotoRef[] = []): AlbumWorkflowInput => ({
  tenantId: 'acme',
  albumId,
  createdAt: '2026-01-01T00:00:00.000Z',
  idleCloseMs: 24 * 3600_000,
  parallelism: 4,
  photos,
});

test('an album with no new photos closes itself after the idle period and writes its manifest', async () => {
  const photo = await putPhoto('alb_idle00000', 'ph_one0000000', 'one.jpg', await scene(320, 240));
  const summary = await withWorkers(() =>
    env.client.workflow.execute(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: 'album-acme-alb_idle00000',
      args: [input('alb_idle00000', [photo])],
    }),
  );
  // A day of idle time passed in the time-skipping server without a close signal.
  assert.deepEqual(summary.counts, { total: 1, analyzed: 1, failed: 0, pending: 0 });
  const manifest = JSON.parse((await store.get(summary.manifestKey)).toString());
  assert.equal(manifest.photos[0].name, 'one.jpg');
});

test('a corrupt photo is recorded as failed without failing the album; updates after close are refused', async () => {
  const good = await putPhoto('alb_mixed0000', 'ph_good000000', 'good.jpg', await scene(320, 240));
  const bad = await putPhoto('alb_mixed0000', 'ph_bad0000000', 'bad.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  await withWorkers(async () => {
    const handle = await env.client.workflow.start(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: 'album-acme-alb_mixed0000',
      args: [input('alb_mixed0000')],
    });
    const added = await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: [good, bad, good] }] });
    assert.deepEqual(added.accepted.map((p) => p.name), ['good.jpg', 'bad.jpg']);
    assert.deepEqual(added.duplicates.map((p) => p.name), ['good.jpg']);

    await handle.signal(closeAlbumSignal);
    const summary = await handle.result();
    assert.deepEqual(summary.counts, { total: 2, analyzed: 1, failed: 1, pending: 0 });
    const results = await handle.query(albumResultsQuery);
    assert.equal(results.status, 'completed');
    assert.deepEqual(results.failed.map((f) => [f.name, f.code]), [['bad.jpg', 'CORRUPT_IMAGE']]);

    // A completed album takes no update at all (the server refuses it before any handler runs).
    await assert.rejects(
      handle.executeUpdate(addPhotosUpdate, { args: [{ photos: [good] }] }),
      (err: unknown) => err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError,
    );
  });
});

test('a photo that crashes the decoder is retried, then marked failed, and the album completes', async () => {
  const jpeg = await scene(320, 240);
  const good = await putPhoto('alb_poison000', 'ph_fine000000', 'fine.jpg', jpeg);
  const poison = await putPhoto('alb_poison000', 'ph_poison0000', 'poison.jpg', Buffer.concat([jpeg.subarray(0, 4), testHookPayload('segfault')]));
  await withWorkers(async () => {
    const handle = await env.client.workflow.start(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: 'album-acme-alb_poison000',
      args: [input('alb_poison000', [good, poison])],
    });
    await handle.signal(closeAlbumSignal);
    const summary = await handle.result();
    assert.deepEqual(summary.counts, { total: 2, analyzed: 1, failed: 1, pending: 0 });
    const results = await handle.query(albumResultsQuery);
    assert.deepEqual(results.failed.map((f) => [f.name, f.code]), [['poison.jpg', 'DECODER_CRASHED']]);
    const history = await handle.fetchHistory();
    const attempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    // Started events are written once, with the final attempt number: the poison photo used all five.
    assert.ok(attempts?.includes(5), `attempts seen: ${attempts?.join(',')}`);
  });
});
