/** The real dependencies activities close over, built once per worker process from config. */
import type { Config } from '../config';
import { resolveSigningSecret } from '../config/secrets';
import { createBlobStore, type BlobStore } from '../storage';

export function blobStoreFromConfig(config: Config): BlobStore {
  if (config.storage.kind === 'gcs') {
    return createBlobStore({
      kind: 'gcs',
      bucket: config.storage.gcs.bucket!,
      projectId: config.storage.gcs.projectId,
      apiEndpoint: config.storage.gcs.apiEndpoint,
    });
  }
  return createBlobStore({
    kind: 'local',
    rootDir: config.storage.localRoot,
    signingSecret: resolveSigningSecret(config),
    publicBaseUrl: config.api.publicUrl,
  });
}
