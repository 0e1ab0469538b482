/** The chat clean-bot API. */
import { z } from 'zod';

export const moderationBody = z
  .object({
    messages: z.array(z.object({ id: z.string().min(1).max(128), text: z.string() }).strict()).min(1),
  })
  .strict();

/** Per message: toxic or not, the score, labels, and the method (e5-head+lexicon by default, onnx for a pulled classifier, lexicon as the fallback). */
export const moderationResponse = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      toxic: z.boolean(),
      score: z.number(),
      /** Non-clean labels at or over the threshold (model), or ["profanity"] (lexicon). */
      labels: z.array(z.string()),
      method: z.string(),
      /** `id@version` of the classifier, or `badwords-ko` for the lexicon. */
      model: z.string(),
      /** e5 head: its own probability (score is 1 on an explicit lexicon hit). */
      headScore: z.number().optional(),
      /** e5 head: probability per label. */
      scores: z.record(z.string(), z.number()).optional(),
      truncated: z.boolean().optional(),
      /** The lexicon entries found (lexicon and e5-head+lexicon). */
      matches: z.array(z.string()).optional(),
      fallbackReason: z.string().optional(),
    }),
  ),
});

export type ModerationResponse = z.infer<typeof moderationResponse>;
