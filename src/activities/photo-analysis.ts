/**
 * CPU-queue activities: decode a photo with sharp and measure it. Bad input (not an image,
 * corrupt, truncated, empty, a decompression bomb) is a non-retryable failure that names the
 * photo, so the album records it and moves on; anything else is retried by Temporal.
 */
import { trace } from '@opentelemetry/api';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { PhotoAnalysis, PhotoRef } from '../shared/album';
import { contentTypeMatches, sniffImageFormat } from '../shared/image-types';
import type { BlobStore } from '../storage/blob-store';
import { BlobNotFoundError } from '../storage/blob-store';
import { assertTenantKey, tenantKey } from '../storage/keys';
import { describeDecodeFailure, type IsolatedDecoder } from './decode/isolated-decode';
import { BLUR_THRESHOLD, exposureStats, laplacianVariance, round } from './photo-quality';

export const PHOTO_ANALYSIS_METHOD = 'sharp-classic-v1';

export interface PhotoActivityDeps {
  store: BlobStore;
  /** Decodes in child processes; the pixel limit is the decoder's (LIGHTBOX_MAX_MEGAPIXELS). */
  decoder: IsolatedDecoder;
}

export interface AnalyzePhotoInput {
  tenantId: string;
  albumId: string;
  photo: PhotoRef;
}

const badPhoto = (photo: PhotoRef, code: string, detail: string) =>
  ApplicationFailure.nonRetryable(`Photo "${photo.name}" (${photo.photoId}): ${detail}`, code, { photoId: photo.photoId, name: photo.name });

export function photoResultKey(tenantId: string, albumId: string, photoId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'results', `${photoId}.json`);
}

export function createPhotoActivities({ store, decoder }: PhotoActivityDeps) {
  async function analyzePhoto({ tenantId, albumId, photo }: AnalyzePhotoInput): Promise<PhotoAnalysis> {
    trace.getActiveSpan()?.setAttributes({ 'lightbox.photo_id': photo.photoId, 'lightbox.tenant': tenantId, 'lightbox.album_id': albumId });
    try {
      assertTenantKey(tenantId, photo.key);
    } catch (err) {
      throw badPhoto(photo, 'INVALID_KEY', (err as Error).message);
    }
    let bytes: Buffer;
    try {
      bytes = await store.get(photo.key);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw badPhoto(photo, 'BLOB_NOT_FOUND', 'the upload is missing from storage');
      throw err;
    }
    if (bytes.length === 0) throw badPhoto(photo, 'EMPTY_FILE', 'the file is empty (0 bytes)');

    const format = sniffImageFormat(bytes.subarray(0, 32));
    if (!format) throw badPhoto(photo, 'NOT_AN_IMAGE', 'the file is not a supported image (JPEG, PNG, WebP, GIF, TIFF, HEIF, AVIF)');
    if (!contentTypeMatches(photo.contentType, format)) {
      throw badPhoto(photo, 'NOT_AN_IMAGE', `declared as ${photo.contentType} but the bytes are ${format}`);
    }

    // Decoding happens in a child process with memory and time limits: a file that crashes,
    // hangs or bloats libvips takes down that child, never this worker.
    const decoded = await decoder.decode(bytes);
    if (decoded.kind !== 'ok') {
      const failure = describeDecodeFailure(decoded);
      if (!failure.retryable) throw badPhoto(photo, failure.code, failure.message);
      // Maybe the machine, maybe the file: retry, and the retry policy's attempt cap marks a
      // true poison file failed while the album completes.
      throw ApplicationFailure.retryable(`Photo "${photo.name}" (${photo.photoId}): ${failure.message}`, failure.code);
    }
    const { width, height } = decoded;
    // Asked for by default (decode() without options): this activity measures from it.
    const gray = decoded.gray!;
    const pixels = new Uint8Array(gray.data.buffer, gray.data.byteOffset, gray.width * gray.height);
    const variance = laplacianVariance(pixels, gray.width, gray.height);
    const result: PhotoAnalysis = {
      photoId: photo.photoId,
      name: photo.name,
      width,
      height,
      format: decoded.format ?? format,
      sizeBytes: bytes.length,
      blur: { laplacianVariance: round(variance, 2), blurry: variance < BLUR_THRESHOLD },
      exposure: exposureStats(pixels),
      method: PHOTO_ANALYSIS_METHOD,
      resultKey: photoResultKey(tenantId, albumId, photo.photoId),
    };
    await store.put(result.resultKey, Buffer.from(JSON.stringify(result)), { contentType: 'application/json' });
    log.info('photo analysed', { photoId: photo.photoId, width, height, format: result.format });
    return result;
  }

  return { analyzePhoto };
}
