/**
 * Near-duplicate groups: photos whose embeddings are at least `threshold` alike (cosine) are
 * linked, and linked photos form a group (connected components, so A~B and B~C group A, B, C
 * even when A and C are further apart — a burst drifting frame by frame stays one group).
 *
 * Cost is one dot product per pair: 5,000 photos × 53 dims is 12.5 M pairs, about a second.
 * The embeddings are packed into one contiguous Float32Array first so the inner loop touches
 * nothing but that array, and pairs already in one group are skipped.
 */
import { PERCEPTUAL_METHOD_ID } from './perceptual-embedding';

export interface EmbeddedPhoto {
  photoId: string;
  embedding: ArrayLike<number>;
}

/**
 * Cosine threshold calibrated for each embedding method (scripts/calibrate-duplicates.ts on
 * 40 synthetic scenes and 22 real photos). For phash-colorlayout-v1, copies (resized, JPEG q40,
 * WebP, 5 % crops, EXIF-rotated) measured ≥ 0.855 (1st percentile 0.92), different scenes
 * ≤ 0.70: 0.92 would miss 5 %-cropped copies of textured photos, so the method gets its own
 * value. A caller's threshold (tests, the eval), when given, overrides it.
 */
export const RECOMMENDED_DUPLICATE_THRESHOLDS: Readonly<Record<string, number>> = {
  [PERCEPTUAL_METHOD_ID]: 0.85,
};

/** For a method with no calibration and no operator setting. */
export const FALLBACK_DUPLICATE_THRESHOLD = 0.92;

/** A caller's threshold wins; otherwise the method's calibrated value. */
export function duplicateThresholdFor(method: string, configured: number | undefined): number {
  return configured ?? RECOMMENDED_DUPLICATE_THRESHOLDS[method] ?? FALLBACK_DUPLICATE_THRESHOLD;
}

/**
 * Groups of two or more photos, each sorted by photoId, the groups sorted by their first
 * photoId: the same input in any order gives the same output.
 */
export function findDuplicateGroups(photos: readonly EmbeddedPhoto[], threshold: number): string[][] {
  if (!(threshold >= -1 && threshold <= 1)) throw new RangeError(`threshold must be a cosine in [-1, 1], got ${threshold}`);
  const n = photos.length;
  if (n < 2) return [];
  const seen = new Set<string>();
  for (const p of photos) {
    if (seen.has(p.photoId)) throw new Error(`photo ${p.photoId} appears twice`);
    seen.add(p.photoId);
  }
  const dims = photos[0]!.embedding.length;
  const packed = packUnitRows(photos, dims);
  const sets = new DisjointSets(n);
  for (let i = 0; i < n; i++) {
    const a = i * dims;
    for (let j = i + 1; j < n; j++) {
      if (sets.find(i) === sets.find(j)) continue;
      const b = j * dims;
      let s = 0;
      for (let k = 0; k < dims; k++) s += packed[a + k]! * packed[b + k]!;
      if (s >= threshold) sets.union(i, j);
    }
  }
  const byRoot = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const root = sets.find(i);
    let members = byRoot.get(root);
    if (!members) byRoot.set(root, (members = []));
    members.push(photos[i]!.photoId);
  }
  return [...byRoot.values()]
    .filter((g) => g.length >= 2)
    .map((g) => g.sort(compareIds))
    .sort((a, b) => compareIds(a[0]!, b[0]!));
}

/** Code-unit order, not locale order: the grouping must not depend on the machine's locale. */
export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Row-major copy of the embeddings, each row scaled to unit length (a zero row stays zero and
 * so matches nothing), so a dot product is the cosine.
 */
export function packUnitRows(items: readonly { photoId: string; embedding: ArrayLike<number> }[], dims: number): Float32Array {
  const packed = new Float32Array(items.length * dims);
  items.forEach((item, r) => {
    const v = item.embedding;
    if (v.length !== dims) throw new Error(`${item.photoId}: embedding has ${v.length} dimensions, expected ${dims}`);
    let sum = 0;
    for (let k = 0; k < dims; k++) {
      const x = v[k]!;
      if (!Number.isFinite(x)) throw new Error(`${item.photoId}: embedding holds a non-finite value`);
      sum += x * x;
    }
    const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let k = 0; k < dims; k++) packed[r * dims + k] = v[k]! * inv;
  });
  return packed;
}

/** Union-find with path halving and union by size. */
export class DisjointSets {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]!]!;
      i = p[i]!;
    }
    return i;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] = this.size[ra]! + this.size[rb]!;
  }
}
