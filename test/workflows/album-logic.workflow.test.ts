/**
 * AlbumWorkflow's own logic (batching, splitting a failing batch, continue-as-new through the
 * store, the album step and the manifest) with the activities replaced by in-memory fakes, as
 * temporalio/samples-typescript tests workflows: no decoder, models or blob store load, so a change
 * to the workflow's logic is checked in seconds. album.workflow.test.ts runs the real activities.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { createAlbumAnalysisActivities } from '../../src/activities/album/analyze-album';
import type { createPhotoPipelineActivities } from '../../src/activities/album/analyze-batch';
import type { createAlbumStoreActivities } from '../../src/activities/album/album-store';
import type { AlbumInput, AlbumState, AlbumSummary, PhotoRef } from '../../src/shared/album';
import { TASK_QUEUES } from '../../src/shared/task-queues';
import { albumPhotoKey } from '../../src/storage/keys';
import { addPhotosUpdate, AlbumWorkflow, closeAlbumSignal } from '../../src/workflows/album';
import { quietRuntime, testTelemetry } from '../helpers/stack';
import { createTimeSkippingEnv, createWorkflowWorker, whileWorkersRun } from '../helpers/temporal';

type BatchActivities = ReturnType<typeof createPhotoPipelineActivities>;
type AlbumActivities = ReturnType<typeof createAlbumAnalysisActivities>;
type StoreActivities = ReturnType<typeof createAlbumStoreActivities>;

let env: TestWorkflowEnvironment;
const telemetry = testTelemetry();

before(async () => {
  quietRuntime();
  env = await createTimeSkippingEnv();
});

after(async () => {
  await env?.teardown();
});

/** What the fake activities saw, for the assertions. */
interface Calls {
  batches: string[][];
  failures: string[];
  albumSteps: number;
  manifests: string[];
  statesSaved: number;
}

/** In-memory activities with the real ones' names and types; `badPhoto` fails any batch it is in. */
function fakeActivities(badPhoto?: string) {
  const calls: Calls = { batches: [], failures: [], albumSteps: 0, manifests: [], statesSaved: 0 };
  const docs = new Map<string, unknown>();
  const cpu: BatchActivities & AlbumActivities = {
    async analyzePhotoBatch({ photos }) {
      calls.batches.push(photos.map((p) => p.photoId));
      if (badPhoto && photos.some((p) => p.photoId === badPhoto)) throw ApplicationFailure.nonRetryable('cannot decode', 'DECODE_FAILED');
      return {
        outcomes: photos.map((p) => ({ photoId: p.photoId, ok: true as const, cacheHit: false })),
        methods: { embedding: 'fake', category: 'fake', faces: 'fake', quality: 'fake' },
      };
    },
    async analyzeAlbum({ tenantId, albumId, analysisId }) {
      calls.albumSteps++;
      return { resultsKey: `${tenantId}/albums/${albumId}/${analysisId}/album.json`, photos: 0, highlights: 0, duplicateGroups: 0, people: 0, durationMs: 1 };
    },
  };
  const io: StoreActivities = {
    async savePendingPage({ stateKey, page, photos }) {
      const key = `${stateKey}#${page}`;
      docs.set(key, photos);
      return key;
    },
    async loadPendingPage({ key }) {
      return docs.get(key) as PhotoRef[];
    },
    async saveAlbumState({ stateKey, state }) {
      calls.statesSaved++;
      docs.set(stateKey, state);
    },
    async loadAlbumState({ stateKey }) {
      return docs.get(stateKey) as AlbumState;
    },
    async recordPhotoFailure({ ref }) {
      calls.failures.push(ref.photoId);
    },
    async stageReanalysis() {
      throw new Error('not used by these tests');
    },
    async writeAlbumManifest({ status, tenantId, albumId }) {
      calls.manifests.push(status);
      return `${tenantId}/albums/${albumId}/manifest.json`;
    },
  };
  return { calls, cpu, io };
}

async function withFakes<T>(fakes: ReturnType<typeof fakeActivities>, fn: () => Promise<T>): Promise<T> {
  const common = { connection: env.nativeConnection, namespace: env.namespace };
  const workers = await Promise.all([
    createWorkflowWorker(env, telemetry),
    Worker.create({ ...common, taskQueue: TASK_QUEUES.cpu, activities: fakes.cpu }),
    Worker.create({ ...common, taskQueue: TASK_QUEUES.io, activities: fakes.io }),
  ]);
  return whileWorkersRun(workers, fn);
}

const photos = (albumId: string, n: number, prefix = 'ph'): PhotoRef[] =>
  Array.from({ length: n }, (_, i) => {
    const photoId = `${prefix}_${String(i).padStart(8, '0')}`;
    return { photoId, name: `${photoId}.jpg`, key: albumPhotoKey('acme', albumId, photoId), contentType: 'image/jpeg' };
  });

