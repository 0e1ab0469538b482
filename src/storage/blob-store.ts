/**
 * One interface for every place Lightbox keeps bytes: photos, analysis results, renders.
 * Workflows never see blobs, only keys; activities and the API read and write through this.
 */
export interface BlobMetadata {
  key: string;
  size: number;
  contentType: string;
  updatedAt: Date;
  /** Hex sha256 of the content when the store knows it (local store always; GCS when we wrote it). */
  sha256?: string;
}

export interface PutOptions {
  contentType?: string;
}

export interface SignedUrlOptions {
  /** Seconds until the URL stops working. GCS caps v4 signatures at 7 days. */
  expiresInSeconds: number;
  /** For uploads: the Content-Type the client must send. */
  contentType?: string;
}

/**
 * Lifetime of the signed URLs the API hands out: a client starts its transfer at once, and a
 * URL that leaks (logs, a shared screen) stops working a quarter of an hour later. Each read of
 * an album or job signs afresh.
 */
export const SIGNED_URL_TTL_SECONDS = 900;

/** GCS refuses v4 signatures valid for longer; the local store keeps the same cap so code tried locally works on GCS. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;

/** Throws RangeError unless the TTL is a positive number of seconds within MAX_SIGNED_URL_SECONDS. */
export function checkSignedUrlTtl(expiresInSeconds: number): number {
  if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0 || expiresInSeconds > MAX_SIGNED_URL_SECONDS) {
    throw new RangeError(`expiresInSeconds must be in (0, ${MAX_SIGNED_URL_SECONDS}], got ${expiresInSeconds}`);
  }
  return Math.ceil(expiresInSeconds);
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Content types end up in response headers and signatures, so anything that is not a single
 * printable header line is refused rather than passed through.
 */
export function normalizeContentType(contentType: string | undefined): string {
  if (contentType === undefined) return DEFAULT_CONTENT_TYPE;
  const trimmed = contentType.trim();
  if (trimmed === '') return DEFAULT_CONTENT_TYPE;
  if (trimmed.length > 255 || !/^[\x20-\x7e]+$/.test(trimmed) || !trimmed.includes('/')) {
    throw new TypeError(`Invalid content type ${JSON.stringify(contentType)}`);
  }
  return trimmed;
}

export interface SignedUrl {
  url: string;
  method: 'GET' | 'PUT';
  expiresAt: Date;
  /** Headers the client must send with the request (e.g. Content-Type for a signed PUT). */
  headers: Record<string, string>;
}

export interface BlobStore {
  readonly kind: 'local' | 'gcs';
  put(key: string, data: Buffer, options?: PutOptions): Promise<BlobMetadata>;
  /** Throws BlobNotFoundError when the key does not exist. */
  get(key: string): Promise<Buffer>;
  /** Returns null when the key does not exist. */
  stat(key: string): Promise<BlobMetadata | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  signedUploadUrl(key: string, options: SignedUrlOptions): Promise<SignedUrl>;
  signedDownloadUrl(key: string, options: SignedUrlOptions): Promise<SignedUrl>;
  /** Cheap write+delete probe used by /readyz. */
  checkWritable(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`No blob at key ${key}`);
  }
}

export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid blob key ${JSON.stringify(key)}: ${reason}`);
  }
}
