/**
 * The album contract shared by the workflow, its activities and the API. Types and constants only:
 * the shapes the API also serves are inferred from the zod schemas in ./contract/albums (type-only
 * imports, so the workflow bundle never loads zod).
 */
import type { z } from 'zod';
import type {
  albumCountsSchema,
  albumResultsDocSchema,
  albumStatusSchema,
  albumViewSchema,
  analysisMethodsSchema,
  faceBoxSchema,
  photoFailureSchema,
  photoStageSchema,
} from './contract/albums';
import type { REJECTION_CODES, rejectionSchema } from './contract/common';

export interface PhotoRef {
  photoId: string;
  /** The client's file name, shown back in results and errors. */
  name: string;
  /** Blob key of the original upload. */
  key: string;
  /** Content type the client declared, checked against the bytes. */
  contentType?: string;
}

export type AlbumCounts = z.infer<typeof albumCountsSchema>;

export interface AddPhotosRequest {
  photos: PhotoRef[];
}

export function albumWorkflowId(tenantId: string, albumId: string): string {
  return `album-${tenantId}-${albumId}`;
}

// ---------------------------------------------------------------------------------------------
// The photo pipeline. Workflow history holds only what is below: references, counts and
// per-photo failures. Embeddings and per-photo results live in the blob store, keyed by album
// and analysis.
// ---------------------------------------------------------------------------------------------

/** Pipeline stages, in the order a photo goes through them; `album` runs over the whole album. */
export type PhotoStage = z.infer<typeof photoStageSchema>;

/**
 * Where a photo batch is, in its heartbeats and in the details of a failure it throws: the
 * workflow records a failed photo's real stage and attempt from these.
 */
export interface BatchProgress {
  stage: PhotoStage;
  /** The activity attempt (1 = first try). */
  attempt: number;
  /** Photos finished so far: a retry resumes after them. */
  outcomes: PhotoOutcome[];
}

export type PhotoFailureRecord = z.infer<typeof photoFailureSchema>;

export interface PipelineSettings {
  /** Photos per CPU activity: one decode pass and ONE inference run per batch. */
  batchSize: number;
  /** Photos in flight per album (batches × batchSize). */
  parallelism: number;
  /** Heartbeat timeout of a batch, seconds: how soon a killed worker's batch is retried elsewhere. */
  heartbeatSeconds: number;
  /** Continue-as-new past this many history events (or when the server suggests it). */
  continueAsNewAfterEvents: number;
  /** Refuse photos past this many per album. */
  maxPhotos: number;
  /** Quiet time after the last photo before the album-wide step runs (photos come in several requests). */
  settleMs: number;
}

export interface AlbumInput {
  tenantId: string;
  albumId: string;
  title?: string;
  createdAt: string;
  idleCloseMs: number;
  /** 1 for the first analysis; a re-analysis (new model versions) is a new run with the next number. */
  analysis: number;
  settings: PipelineSettings;
  photos?: PhotoRef[];
  /** Set by continue-as-new: the blob holding the previous run's state. */
  stateKey?: string;
  /** Runs of this analysis so far (continue-as-new increments it). */
  runIndex?: number;
  /** A re-analysis: redo every photo of this earlier analysis (e.g. `a1`). */
  reanalyzeFrom?: string;
}

export interface PhotoBatchInput {
  tenantId: string;
  albumId: string;
  analysisId: string;
  photos: PhotoRef[];
}

export type PhotoOutcome = { photoId: string; ok: true; cacheHit: boolean } | { photoId: string; ok: false; failure: PhotoFailureRecord };

export interface PhotoBatchResult {
  outcomes: PhotoOutcome[];
  /** Which model or classic method produced each kind of result in this batch. */
  methods: AnalysisMethods;
}

export type AnalysisMethods = z.infer<typeof analysisMethodsSchema>;

export interface AlbumAnalysisInput {
  tenantId: string;
  albumId: string;
  analysisId: string;
}

export interface AlbumAnalysisSummary {
  resultsKey: string;
  photos: number;
  highlights: number;
  duplicateGroups: number;
  people: number;
  durationMs: number;
}

export type AlbumStatus = z.infer<typeof albumStatusSchema>;

export type AlbumView = z.infer<typeof albumViewSchema>;

/** A part of an upload refused before it became a photo, named by its filename. */
export type Rejection = z.infer<typeof rejectionSchema>;

export interface AddPhotosResult {
  accepted: Array<{ photoId: string; name: string }>;
  /** Photos the album already had (a retried request): not queued twice. */
  duplicates: Array<{ photoId: string; name: string }>;
  rejected: Array<{ photoId: string; name: string; code: (typeof REJECTION_CODES)[number]; message: string }>;
}

export interface AlbumSummary {
  albumId: string;
  analysis: number;
  status: 'completed' | 'cancelled';
  counts: AlbumCounts;
  manifestKey: string;
  resultsKey?: string;
}

export function analysisId(analysis: number): string {
  return `a${analysis}`;
}

/** The album-level results document (blob), what GET /v1/albums/:id/results serves. */
export type AlbumResultsDoc = z.infer<typeof albumResultsDocSchema>;

/** A face's box in its photo's own (EXIF-rotated) pixel coordinates. */
export type FaceBox = z.infer<typeof faceBoxSchema>;

/** What an album run hands to its continuation (through the blob store, by key). */
export interface AlbumState {
  knownIds: string[];
  counts: { analyzed: number; failed: number };
  recentFailures: PhotoFailureRecord[];
  cacheHits: number;
  methods?: AnalysisMethods;
  resultsKey?: string;
  albumRuns: number;
  albumUpToDate: boolean;
  lastAlbumDurationMs: number | null;
  /** Time (ms) photos were in flight so far: the rate and ETA are per busy second, not per idle hour. */
  photosBusyMs: number;
  closeRequested: boolean;
  /** Blob keys of the pages of photos still to analyse, in order. */
  pendingPageKeys: string[];
}

/** Photos per stored page of pending photos: a page is one activity payload (~100 KB). */
export const PENDING_PAGE_SIZE = 500;

/** How many face boxes each person carries in the results: enough for a face crop or three. */
export const PERSON_CROPS = 3;
