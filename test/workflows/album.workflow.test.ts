/**
 * AlbumWorkflow (the photo pipeline) on the time-skipping server with the real activities over a
 * temp local store and the real isolated decoder: timers (idle close, retries' backoff) run in an
 * instant, and activity failures behave as in production.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createIsolatedDecoder, testHookPayload } from '../../src/activities/album/decode/isolated-decode';
import { createAlbumAnalysisActivities } from '../../src/activities/album/analyze-album';
import { createPhotoPipelineActivities } from '../../src/activities/album/analyze-batch';
import { createAlbumStoreActivities } from '../../src/activities/album/album-store';
import { loadPhotoModels, type PhotoModels } from '../../src/activities/album/photo-models';
import { derivedCopies, syntheticScene } from '../helpers/synthetic-photos';
import { LruEmbeddingCache } from '../../src/cache/embedding-cache';
import { scene } from '../../src/dev/demo-photos';
import { createModelRuntime } from '../../src/models';
import type { AlbumInput, AlbumSummary, AlbumResultsDoc, PhotoRef } from '../../src/shared/album';
import { TASK_QUEUES } from '../../src/shared/task-queues';
import type { BlobStore } from '../../src/storage/blob-store';
import { LocalBlobStore } from '../../src/storage/local-store';
import { tenantKey } from '../../src/storage/keys';
import { workflowSinks } from '../../src/telemetry/temporal-interceptors';
import { addPhotosUpdate, AlbumWorkflow, albumStatusQuery, closeAlbumSignal } from '../../src/workflows/album';
import { quietRuntime, testTelemetry } from '../helpers/stack';
import { createTimeSkippingEnv, whileWorkersRun, workflowCode } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let store: LocalBlobStore;
let dir: string;
// Test hooks let a payload crash the decoder child on purpose (NODE_ENV=test only).
process.env.NODE_ENV = 'test';
const decoder = createIsolatedDecoder({ timeoutMs: 5000, maxMemoryMb: 512, poolSize: 2, maxPixels: 150e6, testHooks: true });
const telemetry = testTelemetry();
const cache = new LruEmbeddingCache({ maxEntries: 1000 });
const FIXTURE_MODELS = path.join(__dirname, '..', 'fixtures', 'models');
let noModels: PhotoModels;
let testModels: PhotoModels;

before(async () => {
  quietRuntime();
  env = await createTimeSkippingEnv();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-wf-'));
  store = new LocalBlobStore({ rootDir: dir, signingSecret: 's', publicBaseUrl: 'http://127.0.0.1:1' });
  noModels = await loadPhotoModels({
    runtime: createModelRuntime({ dir: path.join(dir, 'no-models'), interOpThreads: 1, intraOpThreads: undefined }),
    set: 'production',
  });
  testModels = await loadPhotoModels({ runtime: createModelRuntime({ dir: FIXTURE_MODELS, interOpThreads: 1, intraOpThreads: undefined }), set: 'test' });
});

after(async () => {
  await decoder.close();
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const analysisSettings = {
  duplicateThreshold: undefined,
  peopleEps: 0.5,
  peopleMinFaces: 2,
  highlightCount: 20,
  highlightDiversity: 0.5,
  highlightMinQuality: 0.4,
};

async function withWorkers<T>(fn: () => Promise<T>, opts: { models?: PhotoModels; cpuStore?: BlobStore } = {}): Promise<T> {
  const common = { connection: env.nativeConnection, namespace: env.namespace };
  const cpuStore = opts.cpuStore ?? store;
  const workers = await Promise.all([
    Worker.create({
      ...common,
      taskQueue: TASK_QUEUES.workflow,
      ...(await workflowCode()),
      sinks: workflowSinks(telemetry.spanProcessor, telemetry.resource),
    }),
    Worker.create({
      ...common,
      taskQueue: TASK_QUEUES.cpu,
      activities: {
        ...createPhotoPipelineActivities({ store: cpuStore, decoder, models: opts.models ?? noModels, cache }),
        ...createAlbumAnalysisActivities({ store, settings: analysisSettings }),
      },
    }),
    Worker.create({ ...common, taskQueue: TASK_QUEUES.io, activities: createAlbumStoreActivities({ store }) }),
  ]);
  return whileWorkersRun(workers, fn);
}

async function putPhoto(albumId: string, photoId: string, name: string, data: Buffer, contentType = 'image/jpeg'): Promise<PhotoRef> {
  const key = tenantKey('acme', 'albums', albumId, 'photos', photoId);
  await store.put(key, data, { contentType });
  return { photoId, name, key, contentType };
}

const input = (albumId: string, photos: PhotoRef[] = [], settings: Partial<AlbumInput['settings']> = {}): AlbumInput => ({
  tenantId: 'acme',
  albumId,
  createdAt: '2026-01-01T00:00:00.000Z',
  idleCloseMs: 24 * 3600_000,
  analysis: 1,
  settings: { batchSize: 4, parallelism: 8, heartbeatSeconds: 30, continueAsNewAfterEvents: 10_000, maxPhotos: 100, settleMs: 0, ...settings },
  photos,
});

const start = (albumId: string, args: AlbumInput) =>
  env.client.workflow.start(AlbumWorkflow, { taskQueue: TASK_QUEUES.workflow, workflowId: `album-acme-${albumId}`, args: [args] });

const resultsOf = async (summary: { resultsKey?: string }): Promise<AlbumResultsDoc> =>
  JSON.parse((await store.get(summary.resultsKey!)).toString()) as AlbumResultsDoc;

test('an album with no new photos closes itself after the idle period, with album results and a manifest', async () => {
  const photo = await putPhoto('alb_idle00000', 'ph_one0000000', 'one.jpg', await scene(320, 240));
  const summary = (await withWorkers(() =>
    env.client.workflow.execute(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: 'album-acme-alb_idle00000',
      args: [input('alb_idle00000', [photo])],
    }),
  )) as AlbumSummary;
  // A day of idle time passed in the time-skipping server without a close signal.
  assert.equal(summary.status, 'completed');
  assert.deepEqual(summary.counts, { total: 1, analyzed: 1, failed: 0, pending: 0 });
  assert.deepEqual((await resultsOf(summary)).highlights, ['ph_one0000000']);
  const manifest = JSON.parse((await store.get(summary.manifestKey)).toString());
  assert.equal(manifest.status, 'completed');
  assert.equal(manifest.resultsKey, summary.resultsKey);
});

test('copies are grouped, different scenes never are, blurred copies rank low; a corrupt photo fails alone', async () => {
  const albumId = 'alb_dupes0000';
  const refs: PhotoRef[] = [];
  const groups: string[][] = [];
  for (const seed of [11, 12, 13]) {
    const original = await syntheticScene(seed, 640, 480);
    const copies = await derivedCopies(original);
    const group = [await putPhoto(albumId, `ph_s${seed}orig00`, `scene-${seed}.jpg`, original)];
    group.push(await putPhoto(albumId, `ph_s${seed}small0`, `scene-${seed}-small.webp`, copies.webp, 'image/webp'));
    group.push(await putPhoto(albumId, `ph_s${seed}crop00`, `scene-${seed}-crop.jpg`, copies['crop-left']));
    refs.push(...group);
    groups.push(group.map((r) => r.photoId).sort());
  }
  const blurred = await putPhoto(
    albumId,
    'ph_s11blur00',
    'scene-11-blurred.jpg',
    await (
      await import('sharp')
    )
      .default(await syntheticScene(11, 640, 480))
      .blur(5)
      .jpeg()
      .toBuffer(),
  );
  groups[0] = [...groups[0]!, blurred.photoId].sort();
  const lone = await putPhoto(albumId, 'ph_lone00000', 'lone.jpg', await syntheticScene(99, 640, 480));
  const bad = await putPhoto(albumId, 'ph_bad000000', 'bad.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  await withWorkers(async () => {
    const handle = await start(albumId, input(albumId));
    const outside = { photoId: 'ph_elsewhere0', name: 'elsewhere.jpg', key: tenantKey('acme', 'albums', 'alb_other0000', 'photos', 'ph_elsewhere0') };
    const added = await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: [...refs, blurred, lone, bad, lone, outside] }] });
    assert.equal(added.accepted.length, refs.length + 3);
    assert.deepEqual(
      added.duplicates.map((p) => p.name),
      ['lone.jpg'],
    );
    assert.deepEqual(
      added.rejected.map((p) => [p.name, p.code]),
      [['elsewhere.jpg', 'INVALID_KEY']],
    );
    await handle.signal(closeAlbumSignal);
    const summary = (await handle.result()) as AlbumSummary;
    assert.deepEqual(summary.counts, { total: refs.length + 3, analyzed: refs.length + 2, failed: 1, pending: 0 });

    const results = await resultsOf(summary);
    assert.deepEqual(
      results.duplicates,
      [...groups].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    // One photo per group, the lone scene too; the blurred copy is never the group's pick.
    assert.equal(results.highlights.length, 4);
    assert.ok(!results.highlights.includes(blurred.photoId));
    assert.ok(results.quality[blurred.photoId]!.score < results.quality['ph_s11orig00']!.score);
    assert.equal(results.quality[blurred.photoId]!.blurry, true);
    assert.deepEqual(
      results.failed.map((f) => [f.name, f.code, f.stage, f.attempts]),
      [['bad.jpg', 'CORRUPT_IMAGE', 'decode', 1]],
    );
    assert.equal(results.models.embedding, 'phash-colorlayout-v1');

    // A completed album takes no update at all (the server refuses it before any handler runs).
    await assert.rejects(
      handle.executeUpdate(addPhotosUpdate, { args: [{ photos: [lone] }] }),
      (err: unknown) => err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError,
    );
  });
});

test('a photo that crashes the decoder is tried in fresh children, then failed with its attempts; the album completes', async () => {
  const albumId = 'alb_poison000';
  const jpeg = await scene(320, 240);
  const good = await putPhoto(albumId, 'ph_fine000000', 'fine.jpg', jpeg);
  const poison = await putPhoto(albumId, 'ph_poison0000', 'poison.jpg', Buffer.concat([jpeg.subarray(0, 4), testHookPayload('segfault')]));
  await withWorkers(async () => {
    const handle = await start(albumId, input(albumId, [good, poison]));
    await handle.signal(closeAlbumSignal);
    const summary = (await handle.result()) as AlbumSummary;
    assert.deepEqual(summary.counts, { total: 2, analyzed: 1, failed: 1, pending: 0 });
    const view = await handle.query(albumStatusQuery);
    assert.deepEqual(
      view.failed.map((f) => [f.name, f.code, f.stage, f.attempts]),
      [['poison.jpg', 'DECODER_CRASHED', 'decode', 3]],
    );
  });
});

test('a batch that fails whole is split, so only the photo behind it is lost', async () => {
  const albumId = 'alb_split0000';
  const photos = await Promise.all([1, 2, 3, 4].map(async (i) => putPhoto(albumId, `ph_split000${i}`, `p${i}.jpg`, await syntheticScene(30 + i, 320, 240))));
  // Storage that always errors for one object (not "missing": an outage), which no retry fixes.
  const flaky: BlobStore = Object.create(store, {
    get: {
      value: async (key: string) => {
        if (key === photos[2]!.key) throw new Error('storage backend 503');
        return store.get(key);
      },
    },
  });
  await withWorkers(
    async () => {
      const handle = await start(albumId, input(albumId, photos, { batchSize: 4 }));
      await handle.signal(closeAlbumSignal);
      const summary = (await handle.result()) as AlbumSummary;
      assert.deepEqual(summary.counts, { total: 4, analyzed: 3, failed: 1, pending: 0 });
      const results = await resultsOf(summary);
      assert.deepEqual(Object.keys(results.quality).sort(), ['ph_split0001', 'ph_split0002', 'ph_split0004']);
      // The record says where the photo was lost (reading it from storage) and how often it was tried.
      assert.deepEqual(
        results.failed.map((f) => [f.name, f.stage, f.code, f.attempts]),
        [['p3.jpg', 'fetch', 'ANALYSIS_FAILED', 5]],
      );
      assert.match(results.failed[0]!.message, /storage backend 503/);
    },
    { cpuStore: flaky },
  );
});

test('a photo added while a batch runs starts at once when there is room, not when that batch ends', async () => {
  const albumId = 'alb_arrival00';
  const jpeg = await scene(160, 120);
  const slow = await putPhoto(albumId, 'ph_slow000000', 'slow.jpg', jpeg);
  const late = await putPhoto(albumId, 'ph_late000000', 'late.jpg', jpeg);
  const events: string[] = [];
  let slowStarted!: () => void;
  const slowRunning = new Promise<void>((r) => (slowStarted = r));
  let lateStarted!: () => void;
  const lateRunning = new Promise<void>((r) => (lateStarted = r));
  // Reading the slow photo blocks until the late one is being read: its batch runs meanwhile.
  const gated: BlobStore = Object.create(store, {
    get: {
      value: async (key: string) => {
        if (key === slow.key) {
          events.push('slow started');
          slowStarted();
          // Bounded so the old behaviour fails on the order below instead of hanging.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([lateRunning, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
          clearTimeout(timer);
          events.push('slow released');
        }
        if (key === late.key) {
          events.push('late started');
          lateStarted();
        }
        return store.get(key);
      },
    },
  });
  await withWorkers(
    async () => {
      // One photo per batch, two batches at once: the late photo has room beside the slow one.
      const handle = await start(albumId, input(albumId, [slow], { batchSize: 1, parallelism: 2 }));
      await slowRunning;
      await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: [late] }] });
      await handle.signal(closeAlbumSignal);
      const summary = (await handle.result()) as AlbumSummary;
      assert.deepEqual(summary.counts, { total: 2, analyzed: 2, failed: 0, pending: 0 });
      assert.deepEqual(events, ['slow started', 'late started', 'slow released']);
    },
    { cpuStore: gated },
  );
});

test('a long album continues as new with its state in the blob store, and finishes every photo once', async () => {
  const albumId = 'alb_longone00';
  const jpeg = await scene(160, 120);
  const first = await Promise.all(Array.from({ length: 24 }, (_, i) => putPhoto(albumId, `ph_long${String(i).padStart(5, '0')}`, `l${i}.jpg`, jpeg)));
  const later = await Promise.all(Array.from({ length: 6 }, (_, i) => putPhoto(albumId, `ph_late${String(i).padStart(5, '0')}`, `late${i}.jpg`, jpeg)));
  await withWorkers(async () => {
    const handle = await start(albumId, input(albumId, first, { batchSize: 2, parallelism: 2, continueAsNewAfterEvents: 40 }));
    await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: later }] });
    // An update sent to a continued run is answered from the carried state: known photos are duplicates.
    const again = await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: [first[0]!] }] });
    assert.deepEqual(
      again.duplicates.map((p) => p.photoId),
      [first[0]!.photoId],
    );
    await handle.signal(closeAlbumSignal);
    const summary = (await handle.result()) as AlbumSummary;
    assert.deepEqual(summary.counts, { total: 30, analyzed: 30, failed: 0, pending: 0 });
    const view = await handle.query(albumStatusQuery);
    assert.ok(view.runIndex >= 2, `continued ${view.runIndex} times`);
    // Identical bytes: embeddings computed for the first batch only, the rest served by the cache.
    assert.ok(view.progress.cacheHits >= 28, `cache hits ${view.progress.cacheHits}`);
    const results = await resultsOf(summary);
    assert.equal(results.photoCount, 30);
    assert.equal(results.duplicates.length, 1);
    assert.equal(results.duplicates[0]!.length, 30);
  });
});

// Cancellation is tested on the dev server (test/integration/albums.test.ts): the time-skipping
// server races an activity's completion against its cancel request (ACTIVITY_UNKNOWN) and stalls.
test('re-analysis is a new run over the same photos that reuses cached embeddings', async () => {
  const reAlbum = 'alb_reanalyz0';
  const refs = await Promise.all([1, 2, 3].map(async (i) => putPhoto(reAlbum, `ph_re00000${i}`, `r${i}.jpg`, await syntheticScene(60 + i, 320, 240))));
  await withWorkers(async () => {
    const first = (await env.client.workflow.execute(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: `album-acme-${reAlbum}`,
      args: [{ ...input(reAlbum, refs), idleCloseMs: 1000 }],
    })) as AlbumSummary;
    assert.equal(first.analysis, 1);
    const second = (await env.client.workflow.execute(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: `album-acme-${reAlbum}`,
      args: [{ ...input(reAlbum), analysis: 2, reanalyzeFrom: 'a1' }],
    })) as AlbumSummary;
    assert.equal(second.analysis, 2);
    assert.deepEqual(second.counts, { total: 3, analyzed: 3, failed: 0, pending: 0 });
    assert.match(second.resultsKey!, /\/analyses\/a2\/album\.json$/);
    const handle = env.client.workflow.getHandle(`album-acme-${reAlbum}`);
    assert.equal((await handle.query(albumStatusQuery)).progress.cacheHits, 3);
  });
});

test('with the (test) models installed, embeddings, categories and faces come from ONNX and say which model', async () => {
  const albumId = 'alb_onnx00000';
  const photos = await Promise.all([1, 2, 3].map(async (i) => putPhoto(albumId, `ph_onnx0000${i}`, `o${i}.jpg`, await syntheticScene(70 + i, 400, 300))));
  await withWorkers(
    async () => {
      const handle = await start(albumId, input(albumId, photos));
      await handle.signal(closeAlbumSignal);
      const summary = (await handle.result()) as AlbumSummary;
      assert.deepEqual(summary.counts, { total: 3, analyzed: 3, failed: 0, pending: 0 });
      const results = await resultsOf(summary);
      assert.equal(results.models.embedding, 'clip-vit-b32-image-test@test-1');
      assert.equal(results.models.category, 'clip-vit-b32-image-test@test-1+clip-vit-b32-text-test@test-1');
      assert.equal(results.models.faces, 'yunet-2023mar-test@test-1+arcface-w600k-r50-test@test-1');
      for (const p of photos) {
        const c = results.categories[p.photoId] as { label: string; score: number };
        assert.ok(typeof c.label === 'string' && c.score > 0 && c.score <= 1);
      }
      // Copy detection stays on the calibrated perceptual method whatever model is installed.
      assert.equal(results.models.duplicates.method, 'phash-colorlayout-v1');
      assert.ok(Array.isArray(results.people));
    },
    { models: testModels },
  );
});
