/** Album routes: thin controllers over AlbumService (the run, uploads) and AlbumResultsService (what it produced). */
import { Router, type Request } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { albumWorkflowId } from '../../shared/album';
import { tenantOf } from '../auth';
import { ApiError } from '../errors';
import { idempotencyKeyOf, requestScope, type IdempotencyStore } from '../idempotency-store';
import { parseMultipart } from '../multipart';
import type { AlbumResultsService } from '../services/album-results-service';
import type { AlbumService } from '../services/album-service';
import { albumIdParam, photoIdSchema } from '../../shared/contract/common';
import {
  createAlbumBody,
  deleteAlbumQuery,
  planUploadsBody,
  resultsQuery,
  signedUploadsBody,
  type AlbumResultsResponse,
  type AlbumStatusResponse,
  type UploadResultResponse,
} from '../../shared/contract/albums';
import { albumEvents } from './album-events';

const albumId = (req: Request) => albumIdParam.parse(req.params.albumId);

/** Files in one multipart request: a phone's day of photos; more go in further requests, so one request never spools gigabytes. */
export const MAX_FILES_PER_REQUEST = 200;

export function albumRoutes(
  albums: AlbumService,
  results: AlbumResultsService,
  config: Config,
  opts: { webUi?: (workflowId: string) => string; maxFilesPerRequest?: number },
  idem: IdempotencyStore,
) {
  const router = Router();
  // Spool to disk, not memory: a request of many large files must not hold them all in RAM.
  const spoolDir = path.join(config.dataDir, 'tmp', 'uploads');
  fs.mkdirSync(spoolDir, { recursive: true });

  const albumLinks = (id: string, workflowId: string) => ({
    self: `/v1/albums/${id}`,
    photos: `/v1/albums/${id}/photos`,
    uploads: `/v1/albums/${id}/uploads`,
    results: `/v1/albums/${id}/results`,
    events: `/v1/albums/${id}/events`,
    ...(opts.webUi ? { workflowUi: opts.webUi(workflowId) } : {}),
  });

  router.post('/albums', async (req, res) => {
    const body = createAlbumBody.parse(req.body ?? {});
    const key = idempotencyKeyOf(req);
    const tenant = tenantOf(req);
    const { album, created } = await albums.createAlbum(tenant, body, key);
    const workflowId = albumWorkflowId(tenant, album.albumId);
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.location(`/v1/albums/${album.albumId}`);
    res.status(201).json({ ...album, workflowId, links: albumLinks(album.albumId, workflowId) } satisfies AlbumStatusResponse);
  });

  router.get('/albums/:albumId', async (req, res) => {
    const id = albumId(req);
    const tenant = tenantOf(req);
    const album = await albums.watchStatus(tenant, id);
    const workflowId = albumWorkflowId(tenant, id);
    res.json({ ...album, workflowId, links: albumLinks(id, workflowId) } satisfies AlbumStatusResponse);
  });

  router.get('/albums/:albumId/results', async (req, res) => {
    const id = albumId(req);
    const q = resultsQuery.parse(req.query);
    res.json((await results.resultsPage(tenantOf(req), id, q)) satisfies AlbumResultsResponse);
  });

  router.get('/albums/:albumId/events', albumEvents(albums, albumId));

  router.post('/albums/:albumId/close', async (req, res) => {
    res.status(202).json(await albums.close(tenantOf(req), albumId(req)));
  });

  router.delete('/albums/:albumId', async (req, res) => {
    const id = albumId(req);
    const q = deleteAlbumQuery.parse(req.query);
    if (q.purge === 'true') res.status(200).json(await albums.purge(tenantOf(req), id));
    else res.status(202).json(await albums.cancel(tenantOf(req), id));
  });

  router.post('/albums/:albumId/reanalyze', async (req, res) => {
    res.status(202).json(await albums.reanalyze(tenantOf(req), albumId(req)));
  });

  router.get('/albums/:albumId/photos/:photoId', async (req, res) => {
    res.json(await results.photoUrl(tenantOf(req), albumId(req), photoIdSchema.parse(req.params.photoId)));
  });

  router.get('/albums/:albumId/photos/:photoId/thumbnail', async (req, res) => {
    const thumb = await results.thumbnail(tenantOf(req), albumId(req), photoIdSchema.parse(req.params.photoId));
    res.set('Content-Type', 'image/webp').set('Cache-Control', 'private, max-age=3600').send(thumb);
  });

  router.post('/albums/:albumId/uploads', async (req, res) => {
    const body = planUploadsBody.parse(req.body);
    res.status(201).json(await albums.planUploads(tenantOf(req), albumId(req), body.files));
  });

  router.post('/albums/:albumId/photos', async (req, res) => {
    const id = albumId(req);
    const tenant = tenantOf(req);
    if (req.is('multipart/form-data')) {
      const key = idempotencyKeyOf(req);
      // One spool folder per request, removed whole afterwards (the sweeper catches a crash's).
      const spool = await fs.promises.mkdtemp(path.join(spoolDir, 'req-'));
      let answer: { status: number; body: unknown; replayed?: boolean };
      try {
        const upload = await parseMultipart(req, spool, {
          field: 'photos',
          maxFileBytes: config.api.maxUploadBytes,
          maxFiles: opts.maxFilesPerRequest ?? MAX_FILES_PER_REQUEST,
        });
        if (upload.files.length === 0 && upload.rejected.length === 0) throw new ApiError('NO_FILES', 'Send one or more files in the multipart field "photos"');
        const scope = requestScope(req);
        const { replay } = key !== undefined ? await idem.begin(tenant, scope, key, upload.digest) : {};
        if (replay) answer = { ...replay, replayed: true };
        else {
          const result = await albums.addUploadedFiles(
            tenant,
            id,
            upload.files.map((f) => ({ name: f.name, index: f.index, contentType: f.contentType, read: () => fs.promises.readFile(f.path) })),
            key,
          );
          const body: UploadResultResponse = { accepted: result.accepted, rejected: [...upload.rejected, ...result.rejected] };
          if (key !== undefined) await idem.complete(tenant, scope, key, upload.digest, { status: 202, body });
          answer = { status: 202, body };
        }
      } finally {
        // Clean up before answering, so a client that retries at once finds the disk as it was.
        await fs.promises.rm(spool, { recursive: true, force: true, maxRetries: 3 });
      }
      if (answer.replayed) res.set('Idempotent-Replayed', 'true');
      res.status(answer.status).json(answer.body);
      return;
    }
    if (!req.is('application/json')) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data (field "photos") or JSON {"uploaded":[photoId…]}');
    }
    const body = signedUploadsBody.parse(req.body);
    res.status(202).json(await albums.addSignedUploads(tenant, id, body.uploaded));
  });

  return router;
}
