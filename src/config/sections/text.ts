/** Matching (profile search) and moderation (the clean-bot). */
import { z } from 'zod';
import { optionalString, positiveInt } from './types';

export const textSection = z.object({
  LIGHTBOX_VECTOR_STORE: z
    .enum(['embedded', 'chroma'])
    .default('embedded')
    .describe('profile vectors: `embedded` (HNSW index under `$LIGHTBOX_DATA_DIR/vectors`) or `chroma`'),
  CHROMA_URL: optionalString.describe('the ChromaDB server (e.g. `http://127.0.0.1:8000`), required with `chroma`'),
  LIGHTBOX_MATCH_MAX_K: positiveInt.max(1000).default(100).describe('largest `k` a match request may ask for'),
  LIGHTBOX_TEXT_MAX_CHARS: positiveInt.default(2000).describe('longest profile text or chat message accepted (`TEXT_TOO_LONG` beyond)'),
  LIGHTBOX_TOXICITY_LABELS: optionalString.describe(
    "Default: registry. comma-separated label names in logit order, to rename the classifier's labels (same count)",
  ),
  LIGHTBOX_TOXICITY_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5).describe('score at or above which a message is `toxic`'),
  LIGHTBOX_MODERATION_MAX_MESSAGES: positiveInt.max(1000).default(64).describe('most messages in one moderation request (`TOO_MANY_MESSAGES` beyond)'),
  LIGHTBOX_MODERATION_MAX_BATCH: positiveInt.max(1024).default(32).describe('most messages in one toxicity inference run (concurrent requests share runs)'),
  LIGHTBOX_MODERATION_MAX_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(4).describe('longest a message waits for others to fill its batch'),
});
