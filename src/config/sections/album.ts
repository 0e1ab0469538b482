/** The photo pipeline: album limits, batching, decoding, and the album-wide analysis. */
import { z } from 'zod';
import { positiveInt } from './types';

export const albumSection = z.object({
  LIGHTBOX_ALBUM_PARALLELISM: positiveInt.max(500).default(16).describe('photos in flight per album (batches × batch size)'),
  LIGHTBOX_PHOTO_BATCH_SIZE: positiveInt.max(64).default(8).describe('photos per CPU activity: one decode pass and one inference run per batch'),
  LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: positiveInt.max(3600).default(60).describe('a batch whose worker is silent this long is retried on another worker'),
  LIGHTBOX_ALBUM_MAX_PHOTOS: positiveInt.default(10_000).describe('photos an album takes; more are rejected with `ALBUM_FULL`'),
  LIGHTBOX_ALBUM_SETTLE_SECONDS: z.coerce
    .number()
    .min(0)
    .max(3600)
    .default(5)
    .describe('quiet time after the last photo before the album-wide step (duplicates, people, highlights) runs'),
});
