/** I/O-queue activities for albums: writing what the CPU work produced to durable storage. */
import type { PhotoAnalysis, PhotoFailure } from '../shared/album';
import type { BlobStore } from '../storage/blob-store';
import { tenantKey } from '../storage/keys';

export interface AlbumManifestInput {
  tenantId: string;
  albumId: string;
  title?: string;
  createdAt: string;
  photos: PhotoAnalysis[];
  failed: PhotoFailure[];
}

export function albumManifestKey(tenantId: string, albumId: string): string {
  return tenantKey(tenantId, 'albums', albumId, 'manifest.json');
}

export function createAlbumIoActivities({ store }: { store: BlobStore }) {
  async function writeAlbumManifest(input: AlbumManifestInput): Promise<string> {
    const key = albumManifestKey(input.tenantId, input.albumId);
    const manifest = { ...input, completedAt: new Date().toISOString() };
    await store.put(key, Buffer.from(JSON.stringify(manifest)), { contentType: 'application/json' });
    return key;
  }
  return { writeAlbumManifest };
}
