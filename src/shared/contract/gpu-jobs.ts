/** The GPU job API: style transfer and tuning reports, their status while queued, running and done, and the job list. */
import { z } from 'zod';
import { albumIdParam, photoIdSchema, selfLink, visibilityPageQuery } from './common';

// ---- requests -------------------------------------------------------------------------------

/** Longest free-text style request accepted (the seeds' requests are one sentence). */
const MAX_STYLE_REQUEST_CHARS = 500;

export const createStyleBody = z
  .object({
    albumId: albumIdParam,
    photoId: photoIdSchema,
    /** Free text in any language, e.g. "지브리 스타일로 바꿔줘". Optional with styleFromPhotoId. */
    request: z.string().trim().min(1, 'request is empty').max(MAX_STYLE_REQUEST_CHARS, `request is over ${MAX_STYLE_REQUEST_CHARS} characters`).optional(),
    /** Style by example: another photo of the same album whose look is painted onto photoId. */
    styleFromPhotoId: photoIdSchema.optional(),
  })
  .strict()
  .refine((b) => b.request !== undefined || b.styleFromPhotoId !== undefined, { error: 'give a request or a styleFromPhotoId', path: ['request'] });

const tag = z.string().trim().min(1).max(100);
export const profileSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    interests: z.array(tag).max(30),
    music: z.array(tag).max(30),
    bio: z.string().trim().max(2000),
  })
  .strict()
  .refine((p) => p.interests.length + p.music.length > 0 || p.bio.length > 0, 'a profile needs interests, music or a bio');

export const createReportBody = z
  .object({
    profiles: z.tuple([profileSchema, profileSchema], { error: 'profiles must be exactly two profiles' }),
  })
  .strict();

export const listJobsQuery = visibilityPageQuery.extend({ kind: z.enum(['style', 'report']).optional() }).strict();

// ---- responses ------------------------------------------------------------------------------

export const styleCreatedResponse = z.object({ styleId: z.string(), workflowId: z.string(), links: selfLink });
export const reportCreatedResponse = z.object({ reportId: z.string(), workflowId: z.string(), links: selfLink });
export type StyleCreatedResponse = z.infer<typeof styleCreatedResponse>;
export type ReportCreatedResponse = z.infer<typeof reportCreatedResponse>;

/** A GPU class's task queue: approximate backlog (jobs waiting for a GPU slot), its age, and polling workers. */
export const gpuQueueSchema = z.union([
  z.object({ queue: z.string(), backlog: z.number().int().nullable(), backlogAgeSeconds: z.number().nullable(), pollers: z.number().int() }),
  z.object({ queue: z.string(), error: z.string() }),
]);

/** What both job kinds' status has; each kind adds its own fields (the object stays open for them). */
const jobStatus = z.looseObject({
  workflowId: z.string(),
  state: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
  /** The workflow's execution status, or `archived` once Temporal dropped it and the stored result answers. */
  workflowStatus: z.string().optional(),
  phase: z.string().optional(),
  attempt: z.number().int().optional(),
  /** Why the previous attempt failed, while a retry is pending or running. */
  lastFailure: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  queue: gpuQueueSchema.optional(),
});

export const styleStatusResponse = jobStatus.extend({
  styleId: z.string(),
  /** From the render's heartbeats while it runs. */
  progress: z.looseObject({ step: z.number().int(), totalSteps: z.number().int(), fraction: z.number() }).optional(),
  prompt: z
    .looseObject({
      prompt: z.string(),
      negativePrompt: z.string(),
      style: z.string(),
      /** gemini: written by Gemini; catalogue: the deterministic fallback; example: style by example (no prompt). */
      source: z.enum(['gemini', 'catalogue', 'example']),
      /** Which matcher chose the catalogue style. */
      matcher: z.enum(['keyword', 'gemini', 'e5', 'default']).optional(),
      /** e5's cosine similarity between the request and the chosen style's description. */
      similarity: z.number().optional(),
      fallbackReason: z.enum(['no-api-key', 'gemini-failed']).optional(),
      model: z.string().optional(),
    })
    .optional(),
  result: z
    .looseObject({
      /** Signed download URL of the PNG. */
      url: z.string(),
      urlExpiresAt: z.string(),
      width: z.number().int().optional(),
      height: z.number().int().optional(),
      /** automatic1111, multistyle26, magenta-arbitrary (style by example) or cpu-sharp. */
      backend: z.string().optional(),
      /** true: the colour filter, no A1111 server and no style network installed. */
      fallback: z.boolean().optional(),
      renderMs: z.number().optional(),
    })
    .optional(),
});
export type StyleStatusResponse = z.infer<typeof styleStatusResponse>;

const contextResult = z.looseObject({
  source: z.enum(['web', 'music', 'video']),
  status: z.enum(['ok', 'skipped', 'failed']),
  provider: z.string(),
  query: z.string().optional(),
  error: z.string().optional(),
  items: z.array(z.looseObject({ title: z.string(), url: z.string().optional(), snippet: z.string().optional() })),
});

export const reportStatusResponse = jobStatus.extend({
  reportId: z.string(),
  /** Tokens streamed so far, and the text so far. */
  progress: z.looseObject({ tokens: z.number().int(), text: z.string().optional() }).optional(),
  context: z.array(contextResult).optional(),
  report: z
    .looseObject({
      text: z.string(),
      source: z.enum(['llm', 'template']),
      model: z.string().optional(),
      tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }).optional(),
      generationMs: z.number().optional(),
      reportKey: z.string(),
    })
    .optional(),
});
export type ReportStatusResponse = z.infer<typeof reportStatusResponse>;

/** GET /v1/jobs: the tenant's GPU jobs, newest first, and every GPU queue's state. */
export const jobListResponse = z
  .object({
    jobs: z.array(
      z.object({
        kind: z.enum(['style', 'report']),
        id: z.string(),
        /** The status the workflow last published (queued, running, done, failed…). */
        status: z.string(),
        startedAt: z.string().nullable(),
        closedAt: z.string().nullable(),
        workflowId: z.string(),
        links: selfLink,
      }),
    ),
    nextCursor: z.string().nullable(),
    queues: z.array(
      z
        .object({ queue: z.string(), backlog: z.number().nullable(), backlogAgeSeconds: z.number().nullable(), pollers: z.number() })
        .or(z.object({ queue: z.string(), error: z.string() })),
    ),
  })
  .strict();
export type JobListResponse = z.infer<typeof jobListResponse>;
