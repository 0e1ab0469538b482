/**
 * An album's highlights: the best photos that are not alike.
 *
 * 1. Each duplicate group is one candidate, its best-quality photo (ties: lowest photoId), so
 *    two photos of one group can never both be picked.
 * 2. base = quality·w + uniqueness·w, where quality weighs sharpness relative to this album
 *    (a phone album and a DSLR album each get their sharpest photos), the exposure verdict,
 *    resolution and, when measured, noise; uniqueness is 1 − the closest other candidate.
 * 3. Picks are made one at a time by maximal marginal relevance: base − diversity × the
 *    similarity to the closest photo already picked, so the second beach sunset waits its turn.
 *
 * With the photo models (candidates carry `faces` and `subject`), base is
 *   0.55 quality + 0.15 uniqueness + 0.15 faces + 0.15 subject
 * where faces is 1 when a face was found, subject the classifier's confidence in the photo's
 * category (0 for "other"), and a photo whose similar-shot group already has a pick loses
 * SIMILAR_GROUP_PENALTY (0.3), so highlights spread over moments before taking a second of one.
 */
import { QUALITY_WEIGHTS, detailVariance, exposureScore, noiseScore, resolutionScore, round, type ExposureStats } from './photo-quality';
import { compareIds, packUnitRows } from './duplicates';

export interface HighlightCandidate {
  photoId: string;
  embedding: ArrayLike<number>;
  /** From the per-photo measurement (at ≤1024 px). */
  laplacianVariance: number;
  exposure: ExposureStats;
  /** Original dimensions. */
  width: number;
  height: number;
  /** Left out when not measured: quality then stands on the other components. */
  noiseSigma?: number;
  /** Faces found (with the face models). */
  faces?: number;
  /** 0–1: how sure the classifier is of the photo's category (0 for "other"). */
  subject?: number;
}

export interface HighlightOptions {
  /** How many to pick at most. */
  count: number;
  /** From findDuplicateGroups; ids of photos not among the candidates are ignored. */
  duplicateGroups?: readonly (readonly string[])[];
  /** Weight of the similarity penalty against photos already picked (0: pure ranking). */
  diversity?: number;
  /** Similar-shot groups (findSimilarShots): a second pick from one group pays SIMILAR_GROUP_PENALTY. */
  similarGroups?: readonly (readonly string[])[];
}

export const HIGHLIGHT_WEIGHTS = { quality: 0.75, uniqueness: 0.25 } as const;
/** When the candidates carry the models' faces and subject. */
export const MODEL_HIGHLIGHT_WEIGHTS = { quality: 0.55, uniqueness: 0.15, faces: 0.15, subject: 0.15 } as const;
export const SIMILAR_GROUP_PENALTY = 0.3;
export const DEFAULT_DIVERSITY = 0.5;
/** Highlights per album: a screenful of picks in the console, enough to summarise a trip. */
export const HIGHLIGHT_COUNT = 20;
/** A photo under this quality score (0–1) is never a highlight, however unique: blurred or dark frames read as mistakes. */
export const HIGHLIGHT_MIN_QUALITY = 0.4;

export interface HighlightReasons {
  /** Album-relative: detail / (detail + album median), so the album's median photo is 0.5. */
  sharpness: number;
  exposure: number;
  resolution: number;
  noise: number | null;
  quality: number;
  /** 1 − cosine to the most similar other candidate (negative similarity counts as 0). */
  uniqueness: number;
  /** Cosine to the most similar photo picked before this one (0 for the first). */
  similarityToPicked: number;
  /** The rest of its duplicate group, which this photo represents. */
  represents: string[];
}

export interface Highlight {
  photoId: string;
  /** quality·w + uniqueness·w, before the diversity penalty. */
  base: number;
  /** What it was picked on: base − diversity × similarityToPicked. */
  score: number;
  reasons: HighlightReasons;
}

interface Scored {
  photoId: string;
  index: number;
  sharpness: number;
  exposure: number;
  resolution: number;
  noise: number | null;
  quality: number;
  represents: string[];
}

