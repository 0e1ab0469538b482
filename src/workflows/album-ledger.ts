/**
 * The album's bookkeeping, kept apart from its process (album.ts): which photos it knows and
 * which wait, what they came to, the album-wide step's record, the ETA stopwatch, and the state a
 * continued run starts from. Workflow code: deterministic and free of I/O; the caller passes the
 * (workflow) time in.
 */
import type {
  AlbumAnalysisSummary,
  AlbumInput,
  AlbumState,
  AlbumStatus,
  AlbumView,
  AnalysisMethods,
  PhotoBatchResult,
  PhotoFailureRecord,
  PhotoRef,
} from '../shared/album';

/** Failures kept in workflow state for the status view; the results document has all of them. */
export const RECENT_FAILURES = 50;

export class AlbumLedger {
  private readonly known = new Set<string>();
  /** Photos waiting, in arrival order. */
  private readonly queue: PhotoRef[] = [];
  /** Photos split out of a batch that failed whole: each runs alone, so one poison file is isolated. */
  private readonly isolate: PhotoRef[] = [];
  /** Stored pages of waiting photos (a continued run's backlog), loaded as the queue empties. */
  private pendingPageKeys: string[] = [];
  private inFlight = 0;

  private analyzed = 0;
  private failedCount = 0;
  private recentFailures: PhotoFailureRecord[] = [];
  private cacheHits = 0;
  private methods: AnalysisMethods | undefined;
  private resultsKey: string | undefined;

  private albumRuns = 0;
  private lastAlbumDurationMs: number | null = null;
  /** The album-wide results cover every photo analysed so far. */
  albumUpToDate = true;
  albumRunning = false;
  closeRequested = false;
  /** How the album ended, once it has. */
  outcome: 'completed' | 'cancelled' | undefined;

  /** Time (ms) photos were in flight: rate and ETA are per busy second, not per idle hour. */
  private busyMs = 0;
  private busySince: number | null = null;

  constructor(private readonly input: AlbumInput) {}

  get size(): number {
    return this.known.size;
  }

  has(photoId: string): boolean {
    return this.known.has(photoId);
  }

  /** Queues a photo the album did not know; false for one it already had. */
  add(photo: PhotoRef): boolean {
    if (this.known.has(photo.photoId)) return false;
    this.known.add(photo.photoId);
    this.queue.push(photo);
    return true;
  }

  // ---- the queue ------------------------------------------------------------------------------

  /** Photos are waiting (queued, isolated or in stored pages). */
  hasWaiting(): boolean {
    return this.isolate.length > 0 || this.queue.length > 0 || this.pendingPageKeys.length > 0;
  }

  /** The next stored page to load, when the queue is short of `wanted` photos. */
  nextPageKey(wanted: number): string | undefined {
    return this.queue.length < wanted ? this.pendingPageKeys.shift() : undefined;
  }

  addPage(photos: PhotoRef[]): void {
    this.queue.push(...photos);
  }

  /** An isolated photo alone, else up to `size` queued photos; undefined when none is in memory. */
  nextBatch(size: number): PhotoRef[] | undefined {
    if (this.isolate.length > 0) return this.isolate.splice(0, 1);
    if (this.queue.length > 0) return this.queue.splice(0, size);
    return undefined;
  }

  /** A batch that failed whole: its photos run again one by one. */
  splitBatch(batch: PhotoRef[]): void {
    this.isolate.push(...batch);
  }

  /** No photo waits or runs. */
  photosIdle(): boolean {
    return !this.hasWaiting() && this.inFlight === 0;
  }

  // ---- outcomes -------------------------------------------------------------------------------

  /** Photos went to a worker: the stopwatch runs while any photo is in flight. */
  batchStarted(photos: number, now: number): void {
    if (this.inFlight === 0) this.busySince = now;
    this.inFlight += photos;
  }

  /** A batch ended, however: the album-wide results no longer cover every photo. */
  batchEnded(photos: number, now: number): void {
    this.inFlight -= photos;
    if (this.inFlight === 0 && this.busySince !== null) {
      this.busyMs += now - this.busySince;
      this.busySince = null;
    }
    this.albumUpToDate = false;
  }

