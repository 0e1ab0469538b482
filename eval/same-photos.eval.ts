/**
 * The two kinds of "same", with their thresholds calibrated here:
 * - copies (derivedCopies: resized, JPEG q40, WebP, 5 % crops, EXIF-rotated, crop+resize+WebP)
 *   on the perceptual embedding; every other pair, real similar shots included, is "not a copy";
 * - similar shots (real pairs of one scene: a basketball burst, stereo pairs, re-shot views, and
 *   two re-framings of each labelled photo: 70 % crops from opposite corners) on the semantic
 *   embedding (MobileNetV2 features, cosine); every pair of different scenes is "not similar".
 * Precision and recall over all pairs, at a sweep of thresholds.
 */
import sharp from 'sharp';
import { perceptualEmbedding } from '../src/analysis/perceptual-embedding';
import { derivedCopies } from '../test/helpers/synthetic-photos';
import { l2Normalize } from '../src/vectors/math';
import { LABELLED, SIMILAR_PAIRS, type PhotoRoots } from '../src/dev/registry-photos';
import { type EvalContext, type EvalSection } from './lib/context';

interface Item {
  group: string;
  v: Float32Array;
}

function sweep(items: Item[], thresholds: number[], chosen: number, label: string): string[][] {
  const pairs: { same: boolean; s: number }[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      let s = 0;
      const a = items[i]!.v;
      const b = items[j]!.v;
      for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
      pairs.push({ same: items[i]!.group === items[j]!.group, s });
    }
  }
  const positives = pairs.filter((p) => p.same).length;
  const rows = [['threshold', `${label} precision`, `${label} recall`]];
  for (const t of thresholds) {
    const predicted = pairs.filter((p) => p.s >= t);
    const tp = predicted.filter((p) => p.same).length;
    const name = t === chosen ? `**${t} (default)**` : String(t);
    rows.push([
      name,
      predicted.length ? `${Math.round((100 * tp) / predicted.length)}% (${tp}/${predicted.length})` : 'n/a',
      `${Math.round((100 * tp) / positives)}% (${tp}/${positives})`,
    ]);
  }
  return rows;
}

export async function evalSamePhotos(ctx: EvalContext, similarThreshold: number): Promise<{ copies: EvalSection; similar: EvalSection }> {
  // Copies: each labelled photo and its derived copies form a group.
  const copyItems: Item[] = [];
  for (const l of LABELLED) {
    const original = await ctx.read(l.root, l.file);
    const jpeg = await sharp(original).removeAlpha().jpeg({ quality: 92 }).toBuffer();
    copyItems.push({ group: l.file, v: await perceptualEmbedding(jpeg) });
    for (const copy of Object.values(await derivedCopies(jpeg))) copyItems.push({ group: l.file, v: await perceptualEmbedding(copy) });
  }
  // Similar shots: re-framings of every labelled photo, plus the real pairs.
  const semantic = async (img: Buffer) => l2Normalize((await ctx.classifier.embed([img])).embeddings[0]!);
  const simItems: Item[] = [];
  for (const l of LABELLED) {
    const img = await ctx.read(l.root, l.file);
    const { width: w = 0, height: h = 0 } = await sharp(img).metadata();
    const cw = Math.round(w * 0.7);
    const ch = Math.round(h * 0.7);
    simItems.push({ group: l.file, v: await semantic(img) });
    simItems.push({ group: l.file, v: await semantic(await sharp(img).extract({ left: 0, top: 0, width: cw, height: ch }).png().toBuffer()) });
    simItems.push({
      group: l.file,
      v: await semantic(
        await sharp(img)
          .extract({ left: w - cw, top: h - ch, width: cw, height: ch })
          .png()
          .toBuffer(),
      ),
    });
  }
  const inLabelled = new Set(LABELLED.map((l) => `${l.root}/${l.file}`));
  for (const [a, b] of SIMILAR_PAIRS) {
    const group = `pair:${a}`;
    for (const p of [a, b]) {
      const [root, ...rest] = p.split('/');
      const file = rest.join('/');
      // A labelled photo in a pair joins the pair's scene (its re-framings too).
      if (inLabelled.has(p)) {
        for (const it of simItems) if (it.group === file) it.group = group;
        continue;
      }
      simItems.push({ group, v: await semantic(await ctx.read(root as keyof PhotoRoots, file)) });
    }
  }
  return {
    copies: {
      title: `Copies (perceptual embedding; ${LABELLED.length} photos × 10 versions)`,
      rows: sweep(copyItems, [0.8, 0.85, 0.9, 0.95], 0.85, 'copy'),
    },
    similar: {
      title: `Similar shots (MobileNetV2 features, cosine; ${simItems.length} photos, ${new Set(simItems.map((i) => i.group)).size} scenes)`,
      rows: sweep(simItems, [0.6, 0.65, 0.7, 0.75, 0.8, 0.85], similarThreshold, 'similar'),
    },
  };
}
