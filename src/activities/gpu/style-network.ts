/**
 * Feed-forward style networks as a render backend for the diffusion class's queue, for a node
 * with no Stable Diffusion server: multistyle26 paints a catalogue style (one network style or a
 * blend), and Magenta's arbitrary-style pair paints in the style of a reference photo. They run
 * on the CPU in under a second per photo; they are real learned networks, so `fallback` is false.
 */
import * as ort from 'onnxruntime-node';
import sharp, { type ResizeOptions } from 'sharp';
import { MAGENTA_PREDICT, MAGENTA_TRANSFORM, MULTISTYLE26 } from '../../models/catalogue/style';
import type { SessionPool } from '../../models/sessions';
import { blendWeights, NETWORK_STYLE_COUNT, networkStyleFor } from '../../shared/style-network-catalogue';
import type { DiffusionBackend, DiffusionJob, DiffusionOutput, RenderHooks } from './diffusion';

/** multistyle26 downsamples by 4: both sides must be multiples of it. */
const STRIDE = 4;
/** Longest side rendered: past this the brush strokes get small against the photo and time grows with the area. */
export const STYLE_NETWORK_MAX_SIDE = 1024;
const ARBITRARY_SIDE = 384;
const STYLE_SIDE = 256;
const STAGES = 4;

/** An image that sharp cannot decode: the activity turns it into a non-retryable CORRUPT_IMAGE. */
export class UndecodableImageError extends Error {
  constructor(
    readonly which: 'photo' | 'style reference',
    cause: unknown,
  ) {
    super(`the ${which} cannot be decoded (${cause instanceof Error ? cause.message : String(cause)})`);
    this.name = 'UndecodableImageError';
  }
}

interface Rgb {
  data: Buffer;
  width: number;
  height: number;
}

/** Decodes, orients and scales so the long side is at most `maxSide`; RGB, no alpha. */
export function decodeRgb(image: Buffer, maxSide: number, which: 'photo' | 'style reference' = 'photo'): Promise<Rgb> {
  return decodeResized(image, { width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true }, which);
}

/** Decodes, orients (EXIF) and resizes as `resize` says, onto white where it was transparent; RGB, no alpha. */
async function decodeResized(image: Buffer, resize: ResizeOptions, which: 'photo' | 'style reference'): Promise<Rgb> {
  try {
    const { data, info } = await sharp(image, { failOn: 'truncated' })
      .rotate()
      .resize(resize)
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new UndecodableImageError(which, err);
  }
}

/** Index into 0..n-1 mirrored at the edges without repeating them (numpy's 'reflect'), for any overshoot. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** RGB bytes → float 0..1 in NCHW or NHWC, padded right and bottom to padW×padH by reflection. */
export function toTensorData(img: Rgb, padW: number, padH: number, layout: 'NCHW' | 'NHWC'): Float32Array {
  const out = new Float32Array(padW * padH * 3);
  const plane = padW * padH;
  for (let y = 0; y < padH; y++) {
    const sy = reflectIndex(y, img.height);
    for (let x = 0; x < padW; x++) {
      const s = (sy * img.width + reflectIndex(x, img.width)) * 3;
      for (let c = 0; c < 3; c++) {
        const v = img.data[s + c]! / 255;
        if (layout === 'NCHW') out[c * plane + y * padW + x] = v;
        else out[(y * padW + x) * 3 + c] = v;
      }
    }
  }
  return out;
}

/** Float 0..1 (padded) → RGB bytes of the top-left width×height: the padding is cropped back off. */
export function fromTensorData(data: Float32Array, padW: number, padH: number, width: number, height: number, layout: 'NCHW' | 'NHWC'): Buffer {
  const out = Buffer.alloc(width * height * 3);
  const plane = padW * padH;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = layout === 'NCHW' ? data[c * plane + y * padW + x]! : data[(y * padW + x) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    }
  }
  return out;
}

const abortError = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : new Error('render aborted'));

export class StyleNetworkBackend implements DiffusionBackend {
  readonly name = 'multistyle26';
  readonly fallback = false;

  constructor(
    private readonly sessions: SessionPool,
    private readonly opts: { maxSide?: number } = {},
  ) {}

  async render(job: DiffusionJob, hooks: RenderHooks): Promise<DiffusionOutput> {
    const check = () => {
      if (hooks.signal.aborted) throw abortError(hooks.signal);
    };
    check();
    if (job.styleImage) return this.renderByExample(job.image, job.styleImage, hooks, check);
    const style = networkStyleFor(job.style);
    return this.stylize(job.image, blendWeights(style.blend), hooks, { grayscale: style.grayscale === true });
  }

