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
    /** Free text in any language, e.g. "지브리 스타일로 바꿔줘". */
    request: z.string().trim().min(1, 'request is empty').max(MAX_STYLE_REQUEST_CHARS, `request is over ${MAX_STYLE_REQUEST_CHARS} characters`),
  })
  .strict();

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
