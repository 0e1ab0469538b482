/**
 * ArcFace input: the face warped so its five landmarks land on the template the model was
 * trained with (InsightFace's arcface_dst for 112×112), by the least-squares similarity transform
 * (rotation, uniform scale, translation; no shear, so faces are not distorted), sampled
 * bilinearly with black outside the photo, as cv2.warpAffine does.
 */
import sharp from 'sharp';
import type { Point } from './yunet';
import { MAX_PHOTO_PIXELS } from '../image-tensor';

export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** [[a, -b, tx], [b, a, ty]]: dst ≈ [a -b; b a]·src + t. */
export type Similarity = [[number, number, number], [number, number, number]];

/** Least-squares similarity taking `src` points onto `dst` (Umeyama without reflection, in 2-D closed form). */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) throw new Error('need at least two matching point pairs');
  const n = src.length;
  const mean = (pts: readonly Point[]) => pts.reduce<Point>((m, p) => [m[0] + p[0] / n, m[1] + p[1] / n], [0, 0]);
  const ms = mean(src);
  const md = mean(dst);
  let sxx = 0;
  let num_a = 0;
  let num_b = 0;
  for (let i = 0; i < n; i++) {
    const xs = src[i]![0] - ms[0];
    const ys = src[i]![1] - ms[1];
    const xd = dst[i]![0] - md[0];
    const yd = dst[i]![1] - md[1];
    sxx += xs * xs + ys * ys;
    num_a += xs * xd + ys * yd;
    num_b += xs * yd - ys * xd;
  }
  if (sxx === 0) throw new Error('landmarks are all at one point');
  const a = num_a / sxx;
  const b = num_b / sxx;
  return [
    [a, -b, md[0] - (a * ms[0] - b * ms[1])],
    [b, a, md[1] - (b * ms[0] + a * ms[1])],
  ];
}

export function applySimilarity(m: Similarity, p: Point): Point {
  return [m[0][0] * p[0] + m[0][1] * p[1] + m[0][2], m[1][0] * p[0] + m[1][1] * p[1] + m[1][2]];
}

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Decodes once (EXIF-rotated, sRGB, no alpha) so a photo's faces are all cut from one buffer. */
export async function decodeRgb(image: Buffer, limitInputPixels = MAX_PHOTO_PIXELS): Promise<RgbImage> {
  const { data, info } = await sharp(image, { limitInputPixels, failOn: 'error' })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Warps the face onto the template: a size×size RGB crop (3 channels, interleaved). */
export function alignFace(img: RgbImage, landmarks: readonly Point[], size = 112, template: readonly Point[] = ARCFACE_TEMPLATE_112): Uint8Array {
  const scaleT = size / 112;
  const dst = template.map(([x, y]) => [x * scaleT, y * scaleT] as Point);
  const m = estimateSimilarity(landmarks, dst);
  // Inverse of [a -b; b a]: [a b; -b a] / (a² + b²).
  const [a, , tx] = m[0];
  const [b, , ty] = m[1];
  const det = a * a + b * b;
  if (det === 0) throw new Error('degenerate landmark transform');
  const ia = a / det;
  const ib = b / det;
  const out = new Uint8Array(size * size * 3);
  const { data, width, height, channels } = img;
  const at = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : data[(y * width + x) * channels + c]!);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const dx = u - tx;
      const dy = v - ty;
      const sx = ia * dx + ib * dy;
      const sy = -ib * dx + ia * dy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
        const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
        out[(v * size + u) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return out;
}
