import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { exposureStats, laplacianVariance, noiseSigma, type ExposureStats } from '../../src/analysis/photo-quality';
import { duplicateThresholdFor, findDuplicateGroups } from '../../src/analysis/duplicates';
import { pickHighlights, type HighlightCandidate } from '../../src/analysis/highlights';
import { PERCEPTUAL_METHOD_ID, perceptualEmbedding } from '../../src/analysis/perceptual-embedding';
import { syntheticScene } from '../helpers/synthetic-photos';
import { scene } from '../../src/dev/demo-photos';

/** What the per-photo activity will hand over: measured on the ≤1024-px greyscale raster. */
async function candidate(photoId: string, photo: Buffer): Promise<HighlightCandidate> {
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  const { data, info } = await sharp(photo)
    .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const gray = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return {
    photoId,
    embedding: await perceptualEmbedding(photo),
    laplacianVariance: laplacianVariance(gray, info.width, info.height),
    noiseSigma: noiseSigma(gray, info.width, info.height),
    exposure: exposureStats(gray),
    width,
    height,
  };
}

test('an album with blurred and re-encoded copies: one photo per group, and the sharp original speaks for it', async () => {
  const harbour = await scene(800, 600, 1);
  const garden = await syntheticScene(31, 800, 600);
  const photos: HighlightCandidate[] = [
    await candidate('harbour', harbour),
    await candidate('harbour-shaky', await sharp(harbour).blur(1.5).jpeg({ quality: 90 }).toBuffer()),
    await candidate('harbour-very-shaky', await sharp(harbour).blur(4).jpeg({ quality: 90 }).toBuffer()),
    await candidate('garden', garden),
    await candidate('garden-shaky', await sharp(garden).blur(3).jpeg({ quality: 90 }).toBuffer()),
    await candidate('garden-webp', await sharp(garden).webp({ quality: 90 }).toBuffer()),
  ];
  for (const seed of [32, 33, 34, 35]) photos.push(await candidate(`other-${seed}`, await syntheticScene(seed, 800, 600)));

  const groups = findDuplicateGroups(photos, duplicateThresholdFor(PERCEPTUAL_METHOD_ID, undefined));
  assert.deepEqual(groups, [
    ['garden', 'garden-shaky', 'garden-webp'],
    ['harbour', 'harbour-shaky', 'harbour-very-shaky'],
  ]);

  const picks = pickHighlights(photos, { count: 10, duplicateGroups: groups });
  const ids = picks.map((p) => p.photoId);
  assert.equal(picks.length, 6, 'two groups and four singles: six candidates in all');
  for (const group of groups) assert.equal(ids.filter((id) => group.includes(id)).length, 1, `one of ${group.join(', ')}`);
  assert.ok(ids.includes('harbour'));
  assert.ok(!ids.some((id) => id.includes('shaky')), 'blurred copies never represent their group');
  const harbourPick = picks.find((p) => p.photoId === 'harbour')!;
  assert.deepEqual(harbourPick.reasons.represents, ['harbour-shaky', 'harbour-very-shaky']);
  // The WebP copy may edge out its original (re-encoding can add a little edge energy), the blurred one never.
  assert.ok(ids.includes('garden') || ids.includes('garden-webp'));

  // Smaller count: the top of the same ranking.
  assert.deepEqual(
    pickHighlights(photos, { count: 3, duplicateGroups: groups }).map((p) => p.photoId),
    ids.slice(0, 3),
  );
  // Order of candidates and of groups does not change the result.
  assert.deepEqual(pickHighlights([...photos].reverse(), { count: 10, duplicateGroups: [...groups].reverse() }), picks);
});

const okExposure: ExposureStats = { meanLuminance: 0.5, shadowClipping: 0, highlightClipping: 0, verdict: 'ok' };
const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const photo = (photoId: string, embedding: number[], laplacianVariance: number, extra: Partial<HighlightCandidate> = {}): HighlightCandidate => ({
  photoId,
  embedding,
  laplacianVariance,
  exposure: okExposure,
  width: 2000,
  height: 1500,
  ...extra,
});

