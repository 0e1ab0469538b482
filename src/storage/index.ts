import type { BlobStore } from './blob-store';
import { GcsBlobStore, type GcsBlobStoreOptions } from './gcs-store';
import { LocalBlobStore, type LocalBlobStoreOptions } from './local-store';

export * from './blob-store';
export * from './keys';
export * from './local-store';
export * from './gcs-store';

export type BlobStoreOptions = ({ kind: 'local' } & LocalBlobStoreOptions) | ({ kind: 'gcs' } & GcsBlobStoreOptions);

export function createBlobStore(options: BlobStoreOptions): BlobStore {
  switch (options.kind) {
    case 'local': {
      const { kind: _kind, ...rest } = options;
      return new LocalBlobStore(rest);
    }
    case 'gcs': {
      const { kind: _kind, ...rest } = options;
      return new GcsBlobStore(rest);
    }
    default: {
      // Reached only from untyped callers (config read from JSON, etc.).
      const unknownKind: never = options;
      throw new TypeError(`Unknown blob store kind ${JSON.stringify((unknownKind as { kind?: unknown }).kind)}`);
    }
  }
}
