/**
 * AlbumWorkflow: one long-lived workflow per album, the photo pipeline.
 *
 * 1. Photos arrive with the album or through the addPhotos update (accepted / duplicate /
 *    rejected per photo).
 * 2. Per photo, in batches on the CPU queue: embedding first (cached by content hash + model),
 *    then category, quality and faces. A new photo starts as soon as a batch slot is free. A
 *    bad photo is a failure record (with the stage and attempts where it was lost), never a
 *    failed album; a batch that fails after its retries is split so only the poison photo is lost.
 * 3. When the album's photos are in (and again whenever more arrive): duplicates, people and
 *    highlights over the whole album, written to the blob store. Until that has run the status
 *    is `settling`: `idle` and `completed` always mean the results are final.
 * 4. Closed (signal or idle timeout): the manifest is written and the workflow completes.
 *    Cancelled: it stops, writes its manifest, and says `cancelled`.
 *
 * The bookkeeping (counts, queue, view, ETA, continue-as-new state) is in album-ledger.ts.
 * History carries references only. A long album continues as new with its state in the blob
 * store; pending photos travel as pages of keys.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
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
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { createAlbumAnalysisActivities } from '../activities/album/analyze-album';
import type { createPhotoPipelineActivities } from '../activities/album/analyze-batch';
import type { createAlbumStoreActivities } from '../activities/album/album-store';
import {
  PENDING_PAGE_SIZE,
  analysisId as analysisIdOf,
  type AddPhotosRequest,
  type AddPhotosResult,
  type AlbumInput,
  type AlbumStatus,
  type AlbumSummary,
  type AlbumView,
  type BatchProgress,
  type PhotoFailureRecord,
  type PhotoRef,
} from '../shared/album';
import { SA } from '../shared/search-attributes';
import { ACTIVITY_OPTIONS, RETRY } from '../shared/task-queues';
import { albumPrefix, pipelineStateKey } from '../storage/keys';
import { OUT_OF_SPACE_TYPE } from '../storage/out-of-space';
import { AlbumLedger } from './album-ledger';

export const addPhotosUpdate = defineUpdate<AddPhotosResult, [AddPhotosRequest]>('addPhotos');
export const closeAlbumSignal = defineSignal('closeAlbum');
export const albumStatusQuery = defineQuery<AlbumView>('status');
/** Which of the given photoIds this album has taken (the API's upload sweeper asks before deleting blobs). */
export const knownPhotosQuery = defineQuery<string[], [string[]]>('knownPhotos');
/** Longest photo name an update may carry: the API's cap, so a payload stays bounded. */
export const MAX_PHOTO_NAME_CHARS = 255;

/** Most photos one addPhotos update may carry (keeps each update's payload small). */
export const MAX_PHOTOS_PER_UPDATE = 1000;

type BatchActivities = ReturnType<typeof createPhotoPipelineActivities>;
type AlbumActivities = ReturnType<typeof createAlbumAnalysisActivities>;
type StateActivities = ReturnType<typeof createAlbumStoreActivities>;

