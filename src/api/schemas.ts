/** Request schemas: validation at the edge and the OpenAPI document come from the same zod objects. */
import { z } from 'zod';
import { MAX_STYLE_REQUEST_CHARS } from '../shared/gpu-jobs';

export const albumIdParam = z.string().regex(/^alb_[a-z0-9]{8,64}$/, 'albumId looks like alb_…');
export const photoIdSchema = z.string().regex(/^ph_[a-z0-9]{8,64}$/, 'photoId looks like ph_…');

export const createAlbumBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const idempotencyKeyHeader = z.string().min(1).max(200);

export const planUploadsBody = z
  .object({
    files: z
      .array(
        z
          .object({
            name: z.string().min(1).max(255),
            contentType: z.string().min(1).max(100),
            size: z.number().int().nonnegative(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const signedUploadsBody = z
  .object({
    uploaded: z.array(photoIdSchema).min(1).max(1000),
  })
  .strict();

export const styleIdParam = z.string().regex(/^sty_[a-z0-9]{8,64}$/, 'styleId looks like sty_…');
export const reportIdParam = z.string().regex(/^rep_[a-z0-9]{8,64}$/, 'reportId looks like rep_…');

export const createStyleBody = z
  .object({
    albumId: albumIdParam,
    photoId: photoIdSchema,
    /** Free text in any language, e.g. "지브리 스타일로 바꿔줘". Optional with styleFromPhotoId. */
    request: z.string().trim().min(1, 'request is empty').max(MAX_STYLE_REQUEST_CHARS, `request is over ${MAX_STYLE_REQUEST_CHARS} characters`).optional(),
    /** Style by example: another photo of the same album whose look is painted onto photoId. */
    styleFromPhotoId: photoIdSchema.optional(),
  })
  .strict()
  .refine((b) => b.request !== undefined || b.styleFromPhotoId !== undefined, { error: 'give a request or a styleFromPhotoId', path: ['request'] });

const tag = z.string().trim().min(1).max(100);
export const profileSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    interests: z.array(tag).max(30),
    music: z.array(tag).max(30),
    bio: z.string().trim().max(2000),
  })
  .strict()
  .refine((p) => p.interests.length + p.music.length > 0 || p.bio.length > 0, 'a profile needs interests, music or a bio');

export const createReportBody = z
  .object({
    profiles: z.tuple([profileSchema, profileSchema], { error: 'profiles must be exactly two profiles' }),
  })
  .strict();

/** User ids are the client's own: anything printable and short, no separators we use in ids. */
export const userIdSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'userId: 1-128 of A-Z a-z 0-9 . _ @ -');

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'field names: a letter, then up to 31 letters, digits or _');
const fieldValue = z.union([z.string().max(200), z.number(), z.boolean()]);

export const profileBody = z
  .object({
    text: z.string(),
    /** Filterable fields (gender, age, region…). */
    fields: z.record(fieldName, fieldValue).optional(),
  })
  .strict();

const filterCondition = z.union([
  fieldValue,
  z.object({ $in: z.array(fieldValue).min(1).max(100) }).strict(),
  z.object({ $gte: z.number().optional(), $lte: z.number().optional() }).strict(),
]);

export const matchBody = z
  .object({
    userId: userIdSchema.optional(),
    text: z.string().optional(),
    k: z.number().int().optional(),
    filters: z.record(fieldName, filterCondition).optional(),
  })
  .strict()
  .refine((b) => b.userId !== undefined || b.text !== undefined, { error: 'give userId or text' });

export const moderationBody = z
  .object({
    messages: z.array(z.object({ id: z.string().min(1).max(128), text: z.string() }).strict()).min(1),
  })
  .strict();

export const reindexBody = z
  .object({
    /** The embedding whose collection holds the profiles now, e.g. "char-ngram-tfidf@1024". */
    from: z.string().min(1).max(200),
    pageSize: z.number().int().min(1).max(256).optional(),
  })
  .strict();

/* ---- response schemas: the OpenAPI document's success bodies come from these ---------------- */

const signedUrl = {
  url: z.string(),
  method: z.enum(['GET', 'PUT']),
  expiresAt: z.string(),
  headers: z.record(z.string(), z.string()),
};
export const rejectionResponse = z.object({ name: z.string(), code: z.string(), message: z.string() });
export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({ status: z.string(), checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })) });
export const photoUrlResponse = z.object({ photoId: z.string(), contentType: z.string(), size: z.number().int(), ...signedUrl });
export const planUploadsResponse = z.object({
  uploads: z.array(z.object({ photoId: z.string(), name: z.string(), ...signedUrl })),
  rejected: z.array(rejectionResponse),
});
export const jobCreatedResponse = (idField: 'styleId' | 'reportId') =>
  z.object({ [idField]: z.string(), workflowId: z.string(), links: z.object({ self: z.string() }) });
export const profileIndexedResponse = z.object({
  userId: z.string(),
  indexed: z.literal(true),
  embedding: z.string(),
  method: z.string(),
  fallbackReason: z.string().optional(),
});
export const profileDeletedResponse = z.object({ userId: z.string(), deleted: z.literal(true) });
export const matchResponse = z
  .object({
    results: z.array(z.object({ userId: z.string(), score: z.number() }).loose()),
    k: z.number().int(),
    method: z.string(),
    embedding: z.string(),
  })
  .loose();
export const reindexStartedResponse = z.object({ jobId: z.string(), workflowId: z.string() }).loose();
export const reindexProgressResponse = z.object({ state: z.string() }).loose();
export const moderationResponse = z.object({
  results: z.array(z.object({ id: z.string(), toxic: z.boolean(), score: z.number(), labels: z.unknown(), method: z.string() }).loose()),
});
export const blobStoredResponse = z.object({ key: z.string(), size: z.number().int() });
export const purgedResponse = z.object({ albumId: z.string(), purged: z.literal(true), deletedBlobs: z.number().int() }).loose();
