/**
 * The embedding every album gets when no model is installed: a real-valued perceptual hash of
 * the luminance plus a compact colour layout, concatenated and L2-normalised so that cosine
 * similarity (a dot product) compares photos. It finds copies — resized, re-encoded, slightly
 * cropped, EXIF-rotated — and keeps different scenes apart; it knows nothing of semantics.
 *
 * Design, and why (similarities from scripts/calibrate-duplicates.ts over 40 synthetic
 * scenes and 22 real photos, worst copy ↔ closest different pair):
 * - Everything works on one 32×32 sRGB thumbnail squashed to a square (`fit: 'fill'`): a crop
 *   or an aspect change then becomes a small stretch, which low frequencies barely notice.
 * - Structure: 2-D DCT of the luma, the 6×6 lowest frequencies without DC (35 values). The
 *   classic 8×8 was tried: its extra frequencies move most under a 5 % crop (worst cropped copy,
 *   unweighted coefficients plus colour: 0.82 at 8×8, 0.93 at 6×6).
 *   A signed power of 0.75 tames the 1/f fall-off so a few coarse coefficients do not decide
 *   every comparison alone.
 * - Colour: 8×8 grid of mean Y/Cb/Cr, each grid DCT-compressed to its 6 zig-zag-first
 *   coefficients as MPEG-7's colour layout does (18 values). Mean brightness counts half: at
 *   full weight a +15 % brightness copy of a mid-grey photo fell to 0.28, at half to 0.90.
 * - Each part is normalised with a floor (`softNormalize`): a flat or grey photo has almost no
 *   structure or colour signal, and a plain L2 norm would blow its JPEG noise up to full weight.
 */
import sharp, { type Sharp } from 'sharp';
import { l2NormalizeInPlace } from '../vectors/math';

export const PERCEPTUAL_METHOD = 'phash-colorlayout';
export const PERCEPTUAL_VERSION = '1';
/** `method-vVersion`: what results record as the producer of the embedding. */
export const PERCEPTUAL_METHOD_ID = `${PERCEPTUAL_METHOD}-v${PERCEPTUAL_VERSION}`;

/** Side of the square thumbnail the embedding is computed from. */
export const THUMB_SIZE = 32;
const STRUCTURE_FREQS = 6;
const COLOUR_GRID = 8;
const COLOUR_COEFFS = 6;
const STRUCTURE_DIMS = STRUCTURE_FREQS * STRUCTURE_FREQS - 1;
const COLOUR_DIMS = 3 * COLOUR_COEFFS;
export const PERCEPTUAL_DIMENSIONS = STRUCTURE_DIMS + COLOUR_DIMS;

/** Share of the squared norm given to colour; structure gets the rest. */
const COLOUR_WEIGHT = 0.4;
const STRUCTURE_POWER = 0.75;
const BRIGHTNESS_WEIGHT = 0.5;
// Floors for softNormalize, in the units each part is computed in: about 1.5 grey levels of
// low-frequency contrast for structure, a 16-grey-level departure from neutral mid-grey for colour.
const STRUCTURE_FLOOR = 90;
const COLOUR_FLOOR = 128;

export interface PerceptualEmbeddingOptions {
  /** Refuse inputs over this many pixels before decoding them (decompression bombs). */
  maxPixels?: number;
}

/**
 * Decode (EXIF orientation applied, transparency flattened on white, any colour space to sRGB)
 * and embed. Throws what sharp throws for undecodable input; callers map that to a photo failure.
 */
export async function perceptualEmbedding(image: Buffer, options: PerceptualEmbeddingOptions = {}): Promise<Float32Array> {
  return embedThumbnail(await perceptualThumbnail(image, options));
}

/** The 32×32 RGB thumbnail the embedding is computed from. */
export async function perceptualThumbnail(image: Buffer, options: PerceptualEmbeddingOptions = {}): Promise<Uint8Array> {
  return thumbnailFrom(sharp(image, { autoOrient: true, limitInputPixels: options.maxPixels ?? true }));
}

/**
 * The same thumbnail from a pipeline the caller already opened (the isolated decoder, say), so
 * one decode serves both quality and embedding. The pipeline must already be auto-oriented.
 */
