/**
 * Similar-shot groups as an album sees them: findSimilarShots over real photos (the labelled
 * ones, the face-free extras and both photos of each real pair), at a sweep of thresholds.
 * Pairs in one group are "similar"; precision and recall are over pairs of photos, and a group
 * mixing scenes (a lake, a night scene and a harbour together) is counted as mixed.
 */
import { findSimilarShots } from '../src/analysis/similar';
import { FACE_FREE_EXTRA, LABELLED, SIMILAR_PAIRS, type PhotoRoots } from '../src/dev/registry-photos';
import { l2Normalize } from '../src/vectors/math';
import { pct, type EvalContext, type EvalSection } from './lib/context';

export const SIMILAR_SWEEP = [0.75, 0.8, 0.85, 0.88, 0.9];

export async function evalSimilarGroups(ctx: EvalContext, chosen: number): Promise<EvalSection> {
  const scene = new Map<string, string>();
  for (const [a, b] of SIMILAR_PAIRS) {
    scene.set(a, a);
    scene.set(b, a);
  }
  const files = new Set<string>([...LABELLED, ...FACE_FREE_EXTRA].map((p) => `${p.root}/${p.file}`));
  for (const [a, b] of SIMILAR_PAIRS) files.add(a).add(b);
  const photos = [];
  for (const f of [...files].sort()) {
    const [root, ...rest] = f.split('/');
    const embedding = l2Normalize((await ctx.classifier.embed([await ctx.read(root as keyof PhotoRoots, rest.join('/'))])).embeddings[0]!);
    photos.push({ photoId: f, embedding, quality: 0 });
  }
  const sceneOf = (id: string) => scene.get(id) ?? id;
  const positives = new Set<string>();
  for (const a of photos)
    for (const b of photos) if (a.photoId < b.photoId && sceneOf(a.photoId) === sceneOf(b.photoId)) positives.add(`${a.photoId}|${b.photoId}`);
  const rows = [['threshold', 'pair precision', 'pair recall', 'groups', 'groups mixing scenes']];
  for (const t of SIMILAR_SWEEP) {
    const groups = findSimilarShots(photos, t);
    let predicted = 0;
    let tp = 0;
    let mixed = 0;
    for (const g of groups) {
      if (new Set(g.photoIds.map(sceneOf)).size > 1) mixed++;
      for (let i = 0; i < g.photoIds.length; i++) {
        for (let j = i + 1; j < g.photoIds.length; j++) {
          predicted++;
          const [a, b] = [g.photoIds[i]!, g.photoIds[j]!].sort();
          if (positives.has(`${a}|${b}`)) tp++;
        }
      }
    }
    rows.push([t === chosen ? `**${t} (default)**` : String(t), pct(tp, predicted), pct(tp, positives.size), String(groups.length), String(mixed)]);
  }
  return {
    title: `Similar-shot groups (findSimilarShots on MobileNetV2 features; ${photos.length} real photos, ${SIMILAR_PAIRS.length} real pairs)`,
    rows,
  };
}
