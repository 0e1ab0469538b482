/** Small vector helpers shared by every embedding model. */

/** A unit-length copy (an all-zero vector stays zero rather than becoming NaN). */
export function l2Normalize(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(v: ArrayLike<number>): number {
  return Math.sqrt(dot(v, v));
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

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
