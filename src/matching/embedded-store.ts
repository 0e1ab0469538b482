/**
 * The embedded vector store: one HNSW index (hnswlib-node, cosine) per collection, in memory,
 * persisted under `<dir>/<collection>/`. Several processes share it through the files: the API
 * answers queries while an I/O worker upserts. Every change is appended to `log.jsonl` (one line
 * per record, appends are atomic for lines this size on a local disk) and applied in memory;
 * before each read a process applies whatever the log gained since it last looked. A snapshot
 * (`index.hnsw` + `state.json`, written to temp names and renamed) lets a process start without
 * replaying the whole log; it records the log offset it covers.
 *
 * Why hnswlib-node: it builds from source with node-gyp against the local Node headers (no
 * prebuilt binary download), supports deletes, filtered search and persistence. usearch also
 * installs (prebuilt binaries inside its npm package) but declares Node ≥ 22.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { vectorIndexSize, vectorSearchSeconds } from '../telemetry/metrics';
import { decodeVector, encodeVector } from '../vectors/float32-codec';
import {
  matchesWhere,
  type Metadata,
  type QueryOptions,
  type StoredRecord,
  type VectorHit,
  type VectorRecord,
  type VectorStore,
  type Where,
} from './vector-store';

interface Entry {
  label: number;
  metadata: Metadata;
  document: string;
}

type LogLine = { op: 'upsert'; id: string; v: string; m: Metadata; d: string } | { op: 'delete'; id: string };

interface SnapshotState {
  logOffset: number;
  dim: number;
  nextLabel: number;
  deleted: number;
  entries: [string, Entry][];
}

export interface EmbeddedStoreOptions {
  dir: string;
  /** Log lines applied since the last snapshot before a process writes a new one. */
  snapshotEvery?: number;
  /** HNSW build/search parameters (hnswlib defaults are M 16, efConstruction 200). */
  m?: number;
  efConstruction?: number;
  efSearch?: number;
}

class Collection {
  index: HierarchicalNSW | undefined;
  dim = 0;
  nextLabel = 0;
  deleted = 0;
  readonly byId = new Map<string, Entry>();
  readonly idByLabel = new Map<number, string>();
  logOffset = 0;
  sinceSnapshot = 0;

  constructor(
    readonly name: string,
    readonly folder: string,
    private readonly opts: Required<Omit<EmbeddedStoreOptions, 'dir'>>,
  ) {}

  get logFile(): string {
    return path.join(this.folder, 'log.jsonl');
  }

