/** Checks every BlobStore implementation must pass the same way. */
import assert from 'node:assert/strict';
import { InvalidBlobKeyError, type BlobStore } from '../../src/storage/blob-store';

/** A bad key is refused by every operation, before anything reaches disk or the network. */
export async function assertKeyRejectedEverywhere(store: BlobStore, key: string): Promise<void> {
  await assert.rejects(store.put(key, Buffer.from('x')), InvalidBlobKeyError);
  await assert.rejects(store.get(key), InvalidBlobKeyError);
  await assert.rejects(store.stat(key), InvalidBlobKeyError);
  await assert.rejects(store.delete(key), InvalidBlobKeyError);
  await assert.rejects(store.signedDownloadUrl(key, { expiresInSeconds: 60 }), InvalidBlobKeyError);
  await assert.rejects(store.signedUploadUrl(key, { expiresInSeconds: 60 }), InvalidBlobKeyError);
}
