/**
 * Classic image-quality measures on a greyscale raster: they need no model, so every album gets
 * them. Thresholds are starting points for phone photos at ≤1024 px, not ground truth.
 */

/** Below this Laplacian variance a 1024-px photo reads as soft or out of focus. */
export const BLUR_THRESHOLD = 100;

/**
 * The measures below are statistics over pixel neighbourhoods (a variance, a percentile, a mean).
 * On a large raster they are taken at every other row and column — each neighbourhood still at
 * full resolution — which estimates the same statistic at a quarter of the cost, so the
 * thresholds calibrated at 1024 px still hold.
 */
export const SAMPLE_ALL_BELOW_PIXELS = 300_000;
const strideFor = (width: number, height: number) => (width * height >= SAMPLE_ALL_BELOW_PIXELS ? 2 : 1);

/** Variance of the 4-neighbour Laplacian: sharp edges give large second derivatives. */
export function laplacianVariance(gray: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  const step = strideFor(width, height);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y += step) {
    const row = y * width;
    for (let x = 1; x < width - 1; x += step) {
      const i = row + x;
      const lap = gray[i - width]! + gray[i + width]! + gray[i - 1]! + gray[i + 1]! - 4 * gray[i]!;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export interface ExposureStats {
  meanLuminance: number;
  shadowClipping: number;
  highlightClipping: number;
  verdict: 'under' | 'over' | 'ok';
}

export function exposureStats(gray: Uint8Array): ExposureStats {
  let total = 0;
  let shadows = 0;
  let highlights = 0;
  for (const v of gray) {
    total += v;
    if (v <= 5) shadows++;
    else if (v >= 250) highlights++;
  }
  const n = Math.max(1, gray.length);
  const meanLuminance = total / n / 255;
  const shadowClipping = shadows / n;
  const highlightClipping = highlights / n;
  const verdict = meanLuminance < 0.2 || shadowClipping > 0.25 ? 'under' : meanLuminance > 0.85 || highlightClipping > 0.25 ? 'over' : 'ok';
  return {
    meanLuminance: round(meanLuminance),
    shadowClipping: round(shadowClipping),
    highlightClipping: round(highlightClipping),
    verdict,
  };
}

export const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Noise σ in grey levels, after Immerkær ("Fast noise variance estimation", 1996): the mask
 * below is the difference of two Laplacians, so it cancels smooth shading and keeps the
 * white noise, whose mean absolute response is σ·6·√(2/π). Edges answer it too, so, after Tai and
 * Yang (2008), the 10 % of pixels with the strongest Sobel gradient are left out: a sharp but clean
 * photo must not read as noisy.
 */
export function noiseSigma(gray: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  const edgeCut = sobelPercentile(gray, width, height, 0.9);
  const step = strideFor(width, height);
  let sum = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y += step) {
    for (let x = 1; x < width - 1; x += step) {
      const i = y * width + x;
      if (sobelAt(gray, i, width) > edgeCut) continue;
      sum += Math.abs(noiseMaskAt(gray, i, width));
      n++;
    }
  }
  return n === 0 ? 0 : (Math.sqrt(Math.PI / 2) * sum) / (6 * n);
}

/** |Gx| + |Gy| of the 3×3 Sobel operator at interior pixel i (an integer, at most 2040). */
function sobelAt(gray: Uint8Array, i: number, width: number): number {
  const a = gray[i - width - 1]!,
    b = gray[i - width]!,
    c = gray[i - width + 1]!;
  const d = gray[i - 1]!,
    f = gray[i + 1]!;
  const g = gray[i + width - 1]!,
    h = gray[i + width]!,
    k = gray[i + width + 1]!;
  return Math.abs(c + 2 * f + k - a - 2 * d - g) + Math.abs(g + 2 * h + k - a - 2 * b - c);
}

/** Immerkær's noise mask [1 −2 1; −2 4 −2; 1 −2 1] at interior pixel i: blind to flat areas and ramps. */
function noiseMaskAt(gray: Uint8Array, i: number, width: number): number {
  return (
    gray[i - width - 1]! -
    2 * gray[i - width]! +
    gray[i - width + 1]! -
    2 * gray[i - 1]! +
    4 * gray[i]! -
    2 * gray[i + 1]! +
    gray[i + width - 1]! -
    2 * gray[i + width]! +
    gray[i + width + 1]!
  );
}

/** The |Gx|+|Gy| Sobel magnitude below which `fraction` of the interior pixels fall (a histogram: magnitudes are integers ≤ 2040). */
function sobelPercentile(gray: Uint8Array, width: number, height: number, fraction: number): number {
  const hist = new Uint32Array(2041);
  const step = strideFor(width, height);
  let total = 0;
  for (let y = 1; y < height - 1; y += step) {
    for (let x = 1; x < width - 1; x += step) {
      hist[sobelAt(gray, y * width + x, width)]!++;
      total++;
    }
  }
  const target = fraction * total;
  let seen = 0;
  for (let m = 0; m < hist.length; m++) {
    seen += hist[m]!;
    if (seen >= target) return m;
  }
  return hist.length - 1;
}

/** Megapixels at which a photo counts as full resolution for an album (a 1600×1200 print or screen). */
export const RESOLUTION_REFERENCE_MP = 2;

/**
 * 1 at or above the reference, else the linear-size ratio: half the width and height of the
 * reference is a quarter of its pixels but shows about half the detail, so it scores 0.5.
 */
export function resolutionScore(width: number, height: number): number {
  const mp = (Math.max(0, width) * Math.max(0, height)) / 1e6;
  return Math.min(1, Math.sqrt(mp / RESOLUTION_REFERENCE_MP));
}

/**
 * Laplacian variance on a log scale: 10 or less is 0, 1000 or more is 1, so BLUR_THRESHOLD (100)
 * lands at 0.5. Variance grows with the square of edge contrast, hence the log.
 */
export function sharpnessScore(laplacianVar: number): number {
  return clamp01((Math.log10(Math.max(laplacianVar, 1e-9)) - 1) / 2);
}

/**
 * 1 for a mid-toned, unclipped photo. The mean may wander within 0.3–0.7 for free; clipping
 * costs twice its share of the frame. A photo that exposureStats calls under or over scores at
 * most 0.5, so the score never contradicts the verdict.
 */
export function exposureScore(stats: ExposureStats): number {
  const drift = Math.max(0, Math.abs(stats.meanLuminance - 0.5) - 0.2) / 0.3;
  const score = clamp01(1 - drift - 2 * (stats.shadowClipping + stats.highlightClipping));
  return stats.verdict === 'ok' ? score : Math.min(0.5, score);
}

/** σ ≤ 2 grey levels (a clean phone photo at ≤1024 px) is 1, σ ≥ 20 (heavy high-ISO grain) is 0. */
export function noiseScore(sigma: number): number {
  return clamp01(1 - (sigma - 2) / 18);
}

/** How much each component counts in qualityScore; sharpness leads because blur is the commonest ruin. */
export const QUALITY_WEIGHTS = { sharpness: 0.4, exposure: 0.25, noise: 0.15, resolution: 0.2 } as const;

export interface QualityScore {
  /** Weighted mean of the components, in [0, 1]. */
  score: number;
  components: { sharpness: number; exposure: number; noise: number; resolution: number };
  measures: { laplacianVariance: number; noiseSigma: number; megapixels: number; exposure: ExposureStats };
}

/**
 * Laplacian variance with the share that noise alone would produce taken out: the 4-neighbour
 * Laplacian of white noise σ has variance (4·1² + 4²)σ² = 20σ², and grain is not focus.
 */
export function detailVariance(laplacianVar: number, sigma: number): number {
  return Math.max(0, laplacianVar - 20 * sigma * sigma);
}

/**
 * Quality of one photo from its greyscale raster (at the size it was measured, ≤1024 px) and its
 * original dimensions, which alone decide the resolution component.
 */
export function qualityScore(gray: Uint8Array, width: number, height: number, original: { width: number; height: number }): QualityScore {
  if (gray.length !== width * height) throw new Error(`raster is ${gray.length} bytes, expected ${width}×${height}`);
  const lapVar = laplacianVariance(gray, width, height);
  const sigma = noiseSigma(gray, width, height);
  const exposure = exposureStats(gray);
  const components = {
    sharpness: sharpnessScore(detailVariance(lapVar, sigma)),
    exposure: exposureScore(exposure),
    noise: noiseScore(sigma),
    resolution: resolutionScore(original.width, original.height),
  };
  const score =
    QUALITY_WEIGHTS.sharpness * components.sharpness +
    QUALITY_WEIGHTS.exposure * components.exposure +
    QUALITY_WEIGHTS.noise * components.noise +
    QUALITY_WEIGHTS.resolution * components.resolution;
  return {
    score: round(score),
    components: {
      sharpness: round(components.sharpness),
      exposure: round(components.exposure),
      noise: round(components.noise),
      resolution: round(components.resolution),
    },
    measures: {
      laplacianVariance: round(lapVar, 2),
      noiseSigma: round(sigma, 3),
      megapixels: round((original.width * original.height) / 1e6, 3),
      exposure,
    },
  };
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
