/**
 * Where a tenant's people live: one document per tenant, changed only by read-modify-write under
 * mutual exclusion, because two processes write it (the CPU worker's album step assigns faces,
 * the API applies corrections).
 *
 * - Embedded (the default, one machine): a JSON file per tenant under `<dataDir>/people`, an
 *   exclusive lock file (O_EXCL) around each change, written by rename so a crash leaves the old
 *   or the new document, never half of one.
 * - Deployment (GCS_BUCKET set): one object per tenant in the bucket, written with a
 *   generation precondition (ifGenerationMatch), retried on 412: optimistic concurrency, no lock
 *   server. A tenant's people are a few MB at 10k faces, well within one object.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import type { Config } from '../config';
import type { BlobStore } from '../storage/blob-store';
import { GcsBlobStore } from '../storage/gcs-store';
import { isValidTenantId, peopleDocKey } from '../storage/keys';
import { emptyPeopleDoc, type TenantPeopleDoc } from './tenant-people';

export interface PeopleStore {
  readonly kind: 'local' | 'gcs';
  read(tenantId: string): Promise<TenantPeopleDoc>;
  /** Applies `change` to the latest document and saves it, atomically; an error thrown by `change` saves nothing. */
  update<T>(tenantId: string, change: (doc: TenantPeopleDoc) => T): Promise<T>;
}

function checkTenant(tenantId: string): void {
  if (!isValidTenantId(tenantId)) throw new TypeError(`Invalid tenant id ${JSON.stringify(tenantId)}`);
}

function parse(buf: Buffer): TenantPeopleDoc {
  const doc = JSON.parse(buf.toString('utf8')) as TenantPeopleDoc;
  if (doc.version !== 1) throw new Error(`people document version ${String(doc.version)} is not supported`);
  return doc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock older than this was left by a process that died mid-change. */
const STALE_LOCK_MS = 30_000;

export class LocalPeopleStore implements PeopleStore {
  readonly kind = 'local' as const;
  /** Changes in this process queue here first, so they do not spin on their own lock file. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private file(tenantId: string): string {
    checkTenant(tenantId);
    return path.join(this.dir, `${tenantId}.json`);
  }

  async read(tenantId: string): Promise<TenantPeopleDoc> {
    try {
      return parse(await fs.promises.readFile(this.file(tenantId)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyPeopleDoc();
      throw err;
    }
  }

  update<T>(tenantId: string, change: (doc: TenantPeopleDoc) => T): Promise<T> {
    const file = this.file(tenantId);
    const run = (this.chains.get(tenantId) ?? Promise.resolve()).catch(() => undefined).then(() => this.locked(file, tenantId, change));
    this.chains.set(tenantId, run);
    return run;
  }

  private async locked<T>(file: string, tenantId: string, change: (doc: TenantPeopleDoc) => T): Promise<T> {
    const lock = `${file}.lock`;
    for (let waited = 0; ; waited += 20) {
      try {
        await (await fs.promises.open(lock, 'wx')).close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await fs.promises.stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await fs.promises.rm(lock, { force: true });
        else await sleep(Math.min(20 + waited / 10, 200));
      }
    }
    try {
      const doc = await this.read(tenantId);
      const result = change(doc);
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, JSON.stringify(doc));
      await fs.promises.rename(tmp, file);
      return result;
    } finally {
      await fs.promises.rm(lock, { force: true });
    }
  }
}

export class GcsPeopleStore implements PeopleStore {
  readonly kind = 'gcs' as const;
  constructor(private readonly bucket: Bucket) {}

  private object(tenantId: string, generation?: number) {
    checkTenant(tenantId);
    return this.bucket.file(peopleDocKey(tenantId), generation === undefined ? {} : { generation });
  }

  private async load(tenantId: string): Promise<{ doc: TenantPeopleDoc; generation: number }> {
    const file = this.object(tenantId);
    try {
      const [meta] = await file.getMetadata();
      const generation = Number(meta.generation);
      // That generation exactly: the precondition below then guards what was read.
      const [buf] = await this.object(tenantId, generation).download();
      return { doc: parse(buf), generation };
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return { doc: emptyPeopleDoc(), generation: 0 };
      throw err;
    }
  }

  async read(tenantId: string): Promise<TenantPeopleDoc> {
    return (await this.load(tenantId)).doc;
  }

  async update<T>(tenantId: string, change: (doc: TenantPeopleDoc) => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { doc, generation } = await this.load(tenantId);
      const result = change(doc);
      try {
        // Generation 0 means "only if the object does not exist yet".
        await this.object(tenantId).save(JSON.stringify(doc), {
          contentType: 'application/json',
          resumable: false,
          preconditionOpts: { ifGenerationMatch: generation },
        });
        return result;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 412 || attempt >= 20) throw err;
        await sleep(Math.random() * 50 * attempt);
      }
    }
  }
}

/** The deployment's store beside a GCS bucket; the embedded file store beside a local blob store. */
export function peopleStoreFor(config: Config, store: BlobStore): PeopleStore {
  if (store instanceof GcsBlobStore) return new GcsPeopleStore(store.bucket);
  return new LocalPeopleStore(path.join(config.dataDir, 'people'));
}
