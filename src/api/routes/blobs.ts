/**
 * Serves the local store's signed URLs (GCS serves its own). The signature is the credential:
 * these routes take no API key, like a GCS signed URL.
 */
import express, { Router, type Request } from 'express';
import type { BlobStore } from '../../storage/blob-store';
import { BlobNotFoundError } from '../../storage/blob-store';
import { albumUploadKey, parseAlbumPhotoKey, validateKey } from '../../storage/keys';
import { verifyLocalSignature } from '../../storage/local-store';
import { ApiError } from '../errors';

function verified(req: Request, secret: string, method: 'GET' | 'PUT'): string {
  const segments = (req.params as Record<string, string[] | string>).key;
  const key = Array.isArray(segments) ? segments.join('/') : String(segments);
  validateKey(key);
  const q = req.query as Record<string, string | undefined>;
  const check = verifyLocalSignature(secret, {
    method,
    key,
    expires: Number(q.expires),
    // The request's own Content-Type must be the one that was signed, as with GCS.
    contentType: method === 'PUT' ? req.get('content-type') : undefined,
    signature: String(q.signature ?? ''),
  });
  if (q.method !== method || !check.ok) {
    if (!check.ok && check.reason === 'expired') throw new ApiError('SIGNATURE_EXPIRED', 'This signed URL has expired');
    throw new ApiError('INVALID_SIGNATURE', 'This URL is not validly signed for this request');
  }
  return key;
}

/** The size the client declared when it planned an album photo upload (POST …/uploads). */
async function declaredSize(store: BlobStore, key: string): Promise<number | undefined> {
  const photo = parseAlbumPhotoKey(key);
  if (!photo) return undefined;
  try {
    const plan = JSON.parse((await store.get(albumUploadKey(photo.tenantId, photo.albumId, photo.photoId))).toString('utf8')) as { size?: unknown };
    return typeof plan.size === 'number' ? plan.size : undefined;
  } catch (err) {
    if (err instanceof BlobNotFoundError) return undefined;
    throw err;
  }
}

export function blobRoutes(store: BlobStore, signingSecret: string, maxUploadBytes: number) {
  const router = Router();
  router.get('/blobs/*key', async (req, res) => {
    const key = verified(req, signingSecret, 'GET');
    const meta = await store.stat(key);
    if (!meta) throw new ApiError('BLOB_NOT_FOUND', 'Nothing is stored at this URL');
    const data = await store.get(key).catch((err) => {
      throw err instanceof BlobNotFoundError ? new ApiError('BLOB_NOT_FOUND', 'Nothing is stored at this URL') : err;
    });
    res.set('Content-Type', meta.contentType).set('Cache-Control', 'private, max-age=60').send(data);
  });
  router.put('/blobs/*key', express.raw({ type: () => true, limit: maxUploadBytes }), async (req, res) => {
    const key = verified(req, signingSecret, 'PUT');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Write-once: a photo may already be analysed; a second PUT must not swap its bytes.
    if (await store.stat(key)) throw new ApiError('UPLOAD_EXISTS', 'Something is already stored at this URL; signed uploads are write-once');
    const declared = await declaredSize(store, key);
    if (declared !== undefined && declared !== body.length) {
      throw new ApiError('SIZE_MISMATCH', `This upload was planned as ${declared} bytes; the body has ${body.length}`, { declared, received: body.length });
    }
    await store.put(key, body, { contentType: req.get('content-type') ?? 'application/octet-stream' });
    res.status(200).json({ key, size: body.length });
  });
  return router;
}
