/**
 * The one byte format for embeddings: raw little-endian float32, whatever the host's byte order.
 * 2 KB for a 512-d CLIP vector, no JSON rounding, and any other language reads it back with one
 * call (numpy.frombuffer(b, '<f4')). Redis holds the bytes; JSON documents, workflow payloads and
 * the embedded store's log hold the same bytes as base64.
 */

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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

/** Null when the bytes cannot be a float32 vector (empty, truncated or a foreign value). */
export function decodeFloat32(bytes: Uint8Array): Float32Array | null {
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) return null;
  // Always a fresh buffer: ioredis and Buffer.from(base64) hand out slices at arbitrary offsets,
  // and a Float32Array view needs 4-byte alignment.
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** The same bytes as base64, for JSON documents and workflow payloads (a quarter the size of JSON numbers). */
export function encodeVector(v: Float32Array): string {
  return encodeFloat32(v).toString('base64');
}

/** Throws when the string is not base64 float32 data: a stored vector that cannot be read is corruption. */
export function decodeVector(s: string): Float32Array {
  const v = decodeFloat32(Buffer.from(s, 'base64'));
  if (!v) throw new Error('a stored vector is not float32 data');
  return v;
}