export async function thumbnailFrom(pipeline: Sharp): Promise<Uint8Array> {
  const { data, info } = await pipeline
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || data.length !== THUMB_SIZE * THUMB_SIZE * 3) {
    throw new Error(`expected a ${THUMB_SIZE}×${THUMB_SIZE} RGB thumbnail, got ${info.width}×${info.height}×${info.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** The embedding of a 32×32 interleaved RGB thumbnail (8 bits per channel). Pure. */
export function embedThumbnail(rgb: Uint8Array): Float32Array {
  const n = THUMB_SIZE * THUMB_SIZE;
  if (rgb.length !== n * 3) throw new Error(`expected ${n * 3} RGB bytes, got ${rgb.length}`);
  const y = new Float64Array(n);
  const cb = new Float64Array(n);
  const cr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    cb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b;
    cr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  const structure = structureFeatures(y);
  const colour = colourFeatures(y, cb, cr);
  softNormalize(structure, STRUCTURE_FLOOR, Math.sqrt(1 - COLOUR_WEIGHT));
  softNormalize(colour, COLOUR_FLOOR, Math.sqrt(COLOUR_WEIGHT));
  const out = new Float32Array(PERCEPTUAL_DIMENSIONS);
  out.set(structure, 0);
  out.set(colour, STRUCTURE_DIMS);
  return l2NormalizeInPlace(out);
}

// cos((2x+1)uπ/2N) for the frequencies kept: the only DCT rows either part ever needs.
const thumbBasis = dctBasis(STRUCTURE_FREQS, THUMB_SIZE);
const gridBasis = dctBasis(COLOUR_GRID, COLOUR_GRID);
const zigzag = zigzagOrder(COLOUR_GRID).slice(0, COLOUR_COEFFS);

function structureFeatures(luma: Float64Array): Float64Array {
  const coeffs = dct2Low(luma, THUMB_SIZE, thumbBasis, STRUCTURE_FREQS);
  const out = new Float64Array(STRUCTURE_DIMS);
  for (let i = 1; i < coeffs.length; i++) {
    const c = coeffs[i]!;
    out[i - 1] = Math.sign(c) * Math.abs(c) ** STRUCTURE_POWER;
  }
  return out;
}

function colourFeatures(y: Float64Array, cb: Float64Array, cr: Float64Array): Float64Array {
  const out = new Float64Array(COLOUR_DIMS);
  const channels = [y, cb, cr];
  for (let c = 0; c < 3; c++) {
    const grid = blockMeans(channels[c]!, THUMB_SIZE, COLOUR_GRID);
    // Centre luma on mid-grey so brightness is signed like the chroma channels, not a constant
    // positive offset that would make every photo look alike.
    if (c === 0) for (let i = 0; i < grid.length; i++) grid[i] = grid[i]! - 128;
    const coeffs = dct2Low(grid, COLOUR_GRID, gridBasis, COLOUR_GRID);
    for (let k = 0; k < COLOUR_COEFFS; k++) {
      // Orthonormal scaling (DC = 8 × mean) keeps the units of COLOUR_FLOOR meaningful.
      const idx = zigzag[k]!;
      const u = idx % COLOUR_GRID;
      const v = Math.floor(idx / COLOUR_GRID);
      const scale = (u === 0 ? Math.SQRT1_2 : 1) * (v === 0 ? Math.SQRT1_2 : 1) * (2 / COLOUR_GRID);
      const weight = c === 0 && k === 0 ? BRIGHTNESS_WEIGHT : 1;
      out[c * COLOUR_COEFFS + k] = coeffs[idx]! * scale * weight;
    }
  }
  return out;
}

/** v ← weight · v / √(|v|² + floor²): unit length for strong signals, proportionally less for weak ones. */
function softNormalize(v: Float64Array, floor: number, weight: number): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const k = weight / Math.sqrt(sum + floor * floor);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * k;
}

function dctBasis(freqs: number, size: number): Float64Array {
  const basis = new Float64Array(freqs * size);
  for (let u = 0; u < freqs; u++) {
    for (let x = 0; x < size; x++) basis[u * size + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * size));
  }
  return basis;
}

/** Unnormalised 2-D DCT-II of a size×size image, only the freqs×freqs lowest frequencies (row-major [v][u]). */
function dct2Low(img: Float64Array, size: number, basis: Float64Array, freqs: number): Float64Array {
  const cols = new Float64Array(freqs * size);
  for (let v = 0; v < freqs; v++) {
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let y = 0; y < size; y++) s += img[y * size + x]! * basis[v * size + y]!;
      cols[v * size + x] = s;
    }
  }
  const out = new Float64Array(freqs * freqs);
  for (let v = 0; v < freqs; v++) {
    for (let u = 0; u < freqs; u++) {
      let s = 0;
      for (let x = 0; x < size; x++) s += cols[v * size + x]! * basis[u * size + x]!;
      out[v * freqs + u] = s;
    }
  }
  return out;
}

function blockMeans(img: Float64Array, size: number, grid: number): Float64Array {
  const block = size / grid;
  const out = new Float64Array(grid * grid);
  for (let y = 0; y < size; y++) {
    const gy = Math.floor(y / block) * grid;
    for (let x = 0; x < size; x++) out[gy + Math.floor(x / block)]! += img[y * size + x]!;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / (block * block);
  return out;
}

/** Indices of an n×n block in JPEG zig-zag order, lowest frequencies first. */
function zigzagOrder(n: number): number[] {
  const order: number[] = [];
  for (let s = 0; s < 2 * n - 1; s++) {
    const diagonal: number[] = [];
    for (let y = 0; y < n; y++) {
      const x = s - y;
      if (x >= 0 && x < n) diagonal.push(y * n + x);
    }
    if (s % 2 === 0) diagonal.reverse();
    order.push(...diagonal);
  }
  return order;
}
