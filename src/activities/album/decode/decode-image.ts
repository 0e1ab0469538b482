/**
 * What the decoder child does to one photo, in the stages the benchmark times one by one:
 * header check → one decode to an sRGB raster ≤ GRAY_MAX_SIDE → grey raster + 32×32 thumbnail
 * → quality measures. Runs only inside the decoder child in production (see decode-child.ts);
 * kept apart from the child's process wiring so `bench/photo-floor.bench.ts` can time exactly
 * this code without a fork.
 */
import sharp, { type Metadata } from 'sharp';
import { thumbnailFrom } from '../../../analysis/perceptual-embedding';
import { qualityScore } from '../../../analysis/photo-quality';
import { GRAY_MAX_SIDE, classifyDecodeError, type DecodeBadInput, type DecodeOk, type DecodeOptions, type RgbRaster } from './protocol';

export type ChildResult = Omit<DecodeOk, 'durationMs'> | Omit<DecodeBadInput, 'durationMs'>;

function badInput(code: DecodeBadInput['code'], message: string): Omit<DecodeBadInput, 'durationMs'> {
  return { kind: 'bad-input', code, message };
}

export interface DecodedRaster {
  kind: 'raster';
  /** Display dimensions, after EXIF orientation. */
  width: number;
  height: number;
  format: string | null;
  rgb: RgbRaster;
}

/** The header check and the one decode of the untrusted bytes. */
export async function decodeRaster(bytes: Buffer, maxPixels: number): Promise<DecodedRaster | Omit<DecodeBadInput, 'durationMs'>> {
  // The header alone tells the pixel count: refuse bombs before libvips allocates anything.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    return badInput('CORRUPT_IMAGE', `the image header cannot be read (${(err as Error).message})`);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) return badInput('CORRUPT_IMAGE', 'the image has no dimensions');
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    // What iPhones write. The bundled libvips decodes AV1-coded HEIF (AVIF) only.
    return badInput('UNSUPPORTED_FORMAT', 'HEVC-coded HEIC cannot be decoded here (the bundled libvips reads AVIF-coded HEIF only); convert it to JPEG first');
  }
  if (width * height > maxPixels) {
    return badInput(
      'PIXEL_LIMIT_EXCEEDED',
      `${width}×${height} is ${((width * height) / 1e6).toFixed(1)} MP, over the ${(maxPixels / 1e6).toFixed(1)} MP limit`,
    );
  }
  try {
    // One decode of the untrusted bytes; the grey raster, the thumbnail and the models' input
    // are all derived from this trusted raster.
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated', sequentialRead: true })
      .autoOrient()
      .resize(GRAY_MAX_SIDE, GRAY_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      return badInput('CORRUPT_IMAGE', `unexpected raster ${info.width}×${info.height}×${info.channels}`);
    }
    return { kind: 'raster', width, height, format: meta.format ?? null, rgb: { data, width: info.width, height: info.height, channels: 3 } };
  } catch (err) {
    const why = classifyDecodeError((err as Error).message);
    return badInput(why.code, why.message);
  }
}

const rawOf = (rgb: RgbRaster) => ({ raw: { width: rgb.width, height: rgb.height, channels: 3 as const } });

export async function grayOf(rgb: RgbRaster): Promise<Buffer> {
  return sharp(rgb.data, rawOf(rgb)).greyscale().raw().toBuffer();
}

/** The 32×32 thumbnail the perceptual embedding (the album's near-duplicate hash) is computed from. */
export async function thumbOf(rgb: RgbRaster): Promise<Buffer> {
  return Buffer.from(await thumbnailFrom(sharp(rgb.data, rawOf(rgb))));
}

export function qualityOf(gray: Buffer, raster: DecodedRaster) {
  const { rgb } = raster;
  return qualityScore(new Uint8Array(gray.buffer, gray.byteOffset, gray.length), rgb.width, rgb.height, { width: raster.width, height: raster.height });
}

/** Everything the child answers for one photo. */
export async function decodeImage(bytes: Buffer, maxPixels: number, options: DecodeOptions = {}): Promise<ChildResult> {
  const raster = await decodeRaster(bytes, maxPixels);
  if (raster.kind !== 'raster') return raster;
  try {
    const { rgb } = raster;
    const gray = await grayOf(rgb);
    const thumb = await thumbOf(rgb);
    return {
      kind: 'ok',
      width: raster.width,
      height: raster.height,
      format: raster.format,
      ...(options.gray === false ? {} : { gray: { data: gray, width: rgb.width, height: rgb.height } }),
      thumb,
      quality: qualityOf(gray, raster),
      ...(options.rgb ? { rgb } : {}),
    };
  } catch (err) {
    const why = classifyDecodeError((err as Error).message);
    return badInput(why.code, why.message);
  }
}
