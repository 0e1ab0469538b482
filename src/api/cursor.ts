/**
 * The one page-cursor codec of the API: a payload behind an 8-byte checksum, base64url. A cursor
 * this API did not give out is refused as 400 INVALID_CURSOR before it reaches anything else: the
 * Temporal dev server answers a forged visibility token with errors the SDK retries until the
 * deadline (a 503), and a results cursor that decoded to any photoId would page from there.
 */
import crypto from 'node:crypto';
import { ApiError } from './errors';

const CHECKSUM_BYTES = 8;

/** What a cursor pages through: one list's cursor is refused by another. */
export type CursorKind = 'results' | 'visibility' | 'people' | 'person-photos' | 'photo-search';

const checksum = (kind: CursorKind, payload: Buffer) => crypto.createHash('sha256').update(`${kind}\0`).update(payload).digest().subarray(0, CHECKSUM_BYTES);

export function encodeCursor(kind: CursorKind, payload: Buffer): string {
  return Buffer.concat([checksum(kind, payload), payload]).toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string): Buffer {
  const raw = Buffer.from(cursor, 'base64url');
  const payload = raw.subarray(CHECKSUM_BYTES);
  if (raw.length <= CHECKSUM_BYTES || !checksum(kind, payload).equals(raw.subarray(0, CHECKSUM_BYTES))) {
    throw new ApiError('INVALID_CURSOR', 'cursor is not one this API gave out');
  }
  return payload;
}

/** An offset into a list the API ranks afresh on each request, in the same codec. */
export const encodeOffsetCursor = (kind: CursorKind, offset: number) => encodeCursor(kind, Buffer.from(String(offset), 'utf8'));

export function decodeOffsetCursor(kind: CursorKind, cursor: string): number {
  const text = decodeCursor(kind, cursor).toString('utf8');
  const offset = Number(text);
  // A checksummed cursor is ours; this guards a change of format between versions.
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(offset)) throw new ApiError('INVALID_CURSOR', 'cursor is not one this API gave out');
  return offset;
}
