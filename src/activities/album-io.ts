/** I/O-queue activities for albums: writing what the CPU work produced to durable storage. */
import type { AlbumView } from '../shared/album';
import type { BlobStore } from '../storage/blob-store';
import { albumManifestKey } from '../storage/keys';

export function createAlbumIoActivities({ store }: { store: BlobStore }) {
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
  return { writeAlbumManifest };
}