  private ensureIndex(dim: number): HierarchicalNSW {
    if (this.index) {
      if (dim !== this.dim) throw new Error(`collection ${this.name} holds ${this.dim}-d vectors, got ${dim}-d`);
      return this.index;
    }
    this.dim = dim;
    this.index = new HierarchicalNSW('cosine', dim);
    this.index.initIndex({ maxElements: 1024, m: this.opts.m, efConstruction: this.opts.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    return this.index;
  }

  applyUpsert(id: string, vector: Float32Array, metadata: Metadata, document: string): void {
    const index = this.ensureIndex(vector.length);
    const existing = this.byId.get(id);
    if (existing) {
      index.addPoint(Array.from(vector), existing.label);
      existing.metadata = metadata;
      existing.document = document;
      return;
    }
    if (this.deleted === 0 && index.getCurrentCount() >= index.getMaxElements()) index.resizeIndex(index.getMaxElements() * 2);
    const label = this.nextLabel++;
    index.addPoint(Array.from(vector), label, this.deleted > 0);
    if (this.deleted > 0) this.deleted--;
    this.byId.set(id, { label, metadata, document });
    this.idByLabel.set(label, id);
  }

  applyDelete(id: string): void {
    const e = this.byId.get(id);
    if (!e || !this.index) return;
    this.index.markDelete(e.label);
    this.deleted++;
    this.byId.delete(id);
    this.idByLabel.delete(e.label);
  }

  apply(line: LogLine): void {
    if (line.op === 'upsert') this.applyUpsert(line.id, decodeVector(line.v), line.m, line.d);
    else this.applyDelete(line.id);
    this.sinceSnapshot++;
  }

  /** Loads the snapshot if there is one. */
  async load(): Promise<void> {
    const stateFile = path.join(this.folder, 'state.json');
    let state: SnapshotState;
    try {
      state = JSON.parse(await fsp.readFile(stateFile, 'utf8')) as SnapshotState;
    } catch {
      return;
    }
    const index = new HierarchicalNSW('cosine', state.dim);
    await index.readIndex(path.join(this.folder, `index-${state.logOffset}.hnsw`), true);
    this.index = index;
    this.dim = state.dim;
    this.nextLabel = state.nextLabel;
    this.deleted = state.deleted;
    for (const [id, e] of state.entries) {
      this.byId.set(id, e);
      this.idByLabel.set(e.label, id);
    }
    this.logOffset = state.logOffset;
  }

  private lock: Promise<void> = Promise.resolve();

  /** One reader or writer of the log at a time in this process. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn);
    this.lock = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** Applies log lines other processes (or this one) appended since the last look. */
  catchUp(): Promise<void> {
    return this.exclusive(() => this.readLog());
  }

  /**
   * Appends and applies `lines`. When nobody else appended in between (the file grew by exactly
   * our bytes), the lines are applied from memory instead of being read back and parsed.
   */
  write(lines: LogLine[]): Promise<void> {
    return this.exclusive(async () => {
      await this.readLog();
      await fsp.mkdir(this.folder, { recursive: true });
      const data = lines.map((l) => JSON.stringify(l) + '\n').join('');
      const before = this.logOffset;
      await fsp.appendFile(this.logFile, data);
      const size = (await fsp.stat(this.logFile)).size;
      if (size === before + Buffer.byteLength(data)) {
        for (const l of lines) this.apply(l);
        this.logOffset = size;
      } else {
        await this.readLog();
      }
    });
  }

  private async readLog(): Promise<void> {
    let size: number;
    try {
      size = (await fsp.stat(this.logFile)).size;
    } catch {
      return;
    }
    if (size <= this.logOffset) return;
    const fh = await fsp.open(this.logFile, 'r');
    try {
      const buf = Buffer.alloc(size - this.logOffset);
      await fh.read(buf, 0, buf.length, this.logOffset);
      const end = buf.lastIndexOf(0x0a);
      if (end < 0) return; // a line still being written
      for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
        if (line) this.apply(JSON.parse(line) as LogLine);
      }
      this.logOffset += end + 1;
    } finally {
      await fh.close();
    }
  }

  snapshot(): Promise<void> {
    return this.exclusive(() => this.writeSnapshot());
  }

  private async writeSnapshot(): Promise<void> {
    if (!this.index) return;
    const offset = this.logOffset;
    const indexFile = path.join(this.folder, `index-${offset}.hnsw`);
    await this.index.writeIndex(indexFile);
    const state: SnapshotState = { logOffset: offset, dim: this.dim, nextLabel: this.nextLabel, deleted: this.deleted, entries: [...this.byId.entries()] };
    const tmp = path.join(this.folder, `state.json.${process.pid}.tmp`);
    await fsp.writeFile(tmp, JSON.stringify(state));
    const previous = await fsp
      .readFile(path.join(this.folder, 'state.json'), 'utf8')
      .then((s) => (JSON.parse(s) as SnapshotState).logOffset)
      .catch(() => undefined);
    await fsp.rename(tmp, path.join(this.folder, 'state.json'));
    if (previous !== undefined && previous !== offset) await fsp.rm(path.join(this.folder, `index-${previous}.hnsw`), { force: true });
    this.sinceSnapshot = 0;
  }
}

export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  private readonly collections = new Map<string, Promise<Collection>>();
  private readonly opts: Required<Omit<EmbeddedStoreOptions, 'dir'>>;

