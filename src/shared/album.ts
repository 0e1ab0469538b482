/** The album contract shared by the workflow, its activities and the API. Types and constants only. */

export interface PhotoRef {
  photoId: string;
  /** The client's file name, shown back in results and errors. */
  name: string;
  /** Blob key of the original upload. */
  key: string;
  /** Content type the client declared, checked against the bytes. */
  contentType?: string;
}

export interface AlbumCounts {
  total: number;
  analyzed: number;
  failed: number;
  pending: number;
}

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
export type PhotoStage = 'fetch' | 'decode' | 'embedding' | 'category' | 'quality' | 'faces' | 'store' | 'album';

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

export interface PhotoFailureRecord {
  photoId: string;
  name: string;
  stage: PhotoStage;
  code: string;
  message: string;
  /** `id@version` of the model that was running, when one was. */
  model?: string;
  /** How many times the photo was tried before it was given up on. */
  attempts: number;
}

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

export interface AnalysisMethods {
  embedding: string;
  category: string;
  faces: string;
  quality: string;
}

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

/**
 * `processing`: photos are queued or being analysed. `settling`: every photo is done, and the
 * album-wide step (duplicates, people, highlights) waits out its settle time or runs; the results
 * are not final yet. `idle`: the results are final for the photos so far; the album takes more.
 * `completed` / `cancelled`: the album is closed and its results are final.
 */
export type AlbumStatus = 'processing' | 'settling' | 'idle' | 'completed' | 'cancelled';

interface StageProgress {
  total: number;
  done: number;
  failed: number;
  /** Photos per second since the stage first started in this analysis (null before any finished). */
  ratePerSecond: number | null;
  /** Seconds left at that rate (null when unknown). */
  etaSeconds: number | null;
}

export interface AlbumProgress {
  photos: StageProgress;
  album: { runs: number; running: boolean; lastDurationMs: number | null; upToDate: boolean };
  cacheHits: number;
}

export interface AlbumView {
  albumId: string;
  tenantId: string;
  title?: string;
  createdAt: string;
  analysis: number;
  status: AlbumStatus;
  closeRequested: boolean;
  counts: AlbumCounts;
  progress: AlbumProgress;
  failed: PhotoFailureRecord[];
  methods?: AnalysisMethods;
  /** Blob key of the latest album-level results (absent until the first album step). */
  resultsKey?: string;
  /** Continue-as-new generation of this analysis. */
  runIndex: number;
}

/** A part of an upload refused before it became a photo, named by its filename. */
export interface Rejection {
  name: string;
  code: string;
  message: string;
}

export interface AddPhotosResult {
  accepted: Array<{ photoId: string; name: string }>;
  /** Photos the album already had (a retried request): not queued twice. */
  duplicates: Array<{ photoId: string; name: string }>;
  rejected: Array<{ photoId: string; name: string; code: string; message: string }>;
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
export interface AlbumResultsDoc {
  albumId: string;
  analysisId: string;
  generatedAt: string;
  photoCount: number;
  /** Every analysed photo: its file name and what was decoded. */
  photos: Record<string, { name: string; width: number; height: number; format: string }>;
  /** Best first; never two photos of one duplicate group. */
  highlights: string[];
  /** Every photo the analysis gave up on, in photoId order. */
  failed: PhotoFailureRecord[];
  highlightScores: Array<{ photoId: string; score: number; represents: string[] }>;
  /** Copies (resized, re-encoded, cropped): groups on the perceptual embedding. */
  duplicates: string[][];
  /**
   * Similar shots (a burst, the same scene re-framed): groups on the semantic embedding, each
   * sorted by photoId with `best` its best-quality photo. Without a semantic image model:
   * model-not-installed (copies are still in `duplicates`).
   */
  similar: Array<{ photoIds: string[]; best: string }> | { status: 'model-not-installed'; reason: string };
  /** Each person with up to PERSON_CROPS of their faces (best-scored first) as boxes in photo pixels, for face crops. */
  people:
    | Array<{ personId: string; photoIds: string[]; faces: number; crops: Array<{ photoId: string; box: FaceBox }> }>
    | { status: 'model-not-installed'; reason: string };
  categories: Record<string, { label: string; names: { en: string; ko: string }; score: number; imagenetClass?: string } | { status: 'model-not-installed' }>;
  quality: Record<
    string,
    {
      score: number;
      blurry: boolean;
      blur: number;
      exposure: 'under' | 'over' | 'ok';
      sharpness: number;
      noise: number;
      resolution: number;
      megapixels: number;
    }
  >;
  models: {
    embedding: string;
    category: string;
    faces: string;
    quality: string;
    duplicates: { method: string; threshold: number };
    similar?: { method: string; threshold: number };
    people: { eps: number; minFaces: number };
    highlights: { count: number; diversity: number; minQuality: number };
  };
}

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

/** A face's box in its photo's own (EXIF-rotated) pixel coordinates. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How many face boxes each person carries in the results: enough for a face crop or three. */
export const PERSON_CROPS = 3;
