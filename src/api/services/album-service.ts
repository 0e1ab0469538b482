/**
 * Album logic behind the HTTP routes: starting album workflows, storing uploads, handing photos
 * to the workflow through its update, and reading state through its queries.
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
import type { Config } from '../../config';
import {
  albumWorkflowId,
  type AddPhotosResult,
  type AlbumResultsView,
  type AlbumStatusView,
  type PhotoRef,
} from '../../shared/album';
import { ACCEPTED_CONTENT_TYPES, contentTypeMatches, sniffImageFormat } from '../../shared/image-types';
import { SA } from '../../shared/search-attributes';
import { TASK_QUEUES } from '../../shared/task-queues';
import type { BlobStore, SignedUrl } from '../../storage/blob-store';
import { albumPhotoKey, tenantKey } from '../../storage/keys';
import { addPhotosUpdate, AlbumWorkflow, albumResultsQuery, albumStatusQuery, closeAlbumSignal } from '../../workflows/album';
import { ApiError } from '../errors';
import { newId, resourceId } from './idempotency';

export interface Rejection {
  name: string;
  code: string;
  message: string;
}

export interface UploadedFile {
  name: string;
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

export class AlbumService {
  constructor(
    private readonly client: Client,
    private readonly store: BlobStore,
    private readonly config: Pick<Config, 'photos' | 'api'>,
  ) {}

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
  async createAlbum(tenantId: string, input: { title?: string }, idempotencyKey?: string): Promise<{ album: AlbumStatusView; created: boolean }> {
    const albumId = resourceId('alb', tenantId, idempotencyKey);
    const createdAt = new Date().toISOString();
    try {
      await this.client.workflow.start(AlbumWorkflow, {
        taskQueue: TASK_QUEUES.workflow,
        workflowId: albumWorkflowId(tenantId, albumId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            tenantId,
            albumId,
            title: input.title,
            createdAt,
            idleCloseMs: this.config.photos.albumIdleCloseMs,
            parallelism: this.config.photos.albumParallelism,
          },
        ],
        typedSearchAttributes: [
          { key: SA.tenant, value: tenantId },
          { key: SA.albumId, value: albumId },
          { key: SA.jobKind, value: 'album' },
          { key: SA.status, value: 'idle' },
        ],
      });
      return {
        created: true,
        album: {
          albumId,
          tenantId,
          title: input.title,
          createdAt,
          status: 'idle',
          closeRequested: false,
          counts: { total: 0, analyzed: 0, failed: 0, pending: 0 },
        },
      };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !idempotencyKey) throw err;
      return { created: false, album: await this.status(tenantId, albumId) };
    }
  }

  status(tenantId: string, albumId: string): Promise<AlbumStatusView> {
    return this.withAlbum(albumId, () => this.handle(tenantId, albumId).query(albumStatusQuery));
  }

  results(tenantId: string, albumId: string): Promise<AlbumResultsView> {
    return this.withAlbum(albumId, () => this.handle(tenantId, albumId).query(albumResultsQuery));
  }

  async close(tenantId: string, albumId: string): Promise<AlbumStatusView> {
    await this.withAlbum(albumId, () => this.handle(tenantId, albumId).signal(closeAlbumSignal));
    return this.status(tenantId, albumId);
  }

  private async requireOpen(tenantId: string, albumId: string): Promise<void> {
    const album = await this.status(tenantId, albumId);
    if (album.closeRequested || album.status === 'completed') {
      throw new ApiError('ALBUM_CLOSED', `Album ${albumId} is closed and takes no more photos`);
    }
  }

  private photoKey(tenantId: string, albumId: string, photoId: string): string {
    return albumPhotoKey(tenantId, albumId, photoId);
  }

  private uploadKey(tenantId: string, albumId: string, photoId: string): string {
    return tenantKey(tenantId, 'albums', albumId, 'uploads', `${photoId}.json`);
  }

  private async hand(tenantId: string, albumId: string, photos: PhotoRef[]): Promise<AddPhotosResult> {
    if (photos.length === 0) return { accepted: [], duplicates: [] };
    return this.withAlbum(albumId, () => this.handle(tenantId, albumId).executeUpdate(addPhotosUpdate, { args: [{ photos }] }));
  }

  /** Multipart path: the bytes come through the API. */
  async addUploadedFiles(tenantId: string, albumId: string, files: UploadedFile[]) {
    await this.requireOpen(tenantId, albumId);
    const rejected: Rejection[] = [];
    const refs: PhotoRef[] = [];
    for (const file of files) {
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
      const photoId = newId('ph');
      const key = this.photoKey(tenantId, albumId, photoId);
      await this.store.put(key, data, { contentType: file.contentType });
      refs.push({ photoId, name: file.name, key, contentType: file.contentType });
    }
    const result = await this.hand(tenantId, albumId, refs);
    return { accepted: result.accepted, rejected };
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
      const key = this.photoKey(tenantId, albumId, photoId);
      const pending: PendingUpload = { photoId, key, name: file.name, contentType, size: file.size };
      await this.store.put(this.uploadKey(tenantId, albumId, photoId), Buffer.from(JSON.stringify(pending)), {
        contentType: 'application/json',
      });
      const signed = await this.store.signedUploadUrl(key, { expiresInSeconds: this.config.api.signedUrlTtlSeconds, contentType });
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
        pending = JSON.parse((await this.store.get(this.uploadKey(tenantId, albumId, photoId))).toString('utf8'));
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
    return { accepted: [...result.accepted, ...result.duplicates], rejected };
  }
}
