/** The matching API: profiles in the vector index, top-k matches, and re-indexing after a model change. */
import { z } from 'zod';
import { userIdSchema } from './common';

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'field names: a letter, then up to 31 letters, digits or _');
const fieldValue = z.union([z.string().max(200), z.number(), z.boolean()]);

// ---- requests -------------------------------------------------------------------------------

export const reindexJobIdParam = z.string().regex(/^[A-Za-z0-9._-]{1,300}$/);

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

export const reindexBody = z
  .object({
    /** The embedding whose collection holds the profiles now, e.g. "char-ngram-tfidf@1024". */
    from: z.string().min(1).max(200),
    pageSize: z.number().int().min(1).max(256).optional(),
  })
  .strict();

// ---- responses ------------------------------------------------------------------------------

export const profileIndexedResponse = z.object({
  userId: z.string(),
  indexed: z.literal(true),
  embedding: z.string(),
  /** onnx, or char-ngram-tfidf (the fallback). */
  method: z.string(),
  fallbackReason: z.string().optional(),
});
export const profileDeletedResponse = z.object({ userId: z.string(), deleted: z.literal(true) });
export const matchResponse = z.object({
  /** Best first; never the querying user. */
  results: z.array(z.object({ userId: z.string(), score: z.number() })),
  k: z.number().int(),
  /** onnx (the sentence model) or char-ngram-tfidf (the hashing fallback). */
  method: z.string(),
  embedding: z.string(),
  fallbackReason: z.string().optional(),
});
export const reindexStartedResponse = z.object({ jobId: z.string(), workflowId: z.string() });
/** The re-index workflow's progress query. */
export const reindexProgressResponse = z.object({
  state: z.enum(['running', 'paused', 'completed']),
  fromCollection: z.string(),
  /** Filled once the first activity says which embedding is current. */
  toCollection: z.string().optional(),
  embedding: z.string().optional(),
  method: z.string().optional(),
  /** Profiles read so far from the source (the next page starts here). */
  offset: z.number().int(),
  /** Re-embedded and written. */
  reindexed: z.number().int(),
  /** Already in the target with the same text: left as they are. */
  unchanged: z.number().int(),
  /** Runs so far (1 + continue-as-new count). */
  runs: z.number().int(),
});

export type MatchResponse = z.infer<typeof matchResponse>;
export type ProfileIndexedResponse = z.infer<typeof profileIndexedResponse>;
export type ProfileDeletedResponse = z.infer<typeof profileDeletedResponse>;
export type ReindexStartedResponse = z.infer<typeof reindexStartedResponse>;
