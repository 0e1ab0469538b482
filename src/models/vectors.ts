/** Tensor-shaped helpers for the embedding models; the vector arithmetic itself is in src/vectors/math.ts. */
import { l2Normalize } from '../vectors/math';

/** Row `i` of a row-major [rows, width] buffer, L2-normalised into its own array. */
export function splitRows(data: Float32Array, rows: number, width: number, normalize: boolean): Float32Array[] {
  if (data.length !== rows * width) throw new Error(`expected ${rows}×${width} values, got ${data.length}`);
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * width, (r + 1) * width);
    out.push(normalize ? l2Normalize(row) : Float32Array.from(row));
  }
  return out;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
