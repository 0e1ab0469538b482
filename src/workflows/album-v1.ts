/**
 * AlbumWorkflow as first released (before the `album-pipeline-v2` patch), kept so albums started
 * then still replay and finish: one long-lived workflow per album. Photos arrive through the addPhotos update
 * (or with the album itself); each is decoded and measured on the CPU queue; a bad photo is
 * recorded as failed and never fails the album. The album closes when asked or after an idle
 * period, writes its results manifest through the I/O queue, and completes.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createAlbumIoActivities } from '../activities/album-io';
import type { createPhotoActivities } from '../activities/photo-analysis';
import type {
  AddPhotosRequest,
  AddPhotosResult,
  AlbumResultsView,
  AlbumStatus,
  AlbumStatusView,
  AlbumSummary,
  AlbumWorkflowInput,
  PhotoAnalysis,
  PhotoFailure,
  PhotoRef,
} from '../shared/album';
import { SA } from '../shared/search-attributes';
import { ACTIVITY_OPTIONS } from '../shared/task-queues';

const cpu = proxyActivities<ReturnType<typeof createPhotoActivities>>(ACTIVITY_OPTIONS.cpu);
const io = proxyActivities<ReturnType<typeof createAlbumIoActivities>>(ACTIVITY_OPTIONS.io);

// Same names as the current pipeline's messages; v1 answers them in its own shapes.
const addPhotosUpdate = defineUpdate<AddPhotosResult, [AddPhotosRequest]>('addPhotos');
const closeAlbumSignal = defineSignal('closeAlbum');
const albumStatusQuery = defineQuery<AlbumStatusView>('status');
export const albumResultsQueryV1 = defineQuery<AlbumResultsView>('results');
const albumResultsQuery = albumResultsQueryV1;

export async function albumWorkflowV1(input: AlbumWorkflowInput): Promise<AlbumSummary> {
  const queue: PhotoRef[] = [];
  const known = new Map<string, PhotoRef>();
  const analyzed = new Map<string, PhotoAnalysis>();
  const failed = new Map<string, PhotoFailure>();
  let inFlight = 0;
  let closeRequested = false;
  let completed = false;

  const enqueue = (photos: PhotoRef[]): AddPhotosResult => {
    const result: AddPhotosResult = { accepted: [], duplicates: [] };
    for (const p of photos) {
      const entry = { photoId: p.photoId, name: p.name };
      if (known.has(p.photoId)) {
        result.duplicates.push(entry);
        continue;
      }
      known.set(p.photoId, p);
      queue.push(p);
      result.accepted.push(entry);
    }
    return result;
  };

  const status = (): AlbumStatus => (completed ? 'completed' : queue.length + inFlight > 0 ? 'processing' : 'idle');
  const statusView = (): AlbumStatusView => ({
    albumId: input.albumId,
    tenantId: input.tenantId,
    title: input.title,
    createdAt: input.createdAt,
    status: status(),
    closeRequested,
    counts: {
      total: known.size,
      analyzed: analyzed.size,
      failed: failed.size,
      pending: queue.length + inFlight,
    },
  });

  let publishedStatus: AlbumStatus | undefined;
  const publishStatus = () => {
    const s = status();
    if (s !== publishedStatus) {
      upsertSearchAttributes([{ key: SA.status, value: s }]);
      publishedStatus = s;
    }
  };

  // Upload order, not completion order, so results read like the album.
  const outcomes = () => {
    const ids = [...known.keys()];
    return {
      photos: ids.flatMap((id) => analyzed.get(id) ?? []),
      failed: ids.flatMap((id) => failed.get(id) ?? []),
    };
  };

  setHandler(albumStatusQuery, statusView);
  setHandler(albumResultsQuery, () => ({
    ...statusView(),
    ...outcomes(),
  }));
  setHandler(closeAlbumSignal, () => {
    closeRequested = true;
  });
  setHandler(
    addPhotosUpdate,
    ({ photos }) => {
      const result = enqueue(photos);
      publishStatus();
      return result;
    },
    {
      validator: ({ photos }) => {
        if (closeRequested || completed) {
          throw ApplicationFailure.nonRetryable('The album is closed and takes no more photos', 'ALBUM_CLOSED');
        }
        if (!Array.isArray(photos) || photos.length === 0) {
          throw ApplicationFailure.nonRetryable('addPhotos needs at least one photo', 'NO_PHOTOS');
        }
      },
    },
  );

  const analyzeOne = async (photo: PhotoRef): Promise<void> => {
    try {
      const result = await cpu.analyzePhoto({ tenantId: input.tenantId, albumId: input.albumId, photo });
      analyzed.set(photo.photoId, result);
    } catch (err) {
      failed.set(photo.photoId, toFailure(photo, err));
    }
  };

  // Keeps `parallelism` photos in flight and picks up photos added while it runs.
  const drain = async (): Promise<void> => {
    const running = new Set<Promise<void>>();
    while (queue.length > 0 || running.size > 0) {
      while (queue.length > 0 && running.size < input.parallelism) {
        const photo = queue.shift()!;
        inFlight++;
        const task: Promise<void> = analyzeOne(photo).finally(() => {
          inFlight--;
          running.delete(task);
        });
        running.add(task);
      }
      await Promise.race(running);
    }
  };

  enqueue(input.photos ?? []);
  publishStatus();

  for (;;) {
    const woke = await condition(() => queue.length > 0 || closeRequested, input.idleCloseMs);
    if (!woke) closeRequested = true;
    await drain();
    publishStatus();
    if (closeRequested && queue.length === 0) break;
  }

  // An addPhotos update accepted just before close must finish before the manifest is written.
  await condition(allHandlersFinished);
  await drain();

  const manifestKey = await io.writeAlbumManifest({
    tenantId: input.tenantId,
    albumId: input.albumId,
    title: input.title,
    createdAt: input.createdAt,
    ...outcomes(),
  });
  completed = true;
  publishStatus();
  return { albumId: input.albumId, counts: statusView().counts, manifestKey };
}

function toFailure(photo: PhotoRef, err: unknown): PhotoFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { photoId: photo.photoId, name: photo.name, code: cause.type ?? 'ANALYSIS_FAILED', message: cause.message, stage: 'decode' };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  // Timeouts and exhausted retries land here: infrastructure, not the photo's fault, but still recorded.
  return { photoId: photo.photoId, name: photo.name, code: 'ANALYSIS_FAILED', message, stage: 'decode' };
}
