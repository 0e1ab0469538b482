/**
 * Google Cloud Storage blob store. Signed URLs go straight to GCS (v4 signatures), so uploads and
 * downloads by clients never pass through the API.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Storage, type Bucket, type File, type FileMetadata } from '@google-cloud/storage';
import {
  BlobMetadata,
  BlobNotFoundError,
  BlobStore,
  checkSignedUrlTtl,
  DEFAULT_CONTENT_TYPE,
  normalizeContentType,
  PutOptions,
  SignedUrl,
  SignedUrlOptions,
} from './blob-store';
import { validateKey, validatePrefix } from './keys';

export interface GcsBlobStoreOptions {
  bucket: string;
  projectId?: string;
  /**
   * Another endpoint than storage.googleapis.com, e.g. a fake-gcs-server emulator. The client then
   * sends no auth (its custom-endpoint default) and v4 signed URLs point at this endpoint too.
   */
  apiEndpoint?: string;
  /** A service account key; without it the client uses Application Default Credentials. */
  credentials?: { client_email: string; private_key: string };
  /** A ready client (tests, or callers sharing one client); the other connection options are then ignored. */
  storage?: Storage;
}

/** Custom metadata field holding our hex sha256, since GCS only keeps md5/crc32c itself. */
const SHA256_METADATA_FIELD = 'sha256';

/** Prefix of the objects checkWritable() writes and removes again. */
export const READINESS_PROBE_PREFIX = '_lightbox/readyz/';

function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 404;
}

function toMetadata(key: string, meta: FileMetadata): BlobMetadata {
  const sha256 = meta.metadata?.[SHA256_METADATA_FIELD];
  return {
    key,
    size: Number(meta.size ?? 0),
    contentType: meta.contentType ?? DEFAULT_CONTENT_TYPE,
    updatedAt: new Date(meta.updated ?? meta.timeCreated ?? Date.now()),
    // Objects uploaded by clients through signed URLs carry no sha256 of ours.
    ...(typeof sha256 === 'string' && sha256 !== '' ? { sha256 } : {}),
  };
}

export class GcsBlobStore implements BlobStore {
  readonly kind = 'gcs' as const;
  readonly storage: Storage;
  readonly bucket: Bucket;

  constructor(options: GcsBlobStoreOptions) {
    if (!options.bucket) throw new TypeError('GcsBlobStore: bucket is required');
    this.storage =
      options.storage ??
      new Storage({
        ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
        ...(options.apiEndpoint !== undefined ? { apiEndpoint: options.apiEndpoint } : {}),
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      });
    this.bucket = this.storage.bucket(options.bucket);
  }

  async put(key: string, data: Buffer, options: PutOptions = {}): Promise<BlobMetadata> {
    const file = this.file(key);
    const contentType = normalizeContentType(options.contentType);
    const sha256 = createHash('sha256').update(data).digest('hex');
    // One multipart request: resumable sessions cost an extra round trip and buy nothing for
    // buffers already in memory.
    await file.save(data, {
      resumable: false,
      contentType,
      metadata: { contentType, metadata: { [SHA256_METADATA_FIELD]: sha256 } },
    });
    return toMetadata(key, file.metadata);
  }

  async get(key: string): Promise<Buffer> {
    const file = this.file(key);
    try {
      const [data] = await file.download();
      return data;
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async stat(key: string): Promise<BlobMetadata | null> {
    const file = this.file(key);
    try {
      const [meta] = await file.getMetadata();
      return toMetadata(key, meta);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.file(key).delete({ ignoreNotFound: true });
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    const [files] = await this.bucket.getFiles({ autoPaginate: true, ...(prefix !== '' ? { prefix } : {}) });
    // GCS already lists in byte order; sorting keeps the contract even if an emulator does not.
    return files.map((f) => f.name).sort();
  }

  async signedDownloadUrl(key: string, options: SignedUrlOptions): Promise<SignedUrl> {
    return this.signedUrl('GET', key, options);
  }

  async signedUploadUrl(key: string, options: SignedUrlOptions): Promise<SignedUrl> {
    return this.signedUrl('PUT', key, options);
  }

  async checkWritable(): Promise<void> {
    const key = `${READINESS_PROBE_PREFIX}${randomUUID()}`;
    await this.put(key, Buffer.from('ok'), { contentType: 'text/plain' });
    await this.delete(key);
  }

  private file(key: string): File {
    return this.bucket.file(validateKey(key));
  }

  private async signedUrl(method: 'GET' | 'PUT', key: string, options: SignedUrlOptions): Promise<SignedUrl> {
    const file = this.file(key);
    const ttl = checkSignedUrlTtl(options.expiresInSeconds);
    // Whole seconds, because X-Goog-Expires is an integer and expiresAt should match it exactly.
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + ttl) * 1000);
    // Uploads always sign a content type (as the local store does), so every object written
    // through a signed URL has a known type and clients cannot pick another one.
    const contentType = method === 'PUT' ? normalizeContentType(options.contentType) : undefined;
    // The URL's host is the client's apiEndpoint, so against an emulator it points at the
    // emulator without needing `cname` (which would also drop the bucket from the path).
    const [url] = await file.getSignedUrl({
      version: 'v4',
      action: method === 'GET' ? 'read' : 'write',
      expires: expiresAt,
      ...(contentType !== undefined ? { contentType } : {}),
    });
    return {
      url,
      method,
      expiresAt,
      headers: contentType !== undefined ? { 'Content-Type': contentType } : {},
    };
  }
}
