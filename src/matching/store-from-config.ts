import type { Config } from '../config';
import { ChromaVectorStore } from './chroma-store';
import { EmbeddedVectorStore } from './embedded-store';
import type { VectorStore } from './vector-store';

export function vectorStoreFromConfig(matching: Config['matching']): VectorStore {
  return matching.store === 'chroma' ? new ChromaVectorStore(matching.chromaUrl!) : new EmbeddedVectorStore({ dir: matching.embeddedDir });
}
