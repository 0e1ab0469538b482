/** Matching (profile search) and moderation (the clean-bot). */
import { z } from 'zod';
import { optionalString } from './types';

export const textSection = z.object({
  LIGHTBOX_VECTOR_STORE: z
    .enum(['embedded', 'chroma'])
    .default('embedded')
    .describe('profile vectors: `embedded` (HNSW index under `$LIGHTBOX_DATA_DIR/vectors`) or `chroma`'),
  CHROMA_URL: optionalString.describe('the ChromaDB server (e.g. `http://127.0.0.1:8000`), required with `chroma`'),
});