  recordBatch(result: PhotoBatchResult): void {
    this.methods = result.methods;
    for (const o of result.outcomes) {
      if (o.ok) {
        this.analyzed++;
        if (o.cacheHit) this.cacheHits++;
      } else this.recordFailure(o.failure);
    }
  }

  recordFailure(f: PhotoFailureRecord): void {
    this.failedCount++;
    this.recentFailures = [...this.recentFailures, f].slice(-RECENT_FAILURES);
  }

  albumStepDone(summary: AlbumAnalysisSummary): void {
    this.resultsKey = summary.resultsKey;
    this.lastAlbumDurationMs = summary.durationMs;
    this.albumRuns++;
    this.albumUpToDate = true;
  }

  // ---- what clients see -----------------------------------------------------------------------

  /**
   * `idle` and `completed` promise final results: while the album-wide step still has photos to
   * cover (waiting out its settle time or running), the album is `settling`.
   */
  status(): AlbumStatus {
    if (this.outcome) return this.outcome;
    if (!this.photosIdle()) return 'processing';
    return this.albumUpToDate ? 'idle' : 'settling';
  }

  view(now: number): AlbumView {
    const { input } = this;
    const pending = this.known.size - this.analyzed - this.failedCount;
    const elapsed = this.busyMs + (this.busySince === null ? 0 : now - this.busySince);
    const finished = this.analyzed + this.failedCount;
    const rate = finished > 0 && elapsed > 0 ? finished / (elapsed / 1000) : null;
    return {
      albumId: input.albumId,
      tenantId: input.tenantId,
      title: input.title,
      createdAt: input.createdAt,
      analysis: input.analysis,
      status: this.status(),
      closeRequested: this.closeRequested,
      counts: { total: this.known.size, analyzed: this.analyzed, failed: this.failedCount, pending },
      progress: {
        photos: {
          total: this.known.size,
          done: this.analyzed,
          failed: this.failedCount,
          ratePerSecond: rate === null ? null : Math.round(rate * 100) / 100,
          etaSeconds: rate === null ? null : Math.round(pending / rate),
        },
        album: { runs: this.albumRuns, running: this.albumRunning, lastDurationMs: this.lastAlbumDurationMs, upToDate: this.albumUpToDate },
        cacheHits: this.cacheHits,
      },
      failed: this.recentFailures,
      ...(this.methods ? { methods: this.methods } : {}),
      ...(this.resultsKey ? { resultsKey: this.resultsKey } : {}),
      runIndex: input.runIndex ?? 0,
    };
  }

  // ---- continue-as-new ------------------------------------------------------------------------

  /** Photos still to run, in order (isolated first), for the continued run's stored pages. */
  leftover(): PhotoRef[] {
    return [...this.isolate, ...this.queue];
  }

  /** The state a continued run starts from; `pageKeys` hold leftover(), saved by the caller. */
  snapshot(pageKeys: string[]): AlbumState {
    return {
      knownIds: [...this.known],
      counts: { analyzed: this.analyzed, failed: this.failedCount },
      recentFailures: this.recentFailures,
      cacheHits: this.cacheHits,
      ...(this.methods ? { methods: this.methods } : {}),
      ...(this.resultsKey ? { resultsKey: this.resultsKey } : {}),
      albumRuns: this.albumRuns,
      albumUpToDate: this.albumUpToDate,
      lastAlbumDurationMs: this.lastAlbumDurationMs,
      photosBusyMs: this.busyMs,
      closeRequested: this.closeRequested,
      pendingPageKeys: [...pageKeys, ...this.pendingPageKeys],
    };
  }

  restore(s: AlbumState): void {
    for (const id of s.knownIds) this.known.add(id);
    this.analyzed = s.counts.analyzed;
    this.failedCount = s.counts.failed;
    this.recentFailures = s.recentFailures;
    this.cacheHits = s.cacheHits;
    this.methods = s.methods;
    this.resultsKey = s.resultsKey;
    this.albumRuns = s.albumRuns;
    this.albumUpToDate = s.albumUpToDate;
    this.lastAlbumDurationMs = s.lastAlbumDurationMs;
    this.busyMs = s.photosBusyMs;
    this.closeRequested ||= s.closeRequested;
    this.pendingPageKeys = [...s.pendingPageKeys];
  }
}
