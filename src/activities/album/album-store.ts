/**
 * The album store activities: every I/O-queue read and write of an album's documents. The run's
 * state lives in the blob store, so continue-as-new and re-analysis carry a key rather than
 * thousands of photos through workflow history; pending photos are stored in pages of
 * PENDING_PAGE_SIZE and read back one page at a time. The manifest is written once, at the end.
 */
import { PENDING_PAGE_SIZE, type AlbumState, type AlbumView, type PhotoRef } from '../../shared/album';
import type { BlobStore } from '../../storage/blob-store';
import { BlobNotFoundError } from '../../storage/blob-store';
import { ApplicationFailure } from '@temporalio/common';
import { albumManifestKey, failureDocsPrefix, pendingPageKey, photoDocsPrefix } from '../../storage/keys';
import { listJson, readJsonDocs, writeFailureDoc, type FailureInput } from './photo-doc';
import { compareIds } from '../../analysis/duplicates';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const opts = { contentType: 'application/json' };

interface StagedAnalysis {
  photos: number;
}

export function createAlbumStoreActivities({ store }: { store: BlobStore }) {
  async function readJson<T>(key: string): Promise<T> {
    try {
      return JSON.parse((await store.get(key)).toString('utf8')) as T;
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw ApplicationFailure.nonRetryable(`album state ${key} is missing`, 'STATE_NOT_FOUND');
      throw err;
    }
  }

  async function savePendingPage({ stateKey, page, photos }: { stateKey: string; page: number; photos: PhotoRef[] }): Promise<string> {
    const key = pendingPageKey(stateKey, page);
    await store.put(key, json(photos), opts);
    return key;
  }

  async function saveAlbumState({ stateKey, state }: { stateKey: string; state: AlbumState }): Promise<void> {
    await store.put(stateKey, json(state), opts);
  }

  async function loadAlbumState({ stateKey }: { stateKey: string }): Promise<AlbumState> {
    return readJson<AlbumState>(stateKey);
  }

  async function loadPendingPage({ key }: { key: string }): Promise<PhotoRef[]> {
    return readJson<PhotoRef[]>(key);
  }

  /** A photo whose whole activity failed (after its retries) still gets its failure record. */
  async function recordPhotoFailure(input: FailureInput): Promise<void> {
    await writeFailureDoc(store, input);
  }

  /**
   * Re-analysis: every photo an earlier analysis saw (analysed or failed) becomes pending in a
   * fresh state for the new analysis. Bytes are not copied; the photos keep their upload keys.
   */
  async function stageReanalysis(input: { tenantId: string; albumId: string; fromAnalysisId: string; stateKey: string }): Promise<StagedAnalysis> {
    const { tenantId, albumId, fromAnalysisId, stateKey } = input;
    const keys = [
      ...(await listJson(store, photoDocsPrefix(tenantId, albumId, fromAnalysisId))),
      ...(await listJson(store, failureDocsPrefix(tenantId, albumId, fromAnalysisId))),
    ];
    const refs = new Map<string, PhotoRef>();
    for (const doc of await readJsonDocs<{ ref?: PhotoRef }>(store, keys)) if (doc.ref) refs.set(doc.ref.photoId, doc.ref);
    const photos = [...refs.values()].sort((a, b) => compareIds(a.photoId, b.photoId));
    const pendingPageKeys: string[] = [];
    for (let p = 0; p * PENDING_PAGE_SIZE < photos.length; p++) {
      pendingPageKeys.push(await savePendingPage({ stateKey, page: p, photos: photos.slice(p * PENDING_PAGE_SIZE, (p + 1) * PENDING_PAGE_SIZE) }));
    }
    const state: AlbumState = {
      knownIds: photos.map((p) => p.photoId),
      counts: { analyzed: 0, failed: 0 },
      recentFailures: [],
      cacheHits: 0,
      albumRuns: 0,
      albumUpToDate: false,
      lastAlbumDurationMs: null,
      photosBusyMs: 0,
      // A re-analysis takes no new photos: it finishes once the album's photos are redone.
      closeRequested: true,
      pendingPageKeys,
    };
    await saveAlbumState({ stateKey, state });
    return { photos: photos.length };
  }

  /** The album's manifest: where the results are and how the album ended (completed or cancelled). */
  async function writeAlbumManifest(input: {
    tenantId: string;
    albumId: string;
    title?: string;
    createdAt: string;
    analysis: number;
    status: 'completed' | 'cancelled';
    view: AlbumView;
  }): Promise<string> {
    const key = albumManifestKey(input.tenantId, input.albumId);
    const { view, ...rest } = input;
    const manifest = {
      ...rest,
      counts: view.counts,
      progress: view.progress,
      methods: view.methods,
      resultsKey: view.resultsKey,
      finishedAt: new Date().toISOString(),
    };
    await store.put(key, Buffer.from(JSON.stringify(manifest)), { contentType: 'application/json' });
    return key;
  }
  return { savePendingPage, saveAlbumState, loadAlbumState, loadPendingPage, recordPhotoFailure, stageReanalysis, writeAlbumManifest };
}
