/**
 * How much a stylized image kept of the photo and how much it changed, compared at one size:
 * - structure: Pearson correlation of the Sobel gradient magnitude of the luminance (edges in
 *   the same places → near 1; a texture that drowns the subject → near 0);
 * - change: mean Euclidean RGB distance per pixel, as a fraction of the largest possible (0..1).
 */
import sharp from 'sharp';

const SIDE = 256;

async function rgbAt(image: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(image).rotate().removeAlpha().resize(width, height, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer();
}

function gradientMagnitude(rgb: Buffer, width: number, height: number): Float32Array {
  const lum = new Float32Array(width * height);
  for (let i = 0; i < lum.length; i++) lum[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  const out = new Float32Array((width - 2) * (height - 2));
  const at = (x: number, y: number) => lum[y * width + x]!;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      out[(y - 1) * (width - 2) + (x - 1)] = Math.hypot(gx, gy);
    }
  }
  return out;
}

function pearson(a: Float32Array, b: Float32Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

export interface StyleChange {
  /** Correlation of gradient magnitude, -1..1. */
  structure: number;
  /** Mean RGB distance / (255·√3), 0..1. */
  change: number;
}

export async function styleChange(input: Buffer, output: Buffer): Promise<StyleChange> {
  const meta = await sharp(output).metadata();
  const scale = SIDE / Math.max(meta.width ?? SIDE, meta.height ?? SIDE);
  const width = Math.max(8, Math.round((meta.width ?? SIDE) * scale));
  const height = Math.max(8, Math.round((meta.height ?? SIDE) * scale));
  const [a, b] = await Promise.all([rgbAt(input, width, height), rgbAt(output, width, height)]);
  let dist = 0;
  for (let i = 0; i < width * height; i++) {
    dist += Math.hypot(a[i * 3]! - b[i * 3]!, a[i * 3 + 1]! - b[i * 3 + 1]!, a[i * 3 + 2]! - b[i * 3 + 2]!);
  }
  return {
    structure: pearson(gradientMagnitude(a, width, height), gradientMagnitude(b, width, height)),
    change: dist / (width * height) / (255 * Math.sqrt(3)),
  };
}
