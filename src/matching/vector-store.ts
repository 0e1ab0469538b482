/**
 * What matching needs from a vector database, with two implementations: ChromaDB (a real
 * `chroma run` server through the npm client) and an embedded HNSW index persisted under the data
 * dir. Vectors are unit length and scores are cosine similarities (1 − cosine distance).
 */
export type MetadataValue = string | number | boolean;
export type Metadata = Record<string, MetadataValue>;

/** Equality, membership or a numeric range per field; every condition must hold. */
export type FieldFilter = MetadataValue | { $in: MetadataValue[] } | { $gte?: number; $lte?: number };
export type Where = Record<string, FieldFilter>;

export interface VectorRecord {
  id: string;
  vector: Float32Array;
  metadata: Metadata;
  /** The text the vector was made from: a re-index embeds it again with another model. */
  document: string;
}

export interface StoredRecord {
  id: string;
  metadata: Metadata;
  document: string;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity to the query. */
  score: number;
  metadata: Metadata;
}

export interface QueryOptions {
  k: number;
  where?: Where;
  /** Never returned (the querying user). */
  excludeIds?: readonly string[];
}

export interface VectorStore {
  readonly kind: 'chroma' | 'embedded';
  upsert(collection: string, records: readonly VectorRecord[]): Promise<void>;
  delete(collection: string, ids: readonly string[]): Promise<void>;
  /** Records by id, in order; undefined where absent. Vectors included. */
  get(collection: string, ids: readonly string[]): Promise<(VectorRecord | undefined)[]>;
  /** A page of the records matching `where`, in a stable order, for re-indexing (no vectors). */
  list(collection: string, offset: number, limit: number, where?: Where): Promise<StoredRecord[]>;
  query(collection: string, vector: Float32Array, options: QueryOptions): Promise<VectorHit[]>;
  count(collection: string): Promise<number>;
  close(): Promise<void>;
}

export function matchesWhere(metadata: Metadata, where: Where | undefined): boolean {
  if (!where) return true;
  return Object.entries(where).every(([field, cond]) => {
    const v = metadata[field];
    if (typeof cond === 'object' && cond !== null) {
      if ('$in' in cond) return v !== undefined && cond.$in.includes(v);
      if (typeof v !== 'number') return false;
      return (cond.$gte === undefined || v >= cond.$gte) && (cond.$lte === undefined || v <= cond.$lte);
    }
    return v === cond;
  });
}