export async function AlbumWorkflow(input: AlbumInput): Promise<AlbumSummary> {
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

  const ledger = new AlbumLedger(input);
  const maxBatches = Math.max(1, Math.ceil(settings.parallelism / settings.batchSize));
  /** Batches in flight. */
  let running = 0;
  /** Batches in a row that found the disk full: each waits twice as long as the one before. */
  let outOfSpaceWaits = 0;
  /** An update that reaches a continued run before its state is loaded waits for it. */
  let restored = false;

  let publishedStatus: AlbumStatus | undefined;
  const publishStatus = () => {
    const s = ledger.status();
    if (s !== publishedStatus) {
      upsertSearchAttributes([{ key: SA.status, value: s }]);
      publishedStatus = s;
    }
  };
  const shouldContinueAsNew = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= settings.continueAsNewAfterEvents;
  };

  // ---- messages ------------------------------------------------------------------------------
  const photoPrefix = albumPrefix(tenantId, albumId);
  setHandler(albumStatusQuery, () => ledger.view(Date.now()));
  setHandler(knownPhotosQuery, (ids) => (Array.isArray(ids) ? ids.filter((id) => ledger.has(id)) : []));
  setHandler(closeAlbumSignal, () => {
    ledger.closeRequested = true;
  });
  setHandler(
    addPhotosUpdate,
    async ({ photos }) => {
      await condition(() => restored);
      const result: AddPhotosResult = { accepted: [], duplicates: [], rejected: [] };
      for (const p of photos) {
        const entry = { photoId: p.photoId, name: p.name };
        if (ledger.has(p.photoId)) result.duplicates.push(entry);
        else if (typeof p.key !== 'string' || !p.key.startsWith(photoPrefix)) {
          result.rejected.push({ ...entry, code: 'INVALID_KEY', message: `Photo "${p.name}" (${p.photoId}) is not stored under this album` });
        } else if (ledger.size >= settings.maxPhotos) {
          result.rejected.push({ ...entry, code: 'ALBUM_FULL', message: `The album already has its limit of ${settings.maxPhotos} photos` });
        } else {
          ledger.add(p);
          result.accepted.push(entry);
        }
      }
      publishStatus();
      return result;
    },
    {
      validator: ({ photos }) => {
        if (ledger.closeRequested || ledger.outcome !== undefined) {
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

  /** Continued run or re-analysis: the earlier state from the blob store; then the album's own photos. */
  const restore = async (): Promise<void> => {
    let stateKey = input.stateKey;
    if (!stateKey && input.reanalyzeFrom) {
      stateKey = pipelineStateKey(tenantId, albumId, analysisId, 0);
      await io.stageReanalysis({ tenantId, albumId, fromAnalysisId: input.reanalyzeFrom, stateKey });
    }
    if (stateKey) ledger.restore(await io.loadAlbumState({ stateKey }));
    for (const p of input.photos ?? []) ledger.add(p);
    restored = true;
  };

  /** One batch on the CPU queue. A bad photo comes back as a failure record, never an error. */
  const runBatch = async (batch: PhotoRef[]): Promise<void> => {
    ledger.batchStarted(batch.length, Date.now());
    try {
      ledger.recordBatch(await photoBatches.analyzePhotoBatch({ tenantId, albumId, analysisId, photos: batch }));
      outOfSpaceWaits = 0;
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === OUT_OF_SPACE_TYPE) {
        // A full disk is not the photos' fault: they wait (a durable timer, holding this batch's
        // slot) and run again once space may be back, however long that takes; none is marked failed.
        outOfSpaceWaits++;
        await sleep(Math.min(OUT_OF_SPACE_MAX_WAIT_MS, OUT_OF_SPACE_FIRST_WAIT_MS * 2 ** Math.min(outOfSpaceWaits - 1, 8)));
        ledger.retryBatch(batch);
        return;
      }
      if (batch.length > 1) {
        // Something in this batch beat every retry: run its photos one by one to find it.
        ledger.splitBatch(batch);
      } else {
        const failure = failureOf(batch[0]!, err);
        await io.recordPhotoFailure({ tenantId, albumId, analysisId, ref: batch[0]!, failure });
        ledger.recordFailure(failure);
      }
    } finally {
      ledger.batchEnded(batch.length, Date.now());
    }
  };

  /**
   * Runs photos until none waits: up to `maxBatches` batches at once, refilled from stored pages.
   * It wakes when a batch ends AND when photos arrive, so new photos start as soon as there is room.
   */
  const drain = async (): Promise<void> => {
    let error: { err: unknown } | undefined;
    const canStart = () => running < maxBatches && ledger.hasWaiting() && !shouldContinueAsNew();
    for (;;) {
      if (error) throw error.err;
      if (canStart()) {
        const pageKey = ledger.nextPageKey(settings.batchSize * maxBatches);
        if (pageKey) ledger.addPage(await io.loadPendingPage({ key: pageKey }));
      }
      for (
        let batch = canStart() ? ledger.nextBatch(settings.batchSize) : undefined;
        batch;
        batch = canStart() ? ledger.nextBatch(settings.batchSize) : undefined
      ) {
        running++;
        runBatch(batch)
          .catch((err: unknown) => void (error ??= { err }))
          .finally(() => running--);
      }
      publishStatus();
      if (running === 0) return;
      const before = running;
      await condition(() => error !== undefined || running < before || canStart());
    }
  };

  /** Duplicates, people and highlights over the whole album, written to the blob store. */
  const analyzeAlbum = async (): Promise<void> => {
    ledger.albumRunning = true;
    publishStatus();
    try {
      ledger.albumStepDone(await albumStep.analyzeAlbum({ tenantId, albumId, analysisId }));
    } finally {
      ledger.albumRunning = false;
    }
  };

  /** Hands the state to the next run through the blob store; waiting photos go as pages of keys. */
  const saveState = async (): Promise<string> => {
    const stateKey = pipelineStateKey(tenantId, albumId, analysisId, runIndex + 1);
    const leftover = ledger.leftover();
    const pageKeys: string[] = [];
    for (let page = 0; page * PENDING_PAGE_SIZE < leftover.length; page++) {
      const photos = leftover.slice(page * PENDING_PAGE_SIZE, (page + 1) * PENDING_PAGE_SIZE);
      pageKeys.push(await io.savePendingPage({ stateKey, page, photos }));
    }
    await io.saveAlbumState({ stateKey, state: ledger.snapshot(pageKeys) });
    return stateKey;
  };

  const finish = async (status: 'completed' | 'cancelled'): Promise<AlbumSummary> => {
    const view = ledger.view(Date.now());
    const manifestKey = await io.writeAlbumManifest({
      tenantId,
      albumId,
      title: input.title,
      createdAt: input.createdAt,
      analysis: input.analysis,
      status,
      view,
    });
    ledger.outcome = status;
    publishStatus();
    return { albumId, analysis: input.analysis, status, counts: view.counts, manifestKey, ...(view.resultsKey ? { resultsKey: view.resultsKey } : {}) };
  };

  // ---- the process ---------------------------------------------------------------------------
  try {
    await restore();
    publishStatus();
    for (;;) {
      // 1. Wait for photos, a close, or album results to bring up to date (or close when idle).
      const woke = await condition(() => !ledger.photosIdle() || ledger.closeRequested || !ledger.albumUpToDate, input.idleCloseMs);
      if (!woke) ledger.closeRequested = true;
      // 2. Analyse every waiting photo, including those that arrive meanwhile.
      await drain();
      if (shouldContinueAsNew()) {
        // Every accepted photo must be in the state that is carried over: handlers finish first,
        // and photos accepted while the state was being saved (the save is activities, so updates
        // run meanwhile) mean saving again; the check and the hand-over share one activation.
        for (;;) {
          await condition(allHandlersFinished);
          const known = ledger.size;
          const stateKey = await saveState();
          // Runs recorded before this check continued at once (the patch marker is only written
          // where photos came during the save), so their histories still replay.
          if ((ledger.size === known && allHandlersFinished()) || !patched(RESAVE_BEFORE_CONTINUE)) {
            return await continueAsNew<typeof AlbumWorkflow>({ ...input, photos: undefined, reanalyzeFrom: undefined, stateKey, runIndex: runIndex + 1 });
          }
        }
      }
      if (!ledger.photosIdle()) continue;
      // 3. The album-wide step. Photos often arrive in several requests: let them settle first
      //    (the album says `settling` meanwhile: its results are not final yet).
      if (!ledger.albumUpToDate && !ledger.closeRequested && settings.settleMs > 0) {
        if (await condition(() => !ledger.photosIdle() || ledger.closeRequested, settings.settleMs)) continue;
      }
      if (!ledger.albumUpToDate && ledger.size > 0) await analyzeAlbum();
      else ledger.albumUpToDate = true;
      publishStatus();
      // 4. Closed, and nothing left to do.
      if (ledger.closeRequested && ledger.photosIdle() && ledger.albumUpToDate) {
        await condition(allHandlersFinished);
        if (ledger.photosIdle()) break;
      }
    }
    return await finish('completed');
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: stop taking work, but record what was done and say so.
    return await CancellationScope.nonCancellable(() => finish('cancelled'));
  }
}

/** Patch id: a run saves its state again when photos arrived while it was being saved. */
const RESAVE_BEFORE_CONTINUE = 'album-resave-before-continue';

const OUT_OF_SPACE_FIRST_WAIT_MS = 5_000;
const OUT_OF_SPACE_MAX_WAIT_MS = 5 * 60_000;

/**
 * The failure record of a photo whose batch (of one) failed after its retries: the stage and
 * attempt come from the activity's failure details, or from its last heartbeat when it timed out.
 */
function failureOf(photo: PhotoRef, err: unknown): PhotoFailureRecord {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const progress = (cause instanceof ApplicationFailure ? cause.details?.[0] : cause instanceof TimeoutFailure ? cause.lastHeartbeatDetails : undefined) as
    Partial<BatchProgress> | undefined;
  const code = cause instanceof ApplicationFailure ? (cause.type ?? 'ANALYSIS_FAILED') : cause instanceof TimeoutFailure ? 'TIMED_OUT' : 'ANALYSIS_FAILED';
  const message = cause instanceof Error ? cause.message : String(cause);
  // Without a report from the activity (it never started, or failed before its first heartbeat),
  // the retry state still tells whether every attempt was used.
  const lastTry = err instanceof ActivityFailure && err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED ? RETRY.infrastructure.maximumAttempts : undefined;
  return {
    photoId: photo.photoId,
    name: photo.name,
    // A batch's first stage is fetching the photo: a batch that said nothing got no further.
    stage: progress?.stage ?? 'fetch',
    code,
    message: `Photo "${photo.name}" (${photo.photoId}): ${message}`,
    attempts: progress?.attempt ?? lastTry ?? 1,
  };
}
