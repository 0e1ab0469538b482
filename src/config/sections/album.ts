/** The photo pipeline: album limits, batching, decoding, and the album-wide analysis. */
import { z } from 'zod';
import { optionalString, positiveInt } from './types';

export const albumSection = z.object({
  LIGHTBOX_MAX_MEGAPIXELS: z.coerce.number().positive().default(150).describe('photos with more pixels are refused before decoding'),
  LIGHTBOX_ALBUM_IDLE_CLOSE_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7)
    .describe('an open album with no new photos for this long closes itself'),
  LIGHTBOX_ALBUM_PARALLELISM: positiveInt.max(500).default(16).describe('photos in flight per album (batches × batch size)'),
  LIGHTBOX_DUPLICATE_THRESHOLD: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      "Default: calibrated. cosine similarity at or above which two photos are copies; unset → the embedding method's calibrated value (0.85 for `phash-colorlayout-v1`)",
    ),
  LIGHTBOX_PEOPLE_EPS: z.coerce
    .number()
    .gt(0)
    .max(2)
    .default(0.5)
    .describe(
      "largest distance between two faces of one person (DBSCAN eps) in the face model's own metric: Euclidean for the dlib descriptor (calibrated by `npm run eval`), cosine distance for ArcFace",
    ),
  LIGHTBOX_HIGHLIGHT_COUNT: positiveInt.max(1000).default(20).describe('most highlights per album'),
  LIGHTBOX_CATEGORY_MAP_FILE: optionalString.describe(
    'Default: built-in. JSON map of ImageNet classes to album categories (format of `src/models/imagenet/category-map.json`)',
  ),
  LIGHTBOX_SIMILAR_THRESHOLD: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.8)
    .describe('cosine on the semantic embedding at or above which two photos are _similar shots_'),
  LIGHTBOX_CATEGORY_LABELS_FILE: optionalString.describe('Default: built-in. JSON array of zero-shot labels `{id, names:{en,ko}, prompts:{en,ko}}`'),
  LIGHTBOX_PHOTO_BATCH_SIZE: positiveInt.max(64).default(8).describe('photos per CPU activity: one decode pass and one inference run per batch'),
  LIGHTBOX_PHOTO_HEARTBEAT_SECONDS: positiveInt.max(3600).default(60).describe('a batch whose worker is silent this long is retried on another worker'),
  LIGHTBOX_ALBUM_MAX_PHOTOS: positiveInt.default(10_000).describe('photos an album takes; more are rejected with `ALBUM_FULL`'),
  LIGHTBOX_ALBUM_SETTLE_SECONDS: z.coerce
    .number()
    .min(0)
    .max(3600)
    .default(5)
    .describe('quiet time after the last photo before the album-wide step (duplicates, people, highlights) runs'),
  LIGHTBOX_CONTINUE_AS_NEW_EVENTS: positiveInt
    .min(200)
    .max(40_000)
    .default(10_000)
    .describe('an album run continues as new past this many history events (or when the server suggests it)'),
  LIGHTBOX_DECODE_TIMEOUT_MS: positiveInt.default(30_000).describe('an isolated decode taking longer is killed'),
  LIGHTBOX_DECODE_MAX_MEMORY_MB: positiveInt.default(1024).describe('memory limit of the isolated decoder'),
});
