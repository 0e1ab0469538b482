import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DisjointSets,
  FALLBACK_DUPLICATE_THRESHOLD,
  RECOMMENDED_DUPLICATE_THRESHOLDS,
  duplicateThresholdFor,
  findDuplicateGroups,
  type EmbeddedPhoto,
} from '../../src/analysis/duplicates';
import { PERCEPTUAL_METHOD_ID, perceptualEmbedding } from '../../src/analysis/perceptual-embedding';
import { derivedCopies, seededRandom, syntheticScene } from '../helpers/synthetic-photos';
import { scene } from '../../src/dev/demo-photos';

const threshold = duplicateThresholdFor(PERCEPTUAL_METHOD_ID, undefined);

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('an album of originals and their copies comes back as one group per scene; singles stay out', async () => {
  const photos: EmbeddedPhoto[] = [];
  const expected: string[][] = [];
  for (const seed of [11, 12, 13, 14]) {
    const original = await syntheticScene(seed);
    const copies = await derivedCopies(original);
    const group = [`s${seed}-original`];
    photos.push({ photoId: `s${seed}-original`, embedding: await perceptualEmbedding(original) });
    for (const kind of ['resized', 'jpeg-q40', 'webp', 'crop-left', 'crop-bottom', 'exif-rotated'] as const) {
      photos.push({ photoId: `s${seed}-${kind}`, embedding: await perceptualEmbedding(copies[kind]) });
      group.push(`s${seed}-${kind}`);
    }
    expected.push(group.sort());
  }
  for (const seed of [21, 22, 23]) photos.push({ photoId: `single-${seed}`, embedding: await perceptualEmbedding(await syntheticScene(seed)) });
  photos.push({ photoId: 'single-demo', embedding: await perceptualEmbedding(await scene(800, 600, 5)) });

  const groups = findDuplicateGroups(photos, threshold);
  assert.deepEqual(
    groups,
    expected.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
  );
  assert.deepEqual(findDuplicateGroups(shuffled(photos, 3), threshold), groups, 'input order must not matter');
});

test('the threshold is the caller’s: 1 keeps only exact matches, -1 groups everything', () => {
  const photos = [
    { photoId: 'a', embedding: [1, 0, 0] },
    { photoId: 'b', embedding: [0.9, 0.1, 0] },
    { photoId: 'c', embedding: [0, 1, 0] },
    { photoId: 'd', embedding: [2, 0, 0] }, // same direction as a, longer
  ];
  assert.deepEqual(findDuplicateGroups(photos, 1 - 1e-6), [['a', 'd']]);
  assert.deepEqual(findDuplicateGroups(photos, 0.9), [['a', 'b', 'd']]);
  assert.deepEqual(findDuplicateGroups(photos, -1), [['a', 'b', 'c', 'd']]);
  assert.throws(() => findDuplicateGroups(photos, 1.5), RangeError);
  assert.throws(() => findDuplicateGroups(photos, Number.NaN), RangeError);
});

test('links chain: A~B and B~C make one group even when A and C are apart', () => {
  const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
  const photos = [
    { photoId: 'c', embedding: at(40) },
    { photoId: 'a', embedding: at(0) },
    { photoId: 'b', embedding: at(20) },
    { photoId: 'far', embedding: at(90) },
  ];
  // cos 20° = 0.940, cos 40° = 0.766
  assert.deepEqual(findDuplicateGroups(photos, 0.93), [['a', 'b', 'c']]);
});

test('bad input is refused loudly', () => {
  assert.throws(
    () =>
      findDuplicateGroups(
        [
          { photoId: 'a', embedding: [1, 0] },
          { photoId: 'a', embedding: [1, 0] },
        ],
        0.9,
      ),
    /twice/,
  );
  assert.throws(
    () =>
      findDuplicateGroups(
        [
          { photoId: 'a', embedding: [1, 0] },
          { photoId: 'b', embedding: [1, 0, 0] },
        ],
        0.9,
      ),
    /dimensions/,
  );
  assert.throws(
    () =>
      findDuplicateGroups(
        [
          { photoId: 'a', embedding: [1, NaN] },
          { photoId: 'b', embedding: [1, 0] },
        ],
        0.9,
      ),
    /non-finite/,
  );
  assert.deepEqual(findDuplicateGroups([], 0.9), []);
  assert.deepEqual(findDuplicateGroups([{ photoId: 'a', embedding: [1] }], 0.9), []);
  // A zero vector is no photo's duplicate, not even another zero vector's.
  assert.deepEqual(
    findDuplicateGroups(
      [
        { photoId: 'a', embedding: [0, 0] },
        { photoId: 'b', embedding: [0, 0] },
      ],
      0.9,
    ),
    [],
  );
});

test('5,000 photos: planted pairs are found exactly, in seconds', () => {
  const dims = 53;
  const rand = seededRandom(42);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const photos: EmbeddedPhoto[] = [];
  for (let i = 0; i < 4900; i++) photos.push({ photoId: `p${String(i).padStart(4, '0')}`, embedding: Float32Array.from({ length: dims }, gauss) });
  const expected: string[][] = [];
  for (let i = 0; i < 100; i++) {
    const base = photos[i * 7]!;
    // Small perturbation: cosine ≈ 0.99 to its base; random 53-d vectors sit near 0 ± 0.14.
    const id = `q${String(i).padStart(4, '0')}`;
    photos.push({ photoId: id, embedding: Float32Array.from(base.embedding, (x) => x + 0.1 * gauss()) });
    expected.push([base.photoId, id]);
  }
  // Its speed is measured by npm run bench (album step), never asserted here.
  assert.deepEqual(findDuplicateGroups(photos, 0.92), expected);
});

test('each method gets its calibrated threshold unless the caller sets one; unknown methods get the fallback', () => {
  assert.equal(duplicateThresholdFor(PERCEPTUAL_METHOD_ID, undefined), RECOMMENDED_DUPLICATE_THRESHOLDS[PERCEPTUAL_METHOD_ID]);
  assert.equal(duplicateThresholdFor(PERCEPTUAL_METHOD_ID, 0.97), 0.97);
  assert.equal(duplicateThresholdFor('clip-vit-b32-image@1', undefined), FALLBACK_DUPLICATE_THRESHOLD);
});

test('disjoint sets merge transitively', () => {
  const s = new DisjointSets(5);
  s.union(0, 1);
  s.union(3, 4);
  s.union(1, 4);
  assert.equal(s.find(0), s.find(3));
  assert.notEqual(s.find(2), s.find(0));
});
