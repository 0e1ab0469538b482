import type { Config } from '../config';
import { resolveSigningSecret } from '../config/secrets';
import type { BlobStore } from './blob-store';
import { createBlobStore } from './index';

/** The blob store a process uses: GCS when GCS_BUCKET is set, else the local signed-URL store. */
export function blobStoreFromConfig(config: Config): BlobStore {
  if (config.storage.kind === 'gcs') {
    return createBlobStore({
      kind: 'gcs',
      bucket: config.storage.gcs.bucket!,
    });
  }
  return createBlobStore({
    kind: 'local',
    rootDir: config.storage.localRoot,
    signingSecret: resolveSigningSecret(config),
    publicBaseUrl: config.api.publicUrlConfigured ? config.api.publicUrl : undefined,
  });
}
