/**
 * CPU-queue activities: decode a photo with sharp and measure it. Bad input (not an image,
 * corrupt, truncated, empty, a decompression bomb) is a non-retryable failure that names the
 * photo, so the album records it and moves on; anything else is retried by Temporal.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { PhotoAnalysis, PhotoRef } from '../shared/album';
import { contentTypeMatches, sniffImageFormat } from '../shared/image-types';
import type { BlobStore } from '../storage/blob-store';
import { BlobNotFoundError } from '../storage/blob-store';
import { assertTenantKey, tenantKey } from '../storage/keys';
import { BLUR_THRESHOLD, exposureStats, laplacianVariance, round } from './photo-quality';

export const PHOTO_ANALYSIS_METHOD = 'sharp-classic-v1';
/** Quality is measured at this size: enough detail for blur, cheap for 100-MP originals. */
const ANALYSIS_MAX_SIDE = 1024;

export interface PhotoActivityDeps {
  store: BlobStore;
  maxMegapixels: number;
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

export function createPhotoActivities({ store, maxMegapixels }: PhotoActivityDeps) {
  const maxPixels = Math.floor(maxMegapixels * 1_000_000);

  async function analyzePhoto({ tenantId, albumId, photo }: AnalyzePhotoInput): Promise<PhotoAnalysis> {
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

    // The header alone tells the pixel count: refuse bombs before libvips allocates anything.
    let meta: Metadata;
    try {
      meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw badPhoto(photo, 'CORRUPT_IMAGE', `the image header cannot be read (${(err as Error).message})`);
    }
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw badPhoto(photo, 'CORRUPT_IMAGE', 'the image has no dimensions');
    if (width * height > maxPixels) {
      throw badPhoto(
        photo,
        'PIXEL_LIMIT_EXCEEDED',
        `${width}×${height} is ${(width * height / 1e6).toFixed(1)} MP, over the ${maxMegapixels} MP limit`,
      );
    }

    let gray: { data: Buffer; info: OutputInfo };
    try {
      gray = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated', sequentialRead: true })
        .autoOrient()
        .resize(ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw badPhoto(photo, 'CORRUPT_IMAGE', `the image cannot be decoded (${(err as Error).message})`);
    }

    const pixels = new Uint8Array(gray.data.buffer, gray.data.byteOffset, gray.info.width * gray.info.height);
    const variance = laplacianVariance(pixels, gray.info.width, gray.info.height);
    const result: PhotoAnalysis = {
      photoId: photo.photoId,
      name: photo.name,
      width,
      height,
      format: meta.format ?? format,
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
