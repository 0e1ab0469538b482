/**
 * AlbumWorkflow: one long-lived workflow per album, the photo pipeline.
 *
 * 1. Photos arrive with the album or through the addPhotos update (accepted / duplicate /
 *    rejected per photo).
 * 2. Per photo, in batches on the CPU queue: embedding first (cached by content hash + model),
 *    then category, quality and faces. A bad photo is a failure record, never a failed album;
 *    a batch that fails after its retries is split so only the poison photo is lost.
 * 3. When the album's photos are in (and again whenever more arrive): duplicates, people and
 *    highlights over the whole album, written to the blob store.
 * 4. Closed (signal or idle timeout): the manifest is written and the workflow completes.
 *    Cancelled: it stops, writes its manifest, and says `cancelled`.
 *
 * History carries references only. A long album continues as new with its state in the blob
 * store; pending photos travel as pages of keys.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { createAlbumIoActivities } from '../activities/album-io';
import type { createAlbumAnalysisActivities } from '../activities/photo-pipeline/analyze-album';
import type { createPhotoPipelineActivities } from '../activities/photo-pipeline/analyze-batch';
import type { createAlbumStateActivities } from '../activities/photo-pipeline/album-state';
import { pipelineStateKey } from '../activities/photo-pipeline/keys';
import {
  PENDING_PAGE_SIZE,
  analysisId as analysisIdOf,
  type AddPhotosPipelineResult,
  type AddPhotosRequest,
  type AlbumPipelineInput,
  type AlbumPipelineState,
  type AlbumPipelineStatus,
  type AlbumPipelineSummary,
  type AlbumPipelineView,
  type AlbumSummary,
  type AlbumWorkflowInput,
  type AnalysisMethods,
  type PhotoFailureRecord,
  type PhotoRef,
} from '../shared/album';
import { SA } from '../shared/search-attributes';
import { ACTIVITY_OPTIONS, RETRY } from '../shared/task-queues';
import { tenantPrefix } from '../storage/keys';
import { albumWorkflowV1 } from './album-v1';

/** Albums started before the pipeline keep running the first version (see album-v1.ts). */
export const ALBUM_PIPELINE_PATCH = 'album-pipeline-v2';

export const addPhotosUpdate = defineUpdate<AddPhotosPipelineResult, [AddPhotosRequest]>('addPhotos');
export const closeAlbumSignal = defineSignal('closeAlbum');
export const albumStatusQuery = defineQuery<AlbumPipelineView>('status');
/** Which of the given photoIds this album has taken (the API's upload sweeper asks before deleting blobs). */
export const knownPhotosQuery = defineQuery<string[], [string[]]>('knownPhotos');
/** Longest photo name an update may carry: the API's cap, so a payload stays bounded. */
export const MAX_PHOTO_NAME_CHARS = 255;

/** Most photos one addPhotos update may carry (keeps each update's payload small). */
export const MAX_PHOTOS_PER_UPDATE = 1000;
/** Failures kept in workflow state for the status view; the results document has all of them. */
const RECENT_FAILURES = 50;

export async function AlbumWorkflow(input: AlbumPipelineInput | AlbumWorkflowInput): Promise<AlbumPipelineSummary | AlbumSummary> {
  if (!patched(ALBUM_PIPELINE_PATCH)) return albumWorkflowV1(input as AlbumWorkflowInput);
  return albumPipeline(input as AlbumPipelineInput);
}

type BatchActivities = ReturnType<typeof createPhotoPipelineActivities>;
type AlbumActivities = ReturnType<typeof createAlbumAnalysisActivities>;
type StateActivities = ReturnType<typeof createAlbumStateActivities> & ReturnType<typeof createAlbumIoActivities>;

