/**
 * `npm run models:pull [-- [--force] [--source huggingface|gcs] [modelId…]]`: installs model files
 * into the models dir (LIGHTBOX_MODELS_DIR, default .lightbox/models), verified.
 *
 * Each model is downloaded into a staging folder beside its final place, hashed while it
 * streams, checked (against the registry's sha256 when known, and against the host's own hash:
 * Hugging Face's X-Linked-Etag, which is the sha256 of an LFS file or the git blob id of a small
 * one, or a `sha256` metadata field on a GCS object), then opened with onnxruntime to check its
 * inputs and outputs against the registry. Only then is the folder moved into place in one
 * rename and the hashes written to models.lock.json. Any failure leaves nothing installed.
 *
 * With no model ids it pulls every production model. Without network access it fails per model
 * with the reason; it never falls back to anything.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as ort from 'onnxruntime-node';
import { Storage } from '@google-cloud/storage';
import { ModelChecksumError, ModelContractError } from './errors';
import { PRODUCTION_MODELS } from './catalogue/production';
import { getModelSpec, modelRef, type ModelFile, type ModelSpec } from './registry';
import { contractProblems } from './sessions';
import { modelFolder, ModelStore, readLock, writeLockEntry, type LockedFile, type LockEntry, type LockSource } from './store';

export const HF_BASE_URL = 'https://huggingface.co';

export interface PullOptions {
  modelsDir: string;
  source: 'huggingface' | 'gcs';
  /** Hugging Face endpoint; tests point it at a local stand-in server. */
  hfBaseUrl?: string;
  hfToken?: string;
  /** LIGHTBOX_MODELS_BUCKET, for source gcs and for models Hugging Face does not host. */
  bucket?: string;
  /** A ready GCS client (e.g. against an emulator); else one with Application Default Credentials. */
  storage?: Storage;
  /** Pull again even if the model is installed and verifies. */
  force?: boolean;
  /** Open the downloaded graph with onnxruntime and check it against the registry (default true). */
  checkContract?: boolean;
  /** Per-file limit; a stalled download must not hang a deploy step forever. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface PullResult {
  ref: string;
  status: 'installed' | 'already-installed';
  folder: string;
  files: Record<string, LockedFile>;
  source: LockSource;
}

export class ModelDownloadError extends Error {
  override readonly name = 'ModelDownloadError';
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHA1_HEX = /^[0-9a-f]{40}$/;

/** Hashes what flows through, and counts it. */
class Hasher extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

interface Downloaded {
  sha256: string;
  sizeBytes: number;
  /** What the host says the content hash is (sha256 hex, or a git blob sha1 for small HF files). */
  hostHash?: string;
  /** Hugging Face: the commit the revision resolved to. */
  commit?: string;
}

function cleanEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

async function gitBlobSha1(file: string, size: number): Promise<string> {
  const h = createHash('sha1');
  h.update(`blob ${size}\0`);
  h.update(await fs.readFile(file));
  return h.digest('hex');
}

/**
 * GET with redirects followed by hand: the first hop (huggingface.co) carries X-Linked-Etag and
 * X-Repo-Commit, which a transparent redirect would lose, and the token must not be sent on to
 * the CDN host the file is served from.
 */
async function fetchFollowing(url: string, token: string | undefined, signal: AbortSignal) {
  const origin = new URL(url).origin;
  let current = url;
  let hostHash: string | undefined;
  let commit: string | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const res = await fetch(current, {
      redirect: 'manual',
      signal,
      headers: token && sameOrigin ? { authorization: `Bearer ${token}` } : {},
    }).catch((err: unknown) => {
      // undici's "fetch failed" hides the reason (DNS, refused, TLS, timeout) in `cause`.
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new ModelDownloadError(`GET ${current} failed: ${why}`);
    });
    hostHash ??= cleanEtag(res.headers.get('x-linked-etag'));
    commit ??= res.headers.get('x-repo-commit') ?? undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint =
        res.status === 401 || res.status === 403
          ? ' (a gated or private repo: set HF_TOKEN to a token with access)'
          : res.status === 404
            ? ' (check the repo, revision and file path in src/models/catalogue/production.ts)'
            : '';
      throw new ModelDownloadError(`GET ${url} answered ${res.status} ${res.statusText}${hint}`, res.status);
    }
    // A non-LFS file is served by the hub itself, and its ETag is then the git blob id; a CDN's
    // ETag after a redirect is its own business and not a content hash we can check.
    if (sameOrigin) hostHash ??= cleanEtag(res.headers.get('etag'));
    return { res, hostHash, commit };
  }
  throw new ModelDownloadError(`GET ${url}: too many redirects`);
}

async function downloadHf(base: string, repo: string, revision: string, file: ModelFile, dest: string, options: PullOptions): Promise<Downloaded> {
  const repoPath = (file.hfPath ?? file.name).split('/').map(encodeURIComponent).join('/');
  const url = `${base.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${repoPath}`;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30 * 60_000);
  const { res, hostHash, commit } = await fetchFollowing(url, options.hfToken, signal);
  if (!res.body) throw new ModelDownloadError(`GET ${url} returned no body`);
  const hasher = new Hasher();
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), hasher, createWriteStream(dest));
  return { sha256: hasher.hash.digest('hex'), sizeBytes: hasher.bytes, hostHash, commit };
}

