/**
 * Similar shots: photos of the same moment or scene that are not copies (a burst, the same view
 * re-framed), found on the semantic embedding (MobileNetV2's pooled features, or CLIP's) rather
 * than the perceptual one that finds copies. Photos at cosine ≥ threshold are linked, linked
 * photos form a group, and each group names its best shot (highest quality, ties to the lowest
 * id). Calibrated on real photos by eval/same-photos.eval.ts (DEFAULT_SIMILAR_THRESHOLD).
 */
import { compareIds, findDuplicateGroups, type EmbeddedPhoto } from './duplicates';

/** 0.8: every real pair of eval/similar-groups.eval.ts still grouped, half the scene-mixing groups of 0.75. */
export const DEFAULT_SIMILAR_THRESHOLD = 0.8;

export interface SimilarGroup {
  /** Sorted by photoId. */
  photoIds: string[];
  /** The one to keep: best quality in the group. */
  best: string;
}

export function findSimilarShots(photos: readonly (EmbeddedPhoto & { quality: number })[], threshold = DEFAULT_SIMILAR_THRESHOLD): SimilarGroup[] {
  const quality = new Map(photos.map((p) => [p.photoId, p.quality]));
  return findDuplicateGroups(photos, threshold).map((photoIds) => ({
    photoIds,
    best: [...photoIds].sort((a, b) => quality.get(b)! - quality.get(a)! || compareIds(a, b))[0]!,
  }));
}
