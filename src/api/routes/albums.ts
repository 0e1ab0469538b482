/** Album routes: thin controllers over AlbumService. */
import { Router, type Request } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import multer from 'multer';
import type { Config } from '../../config';
import { albumWorkflowId } from '../../shared/album';
import { tenantOf } from '../auth';
import { ApiError } from '../errors';
import type { AlbumService } from '../services/album-service';
import { albumIdParam, createAlbumBody, idempotencyKeyHeader, photoIdSchema, planUploadsBody, signedUploadsBody } from '../schemas';

const albumId = (req: Request) => albumIdParam.parse(req.params.albumId);

export function albumRoutes(albums: AlbumService, config: Config, links: { webUi?: (workflowId: string) => string }) {
  const router = Router();
  // Spool to disk, not memory: a request of many large files must not hold them all in RAM.
  const spoolDir = path.join(config.dataDir, 'tmp', 'uploads');
  fs.mkdirSync(spoolDir, { recursive: true });
  const upload = multer({
    storage: multer.diskStorage({ destination: (req, _file, cb) => cb(null, (req as unknown as { spool: string }).spool) }),
    limits: { fileSize: config.api.maxUploadBytes, files: config.api.maxFilesPerRequest, fields: 20 },
  });

  const albumLinks = (id: string, workflowId: string) => ({
    self: `/v1/albums/${id}`,
    photos: `/v1/albums/${id}/photos`,
    uploads: `/v1/albums/${id}/uploads`,
    results: `/v1/albums/${id}/results`,
    ...(links.webUi ? { workflowUi: links.webUi(workflowId) } : {}),
  });

  router.post('/albums', async (req, res) => {
    const body = createAlbumBody.parse(req.body ?? {});
    const keyHeader = req.get('idempotency-key');
    const key = keyHeader === undefined ? undefined : idempotencyKeyHeader.parse(keyHeader);
    const tenant = tenantOf(req);
    const { album, created } = await albums.createAlbum(tenant, body, key);
    const workflowId = albumWorkflowId(tenant, album.albumId);
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.status(201).json({ ...album, workflowId, links: albumLinks(album.albumId, workflowId) });
  });

  router.get('/albums/:albumId', async (req, res) => {
    const id = albumId(req);
    const tenant = tenantOf(req);
    const album = await albums.status(tenant, id);
    const workflowId = albumWorkflowId(tenant, id);
    res.json({ ...album, workflowId, links: albumLinks(id, workflowId) });
  });

  router.get('/albums/:albumId/results', async (req, res) => {
    res.json(await albums.results(tenantOf(req), albumId(req)));
  });

  router.post('/albums/:albumId/close', async (req, res) => {
    res.status(202).json(await albums.close(tenantOf(req), albumId(req)));
  });

  router.delete('/albums/:albumId', async (req, res) => {
    res.status(202).json(await albums.cancel(tenantOf(req), albumId(req)));
  });

  router.post('/albums/:albumId/reanalyze', async (req, res) => {
    res.status(202).json(await albums.reanalyze(tenantOf(req), albumId(req)));
  });

  router.get('/albums/:albumId/photos/:photoId', async (req, res) => {
    res.json(await albums.photoUrl(tenantOf(req), albumId(req), photoIdSchema.parse(req.params.photoId)));
  });

  router.post('/albums/:albumId/uploads', async (req, res) => {
    const body = planUploadsBody.parse(req.body);
    res.status(201).json(await albums.planUploads(tenantOf(req), albumId(req), body.files));
  });

  router.post('/albums/:albumId/photos', async (req, res, next) => {
    const id = albumId(req);
    const tenant = tenantOf(req);
    if (req.is('multipart/form-data')) {
      // One spool folder per request, removed whole afterwards: that also catches partial files
      // multer leaves behind when a limit aborts the upload mid-file.
      const spool = await fs.promises.mkdtemp(path.join(spoolDir, 'req-'));
      (req as unknown as { spool: string }).spool = spool;
      const answer = async (err?: unknown) => {
        const files = (req.files as Express.Multer.File[] | undefined) ?? [];
        const work = async () => {
          if (err) throw err;
          if (files.length === 0) throw new ApiError('NO_FILES', 'Send one or more files in the multipart field "photos"');
          return albums.addUploadedFiles(
            tenant,
            id,
            files.map((f) => ({ name: f.originalname, contentType: f.mimetype, read: () => fs.promises.readFile(f.path) })),
          );
        };
        const outcome = await work().then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        // Clean up before answering, so a client that retries at once finds the disk as it was.
        await fs.promises.rm(spool, { recursive: true, force: true });
        if ('error' in outcome) next(outcome.error);
        else res.status(202).json(outcome.result);
      };
      upload.array('photos', config.api.maxFilesPerRequest)(req, res, (err?: unknown) => void answer(err));
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