async function downloadGcs(storage: Storage, bucket: string, objectName: string, dest: string): Promise<Downloaded> {
  const object = storage.bucket(bucket).file(objectName);
  const [meta] = await object.getMetadata().catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    throw new ModelDownloadError(
      `gs://${bucket}/${objectName}: ${code === 404 ? 'no such object' : (err as Error).message}`,
      typeof code === 'number' ? code : undefined,
    );
  });
  const hasher = new Hasher();
  // The client checks the object's crc32c/md5 itself; the sha256 is ours.
  await pipeline(object.createReadStream(), hasher, createWriteStream(dest));
  const sha = meta.metadata?.sha256;
  return {
    sha256: hasher.hash.digest('hex'),
    sizeBytes: hasher.bytes,
    hostHash: typeof sha === 'string' ? sha.toLowerCase() : undefined,
  };
}

/** Throws ModelChecksumError unless the bytes are what the registry and the host say they are. */
async function verify(spec: ModelSpec, file: ModelFile, staged: string, got: Downloaded): Promise<LockedFile['verifiedAgainst']> {
  if (file.sizeBytes !== undefined && file.sizeBytes !== got.sizeBytes) {
    throw new ModelChecksumError(spec.id, spec.version, file.name, `${file.sizeBytes} bytes`, `${got.sizeBytes} bytes`);
  }
  let against: LockedFile['verifiedAgainst'] = 'first-download';
  if (got.hostHash && SHA256_HEX.test(got.hostHash)) {
    if (got.hostHash !== got.sha256) throw new ModelChecksumError(spec.id, spec.version, file.name, got.hostHash, got.sha256);
    against = 'host';
  } else if (got.hostHash && SHA1_HEX.test(got.hostHash)) {
    const blob = await gitBlobSha1(staged, got.sizeBytes);
    if (blob !== got.hostHash) throw new ModelChecksumError(spec.id, spec.version, file.name, `git blob ${got.hostHash}`, `git blob ${blob}`);
    against = 'host';
  }
  if (file.sha256) {
    if (file.sha256.toLowerCase() !== got.sha256) throw new ModelChecksumError(spec.id, spec.version, file.name, file.sha256, got.sha256);
    against = 'registry';
  }
  return against;
}

function chooseSource(spec: ModelSpec, options: PullOptions): 'huggingface' | 'gcs' {
  if (options.source === 'huggingface' && spec.sources.huggingface) return 'huggingface';
  if (options.bucket) return 'gcs';
  throw new ModelDownloadError(
    options.source === 'gcs'
      ? `${spec.id}: LIGHTBOX_MODEL_SOURCE=gcs needs LIGHTBOX_MODELS_BUCKET`
      : `${spec.id} is not on Hugging Face; put its files under gs://<bucket>/${spec.sources.gcsPrefix}/ and set LIGHTBOX_MODELS_BUCKET`,
  );
}

export type InstallStagedOptions = {
  modelsDir: string;
  /** A folder beside the final one (same filesystem) holding every file of `spec`, already verified. */
  staging: string;
  files: Record<string, LockedFile>;
  source: LockSource;
  log: (line: string) => void;
  // A file that is not ONNX (a GGUF LLM) has no graph contract to check.
} & ({ spec: ModelSpec; checkContract: boolean } | { spec: Pick<ModelSpec, 'id' | 'version'>; checkContract: false });

/**
 * The last step of every install, shared by `models:pull` and `models:build`: checks the staged
 * graph's inputs and outputs against the registry, swaps the folder into place in one rename and
 * records the hashes in models.lock.json.
 */
export async function installStaged(options: InstallStagedOptions): Promise<void> {
  const { modelsDir, spec, staging, files, source, log } = options;
  const ref = modelRef(spec);
  const folder = modelFolder(modelsDir, spec);
  if (options.checkContract) {
    const session = await ort.InferenceSession.create(path.join(staging, options.spec.onnxFile));
    const problems = contractProblems(options.spec, session.inputMetadata, session.outputMetadata);
    await session.release();
    if (problems.length > 0) throw new ModelContractError(spec.id, spec.version, problems);
  }

  // Swap the folder in; a previous install is moved aside first and removed after.
  const aside = `${staging}.previous`;
  const hadPrevious = await fs.rename(folder, aside).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  await fs.rename(staging, folder);
  const entry: LockEntry = { id: spec.id, version: spec.version, source, files, installedAt: new Date().toISOString() };
  await writeLockEntry(modelsDir, ref, entry);
  if (hadPrevious) await fs.rm(aside, { recursive: true, force: true });
  log(`${ref}: installed in ${folder}`);
}

