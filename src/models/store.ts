/**
 * The models dir: where installed model files live, and models.lock.json, the record of what was
 * installed and the sha256 each file had when `npm run models:pull` verified it.
 *
 * Layout: <dir>/<model id>/<version>/<file>, and <dir>/models.lock.json. The committed test models
 * (test/fixtures/models) use the same layout and lock format, so tests resolve and verify them
 * through exactly this code.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ModelChecksumError, ModelNotInstalledError } from './errors';
import { getModelSpec, modelRef, type ModelSpec } from './registry';

export const LOCK_FILE_NAME = 'models.lock.json';

export type LockSource =
  | { kind: 'huggingface'; repo: string; revision: string; resolvedCommit?: string }
  | { kind: 'gcs'; bucket: string; prefix: string }
  | { kind: 'generated'; generator: string };

export interface LockedFile {
  sha256: string;
  sizeBytes: number;
  /** Where the hash was checked against: the registry, the host's own hash, or nothing (first use). */
  verifiedAgainst?: 'registry' | 'host' | 'first-download' | 'build';
}

export interface LockEntry {
  id: string;
  version: string;
  source: LockSource;
  files: Record<string, LockedFile>;
  installedAt?: string;
}

export interface LockFile {
  lockVersion: 1;
  models: Record<string, LockEntry>;
}

export interface InstalledModel {
  spec: ModelSpec;
  folder: string;
  /** Absolute path of each file, by its registry name. */
  paths: Record<string, string>;
  onnxPath: string;
  sha256: Record<string, string>;
}

export function modelFolder(modelsDir: string, spec: Pick<ModelSpec, 'id' | 'version'>): string {
  return path.join(modelsDir, spec.id, spec.version);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function readLock(modelsDir: string): Promise<LockFile> {
  const file = path.join(modelsDir, LOCK_FILE_NAME);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lockVersion: 1, models: {} };
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<LockFile>;
  if (parsed.lockVersion !== 1 || typeof parsed.models !== 'object' || parsed.models === null) {
    throw new Error(`${file} is not a lock file this version of Lightbox understands (lockVersion ${String(parsed.lockVersion)})`);
  }
  return parsed as LockFile;
}

// Pulls of several models in one process write the lock one after another, never interleaved.
let lockWrites: Promise<unknown> = Promise.resolve();

/** Sets (or with `null` removes) one model's entry; the file is replaced atomically. */
export function writeLockEntry(modelsDir: string, ref: string, entry: LockEntry | null): Promise<void> {
  const next = lockWrites.then(async () => {
    const lock = await readLock(modelsDir);
    if (entry) lock.models[ref] = entry;
    else delete lock.models[ref];
    const sorted: LockFile = {
      lockVersion: 1,
      models: Object.fromEntries(Object.entries(lock.models).sort(([a], [b]) => a.localeCompare(b))),
    };
    await fs.mkdir(modelsDir, { recursive: true });
    const file = path.join(modelsDir, LOCK_FILE_NAME);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
    await fs.rename(tmp, file);
  });
  lockWrites = next.catch(() => undefined);
  return next;
}

export interface ModelStoreOptions {
  dir: string;
}

/**
 * Finds a model's files and checks each against its sha256 before anything loads it. A file is
 * hashed once per process (keyed by path, size and mtime), so resolving a model again is cheap.
 */
export class ModelStore {
  readonly dir: string;
  private readonly verified = new Map<string, string>();

  constructor(options: ModelStoreOptions) {
    this.dir = path.resolve(options.dir);
  }

  folderOf(spec: ModelSpec): string {
    return modelFolder(this.dir, spec);
  }

  /** Resolves and verifies, or throws ModelNotInstalledError / ModelChecksumError. */
  async resolve(specOrId: ModelSpec | string): Promise<InstalledModel> {
    const spec = typeof specOrId === 'string' ? getModelSpec(specOrId) : specOrId;
    const ref = modelRef(spec);
    const folder = this.folderOf(spec);
    const paths: Record<string, string> = {};
    const stats = new Map<string, { size: number; mtimeMs: number }>();
    const missing: string[] = [];
    for (const file of spec.files) {
      const p = path.join(folder, file.name);
      paths[file.name] = p;
      try {
        const st = await fs.stat(p);
        if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
        stats.set(file.name, { size: st.size, mtimeMs: st.mtimeMs });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        missing.push(file.name);
      }
    }
    if (missing.length > 0) {
      throw new ModelNotInstalledError(
        spec.id,
        spec.version,
        `Model ${ref} is not installed in ${this.dir} (missing ${missing.join(', ')}). ` +
          `Install it with \`npm run models:pull -- ${spec.id}\`` +
          (spec.testTwin ? `, or run with its test twin ${spec.testTwin} (npm run models:make-test).` : '.'),
        missing,
      );
    }
    const locked = (await readLock(this.dir)).models[ref];
    const sha256: Record<string, string> = {};
    for (const file of spec.files) {
      const expected = file.sha256 ?? locked?.files[file.name]?.sha256 ?? null;
      if (expected === null) {
        throw new ModelNotInstalledError(
          spec.id,
          spec.version,
          `Model ${ref}: ${file.name} is in ${folder} but no sha256 is known for it (neither in the registry nor in ` +
            `${LOCK_FILE_NAME}). Install it with \`npm run models:pull -- ${spec.id}\`, which verifies and records it.`,
          [file.name],
        );
      }
      const st = stats.get(file.name)!;
      const key = `${paths[file.name]}\0${st.size}\0${st.mtimeMs}`;
      let actual = this.verified.get(key);
      if (actual === undefined) {
        actual = await sha256File(paths[file.name]!);
        this.verified.set(key, actual);
      }
      if (actual !== expected.toLowerCase()) {
        throw new ModelChecksumError(spec.id, spec.version, file.name, expected, actual);
      }
      sha256[file.name] = actual;
    }
    return { spec, folder, paths, onnxPath: paths[spec.onnxFile]!, sha256 };
  }

  /** True when resolve() would succeed; never throws for a missing or mismatched model. */
  async isInstalled(specOrId: ModelSpec | string): Promise<boolean> {
    try {
      await this.resolve(specOrId);
      return true;
    } catch (err) {
      if (err instanceof ModelNotInstalledError || err instanceof ModelChecksumError) return false;
      throw err;
    }
  }
}
