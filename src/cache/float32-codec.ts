/**
 * Embeddings are stored as raw little-endian float32 bytes: 2 KB for a 512-d CLIP vector, no
 * JSON rounding, and any other language can read them back with one call (numpy.frombuffer).
 */
import os from 'node:os';

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

export function encodeFloat32(vector: Float32Array): Buffer {
  if (!(vector instanceof Float32Array)) throw new TypeError('an embedding must be a Float32Array');
  if (LITTLE_ENDIAN_HOST) {
    // A copy, not a view: the caller may reuse or mutate its array before the write is sent.
    return Buffer.from(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  }
  const out = Buffer.allocUnsafe(vector.byteLength);
  for (let i = 0; i < vector.length; i++) out.writeFloatLE(vector[i]!, i * 4);
  return out;
}

/** Null when the bytes cannot be a float32 vector (truncated or foreign value). */
export function decodeFloat32(bytes: Uint8Array): Float32Array | null {
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) return null;
  // Always copy into a fresh buffer: ioredis hands out slices at arbitrary offsets, and a
  // Float32Array view needs 4-byte alignment.
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}
