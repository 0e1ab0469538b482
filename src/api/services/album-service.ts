/**
 * Album logic behind the HTTP routes: starting album workflows, storing uploads, handing photos
 * to the workflow through its update, and reading state through its queries. What an album
 * produced (results, thumbnails, photo URLs) is read by album-results-service.ts.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PeopleService } from './people-service';
import type { Config } from '../../config';
import { albumWorkflowId, type AddPhotosResult, type AlbumInput, type AlbumSummary, type AlbumView, type PhotoRef, type Rejection } from '../../shared/album';
import { ACCEPTED_CONTENT_TYPES, contentTypeMatches, sniffImageFormat } from '../../shared/image-types';
import { SA } from '../../shared/search-attributes';
import { TASK_QUEUES } from '../../shared/task-queues';
import type { BlobStore, SignedUrl } from '../../storage/blob-store';
import { SIGNED_URL_TTL_SECONDS } from '../../storage/blob-store';
import crypto from 'node:crypto';
import { albumHandoverPrefix, albumPhotoKey, albumPrefix, albumUploadKey, handoverKey } from '../../storage/keys';
import { addPhotosUpdate, AlbumWorkflow, albumStatusQuery, closeAlbumSignal, MAX_PHOTOS_PER_UPDATE } from '../../workflows/album';
import { ApiError } from '../errors';
import { filenameProblem } from '../multipart';
import type { HandoverMarker } from '../upload-sweeper';
import { newId, resourceId } from './idempotency';
import { StatusCache } from './status-cache';
import { chunkForUpdates } from './update-chunks';

export interface UploadedFile {
  name: string;
  /** With an Idempotency-Key: the part's position, so a retried request mints the same photoIds. */
  index?: number;
  contentType?: string;
  /** Read lazily, one file at a time, so a many-file request never sits in memory whole. */
  read(): Promise<Buffer>;
}

export interface PlannedUpload {
  name: string;
  contentType: string;
  size: number;
}

interface PendingUpload extends PlannedUpload {
  photoId: string;
  key: string;
}

/** Limits of one album run that no deployment changes; tests and benches shrink them. */
export interface AlbumRunLimits {
  /** An open album with no new photos this long closes itself. */
  idleCloseMs: number;
  continueAsNewAfterEvents: number;
}

/**
 * A week idle: a trip's photos come in over days, yet a forgotten album still closes and gets its
 * manifest. 10,000 events: a fifth of Temporal's 50,000-event history limit, so a run's replay
 * stays quick.
 */
export const ALBUM_RUN_LIMITS: AlbumRunLimits = { idleCloseMs: 7 * 24 * 3600_000, continueAsNewAfterEvents: 10_000 };

export class AlbumService {
  private readonly limits: AlbumRunLimits;

  constructor(
    private readonly client: Client,
    private readonly store: BlobStore,
    private readonly config: Pick<Config, 'photos' | 'api'>,
    /** The tenant's people: a purged album's faces leave them. */
    private readonly people?: Pick<PeopleService, 'forgetAlbum'>,
    limits: Partial<AlbumRunLimits> = {},
  ) {
    this.limits = { ...ALBUM_RUN_LIMITS, ...limits };
  }

  /** See status-cache.ts: watchers read the last answer while a fresh one is fetched. */
  private readonly watched = new StatusCache<AlbumView>({ freshMs: 1_000, maxStaleMs: 3_000 });

  /** What every new analysis run of an album starts with, from config. */
  private pipelineInput(tenantId: string, albumId: string, base: { title?: string; createdAt: string; analysis: number }): AlbumInput {
    const p = this.config.photos;
    return {
      tenantId,
      albumId,
      ...base,
      idleCloseMs: this.limits.idleCloseMs,
      settings: {
        batchSize: p.batchSize,
        parallelism: p.albumParallelism,
        heartbeatSeconds: p.heartbeatSeconds,
        continueAsNewAfterEvents: this.limits.continueAsNewAfterEvents,
        maxPhotos: p.maxPhotosPerAlbum,
        settleMs: p.albumSettleMs,
      },
    };
  }

  private searchAttributes(tenantId: string, albumId: string) {
    return [
      { key: SA.tenant, value: tenantId },
      { key: SA.albumId, value: albumId },
      { key: SA.jobKind, value: 'album' },
      { key: SA.status, value: 'idle' },
    ];
  }