  constructor(private readonly options: EmbeddedStoreOptions) {
    this.opts = {
      snapshotEvery: options.snapshotEvery ?? 5000,
      m: options.m ?? 16,
      efConstruction: options.efConstruction ?? 200,
      efSearch: options.efSearch ?? 64,
    };
    fs.mkdirSync(options.dir, { recursive: true });
  }

  private async open(name: string): Promise<Collection> {
    let c = this.collections.get(name);
    if (!c) {
      c = (async () => {
        const col = new Collection(name, path.join(this.options.dir, name), this.opts);
        await col.load();
        return col;
      })();
      this.collections.set(name, c);
    }
    const col = await c;
    await col.catchUp();
    return col;
  }

  async upsert(collection: string, records: readonly VectorRecord[]): Promise<void> {
    if (records.length === 0) return;
    const col = await this.open(collection);
    await col.write(records.map((r) => ({ op: 'upsert', id: r.id, v: encodeVector(r.vector), m: r.metadata, d: r.document })));
    await this.afterWrite(col);
  }

  async delete(collection: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const col = await this.open(collection);
    await col.write(ids.map((id) => ({ op: 'delete', id })));
    await this.afterWrite(col);
  }

  private async afterWrite(col: Collection): Promise<void> {
    vectorIndexSize.set({ store: this.kind, collection: col.name }, col.byId.size);
    if (col.sinceSnapshot >= this.opts.snapshotEvery) await col.snapshot();
  }

  async get(collection: string, ids: readonly string[]): Promise<(VectorRecord | undefined)[]> {
    const col = await this.open(collection);
    return ids.map((id) => {
      const e = col.byId.get(id);
      if (!e || !col.index) return undefined;
      return { id, vector: Float32Array.from(col.index.getPoint(e.label)), metadata: e.metadata, document: e.document };
    });
  }

  async list(collection: string, offset: number, limit: number, where?: Where): Promise<StoredRecord[]> {
    const col = await this.open(collection);
    // Labels only grow, so label order is insertion order: stable while a re-index pages through.
    return [...col.byId.entries()]
      .filter(([, e]) => matchesWhere(e.metadata, where))
      .sort((a, b) => a[1].label - b[1].label)
      .slice(offset, offset + limit)
      .map(([id, e]) => ({ id, metadata: e.metadata, document: e.document }));
  }

  async query(collection: string, vector: Float32Array, options: QueryOptions): Promise<VectorHit[]> {
    const stop = vectorSearchSeconds.startTimer({ store: this.kind, operation: 'query' });
    try {
      const col = await this.open(collection);
      if (!col.index || col.byId.size === 0) return [];
      const exclude = new Set(options.excludeIds ?? []);
      const filter = (label: number) => {
        const id = col.idByLabel.get(label);
        if (id === undefined || exclude.has(id)) return false;
        return matchesWhere(col.byId.get(id)!.metadata, options.where);
      };
      col.index.setEf(Math.max(this.opts.efSearch, options.k));
      const { neighbors, distances } = col.index.searchKnn(Array.from(vector), Math.min(options.k, col.byId.size), filter);
      return neighbors.map((label, i) => {
        const id = col.idByLabel.get(label)!;
        return { id, score: 1 - distances[i]!, metadata: col.byId.get(id)!.metadata };
      });
    } finally {
      stop();
    }
  }

  async count(collection: string): Promise<number> {
    return (await this.open(collection)).byId.size;
  }

  /** Writes a snapshot of every open collection, so the next start replays no log. */
  async close(): Promise<void> {
    for (const c of this.collections.values()) {
      const col = await c.catch(() => undefined);
      if (col && col.sinceSnapshot > 0) await col.snapshot();
    }
    this.collections.clear();
  }
}