test('the best photo of a group represents it, whatever the order of the group', () => {
  const photos = [photo('a-soft', [1, 0, 0], 50), photo('a-sharp', [1, 0.01, 0], 800), photo('a-mid', [1, 0.02, 0], 300), photo('b', [0, 1, 0], 300)];
  for (const group of [
    ['a-soft', 'a-sharp', 'a-mid'],
    ['a-mid', 'a-soft', 'a-sharp'],
  ]) {
    const picks = pickHighlights(photos, { count: 5, duplicateGroups: [group] });
    assert.deepEqual(picks.map((p) => p.photoId).sort(), ['a-sharp', 'b']);
    assert.deepEqual(picks.find((p) => p.photoId === 'a-sharp')!.reasons.represents, ['a-mid', 'a-soft']);
  }
  // Without the group all three compete, and the soft one still comes last.
  const ungrouped = pickHighlights(photos, { count: 5, diversity: 0 }).map((p) => p.photoId);
  assert.equal(ungrouped[ungrouped.length - 1], 'a-soft');
});

test('variety: a near-twin of the first pick waits behind a different scene', () => {
  const photos = [
    photo('sunset-1', unit(1, 0, 0, 0), 2000),
    photo('sunset-2', unit(0.85, 0.5, 0, 0), 1800), // cosine 0.86: alike, but no duplicate at 0.9
    photo('market', unit(0, 0, 1, 0), 100, { width: 1000, height: 750 }),
    photo('temple', unit(0, 0, 0, 1), 90, { width: 1000, height: 750 }),
  ];
  const ranked = pickHighlights(photos, { count: 4, diversity: 0 }).map((p) => p.photoId);
  assert.deepEqual(ranked.slice(0, 2), ['sunset-1', 'sunset-2'], 'without the penalty their quality outweighs their lower uniqueness');
  const varied = pickHighlights(photos, { count: 4 });
  assert.deepEqual(
    varied.map((p) => p.photoId),
    ['sunset-1', 'market', 'temple', 'sunset-2'],
  );
  const twin = varied[3]!;
  assert.ok(twin.reasons.similarityToPicked > 0.8);
  assert.ok(twin.score < twin.base, 'the penalty shows in the breakdown');
  assert.equal(varied[0]!.reasons.similarityToPicked, 0);
});

test('quality: exposure, resolution and noise each count; uniqueness rewards the odd one out', () => {
  const dark: ExposureStats = { meanLuminance: 0.08, shadowClipping: 0.4, highlightClipping: 0, verdict: 'under' };
  const rank = (photos: HighlightCandidate[]) => pickHighlights(photos, { count: photos.length, diversity: 0 }).map((p) => p.photoId);
  assert.deepEqual(rank([photo('dark', [1, 0], 300, { exposure: dark }), photo('fine', [0, 1], 300)]), ['fine', 'dark']);
  assert.deepEqual(rank([photo('tiny', [1, 0], 300, { width: 320, height: 240 }), photo('fine', [0, 1], 300)]), ['fine', 'tiny']);
  assert.deepEqual(rank([photo('grainy', [1, 0], 300, { noiseSigma: 15 }), photo('fine', [0, 1], 300, { noiseSigma: 1 })]), ['fine', 'grainy']);

  const picks = pickHighlights([photo('x1', unit(1, 0.1, 0), 300), photo('x2', unit(1, -0.1, 0), 300), photo('odd', [0, 0, 1], 300)], {
    count: 3,
    diversity: 0,
  });
  assert.equal(picks[0]!.photoId, 'odd');
  assert.ok(picks[0]!.reasons.uniqueness > picks[1]!.reasons.uniqueness);
  for (const p of picks) {
    for (const v of [p.reasons.quality, p.reasons.uniqueness, p.reasons.sharpness, p.reasons.exposure, p.reasons.resolution]) assert.ok(v >= 0 && v <= 1);
  }
});

test('edge cases: empty album, count 0, more asked than there are, unknown ids in groups, bad groups', () => {
  assert.deepEqual(pickHighlights([], { count: 3 }), []);
  const photos = [photo('a', [1, 0], 100), photo('b', [0, 1], 100)];
  assert.deepEqual(pickHighlights(photos, { count: 0 }), []);
  assert.equal(pickHighlights(photos, { count: 10 }).length, 2);
  // A failed photo still listed in a group is ignored rather than fatal.
  assert.deepEqual(
    pickHighlights(photos, { count: 10, duplicateGroups: [['a', 'failed-photo']] })
      .map((p) => p.photoId)
      .sort(),
    ['a', 'b'],
  );
  assert.throws(() => pickHighlights(photos, { count: 2, duplicateGroups: [['a', 'b'], ['b']] }), /more than one/);
  assert.throws(() => pickHighlights([photos[0]!, photos[0]!], { count: 2 }), /twice/);
  assert.throws(() => pickHighlights(photos, { count: -1 }), RangeError);
});
