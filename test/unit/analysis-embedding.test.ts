import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { RECOMMENDED_DUPLICATE_THRESHOLDS } from '../../src/analysis/duplicates';
import {
  PERCEPTUAL_DIMENSIONS,
  PERCEPTUAL_METHOD_ID,
  THUMB_SIZE,
  embedThumbnail,
  perceptualEmbedding,
  perceptualThumbnail,
} from '../../src/analysis/perceptual-embedding';
import { derivedCopies, syntheticScene } from '../helpers/synthetic-photos';
import { pngBomb, scene } from '../../src/dev/demo-photos';
import { cosine, norm } from '../../src/vectors/math';

const threshold = RECOMMENDED_DUPLICATE_THRESHOLDS[PERCEPTUAL_METHOD_ID]!;

test('the embedding is a fixed-length unit vector that names its method', async () => {
  assert.equal(PERCEPTUAL_METHOD_ID, 'phash-colorlayout-v1');
  const v = await perceptualEmbedding(await syntheticScene(1));
  assert.ok(v instanceof Float32Array);
  assert.equal(v.length, PERCEPTUAL_DIMENSIONS);
  assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  assert.deepEqual(await perceptualEmbedding(await syntheticScene(1)), v, 'same photo, same bits');
  assert.ok(threshold > 0.5 && threshold < 1);
});

test('every kind of copy stays above the duplicate threshold of its original', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const original = await syntheticScene(seed);
    const o = await perceptualEmbedding(original);
    for (const [kind, data] of Object.entries(await derivedCopies(original))) {
      const sim = cosine(o, await perceptualEmbedding(data));
      assert.ok(sim >= threshold, `scene ${seed} ${kind}: ${sim.toFixed(3)} < ${threshold}`);
    }
  }
  // The demo generator's scene survives the same treatment.
  const demo = await scene(800, 600, 2);
  const d = await perceptualEmbedding(demo);
  for (const [kind, data] of Object.entries(await derivedCopies(demo))) {
    assert.ok(cosine(d, await perceptualEmbedding(data)) >= threshold, `demo scene ${kind}`);
  }
});

test('different scenes stay well below the threshold', async () => {
  const photos = [await scene(800, 600, 1)];
  for (let seed = 1; seed <= 16; seed++) photos.push(await syntheticScene(seed));
  const vecs = await Promise.all(photos.map((p) => perceptualEmbedding(p)));
  let max = -1;
  for (let i = 0; i < vecs.length; i++) for (let j = i + 1; j < vecs.length; j++) max = Math.max(max, cosine(vecs[i]!, vecs[j]!));
  // Calibration put different scenes at ≤ 0.71; leave that margin visible, not just "< threshold".
  assert.ok(max < threshold - 0.1, `closest different pair at ${max.toFixed(3)}`);
});

test('EXIF orientation is applied: the tagged copy matches, the same pixels untagged do not', async () => {
  const original = await syntheticScene(7);
  const turned = await sharp(original).rotate(270).jpeg({ quality: 90 }).toBuffer();
  const tagged = await sharp(original).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
  const o = await perceptualEmbedding(original);
  assert.ok(cosine(o, await perceptualEmbedding(tagged)) > 0.98);
  assert.ok(cosine(o, await perceptualEmbedding(turned)) < threshold, 'a photo turned on its side is a different picture');
});

test('a 50 % crop or a pan is not a copy', async () => {
  const original = await syntheticScene(9, 800, 600);
  const o = await perceptualEmbedding(original);
  const left = await sharp(original).extract({ left: 0, top: 0, width: 480, height: 600 }).toBuffer();
  const right = await sharp(original).extract({ left: 320, top: 0, width: 480, height: 600 }).toBuffer();
  assert.ok(cosine(o, await perceptualEmbedding(left)) < threshold);
  assert.ok(cosine(await perceptualEmbedding(left), await perceptualEmbedding(right)) < threshold);
});

test('flat, grey, transparent and greyscale inputs give finite vectors; flat ones do not match textured ones', async () => {
  const grey = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const black = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#000000' } })
    .jpeg()
    .toBuffer();
  const clear = await sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
  const mono = await sharp(await syntheticScene(3))
    .greyscale()
    .png()
    .toBuffer();
  for (const input of [grey, black, clear, mono]) {
    const v = await perceptualEmbedding(input);
    assert.equal(v.length, PERCEPTUAL_DIMENSIONS);
    assert.ok(v.every(Number.isFinite));
  }
  // Transparent pixels are flattened on white, so a clear PNG is a white frame, not a black one.
  assert.ok(cosine(await perceptualEmbedding(clear), await perceptualEmbedding(black)) < 0);
  assert.ok(cosine(await perceptualEmbedding(black), await perceptualEmbedding(await syntheticScene(3))) < threshold);
});

test('the pixel limit refuses a decompression bomb before decoding it', async () => {
  await assert.rejects(perceptualThumbnail(pngBomb(4000, 4000), { maxPixels: 1_000_000 }), /pixel limit/i);
});

test('embedThumbnail is the pure half: same thumbnail, same vector; wrong size refused', async () => {
  const photo = await syntheticScene(4);
  const thumb = await perceptualThumbnail(photo);
  assert.equal(thumb.length, THUMB_SIZE * THUMB_SIZE * 3);
  assert.deepEqual(embedThumbnail(thumb), await perceptualEmbedding(photo));
  assert.throws(() => embedThumbnail(new Uint8Array(10)), /RGB bytes/);
});

test('cosine handles scale, sign, zero vectors and length mismatch', () => {
  assert.equal(cosine([1, 0], [5, 0]), 1);
  assert.equal(cosine([1, 0], [-2, 0]), -1);
  assert.ok(Math.abs(cosine([1, 1], [1, 0]) - Math.SQRT1_2) < 1e-12);
  assert.equal(cosine([0, 0], [1, 0]), 0);
  assert.throws(() => cosine([1], [1, 2]), /lengths differ/);
});