export function pickHighlights(candidates: readonly HighlightCandidate[], options: HighlightOptions): Highlight[] {
  const { count, duplicateGroups = [], diversity = DEFAULT_DIVERSITY, similarGroups = [] } = options;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!(diversity >= 0)) throw new RangeError(`diversity must be ≥ 0, got ${diversity}`);
  if (candidates.length === 0 || count === 0) return [];

  const byId = new Map<string, number>();
  candidates.forEach((c, i) => {
    if (byId.has(c.photoId)) throw new Error(`photo ${c.photoId} appears twice`);
    byId.set(c.photoId, i);
  });
  const scored = scoreQuality(candidates);
  const pool = representatives(scored, duplicateGroups, byId);

  const dims = candidates[0]!.embedding.length;
  const packed = packUnitRows(
    pool.map((s) => candidates[s.index]!),
    dims,
  );
  const sim = (a: number, b: number) => {
    let s = 0;
    for (let k = 0; k < dims; k++) s += packed[a * dims + k]! * packed[b * dims + k]!;
    return s;
  };

  const m = pool.length;
  const closest = new Float64Array(m).fill(0);
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const s = sim(a, b);
      if (s > closest[a]!) closest[a] = s;
      if (s > closest[b]!) closest[b] = s;
    }
  }
  const withModels = candidates.some((c) => c.faces !== undefined || c.subject !== undefined);
  const base = pool.map((s, a) => {
    if (!withModels) return HIGHLIGHT_WEIGHTS.quality * s.quality + HIGHLIGHT_WEIGHTS.uniqueness * (1 - closest[a]!);
    const c = candidates[s.index]!;
    const w = MODEL_HIGHLIGHT_WEIGHTS;
    return (
      w.quality * s.quality + w.uniqueness * (1 - closest[a]!) + w.faces * ((c.faces ?? 0) > 0 ? 1 : 0) + w.subject * Math.min(1, Math.max(0, c.subject ?? 0))
    );
  });
  // Similar-shot group of each pool member (-1: none); a group with a pick penalises the rest.
  const groupOf = new Int32Array(m).fill(-1);
  const poolIndex = new Map(pool.map((s, a) => [s.photoId, a]));
  similarGroups.forEach((g, gi) => {
    for (const id of g) {
      const a = poolIndex.get(id);
      if (a !== undefined) groupOf[a] = gi;
    }
  });
  const groupPicked = new Set<number>();
  const penalty = (a: number) => (groupOf[a]! >= 0 && groupPicked.has(groupOf[a]!) ? SIMILAR_GROUP_PENALTY : 0);

  const picked: Highlight[] = [];
  const taken = new Uint8Array(m);
  const toPicked = new Float64Array(m).fill(0); // max(0, cosine to the closest photo picked so far)
  while (picked.length < Math.min(count, m)) {
    let best = -1;
    let bestScore = -Infinity;
    for (let a = 0; a < m; a++) {
      if (taken[a]) continue;
      const score = base[a]! - diversity * toPicked[a]! - penalty(a);
      if (best < 0 || score > bestScore || (score === bestScore && compareIds(pool[a]!.photoId, pool[best]!.photoId) < 0)) {
        best = a;
        bestScore = score;
      }
    }
    taken[best] = 1;
    if (groupOf[best]! >= 0) groupPicked.add(groupOf[best]!);
    const s = pool[best]!;
    picked.push({
      photoId: s.photoId,
      base: round(base[best]!),
      score: round(bestScore),
      reasons: {
        sharpness: round(s.sharpness),
        exposure: round(s.exposure),
        resolution: round(s.resolution),
        noise: s.noise === null ? null : round(s.noise),
        quality: round(s.quality),
        uniqueness: round(1 - closest[best]!),
        similarityToPicked: round(toPicked[best]!),
        represents: s.represents,
      },
    });
    for (let a = 0; a < m; a++) {
      if (taken[a]) continue;
      const s2 = sim(a, best);
      if (s2 > toPicked[a]!) toPicked[a] = s2;
    }
  }
  return picked;
}

function scoreQuality(candidates: readonly HighlightCandidate[]): Scored[] {
  const detail = candidates.map((c) => detailVariance(c.laplacianVariance, c.noiseSigma ?? 0));
  const median = medianOf(detail);
  return candidates.map((c, index) => {
    const d = detail[index]!;
    const sharpness = d + median === 0 ? 0.5 : d / (d + median);
    const exposure = exposureScore(c.exposure);
    const resolution = resolutionScore(c.width, c.height);
    const noise = c.noiseSigma === undefined ? null : noiseScore(c.noiseSigma);
    // Without a noise measure its weight is shared out over the rest, keeping quality in [0, 1].
    const wNoise = noise === null ? 0 : QUALITY_WEIGHTS.noise;
    const total = QUALITY_WEIGHTS.sharpness + QUALITY_WEIGHTS.exposure + QUALITY_WEIGHTS.resolution + wNoise;
    const quality =
      (QUALITY_WEIGHTS.sharpness * sharpness + QUALITY_WEIGHTS.exposure * exposure + QUALITY_WEIGHTS.resolution * resolution + wNoise * (noise ?? 0)) / total;
    return { photoId: c.photoId, index, sharpness, exposure, resolution, noise, quality, represents: [] };
  });
}

/** One candidate per duplicate group (its best quality, ties to the lowest id) plus every photo in no group. */
function representatives(scored: Scored[], groups: readonly (readonly string[])[], byId: Map<string, number>): Scored[] {
  const grouped = new Set<string>();
  const pool: Scored[] = [];
  for (const group of groups) {
    const members: Scored[] = [];
    for (const id of group) {
      if (grouped.has(id)) throw new Error(`photo ${id} is in more than one duplicate group`);
      grouped.add(id);
      const i = byId.get(id);
      if (i !== undefined) members.push(scored[i]!);
    }
    if (members.length === 0) continue;
    members.sort((a, b) => b.quality - a.quality || compareIds(a.photoId, b.photoId));
    const best = members[0]!;
    best.represents = members
      .slice(1)
      .map((s) => s.photoId)
      .sort(compareIds);
    pool.push(best);
  }
  for (const s of scored) if (!grouped.has(s.photoId)) pool.push(s);
  // Candidate order must not leak into ties or floating-point sums.
  return pool.sort((a, b) => compareIds(a.photoId, b.photoId));
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
