/** Matching (profile search) and moderation (the clean-bot). */
import { z } from 'zod';
import { optionalString } from './types';

export const textSection = z.object({
  CHROMA_URL: optionalString.describe(
    'Default: unset → an HNSW index under `$LIGHTBOX_DATA_DIR/vectors`. the ChromaDB server profile vectors are kept in (e.g. `http://127.0.0.1:8000`), shared by every API pod and I/O worker',
  ),
});
