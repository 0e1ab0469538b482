/**
 * Interleaved 8-bit pixels (what sharp's raw output gives) → one image's planar float tensor,
 * normalised as a model's registry entry says. Shared by every image model so the channel order,
 * scale and mean/std rules are applied in one place.
 */
import sharp, { type Sharp } from 'sharp';
import type { ImagePreprocessing } from './registry';

/**
 * Writes 3×height×width floats at `out[offset…]`. `pixels` is RGB (or RGBA/… with `channels`),
 * row-major; the model's colour order decides which source channel lands in each plane.
 */
export function writeNchw(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  prep: Pick<ImagePreprocessing, 'colorOrder' | 'scale' | 'mean' | 'std'>,
  out: Float32Array,
  offset = 0,
): void {
  if (channels < 3) throw new Error(`expected at least 3 channels, got ${channels}`);
  if (pixels.length < width * height * channels) throw new Error('pixel buffer is smaller than width×height×channels');
  if (out.length < offset + 3 * width * height) throw new Error('output tensor is too small');
  const plane = width * height;
  const order = prep.colorOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const src = order[c]!;
    // mean/std are indexed by the model's channel (BGR models list them in BGR order).
    const mul = prep.scale / prep.std[c]!;
    const sub = prep.mean[c]! / prep.std[c]!;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = pixels[i * channels + src]! * mul - sub;
  }
}

/**
 * Decoded pixels (interleaved, 8-bit, already EXIF-oriented), e.g. the isolated decoder's RGB
 * raster: models preprocess from it without libvips ever parsing the untrusted file in-process.
 */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export type ImageInput = Buffer | RawImage;

/**
 * Decompression-bomb guard: a photo with more pixels is refused from its header. 150 MP admits
 * the largest medium-format camera files, yet its RGB raster (450 MB) still fits a decoder
 * child's memory limit (DECODE_MAX_MEMORY_MB).
 */
export const MAX_PHOTO_PIXELS = 150_000_000;

/** An auto-oriented sharp pipeline over either an encoded file or an already decoded raster. */
export function openImage(input: ImageInput, limitInputPixels = MAX_PHOTO_PIXELS): Sharp {
  if (Buffer.isBuffer(input)) return sharp(input, { limitInputPixels, failOn: 'error' }).rotate();
  const { data, width, height, channels } = input;
  if (channels !== 3 && channels !== 4) throw new Error(`a raw image needs 3 or 4 channels, got ${channels}`);
  return sharp(data, { raw: { width, height, channels } });
}

/** Display size (after EXIF orientation) of an encoded file or a raster. */
export async function imageSize(input: ImageInput, limitInputPixels = MAX_PHOTO_PIXELS): Promise<{ width: number; height: number }> {
  if (!Buffer.isBuffer(input)) return { width: input.width, height: input.height };
  const meta = await sharp(input, { limitInputPixels }).metadata();
  if (!meta.width || !meta.height) throw new Error('cannot read the photo size');
  const turned = (meta.orientation ?? 1) >= 5;
  return turned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}
