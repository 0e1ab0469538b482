/**
 * What every resource of the API shares: id formats, the idempotency header, signed URLs, per-file
 * rejections, paged lists. One module per resource sits beside this one; a new route's request and
 * response schemas go into its resource's module (or a new one), and the OpenAPI document in
 * src/api/openapi.ts is generated from them. Workflow code may import the inferred types only.
 */
import { z } from 'zod';

export const albumIdParam = z.string().regex(/^alb_[a-z0-9]{8,64}$/, 'albumId looks like alb_…');
export const photoIdSchema = z.string().regex(/^ph_[a-z0-9]{8,64}$/, 'photoId looks like ph_…');
export const styleIdParam = z.string().regex(/^sty_[a-z0-9]{8,64}$/, 'styleId looks like sty_…');
export const reportIdParam = z.string().regex(/^rep_[a-z0-9]{8,64}$/, 'reportId looks like rep_…');
/** User ids are the client's own: anything printable and short, no separators we use in ids. */
export const userIdSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'userId: 1-128 of A-Z a-z 0-9 . _ @ -');

export const idempotencyKeyHeader = z.string().min(1).max(200);

/** Per-file rejection codes inside a 2xx upload response (not HTTP errors). */
export const REJECTION_CODES = [
  'EMPTY_FILE',
  'NOT_AN_IMAGE',
  'FILE_TOO_LARGE',
  'UNSUPPORTED_TYPE',
  'UNKNOWN_UPLOAD',
  'UPLOAD_NOT_FOUND',
  'ALBUM_FULL',
  'INVALID_KEY',
  'INVALID_FILENAME',
  'FILENAME_TOO_LONG',
  'UNEXPECTED_FIELD',
  'SIZE_MISMATCH',
] as const;

export const rejectionSchema = z.object({ name: z.string(), code: z.enum(REJECTION_CODES), message: z.string() });

export const signedUrlFields = {
  url: z.string(),
  method: z.enum(['GET', 'PUT']),
  expiresAt: z.string(),
  headers: z.record(z.string(), z.string()),
};

/** `?limit=&cursor=` of the lists that page through Temporal visibility (albums, jobs). */
export const visibilityPageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** Opaque: the `nextCursor` of the previous page. */
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'cursor is the nextCursor of a previous page')
      .optional(),
  })
  .strict();

export const selfLink = z.object({ self: z.string() });

/** The paging fields of a list answered a page at a time: `nextCursor` (null on the last page) fetches the next. */
export const offsetPage = {
  nextCursor: z.string().nullable(),
  page: z.object({ limit: z.number().int(), total: z.number().int(), nextCursor: z.string().nullable() }),
};
