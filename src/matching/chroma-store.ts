/**
 * The ChromaDB vector store: a `chroma run` server (pip chromadb, pinned in
 * scripts/install-tools.sh) through the npm `chromadb` client. Embeddings are always computed by
 * Lightbox (no Chroma embedding function); collections use cosine space, so a hit's score is
 * 1 − distance.
 */
import { ChromaClient, type Collection, type Where as ChromaWhere } from 'chromadb';
import { vectorIndexSize, vectorSearchSeconds } from '../telemetry/metrics';
import type { Metadata, QueryOptions, StoredRecord, VectorHit, VectorRecord, VectorStore, Where } from './vector-store';

export function toChromaWhere(where: Where | undefined): ChromaWhere | undefined {
  if (!where) return undefined;
  const clauses: ChromaWhere[] = [];
  for (const [field, cond] of Object.entries(where)) {
    if (typeof cond === 'object' && cond !== null) {
      if ('$in' in cond) clauses.push({ [field]: { $in: cond.$in } } as ChromaWhere);
      else {
        if (cond.$gte !== undefined) clauses.push({ [field]: { $gte: cond.$gte } });
        if (cond.$lte !== undefined) clauses.push({ [field]: { $lte: cond.$lte } });
      }
    } else clauses.push({ [field]: { $eq: cond } } as ChromaWhere);
  }
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

export class ChromaVectorStore implements VectorStore {
  readonly kind = 'chroma' as const;
  private readonly client: ChromaClient;
  private readonly collections = new Map<string, Promise<Collection>>();

  /** `url`: e.g. http://127.0.0.1:8000 (CHROMA_URL). */
  constructor(url: string) {
    const u = new URL(url);
    this.client = new ChromaClient({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), ssl: u.protocol === 'https:' });
  }

  private collection(name: string): Promise<Collection> {
    let c = this.collections.get(name);
    if (!c) {
      c = this.client.getOrCreateCollection({ name, embeddingFunction: null, configuration: { hnsw: { space: 'cosine' } } });
      this.collections.set(name, c);
      c.catch(() => this.collections.delete(name));
    }
    return c;
  }

  async upsert(name: string, records: readonly VectorRecord[]): Promise<void> {
    if (records.length === 0) return;
    const c = await this.collection(name);
    await c.upsert({
      ids: records.map((r) => r.id),
      embeddings: records.map((r) => Array.from(r.vector)),
      metadatas: records.map((r) => r.metadata),
      documents: records.map((r) => r.document),
    });
    vectorIndexSize.set({ store: this.kind, collection: name }, await c.count());
  }

  async delete(name: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const c = await this.collection(name);
    await c.delete({ ids: [...ids] });
    vectorIndexSize.set({ store: this.kind, collection: name }, await c.count());
  }

  async get(name: string, ids: readonly string[]): Promise<(VectorRecord | undefined)[]> {
    const c = await this.collection(name);
    const r = await c.get({ ids: [...ids], include: ['embeddings', 'metadatas', 'documents'] });
    const byId = new Map(
      r.ids.map((id, i) => [
        id,
        { id, vector: Float32Array.from(r.embeddings[i] ?? []), metadata: (r.metadatas[i] ?? {}) as Metadata, document: r.documents[i] ?? '' },
      ]),
    );
    return ids.map((id) => byId.get(id));
  }

  async list(name: string, offset: number, limit: number, where?: Where): Promise<StoredRecord[]> {
    const c = await this.collection(name);
    const chromaWhere = toChromaWhere(where);
    const r = await c.get({ offset, limit, include: ['metadatas', 'documents'], ...(chromaWhere ? { where: chromaWhere } : {}) });
    return r.ids.map((id, i) => ({ id, metadata: (r.metadatas[i] ?? {}) as Metadata, document: r.documents[i] ?? '' }));
  }

  async query(name: string, vector: Float32Array, options: QueryOptions): Promise<VectorHit[]> {
    const stop = vectorSearchSeconds.startTimer({ store: this.kind, operation: 'query' });
    try {
      const c = await this.collection(name);
      const exclude = new Set(options.excludeIds ?? []);
      const where = toChromaWhere(options.where);
      // Chroma cannot filter on ids in a query: ask for the excluded ones' places too, then drop them.
      const r = await c.query({
        queryEmbeddings: [Array.from(vector)],
        nResults: options.k + exclude.size,
        ...(where ? { where } : {}),
        include: ['distances', 'metadatas'],
      });
      const ids = r.ids[0] ?? [];
      const distances = r.distances[0] ?? [];
      const metadatas = r.metadatas[0] ?? [];
      return ids
        .map((id, i) => ({ id, score: 1 - (distances[i] ?? 1), metadata: (metadatas[i] ?? {}) as Metadata }))
        .filter((h) => !exclude.has(h.id))
        .slice(0, options.k);
    } finally {
      stop();
    }
  }

  async count(name: string): Promise<number> {
    return (await this.collection(name)).count();
  }

  async close(): Promise<void> {
    this.collections.clear();
  }
}