  private handle(tenantId: string, albumId: string): WorkflowHandle<typeof AlbumWorkflow> {
    return this.client.workflow.getHandle<typeof AlbumWorkflow>(albumWorkflowId(tenantId, albumId));
  }

  private async withAlbum<T>(albumId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError('ALBUM_NOT_FOUND', `No album ${albumId}`);
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'ALBUM_CLOSED') {
        throw new ApiError('ALBUM_CLOSED', `Album ${albumId} is closed and takes no more photos`);
      }
      throw err;
    }
  }

  /** With an idempotency key the album id is derived from it, so a retried create finds the first album. */
  async createAlbum(tenantId: string, input: { title?: string }, idempotencyKey?: string): Promise<{ album: AlbumView; created: boolean }> {
    const albumId = resourceId('alb', tenantId, idempotencyKey);
    const createdAt = new Date().toISOString();
    try {
      await this.client.workflow.start(AlbumWorkflow, {
        taskQueue: TASK_QUEUES.workflow,
        workflowId: albumWorkflowId(tenantId, albumId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [this.pipelineInput(tenantId, albumId, { title: input.title, createdAt, analysis: 1 })],
        // The album list reads the title from the memo: no query per album.
        memo: { title: input.title ?? null },
        typedSearchAttributes: this.searchAttributes(tenantId, albumId),
      });
      return { created: true, album: await this.status(tenantId, albumId) };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !idempotencyKey) throw err;
      return { created: false, album: await this.status(tenantId, albumId) };
    }
  }

  /** status() under its own Temporal deadline, for callers outside a request's (SSE polls). */
  statusWithin(tenantId: string, albumId: string, ms: number): Promise<AlbumView> {
    return this.client.connection.withDeadline(Date.now() + ms, () => this.watchStatus(tenantId, albumId));
  }

  /** A fresh answer from the workflow (what changes read back); watchers get it too. */
  async status(tenantId: string, albumId: string): Promise<AlbumView> {
    const view = await this.withAlbum(albumId, () => this.handle(tenantId, albumId).query(albumStatusQuery));
    this.watched.set(albumWorkflowId(tenantId, albumId), view);
    return view;
  }

  /**
   * For those who watch an album (GET /v1/albums/:id, the SSE stream): at most 1 s behind the
   * workflow when it answers promptly, never more than 3 s; changes made through this process
   * are seen at once. 1 s, not less: a progress bar needs no more, and every query is a workflow
   * task on a worker whose cores the photos are using (docs/performance.md, section 3).
   */
  watchStatus(tenantId: string, albumId: string): Promise<AlbumView> {
    return this.watched.get(albumWorkflowId(tenantId, albumId), () => this.withAlbum(albumId, () => this.handle(tenantId, albumId).query(albumStatusQuery)));
  }

  /**
   * DELETE …?purge=true: cancels the album if it still runs, then deletes every blob it owns
   * (photos, thumbnails, analyses, results, manifests). The workflow's history stays in Temporal
   * under the namespace's retention; its status then reads cancelled/completed with no data.
   */
  async purge(tenantId: string, albumId: string) {
    const view = await this.cancel(tenantId, albumId);
    const keys = [...(await this.store.list(albumPrefix(tenantId, albumId))), ...(await this.store.list(albumHandoverPrefix(tenantId, albumId)))];
    for (const key of keys) await this.store.delete(key);
    await this.people?.forgetAlbum(tenantId, albumId);
    return { ...view, purged: true, deletedBlobs: keys.length };
  }

  /** Cancels the album's run: in-flight photos stop, the manifest records what was done. */
  async cancel(tenantId: string, albumId: string): Promise<AlbumView> {
    const handle = this.handle(tenantId, albumId);
    const before = await this.status(tenantId, albumId);
    if (before.status === 'completed' || before.status === 'cancelled') return before;
    await this.withAlbum(albumId, () => handle.cancel());
    // The workflow records the cancellation when its next task runs; answer once it has.
    // A long poll: it gets its own deadline instead of the request's short Temporal one.
    await this.withAlbum(albumId, () => this.client.connection.withDeadline(Date.now() + 60_000, () => handle.result()).catch(() => undefined));
    return this.status(tenantId, albumId);
  }

  /**
   * A new analysis of a finished album (e.g. after a model upgrade): a new run of the same
   * workflow id over the same photos. Embeddings of models that did not change come from the cache.
   */
  async reanalyze(tenantId: string, albumId: string): Promise<AlbumView> {
    const current = await this.status(tenantId, albumId);
    if (current.status !== 'completed' && current.status !== 'cancelled') {
      throw new ApiError('ALBUM_NOT_FINISHED', `Album ${albumId} is still ${current.status}: close it before re-analysing`);
    }
    const last = (await this.handle(tenantId, albumId).result()) as AlbumSummary;
    const analysis = (last.analysis ?? 1) + 1;
    await this.client.workflow.start(AlbumWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: albumWorkflowId(tenantId, albumId),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [
        { ...this.pipelineInput(tenantId, albumId, { title: current.title, createdAt: current.createdAt, analysis }), reanalyzeFrom: `a${last.analysis ?? 1}` },
      ],
      memo: { title: current.title ?? null },
      typedSearchAttributes: this.searchAttributes(tenantId, albumId),
    });
    return this.status(tenantId, albumId);
  }

  async close(tenantId: string, albumId: string): Promise<AlbumView> {
    await this.withAlbum(albumId, () => this.handle(tenantId, albumId).signal(closeAlbumSignal));
    return this.status(tenantId, albumId);
  }

  private async requireOpen(tenantId: string, albumId: string): Promise<void> {
    const album = await this.status(tenantId, albumId);
    if (album.closeRequested || album.status === 'completed' || album.status === 'cancelled') {
      throw new ApiError('ALBUM_CLOSED', `Album ${albumId} is closed and takes no more photos`);
    }
  }

  private async hand(tenantId: string, albumId: string, photos: PhotoRef[]): Promise<AddPhotosResult> {
    const result: AddPhotosResult = { accepted: [], duplicates: [], rejected: [] };
    for (const chunk of chunkForUpdates(photos, MAX_PHOTOS_PER_UPDATE)) {
      const r = await this.withAlbum(albumId, () => this.handle(tenantId, albumId).executeUpdate(addPhotosUpdate, { args: [{ photos: chunk }] }));
      result.accepted.push(...r.accepted);
      result.duplicates.push(...r.duplicates);
      result.rejected.push(...(r.rejected ?? []));
    }
    this.watched.invalidate(albumWorkflowId(tenantId, albumId));
    return result;
  }

  /** The workflow's own refusals (album full, a key outside the album) read like upload rejections. */
  private static refused(result: AddPhotosResult): Rejection[] {
    return result.rejected.map((r) => ({ name: r.name, code: r.code, message: r.message }));
  }

  /**
   * Multipart path: the bytes come through the API. With an Idempotency-Key, photoIds derive from
   * (tenant, album, key, part index): a retry of a request that died half-way stores the same
   * blobs and the workflow answers them as duplicates, so no photo is added twice.
   */
  async addUploadedFiles(tenantId: string, albumId: string, files: UploadedFile[], idempotencyKey?: string) {
    await this.requireOpen(tenantId, albumId);
    const rejected: Rejection[] = [];
    const refs: PhotoRef[] = [];
    // Written before any blob, removed after the hand-over: a crash in between leaves a marker
    // the upload sweeper finds, and it deletes the blobs the workflow never took.
    const marker: HandoverMarker = { tenantId, albumId, createdAt: new Date().toISOString(), photos: [] };
    const markerKey = handoverKey(tenantId, albumId, newId('ho'));
    const written: string[] = [];
    try {
      await this.storeUploadedFiles(files, { rejected, refs, written }, marker, markerKey, tenantId, albumId, idempotencyKey);
    } catch (err) {
      // Out of disk (or any store failure) half-way: take back what this request wrote, so a
      // refused upload leaves no blob behind. The marker goes last: it is the sweeper's record.
      await Promise.allSettled(written.map((key) => this.store.delete(key)));
      await this.store.delete(markerKey).catch(() => undefined);
      throw err;
    }
    const result = refs.length > 0 ? await this.hand(tenantId, albumId, refs) : { accepted: [], duplicates: [], rejected: [] };
    await this.store.delete(markerKey);
    // A retried request's photos come back as duplicates of the first one's: they are accepted, once.
    return { accepted: [...result.accepted, ...result.duplicates], rejected: [...rejected, ...AlbumService.refused(result)] };
  }

  private async storeUploadedFiles(
    files: UploadedFile[],
    { rejected, refs, written }: { rejected: Rejection[]; refs: PhotoRef[]; written: string[] },
    marker: HandoverMarker,
    markerKey: string,
    tenantId: string,
    albumId: string,
    idempotencyKey: string | undefined,
  ): Promise<void> {
    for (const file of files) {
      const nameProblem = filenameProblem(file.name);
      if (nameProblem) {
        rejected.push(nameProblem);
        continue;
      }
      const data = await file.read();
      if (data.length === 0) {
        rejected.push({ name: file.name, code: 'EMPTY_FILE', message: `"${file.name}" is empty (0 bytes)` });
        continue;
      }
      const format = sniffImageFormat(data.subarray(0, 32));
      if (!format || !contentTypeMatches(file.contentType, format)) {
        rejected.push({
          name: file.name,
          code: 'NOT_AN_IMAGE',
          message: format
            ? `"${file.name}" is declared ${file.contentType} but is ${format}`
            : `"${file.name}" is not a supported image (JPEG, PNG, WebP, GIF, TIFF, HEIF, AVIF)`,
        });
        continue;
      }
      const photoId =
        idempotencyKey !== undefined && file.index !== undefined
          ? `ph_${crypto.createHash('sha256').update(`${tenantId}\n${albumId}\n${idempotencyKey}\n${file.index}`).digest('hex').slice(0, 24)}`
          : newId('ph');
      const key = albumPhotoKey(tenantId, albumId, photoId);
      marker.photos.push({ photoId, key });
      await this.store.put(markerKey, Buffer.from(JSON.stringify(marker)), { contentType: 'application/json' });
      // A same-key retry may find the blob an earlier try already handed over: that one is not ours to take back.
      if (idempotencyKey === undefined || (await this.store.stat(key)) === null) written.push(key);
      await this.store.put(key, data, { contentType: file.contentType });
      refs.push({ photoId, name: file.name, key, contentType: file.contentType });
    }
  }

  /** Signed-URL path, step 1: where to PUT each file. */
  async planUploads(tenantId: string, albumId: string, files: PlannedUpload[]) {
    await this.requireOpen(tenantId, albumId);
    const uploads: Array<{ photoId: string; name: string } & SignedUrl> = [];
    const rejected: Rejection[] = [];
    for (const file of files) {
      const contentType = file.contentType.toLowerCase();
      if (!ACCEPTED_CONTENT_TYPES.has(contentType)) {
        rejected.push({ name: file.name, code: 'UNSUPPORTED_TYPE', message: `"${file.name}": ${file.contentType} is not an accepted image type` });
        continue;
      }
      if (file.size > this.config.api.maxUploadBytes) {
        rejected.push({ name: file.name, code: 'FILE_TOO_LARGE', message: `"${file.name}" is over ${this.config.api.maxUploadBytes} bytes` });
        continue;
      }
      if (file.size === 0) {
        rejected.push({ name: file.name, code: 'EMPTY_FILE', message: `"${file.name}" is empty (0 bytes)` });
        continue;
      }
      const photoId = newId('ph');
      const key = albumPhotoKey(tenantId, albumId, photoId);
      const pending: PendingUpload = { photoId, key, name: file.name, contentType, size: file.size };
      await this.store.put(albumUploadKey(tenantId, albumId, photoId), Buffer.from(JSON.stringify(pending)), {
        contentType: 'application/json',
      });
      const signed = await this.store.signedUploadUrl(key, { expiresInSeconds: SIGNED_URL_TTL_SECONDS, contentType });
      uploads.push({ photoId, name: file.name, ...signed });
    }
    return { uploads, rejected };
  }

  /** Signed-URL path, step 2: the client says which uploads finished. */
  async addSignedUploads(tenantId: string, albumId: string, photoIds: string[]) {
    await this.requireOpen(tenantId, albumId);
    const rejected: Rejection[] = [];
    const refs: PhotoRef[] = [];
    for (const photoId of photoIds) {
      let pending: PendingUpload;
      try {
        pending = JSON.parse((await this.store.get(albumUploadKey(tenantId, albumId, photoId))).toString('utf8'));
      } catch {
        rejected.push({ name: photoId, code: 'UNKNOWN_UPLOAD', message: `No planned upload ${photoId} in album ${albumId}` });
        continue;
      }
      if (!(await this.store.stat(pending.key))) {
        rejected.push({ name: pending.name, code: 'UPLOAD_NOT_FOUND', message: `"${pending.name}" has not been uploaded to its signed URL yet` });
        continue;
      }
      refs.push({ photoId, name: pending.name, key: pending.key, contentType: pending.contentType });
    }
    const result = await this.hand(tenantId, albumId, refs);
    return { accepted: [...result.accepted, ...result.duplicates], rejected: [...rejected, ...AlbumService.refused(result)] };
  }
}
