/** The shared embedding cache. */
import { z } from 'zod';
import { optionalString } from './types';

export const cacheSection = z.object({
  REDIS_URL: optionalString.describe('shared embedding cache; unset → an in-process LRU'),
});
