/**
 * CLIP's image preprocessing, as OpenAI's and Hugging Face's CLIPImageProcessor do it: resize the
 * shortest side to 224 with bicubic filtering, cut the central 224×224, RGB, scale to 0..1,
 * normalise with CLIP's mean/std, planar NCHW. sharp's `fit: cover` is exactly resize-shortest-
 * edge + centre crop; its `cubic` kernel is Catmull-Rom (a = -0.5, PIL's BICUBIC), and like PIL it
 * filters over the whole source footprint when shrinking, so results match PIL to within rounding.
 */
import * as ort from 'onnxruntime-node';
import { openImage, writeNchw, type ImageInput } from '../image-tensor';
import { getModelSpec, type ImagePreprocessing } from '../registry';

export const CLIP_IMAGE_PREPROCESSING = getModelSpec('clip-vit-b32-image').preprocessing as ImagePreprocessing;

export interface ImageInputOptions {
  /** Decompression-bomb guard, in pixels (config.photos.maxMegapixels × 1e6). */
  limitInputPixels?: number;
}

/** A photo in a batch that could not be decoded; `index` says which, so the rest can be retried. */
export class ImagePreprocessError extends Error {
  override readonly name = 'ImagePreprocessError';
  readonly code = 'IMAGE_PREPROCESS_FAILED';
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

async function clipPixels(image: ImageInput, prep: ImagePreprocessing, options: ImageInputOptions) {
  if (prep.resize !== 'shortest-edge-center-crop') throw new Error(`CLIP preprocessing cannot do resize mode ${prep.resize}`);
  // EXIF orientation applied: phones store portrait shots sideways.
  const { data, info } = await openImage(image, options.limitInputPixels)
    .resize(prep.width, prep.height, {
      fit: 'cover',
      position: 'centre',
      kernel: prep.interpolation === 'bicubic' ? 'cubic' : 'linear',
    })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== prep.width || info.height !== prep.height) {
    throw new Error(`resized to ${info.width}×${info.height}, expected ${prep.width}×${prep.height}`);
  }
  return { data, channels: info.channels };
}

/** One photo → Float32Array of 3×224×224, ready to be one row of a batch. */
export async function preprocessClipImage(
  image: ImageInput,
  prep: ImagePreprocessing = CLIP_IMAGE_PREPROCESSING,
  options: ImageInputOptions = {},
): Promise<Float32Array> {
  const { data, channels } = await clipPixels(image, prep, options);
  const out = new Float32Array(3 * prep.width * prep.height);
  writeNchw(data, prep.width, prep.height, channels, prep, out);
  return out;
}

/**
 * N photos → one [N,3,224,224] tensor, decoded in parallel (sharp runs on libuv's thread pool)
 * straight into the batch buffer. Throws ImagePreprocessError naming the first photo that fails.
 */
export async function clipImageBatch(
  images: readonly ImageInput[],
  prep: ImagePreprocessing = CLIP_IMAGE_PREPROCESSING,
  options: ImageInputOptions = {},
): Promise<ort.Tensor> {
  if (images.length === 0) throw new Error('an image batch needs at least one image');
  const per = 3 * prep.width * prep.height;
  const out = new Float32Array(images.length * per);
  await Promise.all(
    images.map(async (image, index) => {
      let px: Awaited<ReturnType<typeof clipPixels>>;
      try {
        px = await clipPixels(image, prep, options);
      } catch (err) {
        throw new ImagePreprocessError(index, `photo ${index} of the batch: ${err instanceof Error ? err.message : String(err)}`);
      }
      writeNchw(px.data, prep.width, prep.height, px.channels, prep, out, index * per);
    }),
  );
  return new ort.Tensor('float32', out, [images.length, 3, prep.height, prep.width]);
}

/** Already preprocessed rows (e.g. from preprocessClipImage) → one batch tensor. */
export function stackImages(rows: readonly Float32Array[], prep: ImagePreprocessing = CLIP_IMAGE_PREPROCESSING): ort.Tensor {
  const per = 3 * prep.width * prep.height;
  const out = new Float32Array(rows.length * per);
  rows.forEach((row, i) => {
    if (row.length !== per) throw new Error(`row ${i} has ${row.length} values, expected ${per}`);
    out.set(row, i * per);
  });
  return new ort.Tensor('float32', out, [rows.length, 3, prep.height, prep.width]);
}
