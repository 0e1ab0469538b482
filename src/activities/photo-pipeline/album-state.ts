/**
 * I/O-queue activities that keep an album run's state in the blob store, so continue-as-new and
 * re-analysis carry a key rather than thousands of photos through workflow history. Pending
 * photos are stored in pages of PENDING_PAGE_SIZE and read back one page at a time.
 */
import { heartbeat } from '@temporalio/activity';
import { PENDING_PAGE_SIZE, type AlbumPipelineState, type PhotoFailureRecord, type PhotoRef } from '../../shared/album';
import type { BlobStore } from '../../storage/blob-store';
import { BlobNotFoundError } from '../../storage/blob-store';
import { ApplicationFailure } from '@temporalio/common';
import { failureDocKey, failureDocsPrefix, photoDocsPrefix } from './keys';
import type { FailureDoc } from './photo-doc';

const pageKey = (stateKey: string, page: number) => stateKey.replace(/\.json$/, `.pending-${page}.json`);
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const opts = { contentType: 'application/json' };

export interface StagedAnalysis {
  photos: number;
}

export function createAlbumStateActivities({ store }: { store: BlobStore }) {
  async function readJson<T>(key: string): Promise<T> {
    try {
      return JSON.parse((await store.get(key)).toString('utf8')) as T;
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw ApplicationFailure.nonRetryable(`album state ${key} is missing`, 'STATE_NOT_FOUND');
      throw err;
    }
  }

  async function savePendingPage({ stateKey, page, photos }: { stateKey: string; page: number; photos: PhotoRef[] }): Promise<string> {
    const key = pageKey(stateKey, page);
    await store.put(key, json(photos), opts);
    return key;
  }

  async function saveAlbumState({ stateKey, state }: { stateKey: string; state: AlbumPipelineState }): Promise<void> {
    await store.put(stateKey, json(state), opts);
  }

  async function loadAlbumState({ stateKey }: { stateKey: string }): Promise<AlbumPipelineState> {
    return readJson<AlbumPipelineState>(stateKey);
  }

  async function loadPendingPage({ key }: { key: string }): Promise<PhotoRef[]> {
    return readJson<PhotoRef[]>(key);
  }

  /** A photo whose whole activity failed (after its retries) still gets its failure record. */
  async function recordPhotoFailure(input: { tenantId: string; albumId: string; analysisId: string; ref: PhotoRef; failure: PhotoFailureRecord }) {
    const doc: FailureDoc = { ...input.failure, analysisId: input.analysisId, ref: input.ref, failedAt: new Date().toISOString() };
    await store.put(failureDocKey(input.tenantId, input.albumId, input.analysisId, input.ref.photoId), json(doc), opts);
  }

  /**
   * Re-analysis: every photo an earlier analysis saw (analysed or failed) becomes pending in a
   * fresh state for the new analysis. Bytes are not copied; the photos keep their upload keys.
   */
  async function stageReanalysis(input: { tenantId: string; albumId: string; fromAnalysisId: string; stateKey: string }): Promise<StagedAnalysis> {
    const { tenantId, albumId, fromAnalysisId, stateKey } = input;
    const keys = [
      ...(await store.list(photoDocsPrefix(tenantId, albumId, fromAnalysisId))),
      ...(await store.list(failureDocsPrefix(tenantId, albumId, fromAnalysisId))),
    ].filter((k) => k.endsWith('.json'));
    const refs = new Map<string, PhotoRef>();
    for (let i = 0; i < keys.length; i++) {
      const doc = JSON.parse((await store.get(keys[i]!)).toString('utf8')) as { ref?: PhotoRef };
      if (doc.ref) refs.set(doc.ref.photoId, doc.ref);
      if (i % 200 === 0) heartbeat(i);
    }
    const photos = [...refs.values()].sort((a, b) => (a.photoId < b.photoId ? -1 : a.photoId > b.photoId ? 1 : 0));
    const pendingPageKeys: string[] = [];
    for (let p = 0; p * PENDING_PAGE_SIZE < photos.length; p++) {
      pendingPageKeys.push(await savePendingPage({ stateKey, page: p, photos: photos.slice(p * PENDING_PAGE_SIZE, (p + 1) * PENDING_PAGE_SIZE) }));
    }
    const state: AlbumPipelineState = {
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

  return { savePendingPage, saveAlbumState, loadAlbumState, loadPendingPage, recordPhotoFailure, stageReanalysis };
}

