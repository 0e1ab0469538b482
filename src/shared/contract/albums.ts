/**
 * The album API: requests, the status view the workflow's query answers, the results document the
 * album step writes, and what each route sends back. src/shared/album.ts takes its types from here.
 */
import { z } from 'zod';
import { offsetPage, photoIdSchema, rejectionSchema, signedUrlFields, visibilityPageQuery } from './common';

// ---- requests -------------------------------------------------------------------------------

export const createAlbumBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const planUploadsBody = z
  .object({
    files: z
      .array(
        z
          .object({
            name: z.string().min(1).max(255),
            contentType: z.string().min(1).max(100),
            size: z.number().int().nonnegative(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const signedUploadsBody = z
  .object({
    uploaded: z.array(photoIdSchema).min(1).max(1000),
  })
  .strict();

export const resultsQuery = z
  .object({
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const deleteAlbumQuery = z.object({ purge: z.enum(['true', 'false']).optional() }).strict();

export const listAlbumsQuery = visibilityPageQuery;

// ---- the album's state ----------------------------------------------------------------------

/** Pipeline stages, in the order a photo goes through them; `album` runs over the whole album. */
export const photoStageSchema = z.enum(['fetch', 'decode', 'embedding', 'category', 'quality', 'faces', 'store', 'album']);

export const photoFailureSchema = z.object({
  photoId: z.string(),
  name: z.string(),
  stage: photoStageSchema,
  code: z.string(),
  message: z.string(),
  /** `id@version` of the model that was running, when one was. */
  model: z.string().optional(),
  /** How many times the photo was tried before it was given up on. */
  attempts: z.number().int(),
});

export const albumCountsSchema = z.object({ total: z.number().int(), analyzed: z.number().int(), failed: z.number().int(), pending: z.number().int() });

/**
 * `processing`: photos are queued or being analysed. `settling`: every photo is done, and the
 * album-wide step (duplicates, people, highlights) waits out its settle time or runs; the results
 * are not final yet. `idle`: the results are final for the photos so far; the album takes more.
 * `completed` / `cancelled`: the album is closed and its results are final.
 */
export const albumStatusSchema = z.enum(['processing', 'settling', 'idle', 'completed', 'cancelled']);

const stageProgress = z.object({
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  /** Photos per second since the stage first started in this analysis (null before any finished). */
  ratePerSecond: z.number().nullable(),
  /** Seconds left at that rate (null when unknown). */
  etaSeconds: z.number().nullable(),
});

export const albumProgressSchema = z.object({
  photos: stageProgress,
  album: z.object({ runs: z.number().int(), running: z.boolean(), lastDurationMs: z.number().nullable(), upToDate: z.boolean() }),
  cacheHits: z.number().int(),
});

/** Which model or classic method produced each kind of result. */
export const analysisMethodsSchema = z.object({ embedding: z.string(), category: z.string(), faces: z.string(), quality: z.string() });

/** What the album workflow's status query answers: GET /v1/albums/:id and each SSE `status` event. */
export const albumViewSchema = z.object({
  albumId: z.string(),
  tenantId: z.string(),
  title: z.string().optional(),
  createdAt: z.string(),
  /** 1 for the first analysis; each re-analysis is the next number. */
  analysis: z.number().int(),
  status: albumStatusSchema,
  closeRequested: z.boolean(),
  counts: albumCountsSchema,
  progress: albumProgressSchema,
  /** The most recent failures (all of them are in /results). */
  failed: z.array(photoFailureSchema),
  methods: analysisMethodsSchema.optional(),
  /** Blob key of the latest album-level results (absent until the first album step). */
  resultsKey: z.string().optional(),
  /** Continue-as-new generation of this analysis. */
  runIndex: z.number().int(),
});

// ---- the results document (a blob the album step writes) --------------------------------------

/** A face's box in its photo's own (EXIF-rotated) pixel coordinates. */
export const faceBoxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });

const notInstalled = z.object({ status: z.literal('model-not-installed'), reason: z.string() });

export const categoryResultSchema = z.union([
  z.object({
    label: z.string(),
    names: z.object({ en: z.string(), ko: z.string() }),
    score: z.number(),
    imagenetClass: z.string().optional(),
  }),
  z.object({ status: z.literal('model-not-installed') }),
]);

export const qualityResultSchema = z.object({
  score: z.number(),
  blurry: z.boolean(),
  blur: z.number(),
  exposure: z.enum(['under', 'over', 'ok']),
  sharpness: z.number(),
  noise: z.number(),
  resolution: z.number(),
  megapixels: z.number(),
});
export type QualityResult = z.infer<typeof qualityResultSchema>;

/** A copy group with the photo the album keeps (the one highlights use) and why, in words. */
export const duplicateGroupSchema = z.object({ photoIds: z.array(z.string()), kept: z.string(), reason: z.string() });

const photoInfo = z.object({ name: z.string(), width: z.number().int(), height: z.number().int(), format: z.string() });
export type PhotoInfo = z.infer<typeof photoInfo>;

export const albumResultsDocSchema = z.object({
  albumId: z.string(),
  analysisId: z.string(),
  generatedAt: z.string(),
  photoCount: z.number().int(),
  /** Every analysed photo: its file name and what was decoded. */
  photos: z.record(z.string(), photoInfo),
  /** Best first; never two photos of one duplicate group. */
  highlights: z.array(z.string()),
  /** Every photo the analysis gave up on, in photoId order. */
  failed: z.array(photoFailureSchema),
  highlightScores: z.array(z.object({ photoId: z.string(), score: z.number(), represents: z.array(z.string()) })),
  /** Copies (resized, re-encoded, cropped): groups on the perceptual embedding. */
  duplicates: z.array(z.array(z.string())),
  /** The same groups as `duplicates`, each with its kept photo and the reason (absent in results written before it existed). */
  duplicateGroups: z.array(duplicateGroupSchema).optional(),
  /**
   * Similar shots (a burst, the same scene re-framed): groups on the semantic embedding, each
   * sorted by photoId with `best` its best-quality photo. Without a semantic image model:
   * model-not-installed (copies are still in `duplicates`).
   */
  similar: z.union([z.array(z.object({ photoIds: z.array(z.string()), best: z.string() })), notInstalled]),
  /** Each person with up to PERSON_CROPS of their faces (best-scored first) as boxes in photo pixels, for face crops. */
  people: z.union([
    z.array(
      z.object({
        personId: z.string(),
        /** The tenant's name for the person, when someone gave one (People page). */
        name: z.string().nullable().optional(),
        photoIds: z.array(z.string()),
        faces: z.number().int(),
        /** faceId (`<albumId>.<photoId>-f<n>`): in the API's answer, for the people routes. */
        crops: z.array(z.object({ faceId: z.string().optional(), photoId: z.string(), box: faceBoxSchema })),
      }),
    ),
    notInstalled,
  ]),
  categories: z.record(z.string(), categoryResultSchema),
  quality: z.record(z.string(), qualityResultSchema),
  models: analysisMethodsSchema.extend({
    duplicates: z.object({ method: z.string(), threshold: z.number() }),
    similar: z.object({ method: z.string(), threshold: z.number() }).optional(),
    people: z.object({ eps: z.number(), minFaces: z.number() }),
    highlights: z.object({ count: z.number(), diversity: z.number(), minQuality: z.number() }),
  }),
});

// ---- responses ------------------------------------------------------------------------------

export const albumLinksSchema = z.object({
  self: z.string(),
  photos: z.string(),
  uploads: z.string(),
  results: z.string(),
  events: z.string(),
  /** The album's workflow in the Temporal Web UI, when the API knows where that is. */
  workflowUi: z.string().optional(),
});

/** POST /v1/albums and GET /v1/albums/:id: the view plus the workflow id and links. */
export const albumStatusResponse = albumViewSchema.extend({ workflowId: z.string(), links: albumLinksSchema });
export type AlbumStatusResponse = z.infer<typeof albumStatusResponse>;

export const purgedResponse = albumViewSchema.extend({ purged: z.literal(true), deletedBlobs: z.number().int() });

export const uploadResultResponse = z.object({
  accepted: z.array(z.object({ photoId: z.string(), name: z.string() })),
  rejected: z.array(rejectionSchema),
});
export type UploadResultResponse = z.infer<typeof uploadResultResponse>;

export const planUploadsResponse = z.object({
  uploads: z.array(z.object({ photoId: z.string(), name: z.string(), ...signedUrlFields })),
  rejected: z.array(rejectionSchema),
});
export type PlanUploadsResponse = z.infer<typeof planUploadsResponse>;

export const photoUrlResponse = z.object({ photoId: z.string(), contentType: z.string(), size: z.number().int(), ...signedUrlFields });
export type PhotoUrlResponse = z.infer<typeof photoUrlResponse>;

const pageItem = z.object({
  photoId: z.string(),
  name: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  format: z.string().optional(),
  category: categoryResultSchema.optional(),
  quality: qualityResultSchema.optional(),
  failure: photoFailureSchema.optional(),
  /** Signed, expiring download URL of the photo. */
  url: z.string(),
  urlExpiresAt: z.string(),
  /** Same API key as the request. */
  thumbnailUrl: z.string(),
});

/**
 * GET /v1/albums/:id/results: album-wide fields whole, per-photo fields (photos, categories,
 * quality, items) for one page in photoId order; `nextCursor` fetches the next page.
 */
export const albumResultsResponse = z.object({
  albumId: z.string(),
  status: albumStatusSchema,
  analysis: z.number().int(),
  counts: albumCountsSchema,
  progress: albumProgressSchema,
  /** false while photos are still being analysed or the album step has not run since. */
  upToDate: z.boolean(),
  generatedAt: z.string().nullable(),
  photos: albumResultsDocSchema.shape.photos,
  highlights: albumResultsDocSchema.shape.highlights,
  highlightScores: albumResultsDocSchema.shape.highlightScores,
  duplicates: albumResultsDocSchema.shape.duplicates,
  duplicateGroups: z.array(duplicateGroupSchema),
  similar: albumResultsDocSchema.shape.similar,
  people: albumResultsDocSchema.shape.people,
  categories: albumResultsDocSchema.shape.categories,
  quality: albumResultsDocSchema.shape.quality,
  failed: z.array(photoFailureSchema),
  /** The model id@version or classic method behind each kind of result (empty before any). */
  models: albumResultsDocSchema.shape.models.partial(),
  items: z.array(pageItem),
  ...offsetPage,
});
export type AlbumResultsResponse = z.infer<typeof albumResultsResponse>;

/** GET /v1/albums: the tenant's albums from Temporal visibility, newest first. */
export const albumListResponse = z
  .object({
    albums: z.array(
      z.object({
        albumId: z.string(),
        title: z.string().nullable(),
        /** The status the workflow last published (processing, idle, completed, cancelled). */
        status: z.string(),
        startedAt: z.string().nullable(),
        closedAt: z.string().nullable(),
        workflowId: z.string(),
        links: z.object({ self: z.string() }),
      }),
    ),
    /** Pass as `cursor` for the next (older) page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .strict();
export type AlbumListResponse = z.infer<typeof albumListResponse>;