export async function pullModel(idOrSpec: string | ModelSpec, options: PullOptions): Promise<PullResult> {
  const spec = typeof idOrSpec === 'string' ? getModelSpec(idOrSpec) : idOrSpec;
  const ref = modelRef(spec);
  const log = options.log ?? (() => undefined);
  const modelsDir = path.resolve(options.modelsDir);
  const folder = modelFolder(modelsDir, spec);
  const store = new ModelStore({ dir: modelsDir });

  if (!options.force) {
    try {
      const installed = await store.resolve(spec);
      log(`${ref}: already installed and verified in ${folder}`);
      const locked = (await readLock(modelsDir)).models[ref];
      const files = Object.fromEntries(
        await Promise.all(
          spec.files.map(async (f) => [f.name, { sha256: installed.sha256[f.name]!, sizeBytes: (await fs.stat(installed.paths[f.name]!)).size }] as const),
        ),
      );
      const source: LockSource = locked?.source ?? { kind: 'generated', generator: 'unknown: installed by hand with a registry sha256' };
      return { ref, status: 'already-installed', folder, files, source };
    } catch {
      // Not installed, or installed wrong: pull it.
    }
  }

  const kind = chooseSource(spec, options);
  await fs.mkdir(path.dirname(folder), { recursive: true });
  // Same filesystem as the destination, so the final move is one atomic rename.
  const staging = await fs.mkdtemp(path.join(path.dirname(folder), `.staging-${spec.version}-`));
  let installedOk = false;
  try {
    const files: Record<string, LockedFile> = {};
    let source: LockSource;
    if (kind === 'huggingface') {
      const hf = spec.sources.huggingface!;
      const base = options.hfBaseUrl ?? HF_BASE_URL;
      // Every file after the first comes from the commit the first resolved to, so a push to the
      // branch mid-pull cannot mix files of two commits.
      let revision = hf.revision;
      let resolvedCommit: string | undefined;
      for (const file of spec.files) {
        const staged = path.join(staging, file.name);
        const t0 = Date.now();
        const got = await downloadHf(base, hf.repo, revision, file, staged, options);
        if (got.commit && !resolvedCommit) {
          resolvedCommit = got.commit;
          revision = got.commit;
        }
        const against = await verify(spec, file, staged, got);
        files[file.name] = { sha256: got.sha256, sizeBytes: got.sizeBytes, verifiedAgainst: against };
        log(`${ref}: ${file.name} ${(got.sizeBytes / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s, sha256 ${got.sha256} (${against})`);
      }
      source = { kind: 'huggingface', repo: hf.repo, revision: hf.revision, ...(resolvedCommit ? { resolvedCommit } : {}) };
    } else {
      const bucket = options.bucket!;
      const storage = options.storage ?? new Storage();
      for (const file of spec.files) {
        const staged = path.join(staging, file.name);
        const t0 = Date.now();
        const got = await downloadGcs(storage, bucket, `${spec.sources.gcsPrefix}/${file.name}`, staged);
        const against = await verify(spec, file, staged, got);
        files[file.name] = { sha256: got.sha256, sizeBytes: got.sizeBytes, verifiedAgainst: against };
        log(`${ref}: ${file.name} ${(got.sizeBytes / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s, sha256 ${got.sha256} (${against})`);
      }
      source = { kind: 'gcs', bucket, prefix: spec.sources.gcsPrefix };
    }
    for (const [name, f] of Object.entries(files)) {
      if (f.verifiedAgainst === 'first-download') {
        log(`${ref}: WARNING ${name} had no checksum to verify against (registry sha256 null, host gave none); recorded ${f.sha256} on first use`);
      }
    }

    await installStaged({ modelsDir, spec, staging, files, source, checkContract: options.checkContract !== false, log });
    installedOk = true;
    return { ref, status: 'installed', folder, files, source };
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
    // The model's own folder was made for this pull; an empty one left behind would look installed to a person.
    if (!installedOk) await fs.rmdir(path.dirname(folder)).catch(() => undefined);
  }
}

interface CliArgs {
  ids: string[];
  force: boolean;
  source?: 'huggingface' | 'gcs';
}

function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { ids: [], force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--force') out.force = true;
    else if (a === '--source') {
      const v = argv[++i];
      if (v !== 'huggingface' && v !== 'gcs') throw new Error('--source must be huggingface or gcs');
      out.source = v;
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run models:pull -- [--force] [--source huggingface|gcs] [modelId…]');
      console.log(`models: ${PRODUCTION_MODELS.map((m) => m.id).join(', ')}`);
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
    else out.ids.push(a);
  }
  return out;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const { loadConfig } = await import('../config');
  const config = loadConfig();
  const args = parseArgs(argv);
  const ids = args.ids.length > 0 ? args.ids : PRODUCTION_MODELS.map((m) => m.id);
  let failed = 0;
  for (const id of ids) {
    try {
      await pullModel(id, {
        modelsDir: config.models.dir,
        source: args.source ?? config.models.source,
        hfToken: config.models.hfToken,
        bucket: config.models.bucket,
        force: args.force,
        log: (line) => console.log(`[models:pull] ${line}`),
      });
    } catch (err) {
      failed++;
      console.error(`[models:pull] ${id}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  console.log(`[models:pull] ${ids.length - failed} of ${ids.length} models installed in ${config.models.dir}`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[models:pull] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
