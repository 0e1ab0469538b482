/** The shared embedding cache. */
import { z } from 'zod';
import { optionalString, positiveInt } from './types';

export const cacheSection = z.object({
  REDIS_URL: optionalString.describe('shared embedding cache; unset → an in-process LRU'),
  LIGHTBOX_EMBEDDING_CACHE_ENTRIES: positiveInt.default(10_000).describe('size of the in-process LRU embedding cache'),
});
