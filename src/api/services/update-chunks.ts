/**
 * Splits what the API hands to a workflow into updates that each stay far below Temporal's
 * payload limits (2 MB hard per payload; the server warns from 512 KB). A workflow task that
 * receives an oversized payload fails with PayloadsTooLarge again and again (issue 13, defect 2),
 * so the bound is enforced here, before anything is sent.
 */

/** Bytes of JSON one update may carry: a quarter of the 512 KB warning threshold. */
export const MAX_UPDATE_PAYLOAD_BYTES = 128 * 1024;

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

/**
 * Consecutive chunks of at most `maxItems` items and `maxBytes` bytes of JSON each. An item that
 * alone is over `maxBytes` throws: the caller must have refused it before (names are capped).
 */
export function chunkForUpdates<T>(items: readonly T[], maxItems: number, maxBytes = MAX_UPDATE_PAYLOAD_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 2; // the array's brackets
  for (const item of items) {
    const size = jsonBytes(item) + 1; // and its comma
    if (size + 2 > maxBytes) throw new RangeError(`one item is ${size} bytes of JSON, over the ${maxBytes}-byte update bound`);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
