import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  QUALITY_WEIGHTS,
  detailVariance,
  exposureScore,
  exposureStats,
  laplacianVariance,
  noiseScore,
  noiseSigma,
  qualityScore,
  resolutionScore,
  sharpnessScore,
} from '../../src/analysis/photo-quality';
import { seededRandom, syntheticScene } from '../helpers/synthetic-photos';
import { scene } from '../../src/dev/demo-photos';

/** The raster the decoder measures: greyscale, at most 1024 px a side. */
async function grey(photo: Buffer) {
  const { data, info } = await sharp(photo)
    .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { gray: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Gaussian noise of standard deviation sigma added to the raw pixels (Box–Muller, seeded). */
function withNoise(gray: Uint8Array, sigma: number, seed = 7): Uint8Array {
  const rand = seededRandom(seed);
  const out = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i++) {
    const n = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    out[i] = Math.max(0, Math.min(255, Math.round(gray[i]! + sigma * n)));
  }
  return out;
}

test('the noise estimate rises with added Gaussian noise and tracks its sigma', async () => {
  for (const photo of [await syntheticScene(3, 800, 600), await scene(800, 600, 1)]) {
    const { gray, width, height } = await grey(photo);
    const clean = noiseSigma(gray, width, height);
    assert.ok(clean < 1.5, `a clean synthetic scene reads as σ ${clean.toFixed(2)}`);
    let previous = clean;
    for (const sigma of [3, 6, 10, 20]) {
      const est = noiseSigma(withNoise(gray, sigma), width, height);
      assert.ok(est > previous, `σ ${sigma}: estimate ${est.toFixed(2)} did not rise above ${previous.toFixed(2)}`);
      // Independent noise adds in quadrature to what the clean photo already reads as.
      const expected = Math.hypot(sigma, clean);
      assert.ok(Math.abs(est - expected) < 0.15 * expected + 0.3, `σ ${sigma}: estimate ${est.toFixed(2)}, expected ≈ ${expected.toFixed(2)}`);
      previous = est;
    }
  }
});

test('edges are not mistaken for noise', () => {
  // Hard-edged discs: a huge Laplacian and no noise at all. (Straight stripes would prove
  // nothing: Immerkær's mask is separable and cancels any one-dimensional pattern by itself.)
  const width = 400;
  const height = 300;
  const discs = Uint8Array.from({ length: width * height }, (_, i) => {
    const x = (i % width) % 40;
    const y = Math.floor(i / width) % 40;
    return (x - 20) ** 2 + (y - 20) ** 2 < 150 ? 230 : 20;
  });
  assert.ok(laplacianVariance(discs, width, height) > 1000);
  // Without leaving the strongest edges out this reads as σ ≈ 6.7.
  assert.ok(noiseSigma(discs, width, height) < 2.5);
  assert.equal(noiseSigma(new Uint8Array(4), 2, 2), 0);
  assert.equal(noiseSigma(new Uint8Array(100).fill(90), 10, 10), 0);
});

test('resolution is judged against 2 MP and capped', () => {
  assert.equal(resolutionScore(1600, 1250), 1);
  assert.equal(resolutionScore(8000, 6000), 1);
  assert.ok(Math.abs(resolutionScore(800, 625) - 0.5) < 1e-9, 'half the width and height: half the score');
  assert.ok(resolutionScore(320, 240) < resolutionScore(640, 480));
  assert.equal(resolutionScore(0, 100), 0);
});

test('component scores: sharpness on a log scale, exposure agrees with its verdict, noise falls with sigma', () => {
  assert.equal(sharpnessScore(5), 0);
  assert.ok(Math.abs(sharpnessScore(100) - 0.5) < 1e-9, 'the blur threshold sits at the middle');
  assert.equal(sharpnessScore(5000), 1);
  assert.equal(sharpnessScore(0), 0);
  assert.equal(detailVariance(1000, 5), 500);
  assert.equal(detailVariance(100, 5), 0);

  const dark = exposureStats(new Uint8Array(1000).fill(2));
  const good = exposureStats(Uint8Array.from({ length: 1000 }, (_, i) => 60 + (i % 140)));
  assert.equal(good.verdict, 'ok');
  assert.ok(exposureScore(good) > 0.9);
  assert.ok(exposureScore(dark) <= 0.5);
  assert.ok(exposureScore(exposureStats(new Uint8Array(1000).fill(253))) <= 0.5);

  assert.equal(noiseScore(1), 1);
  assert.equal(noiseScore(25), 0);
  assert.ok(noiseScore(5) > noiseScore(10));
});

test('qualityScore: blurred, noisy, dark and small copies each score below the original', async () => {
  // The demo scene, not a synthetic one: its stripes give the fine detail blur must take away.
  const original = await scene(1600, 1200, 1);
  const measure = async (photo: Buffer, orig = { width: 1600, height: 1200 }) => {
    const { gray, width, height } = await grey(photo);
    return qualityScore(gray, width, height, orig);
  };
  const base = await measure(original);
  assert.ok(base.score > 0 && base.score <= 1);
  const weights = Object.values(QUALITY_WEIGHTS).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(weights - 1) < 1e-9);
  const recomputed =
    QUALITY_WEIGHTS.sharpness * base.components.sharpness +
    QUALITY_WEIGHTS.exposure * base.components.exposure +
    QUALITY_WEIGHTS.noise * base.components.noise +
    QUALITY_WEIGHTS.resolution * base.components.resolution;
  assert.ok(Math.abs(recomputed - base.score) < 1e-3, 'the score is the weighted sum of its components');

  const blurred = await measure(await sharp(original).blur(4).jpeg({ quality: 92 }).toBuffer());
  assert.ok(blurred.components.sharpness < base.components.sharpness - 0.3);
  assert.ok(blurred.score < base.score);

  const { gray, width, height } = await grey(original);
  const noisy = qualityScore(withNoise(gray, 15), width, height, { width: 1600, height: 1200 });
  assert.ok(noisy.measures.noiseSigma > 10);
  assert.ok(noisy.components.noise < base.components.noise);
  assert.ok(noisy.score < base.score);
  // Grain raises the Laplacian variance; sharpness must not reward it.
  assert.ok(noisy.components.sharpness <= base.components.sharpness + 0.05);

  const dark = await measure(await sharp(original).linear(0.12, 0).jpeg().toBuffer());
  assert.equal(dark.measures.exposure.verdict, 'under');
  assert.ok(dark.score < base.score);

  const small = await measure(original, { width: 640, height: 480 });
  assert.ok(small.components.resolution < base.components.resolution);
  assert.ok(small.score < base.score);

  assert.throws(() => qualityScore(new Uint8Array(10), 4, 4, { width: 4, height: 4 }), /raster/);
});
