/**
 * Classic image-quality measures on a greyscale raster: they need no model, so every album gets
 * them. Thresholds are starting points for phone photos at ≤1024 px, not ground truth.
 */

/** Below this Laplacian variance a 1024-px photo reads as soft or out of focus. */
export const BLUR_THRESHOLD = 100;

/** Variance of the 4-neighbour Laplacian: sharp edges give large second derivatives. */
export function laplacianVariance(gray: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
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
  const verdict =
    meanLuminance < 0.2 || shadowClipping > 0.25 ? 'under' : meanLuminance > 0.85 || highlightClipping > 0.25 ? 'over' : 'ok';
  return {
    meanLuminance: round(meanLuminance),
    shadowClipping: round(shadowClipping),
    highlightClipping: round(highlightClipping),
    verdict,
  };
}

export const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