async function albumPipeline(input: AlbumPipelineInput): Promise<AlbumPipelineSummary> {
  const { tenantId, albumId, settings } = input;
  const analysisId = analysisIdOf(input.analysis);
  const runIndex = input.runIndex ?? 0;
  const photoBatches = proxyActivities<BatchActivities>({
    ...ACTIVITY_OPTIONS.cpu,
    startToCloseTimeout: '15m',
    // A batch heartbeats per photo: silence means its worker died, so it is retried elsewhere soon.
    heartbeatTimeout: `${settings.heartbeatSeconds}s`,
  });
  const albumStep = proxyActivities<AlbumActivities>({ ...ACTIVITY_OPTIONS.cpu, startToCloseTimeout: '30m', heartbeatTimeout: '2m' });
  const io = proxyActivities<StateActivities>(ACTIVITY_OPTIONS.io);

  // ---- state ---------------------------------------------------------------------------------
  const known = new Set<string>();
  const queue: PhotoRef[] = [];
  /** Photos split out of a batch that failed whole: each runs alone, so one poison file is isolated. */
  const isolate: PhotoRef[] = [];
  let pendingPageKeys: string[] = [];
  let analyzed = 0;
  let failedCount = 0;
  let recentFailures: PhotoFailureRecord[] = [];
  let cacheHits = 0;
  let methods: AnalysisMethods | undefined;
  let resultsKey: string | undefined;
  let albumRuns = 0;
  let albumUpToDate = true;
  let albumRunning = false;
  let lastAlbumDurationMs: number | null = null;
  let busyMs = 0;
  let busySince: number | null = null;
  let inFlight = 0;
  let closeRequested = false;
  let outcome: AlbumPipelineStatus | undefined;
  let restored = false;

  const pendingCount = () => known.size - analyzed - failedCount;
  const photosIdle = () => queue.length === 0 && isolate.length === 0 && pendingPageKeys.length === 0 && inFlight === 0;
  const status = (): AlbumPipelineStatus => outcome ?? (photosIdle() && !albumRunning ? 'idle' : 'processing');

  const view = (): AlbumPipelineView => {
    const elapsed = busyMs + (busySince === null ? 0 : Date.now() - busySince);
    const finished = analyzed + failedCount;
    const rate = finished > 0 && elapsed > 0 ? finished / (elapsed / 1000) : null;
    return {
      albumId,
      tenantId,
      title: input.title,
      createdAt: input.createdAt,
      analysis: input.analysis,
      status: status(),
      closeRequested,
      counts: { total: known.size, analyzed, failed: failedCount, pending: pendingCount() },
      progress: {
        photos: {
          total: known.size,
          done: analyzed,
          failed: failedCount,
          ratePerSecond: rate === null ? null : Math.round(rate * 100) / 100,
          etaSeconds: rate === null ? null : Math.round(pendingCount() / rate),
        },
        album: { runs: albumRuns, running: albumRunning, lastDurationMs: lastAlbumDurationMs, upToDate: albumUpToDate },
        cacheHits,
      },
      failed: recentFailures,
      ...(methods ? { methods } : {}),
      ...(resultsKey ? { resultsKey } : {}),
      runIndex,
    };
  };

  let publishedStatus: AlbumPipelineStatus | undefined;
  const publishStatus = () => {
    const s = status();
    if (s !== publishedStatus) {
      upsertSearchAttributes([{ key: SA.status, value: s }]);
      publishedStatus = s;
    }
  };

  // ---- messages ------------------------------------------------------------------------------
  const photoPrefix = `${tenantPrefix(tenantId)}albums/${albumId}/`;
  setHandler(albumStatusQuery, view);
  setHandler(knownPhotosQuery, (ids) => (Array.isArray(ids) ? ids.filter((id) => known.has(id)) : []));
  setHandler(closeAlbumSignal, () => {
    closeRequested = true;
  });
  setHandler(
    addPhotosUpdate,
    async ({ photos }) => {
      // An update that reaches a continued run before its state is loaded waits for it.
      await condition(() => restored);
      const result: AddPhotosPipelineResult = { accepted: [], duplicates: [], rejected: [] };
      for (const p of photos) {
        const entry = { photoId: p.photoId, name: p.name };
        if (known.has(p.photoId)) result.duplicates.push(entry);
        else if (typeof p.key !== 'string' || !p.key.startsWith(photoPrefix)) {
          result.rejected.push({ ...entry, code: 'INVALID_KEY', message: `Photo "${p.name}" (${p.photoId}) is not stored under this album` });
        } else if (known.size >= settings.maxPhotos) {
          result.rejected.push({ ...entry, code: 'ALBUM_FULL', message: `The album already has its limit of ${settings.maxPhotos} photos` });
        } else {
          known.add(p.photoId);
          queue.push(p);
          result.accepted.push(entry);
        }
      }
      publishStatus();
      return result;
    },
    {
      validator: ({ photos }) => {
        if (closeRequested || outcome !== undefined) {
          throw ApplicationFailure.nonRetryable('The album is closed and takes no more photos', 'ALBUM_CLOSED');
        }
        if (!Array.isArray(photos) || photos.length === 0) {
          throw ApplicationFailure.nonRetryable('addPhotos needs at least one photo', 'NO_PHOTOS');
        }
        if (photos.length > MAX_PHOTOS_PER_UPDATE) {
          throw ApplicationFailure.nonRetryable(`addPhotos takes at most ${MAX_PHOTOS_PER_UPDATE} photos at a time`, 'TOO_MANY_PHOTOS');
        }
        if (photos.some((p) => typeof p?.name !== 'string' || p.name.length > MAX_PHOTO_NAME_CHARS)) {
          throw ApplicationFailure.nonRetryable(`photo names are at most ${MAX_PHOTO_NAME_CHARS} characters`, 'NAME_TOO_LONG');
        }
      },
    },
  );

  // ---- steps ---------------------------------------------------------------------------------
  const recordFailure = (f: PhotoFailureRecord) => {
    failedCount++;
    recentFailures = [...recentFailures, f].slice(-RECENT_FAILURES);
  };

  const markBusy = (delta: number) => {
    const before = inFlight;
    inFlight += delta;
    if (before === 0 && inFlight > 0) busySince = Date.now();
    if (before > 0 && inFlight === 0 && busySince !== null) {
      busyMs += Date.now() - busySince;
      busySince = null;
    }
  };

  const runBatch = async (batch: PhotoRef[]): Promise<void> => {
    markBusy(batch.length);
    try {
      const result = await photoBatches.analyzePhotoBatch({ tenantId, albumId, analysisId, photos: batch });
      methods = result.methods;
      for (const o of result.outcomes) {
        if (o.ok) {
          analyzed++;
          if (o.cacheHit) cacheHits++;
        } else recordFailure(o.failure);
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (batch.length > 1) {
        // Something in this batch beat every retry: run its photos one by one to find it.
        isolate.push(...batch);
      } else {
        const failure = failureOf(batch[0]!, err);
        await io.recordPhotoFailure({ tenantId, albumId, analysisId, ref: batch[0]!, failure });
        recordFailure(failure);
      }
    } finally {
      markBusy(-batch.length);
      albumUpToDate = false;
    }
  };

  const shouldContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= settings.continueAsNewAfterEvents;
  };

  const maxBatches = Math.max(1, Math.ceil(settings.parallelism / settings.batchSize));

  // Keeps up to `maxBatches` batches in flight, refills from stored pages, picks up new photos.
  const drain = async (): Promise<void> => {
    const running = new Set<Promise<void>>();
    for (;;) {
      const stopping = shouldContinueAsNew();
      if (!stopping && queue.length < settings.batchSize * maxBatches && pendingPageKeys.length > 0) {
        queue.push(...(await io.loadPendingPage({ key: pendingPageKeys.shift()! })));
      }
      while (!stopping && running.size < maxBatches && (isolate.length > 0 || queue.length > 0)) {
        const batch = isolate.length > 0 ? isolate.splice(0, 1) : queue.splice(0, settings.batchSize);
        const task: Promise<void> = runBatch(batch).finally(() => running.delete(task));
        running.add(task);
      }
      publishStatus();
      if (running.size === 0) return;
      await Promise.race(running);
    }
  };

  const analyzeAlbum = async (): Promise<void> => {
    albumRunning = true;
    publishStatus();
    try {
      const summary = await albumStep.analyzeAlbum({ tenantId, albumId, analysisId });
      resultsKey = summary.resultsKey;
      lastAlbumDurationMs = summary.durationMs;
      albumRuns++;
      albumUpToDate = true;
    } finally {
      albumRunning = false;
    }
  };

  const saveState = async (): Promise<string> => {
    const stateKey = pipelineStateKey(tenantId, albumId, analysisId, runIndex + 1);
    const leftover = [...isolate, ...queue];
    const pageKeys: string[] = [];
    for (let page = 0; page * PENDING_PAGE_SIZE < leftover.length; page++) {
      const photos = leftover.slice(page * PENDING_PAGE_SIZE, (page + 1) * PENDING_PAGE_SIZE);
      pageKeys.push(await io.savePendingPage({ stateKey, page, photos }));
    }
    const state: AlbumPipelineState = {
      knownIds: [...known],
      counts: { analyzed, failed: failedCount },
      recentFailures,
      cacheHits,
      ...(methods ? { methods } : {}),
      ...(resultsKey ? { resultsKey } : {}),
      albumRuns,
      albumUpToDate,
      lastAlbumDurationMs,
      photosBusyMs: busyMs,
      closeRequested,
      pendingPageKeys: [...pageKeys, ...pendingPageKeys],
    };
    await io.saveAlbumState({ stateKey, state });
    return stateKey;
  };

  const restore = async (): Promise<void> => {
    let stateKey = input.stateKey;
    if (!stateKey && input.reanalyzeFrom) {
      stateKey = pipelineStateKey(tenantId, albumId, analysisId, 0);
      await io.stageReanalysis({ tenantId, albumId, fromAnalysisId: input.reanalyzeFrom, stateKey });
    }
    if (stateKey) {
      const s = await io.loadAlbumState({ stateKey });
      for (const id of s.knownIds) known.add(id);
      analyzed = s.counts.analyzed;
      failedCount = s.counts.failed;
      recentFailures = s.recentFailures;
      cacheHits = s.cacheHits;
      methods = s.methods;
      resultsKey = s.resultsKey;
      albumRuns = s.albumRuns;
      albumUpToDate = s.albumUpToDate;
      lastAlbumDurationMs = s.lastAlbumDurationMs;
      busyMs = s.photosBusyMs;
      closeRequested ||= s.closeRequested;
      pendingPageKeys = [...s.pendingPageKeys];
    }
    for (const p of input.photos ?? []) {
      if (known.has(p.photoId)) continue;
      known.add(p.photoId);
      queue.push(p);
    }
    restored = true;
  };

  const finish = async (status: 'completed' | 'cancelled'): Promise<AlbumPipelineSummary> => {
    const manifestKey = await io.writeAlbumPipelineManifest({
      tenantId,
      albumId,
      title: input.title,
      createdAt: input.createdAt,
      analysis: input.analysis,
      status,
      view: view(),
    });
    outcome = status;
    publishStatus();
    return { albumId, analysis: input.analysis, status, counts: view().counts, manifestKey, ...(resultsKey ? { resultsKey } : {}) };
  };

  // ---- the process ---------------------------------------------------------------------------
  try {
    await restore();
    publishStatus();
    for (;;) {
      const woke = await condition(() => !photosIdle() || closeRequested || !albumUpToDate, input.idleCloseMs);
      if (!woke) closeRequested = true;
      await drain();
      if (shouldContinueAsNew()) {
        // Handlers first: an update half-way through must land in the state that is carried over.
        await condition(allHandlersFinished);
        const stateKey = await saveState();
        return await continueAsNew<typeof AlbumWorkflow>({ ...input, photos: undefined, reanalyzeFrom: undefined, stateKey, runIndex: runIndex + 1 });
      }
      if (!photosIdle()) continue;
      // Photos often arrive in several requests: let them settle before the album-wide pass.
      if (!albumUpToDate && !closeRequested && settings.settleMs > 0) {
        if (await condition(() => !photosIdle() || closeRequested, settings.settleMs)) continue;
      }
      if (!albumUpToDate && known.size > 0) await analyzeAlbum();
      else albumUpToDate = true;
      publishStatus();
      if (closeRequested && photosIdle() && albumUpToDate) {
        await condition(allHandlersFinished);
        if (photosIdle()) break;
      }
    }
    return await finish('completed');
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: stop taking work, but record what was done and say so.
    return await CancellationScope.nonCancellable(() => finish('cancelled'));
  }
}

function failureOf(photo: PhotoRef, err: unknown): PhotoFailureRecord {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const attempts = err instanceof ActivityFailure && err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? (RETRY.infrastructure.maximumAttempts ?? 1) : 1;
  const code = cause instanceof ApplicationFailure ? (cause.type ?? 'ANALYSIS_FAILED') : 'ANALYSIS_FAILED';
  const message = cause instanceof Error ? cause.message : String(cause);
  return { photoId: photo.photoId, name: photo.name, stage: 'decode', code, message: `Photo "${photo.name}" (${photo.photoId}): ${message}`, attempts };
}