const input = (albumId: string, refs: PhotoRef[], settings: Partial<AlbumInput['settings']> = {}): AlbumInput => ({
  tenantId: 'acme',
  albumId,
  createdAt: '2026-01-01T00:00:00.000Z',
  idleCloseMs: 24 * 3600_000,
  analysis: 1,
  settings: { batchSize: 3, parallelism: 6, heartbeatSeconds: 30, continueAsNewAfterEvents: 10_000, maxPhotos: 100, settleMs: 0, ...settings },
  photos: refs,
});

async function runAlbum(albumId: string, args: AlbumInput, later: PhotoRef[] = []): Promise<AlbumSummary> {
  const handle = await env.client.workflow.start(AlbumWorkflow, { taskQueue: TASK_QUEUES.workflow, workflowId: `album-acme-${albumId}`, args: [args] });
  if (later.length > 0) {
    const added = await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: later }] });
    assert.equal(added.accepted.length, later.length, JSON.stringify(added));
  }
  await handle.signal(closeAlbumSignal);
  return (await handle.result()) as AlbumSummary;
}

const sorted = (ids: string[]) => [...ids].sort();

test('every photo is analysed exactly once, in batches of at most batchSize; then the album step and a completed manifest', async () => {
  const fakes = fakeActivities();
  const albumId = 'alb_logic0001';
  const first = photos(albumId, 10);
  const later = photos(albumId, 4, 'late');
  const summary = await withFakes(fakes, () => runAlbum(albumId, input(albumId, first), later));
  assert.equal(summary.status, 'completed');
  assert.deepEqual(summary.counts, { total: 14, analyzed: 14, failed: 0, pending: 0 });
  assert.deepEqual(sorted(fakes.calls.batches.flat()), sorted([...first, ...later].map((p) => p.photoId)));
  assert.ok(
    fakes.calls.batches.every((b) => b.length >= 1 && b.length <= 3),
    JSON.stringify(fakes.calls.batches),
  );
  assert.ok(fakes.calls.albumSteps >= 1);
  assert.deepEqual(fakes.calls.manifests, ['completed']);
  assert.deepEqual(fakes.calls.failures, []);
});

test('a batch that fails whole is split until the one photo behind it is found: only that photo is failed and recorded', async () => {
  const albumId = 'alb_logic0002';
  const refs = photos(albumId, 6);
  const bad = refs[4]!.photoId;
  const fakes = fakeActivities(bad);
  const summary = await withFakes(fakes, () => runAlbum(albumId, input(albumId, refs)));
  assert.deepEqual(summary.counts, { total: 6, analyzed: 5, failed: 1, pending: 0 });
  assert.deepEqual(fakes.calls.failures, [bad]);
  // The bad photo's batch was retried photo by photo; the others in it were analysed alone.
  assert.ok(
    fakes.calls.batches.some((b) => b.length === 1 && b[0] === bad),
    JSON.stringify(fakes.calls.batches),
  );
  assert.deepEqual(fakes.calls.manifests, ['completed']);
});

test('a run over its event budget continues as new with its state in the store, and no photo is analysed twice', async () => {
  const fakes = fakeActivities();
  const albumId = 'alb_logic0003';
  const refs = photos(albumId, 20);
  const summary = await withFakes(fakes, () => runAlbum(albumId, input(albumId, refs, { batchSize: 1, parallelism: 2, continueAsNewAfterEvents: 40 })));
  assert.deepEqual(summary.counts, { total: 20, analyzed: 20, failed: 0, pending: 0 });
  assert.ok(fakes.calls.statesSaved >= 1, 'the run continued as new at least once');
  assert.deepEqual(sorted(fakes.calls.batches.flat()), sorted(refs.map((p) => p.photoId)));
  assert.deepEqual(fakes.calls.manifests, ['completed']);
});

test('photos accepted while a run saves its state for continue-as-new are carried over and analysed', async () => {
  const fakes = fakeActivities();
  // The first state save waits until the test has handed the album more photos.
  let saving!: () => void;
  const savingStarted = new Promise<void>((r) => (saving = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const save = fakes.io.saveAlbumState;
  fakes.io.saveAlbumState = async (args) => {
    if (fakes.calls.statesSaved === 0) {
      saving();
      await released;
    }
    return save(args);
  };
  const albumId = 'alb_logic0004';
  const refs = photos(albumId, 20);
  const late = photos(albumId, 5, 'late');
  const summary = await withFakes(fakes, async () => {
    const handle = await env.client.workflow.start(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: `album-acme-${albumId}`,
      args: [input(albumId, refs, { batchSize: 1, parallelism: 2, continueAsNewAfterEvents: 40 })],
    });
    await savingStarted;
    const added = await handle.executeUpdate(addPhotosUpdate, { args: [{ photos: late }] });
    assert.equal(added.accepted.length, late.length, JSON.stringify(added));
    release();
    await handle.signal(closeAlbumSignal);
    return (await handle.result()) as AlbumSummary;
  });
  assert.deepEqual(summary.counts, { total: 25, analyzed: 25, failed: 0, pending: 0 });
  assert.deepEqual(sorted(fakes.calls.batches.flat()), sorted([...refs, ...late].map((p) => p.photoId)));
});
