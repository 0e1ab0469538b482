/**
 * Measures how the perceptual embedding separates copies from different scenes, so a duplicate
 * threshold is chosen from numbers rather than taste. Never a test: it prints a report.
 *
 *   node --import tsx scripts/calibrate-duplicates.ts [--scenes 40] [photo-dir ...]
 *
 * Every synthetic scene and every photo in the given folders is an original; each gets the
 * copies of derivedCopies(). "copy" pairs are original↔copy, "different" pairs are
 * original↔original across scenes. Photos from one folder are still treated as different
 * scenes, so give it folders without duplicates of their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PERCEPTUAL_METHOD_ID, perceptualEmbedding } from '../src/analysis/perceptual-embedding';
import { dot } from '../src/vectors/math';
import { derivedCopies, syntheticScene } from '../test/helpers/synthetic-photos';

export interface SimilarityStats {
  count: number;
  min: number;
  p01: number;
  p05: number;
  median: number;
  p99: number;
  p999: number;
  max: number;
}

export function similarityStats(values: number[]): SimilarityStats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] ?? NaN;
  return { count: s.length, min: at(0), p01: at(0.01), p05: at(0.05), median: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) };
}

export interface CalibrationReport {
  method: string;
  copies: SimilarityStats;
  copiesByKind: Record<string, SimilarityStats>;
  different: SimilarityStats;
  worstCopies: Array<{ name: string; similarity: number }>;
  closestDifferent: Array<{ a: string; b: string; similarity: number }>;
}

export async function calibrate(originals: Array<{ name: string; data: Buffer }>): Promise<CalibrationReport> {
  const embedded: Array<{ name: string; vec: Float32Array }> = [];
  const copies: number[] = [];
  const byKind: Record<string, number[]> = {};
  const worst: Array<{ name: string; similarity: number }> = [];
  for (const o of originals) {
    const vec = await perceptualEmbedding(o.data);
    embedded.push({ name: o.name, vec });
    for (const [kind, data] of Object.entries(await derivedCopies(o.data))) {
      const sim = dot(vec, await perceptualEmbedding(data));
      copies.push(sim);
      (byKind[kind] ??= []).push(sim);
      worst.push({ name: `${o.name}/${kind}`, similarity: sim });
    }
  }
  const different: number[] = [];
  const closest: Array<{ a: string; b: string; similarity: number }> = [];
  for (let i = 0; i < embedded.length; i++) {
    for (let j = i + 1; j < embedded.length; j++) {
      const sim = dot(embedded[i]!.vec, embedded[j]!.vec);
      different.push(sim);
      closest.push({ a: embedded[i]!.name, b: embedded[j]!.name, similarity: sim });
    }
  }
  worst.sort((a, b) => a.similarity - b.similarity);
  closest.sort((a, b) => b.similarity - a.similarity);
  return {
    method: PERCEPTUAL_METHOD_ID,
    copies: similarityStats(copies),
    copiesByKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, similarityStats(v)])),
    different: similarityStats(different),
    worstCopies: worst.slice(0, 5),
    closestDifferent: closest.slice(0, 5),
  };
}

async function main(argv: string[]) {
  let scenes = 40;
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--scenes') scenes = Number(argv[++i]);
    else dirs.push(argv[i]!);
  }
  const originals: Array<{ name: string; data: Buffer }> = [];
  for (let s = 1; s <= scenes; s++) originals.push({ name: `synthetic-${s}`, data: await syntheticScene(s) });
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir).sort()) {
      if (!/\.(jpe?g|png|webp|tiff?|gif|avif|heic)$/i.test(f)) continue;
      // Re-encode once so every original is an opaque sRGB JPEG like the copies made from it.
      const data = await sharp(path.join(dir, f), { autoOrient: true })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .jpeg({ quality: 95 })
        .toBuffer();
      originals.push({ name: f, data });
    }
  }
  const r = await calibrate(originals);
  const f = (v: number) => v.toFixed(3);
  const row = (label: string, s: SimilarityStats) =>
    `${label.padEnd(18)} n=${String(s.count).padStart(5)}  min ${f(s.min)}  p1 ${f(s.p01)}  p5 ${f(s.p05)}  median ${f(s.median)}  p99 ${f(s.p99)}  p99.9 ${f(s.p999)}  max ${f(s.max)}`;
  console.log(`${r.method}: ${originals.length} originals (${scenes} synthetic)`);
  console.log(row('copies', r.copies));
  for (const [k, s] of Object.entries(r.copiesByKind)) console.log(row(`  ${k}`, s));
  console.log(row('different scenes', r.different));
  console.log('worst copies:', r.worstCopies.map((w) => `${w.name} ${f(w.similarity)}`).join('; '));
  console.log('closest different:', r.closestDifferent.map((w) => `${w.a}~${w.b} ${f(w.similarity)}`).join('; '));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