  /** One photo in a weighted blend of the 26 network styles. */
  async stylize(photo: Buffer, styleWeights: ArrayLike<number>, hooks: RenderHooks, post: { grayscale?: boolean } = {}): Promise<DiffusionOutput> {
    const check = () => {
      if (hooks.signal.aborted) throw abortError(hooks.signal);
    };
    if (styleWeights.length !== NETWORK_STYLE_COUNT) throw new Error(`style weights need ${NETWORK_STYLE_COUNT} values, got ${styleWeights.length}`);
    const img = await decodeRgb(photo, Math.min(this.opts.maxSide ?? STYLE_NETWORK_MAX_SIDE, STYLE_NETWORK_MAX_SIDE));
    hooks.onProgress(1, STAGES);
    check();
    const padW = Math.ceil(img.width / STRIDE) * STRIDE;
    const padH = Math.ceil(img.height / STRIDE) * STRIDE;
    const session = await this.sessions.get(MULTISTYLE26);
    const input = new ort.Tensor('float32', toTensorData(img, padW, padH, 'NCHW'), [1, 3, padH, padW]);
    hooks.onProgress(2, STAGES);
    check();
    const out = await session.run({ image: input, style_weights: new ort.Tensor('float32', Float32Array.from(styleWeights), [NETWORK_STYLE_COUNT]) });
    hooks.onProgress(3, STAGES);
    check();
    const rgb = fromTensorData(out.stylized!.data as Float32Array, padW, padH, img.width, img.height, 'NCHW');
    let out8 = sharp(rgb, { raw: { width: img.width, height: img.height, channels: 3 } });
    if (post.grayscale) out8 = out8.grayscale();
    const image = await out8.png({ compressionLevel: 6 }).toBuffer();
    hooks.onProgress(STAGES, STAGES);
    return { image, width: img.width, height: img.height, steps: STAGES, backend: this.name };
  }

  /** The photo's own style vector is not mixed in: the reference's look is what was asked for. */
  private async renderByExample(photo: Buffer, reference: Buffer, hooks: RenderHooks, check: () => void): Promise<DiffusionOutput> {
    const full = await decodeRgb(photo, Math.min(this.opts.maxSide ?? STYLE_NETWORK_MAX_SIDE, STYLE_NETWORK_MAX_SIDE));
    const small = await decodeRgb(photo, ARBITRARY_SIDE);
    const ref = await decodeRgbSquare(reference, STYLE_SIDE);
    hooks.onProgress(1, STAGES);
    check();
    const predict = await this.sessions.get(MAGENTA_PREDICT);
    const transform = await this.sessions.get(MAGENTA_TRANSFORM);
    const vectorName = MAGENTA_PREDICT.outputs[0]!.name;
    const vector = (
      await predict.run({ style_image: new ort.Tensor('float32', toTensorData(ref, STYLE_SIDE, STYLE_SIDE, 'NHWC'), [1, STYLE_SIDE, STYLE_SIDE, 3]) })
    )[vectorName]!;
    hooks.onProgress(2, STAGES);
    check();
    const content = new ort.Tensor('float32', toTensorData(small, ARBITRARY_SIDE, ARBITRARY_SIDE, 'NHWC'), [1, ARBITRARY_SIDE, ARBITRARY_SIDE, 3]);
    const out = await transform.run({ content_image: content, [vectorName]: vector });
    hooks.onProgress(3, STAGES);
    check();
    const rgb = fromTensorData(
      out[MAGENTA_TRANSFORM.outputs[0]!.name]!.data as Float32Array,
      ARBITRARY_SIDE,
      ARBITRARY_SIDE,
      small.width,
      small.height,
      'NHWC',
    );
    // The transformer works at 384 px; the result is scaled back to the photo's (capped) size.
    const image = await sharp(rgb, { raw: { width: small.width, height: small.height, channels: 3 } })
      .resize(full.width, full.height, { kernel: 'lanczos3' })
      .png({ compressionLevel: 6 })
      .toBuffer();
    hooks.onProgress(STAGES, STAGES);
    return { image, width: full.width, height: full.height, steps: STAGES, backend: 'magenta-arbitrary' };
  }
}

/** The reference's centre square at side×side, as the predictor was trained. */
function decodeRgbSquare(image: Buffer, side: number): Promise<Rgb> {
  return decodeResized(image, { width: side, height: side, fit: 'cover', position: 'centre' }, 'style reference');
}
