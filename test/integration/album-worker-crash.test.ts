/**
 * A CPU worker SIGKILLed in the middle of an album, as the OOM killer or a node failure would:
 * the real worker process (its entrypoint, configured by the environment) dies with batches in
 * flight, a new one starts, and the album completes with every photo analysed exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { syntheticScene } from '../helpers/synthetic-photos';
import { photosForm } from '../../src/dev/demo-photos';
import { photoDocsPrefix } from '../../src/storage/keys';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { gpuWorkerSpecs, ioWorker, workflowWorker } from '../../src/workers/roles';
import type { DevServer } from '../../temporal/dev-server';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';
import { startWorkerProcess } from '../helpers/worker-process';

let server: DevServer;
let stack: Stack;
const HEARTBEAT_SECONDS = '3';

before(async () => {
  server = await startTestDevServer();
  // Everything but the CPU worker runs in this process; the CPU worker is a child we can kill.
  stack = await startStack(
    server.address,
    { LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: HEARTBEAT_SECONDS, LIGHTBOX_PHOTO_BATCH_SIZE: '2', LIGHTBOX_ALBUM_PARALLELISM: '4' },
    undefined,
    { specs: (config) => [workflowWorker, ioWorker, ...gpuWorkerSpecs(config)] },
  );
});

after(async () => {
  await stack?.stop();
  await server?.stop();
});

const startCpuWorker = () =>
  startWorkerProcess('cpu', {
    TEMPORAL_ADDRESS: server.address,
    LIGHTBOX_DATA_DIR: stack.config.dataDir,
    LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
    CPU_WORKER_CONCURRENCY: '2',
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
  });

test('SIGKILL of the CPU worker mid-album: a new worker finishes it, every photo analysed exactly once', async () => {
  const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
  // Large enough that decoding takes a while, so the kill lands with batches in flight.
  const files = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => ({
      name: `big-${i}.jpg`,
      contentType: 'image/jpeg',
      data: await sharp(await syntheticScene(200 + i, 1200, 900))
        .resize(3600, 2700)
        .jpeg({ quality: 95 })
        .toBuffer(),
    })),
  );
  const first = await startCpuWorker();
  let second: Awaited<ReturnType<typeof startCpuWorker>> | undefined;
  try {
    const { albumId, workflowId } = (await A('POST', '/v1/albums', { title: 'Crash' })).body;
    const upload = await A('POST', `/v1/albums/${albumId}/photos`, photosForm(files));
    assert.equal(upload.body.accepted.length, files.length);
    await A('POST', `/v1/albums/${albumId}/close`);

    // Killed while a batch runs on it: after the first result documents land (read from the store
    // itself; the API's status may be a second behind), and the moment Temporal shows a batch
    // that started after them. Killing on the documents alone raced a fast machine: both slots
    // had finished and the worker had not yet taken the next batches, so nothing was in flight.
    const docsPrefix = photoDocsPrefix(TENANT_A.tenant, albumId, 'a1');
    await waitFor(
      () => stack.store.list(docsPrefix),
      (docs) => docs.length >= 1,
      120_000,
      20,
    );
    const firstDocsAt = Date.now();
    const handle = stack.client.workflow.getHandle(workflowId);
    await waitFor(
      async () => (await handle.describe()).raw.pendingActivities ?? [],
      (pending) =>
        pending.some(
          (a) =>
            a.activityType?.name === 'analyzePhotoBatch' &&
            a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED &&
            tsToMs(a.lastStartedTime) >= firstDocsAt - 50,
        ),
      60_000,
      10,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = (await stack.store.list(docsPrefix)).length;
    assert.ok(atKill < files.length, `the album finished before the kill (${atKill} of ${files.length} photos had results)`);

    second = await startCpuWorker();
    const done = await waitFor(
      () => A('GET', `/v1/albums/${albumId}`),
      (r) => r.body.status === 'completed',
      180_000,
    );
    assert.deepEqual(done.body.counts, { total: files.length, analyzed: files.length, failed: 0, pending: 0 });

    const results = (await A('GET', `/v1/albums/${albumId}/results`)).body;
    assert.deepEqual(
      Object.values<any>(results.photos)
        .map((p) => p.name)
        .sort(),
      files.map((f) => f.name).sort(),
    );
    assert.equal(Object.keys(results.quality).length, files.length);
    assert.deepEqual(results.failed, []);
    // One result document per photo, whatever was retried.
    const docs = await stack.store.list(docsPrefix);
    assert.equal(docs.length, files.length);

    // The history shows the kill: a batch that had started on the dead worker ran again.
    const history = await handle.fetchHistory();
    const retried = history.events!.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    assert.ok(retried.length > 0, 'no activity was retried after the kill');
    const timedOut = history.events!.filter((e) => e.activityTaskTimedOutEventAttributes);
    assert.equal(timedOut.length, 0, 'a batch gave up instead of being retried');
  } finally {
    for (const w of [first, second]) if (w && w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
});
