/** Request schemas: validation at the edge and the OpenAPI document come from the same zod objects. */
import { z } from 'zod';

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
