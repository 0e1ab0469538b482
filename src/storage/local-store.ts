/**
 * Filesystem blob store for development and single-host installs. Blobs live at
 * `<rootDir>/<key>`; signed URLs point at the API (`/v1/blobs/<key>`), which checks them with
 * verifyLocalSignature before reading or writing through this store, so the API plays the role
 * GCS plays for the GCS store.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  BlobMetadata,
  BlobNotFoundError,
  BlobStore,
  checkSignedUrlTtl,
  InvalidBlobKeyError,
  normalizeContentType,
  PutOptions,
  SignedUrl,
  SignedUrlOptions,
} from './blob-store';
import { isValidKey, isValidKeySegment, validateKey, validatePrefix } from './keys';

export interface LocalBlobStoreOptions {
  rootDir: string;
  /** HMAC key for signed URLs; the API must be given the same one to verify them. */
  signingSecret: string;
  /**
   * Base URL of the API that serves `/v1/blobs/...`, e.g. https://lightbox.example.com. Without
   * one, signed URLs are relative (`/v1/blobs/...?...`): a browser resolves them against the
   * origin it opened the console at (localhost, 127.0.0.1, a LAN name, a port map), and an API
   * client against the API URL it called.
   */
  publicBaseUrl?: string;
}

/** Path prefix of the API route that serves local signed URLs. */
export const LOCAL_BLOB_ROUTE_PREFIX = '/v1/blobs/';

// "~" can never appear in a key segment, so these trees can never collide with a blob and
// list() skips them by the same rule that rejects such keys.
const META_DIR = '.meta~';
const TMP_DIR = '.tmp~';
const META_SUFFIX = '~.json';

// Versioned so the signed string can change later without old URLs verifying under new rules.
const SIGNATURE_SCHEME = 'lightbox-local-v1';

interface Sidecar {
  contentType: string;
  sha256: string;
  size: number;
  /** Inode of the data file the sidecar describes: a sidecar that outlived its file is ignored. */
  ino: number;
}

type ErrnoError = NodeJS.ErrnoException;

function errno(err: unknown): string | undefined {
  return (err as ErrnoError | null)?.code;
}

// ENOTDIR/EISDIR: a key whose parent is a blob, or a key that names a "directory" of other keys;
// neither is a blob, which is what GCS would say too.
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function stringToSign(method: 'GET' | 'PUT', key: string, expires: number, contentType: string | undefined): string {
  // Newline-separated fields are unambiguous: keys and content types cannot contain newlines.
  return [SIGNATURE_SCHEME, method, key, String(expires), method === 'PUT' ? (contentType ?? '') : ''].join('\n');
}

function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}

export interface LocalSignatureParams {
  method: string;
  key: string;
  /** Unix seconds, as a number or as the raw `expires` query parameter. */
  expires: number | string;
  /** For PUT: the Content-Type header the request actually carries. */
  contentType?: string;
  /** The `signature` query parameter (hex). */
  signature: string;
}

export type LocalSignatureResult = { ok: true } | { ok: false; reason: 'expired' | 'bad_signature' };

/**
 * Checks a local signed URL. The signature is checked before the expiry so that "expired" is only
 * ever reported for URLs this server really issued.
 */
export function verifyLocalSignature(secret: string, params: LocalSignatureParams, now: Date = new Date()): LocalSignatureResult {
  const bad = { ok: false, reason: 'bad_signature' } as const;
  const { method, key, signature } = params;
  if (method !== 'GET' && method !== 'PUT') return bad;
  if (typeof key !== 'string' || !isValidKey(key)) return bad;
  const expires = typeof params.expires === 'number' ? params.expires : /^\d{1,15}$/.test(params.expires) ? Number(params.expires) : NaN;
  if (!Number.isSafeInteger(expires) || expires < 0) return bad;
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{64}$/.test(signature)) return bad;

  let contentType: string | undefined;
  if (method === 'PUT') {
    try {
      contentType = normalizeContentType(params.contentType);
    } catch {
      return bad;
    }
  }
  const expected = Buffer.from(hmacHex(secret, stringToSign(method, key, expires, contentType)), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return bad;
  if (expires * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/** Encodes a key as the path of a local blob URL, one URI-encoded segment at a time. */
export function localBlobPath(key: string): string {
  return LOCAL_BLOB_ROUTE_PREFIX + validateKey(key).split('/').map(encodeURIComponent).join('/');
}

/**
 * The inverse of localBlobPath for the API route: takes the raw (still encoded) URL pathname and
 * returns the validated key, or throws InvalidBlobKeyError.
 */
export function keyFromLocalBlobPath(pathname: string): string {
  if (!pathname.startsWith(LOCAL_BLOB_ROUTE_PREFIX)) {
    throw new InvalidBlobKeyError(pathname, `path does not start with ${LOCAL_BLOB_ROUTE_PREFIX}`);
  }
  const segments = pathname.slice(LOCAL_BLOB_ROUTE_PREFIX.length).split('/');
  const decoded = segments.map((segment) => {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      throw new InvalidBlobKeyError(pathname, 'malformed percent-encoding');
    }
    // An encoded "/" would give a second spelling of the same key (and sneak past per-segment rules).
    if (value.includes('/')) throw new InvalidBlobKeyError(pathname, 'encoded "/" in a segment');
    return value;
  });
  return validateKey(decoded.join('/'));
}

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly rootDir: string;
  private readonly signingSecret: string;
  /** '' when no public URL is configured: URLs are then relative to whichever host serves the API. */
  private readonly publicBaseUrl: string;
  /** Serialises writes/deletes per key inside this process so a blob and its sidecar stay paired. */
  private readonly keyLocks = new Map<string, Promise<void>>();

  constructor(options: LocalBlobStoreOptions) {
    if (!options.rootDir) throw new TypeError('LocalBlobStore: rootDir is required');
    if (!options.signingSecret) throw new TypeError('LocalBlobStore: signingSecret is required');
    this.rootDir = path.resolve(options.rootDir);
    this.signingSecret = options.signingSecret;
    this.publicBaseUrl = options.publicBaseUrl ? new URL(options.publicBaseUrl).href.replace(/\/+$/, '') : '';
  }

  async put(key: string, data: Buffer, options: PutOptions = {}): Promise<BlobMetadata> {
    validateKey(key);
    const contentType = normalizeContentType(options.contentType);
    const sha256 = sha256Hex(data);
    return this.withKeyLock(key, async () => {
      const file = this.dataPath(key);
      const meta = this.metaPath(key);
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
      } catch (err) {
        throw await this.conflictError(key, err);
      }
      await fs.mkdir(path.dirname(meta), { recursive: true });
      const staged = await this.writeTemp(data);
      try {
        // The sidecar names the staged file's inode, so whichever rename a crash interrupts,
        // stat() never pairs these bytes with another write's metadata.
        const sidecar: Sidecar = { contentType, sha256, size: data.length, ino: staged.ino };
        await this.commit(await this.writeTemp(Buffer.from(JSON.stringify(sidecar))), meta);
        await this.commit(staged, file);
      } catch (err) {
        await fs.rm(staged.tmp, { force: true });
        throw await this.conflictError(key, err);
      }
      const st = await fs.stat(file);
      return { key, size: st.size, contentType, updatedAt: st.mtime, sha256 };
    });
  }

  async get(key: string): Promise<Buffer> {
    validateKey(key);
    try {
      return await fs.readFile(this.dataPath(key));
    } catch (err) {
      if (MISSING.has(errno(err) ?? '')) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async stat(key: string): Promise<BlobMetadata | null> {
    validateKey(key);
    const file = this.dataPath(key);
    let st;
    try {
      st = await fs.stat(file);
    } catch (err) {
      if (MISSING.has(errno(err) ?? '')) return null;
      throw err;
    }
    if (!st.isFile()) return null;
    const sidecar = await this.readSidecar(key);
    if (sidecar && sidecar.ino === st.ino && sidecar.size === st.size) {
      return { key, size: st.size, contentType: sidecar.contentType, updatedAt: st.mtime, sha256: sidecar.sha256 };
    }
    // No sidecar for this exact file (dropped in by hand, or a crash between the two renames):
    // recomputing keeps "the local store always knows sha256" true; the content type is lost.
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch (err) {
      if (MISSING.has(errno(err) ?? '')) return null;
      throw err;
    }
    return {
      key,
      size: data.length,
      contentType: normalizeContentType(undefined),
      updatedAt: st.mtime,
      sha256: sha256Hex(data),
    };
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.withKeyLock(key, async () => {
      const file = this.dataPath(key);
      try {
        const st = await fs.lstat(file);
        // A directory here holds other keys; it is not this key's blob.
        if (!st.isDirectory()) await fs.unlink(file);
      } catch (err) {
        if (!MISSING.has(errno(err) ?? '')) throw err;
      }
      await fs.rm(this.metaPath(key), { force: true });
      // Empty parent directories are left behind: pruning them would race with a concurrent put
      // that has just created the directory and not yet renamed its file into it.
    });
  }

  async list(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const startDir = slash === -1 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await this.walk(startDir, prefix, keys);
    // Keys are ASCII, so code-unit order is GCS's byte order.
    return keys.sort();
  }

  async signedDownloadUrl(key: string, options: SignedUrlOptions): Promise<SignedUrl> {
    return this.signedUrl('GET', key, options);
  }

  async signedUploadUrl(key: string, options: SignedUrlOptions): Promise<SignedUrl> {
    return this.signedUrl('PUT', key, options);
  }

  async checkWritable(): Promise<void> {
    const probe = path.join(this.rootDir, TMP_DIR, `readyz-${randomUUID()}`);
    await fs.mkdir(path.dirname(probe), { recursive: true });
    // Same write+rename path as put(), so a probe success means puts can succeed.
    await this.commit(await this.writeTemp(Buffer.from('ok')), probe);
    await fs.unlink(probe);
  }

  private async signedUrl(method: 'GET' | 'PUT', key: string, options: SignedUrlOptions): Promise<SignedUrl> {
    validateKey(key);
    const ttl = checkSignedUrlTtl(options.expiresInSeconds);
    const expires = Math.floor(Date.now() / 1000) + ttl;
    const contentType = method === 'PUT' ? normalizeContentType(options.contentType) : undefined;
    const signature = hmacHex(this.signingSecret, stringToSign(method, key, expires, contentType));
    const query = new URLSearchParams({ method, expires: String(expires) });
    // Tells the API route what was signed; the route must still make the request's own
    // Content-Type match it, as GCS does for a signed content-type header.
    if (contentType !== undefined) query.set('contentType', contentType);
    query.set('signature', signature);
    return {
      url: `${this.publicBaseUrl}${localBlobPath(key)}?${query.toString()}`,
      method,
      expiresAt: new Date(expires * 1000),
      headers: contentType !== undefined ? { 'Content-Type': contentType } : {},
    };
  }

  private dataPath(key: string): string {
    return path.join(this.rootDir, ...key.split('/'));
  }

  private metaPath(key: string): string {
    return path.join(this.rootDir, META_DIR, ...key.split('/')) + META_SUFFIX;
  }

  private async readSidecar(key: string): Promise<Sidecar | null> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.metaPath(key), 'utf8')) as Partial<Sidecar>;
      if (typeof parsed.contentType !== 'string' || typeof parsed.sha256 !== 'string' || typeof parsed.size !== 'number' || typeof parsed.ino !== 'number') {
        return null;
      }
      return { contentType: parsed.contentType, sha256: parsed.sha256, size: parsed.size, ino: parsed.ino };
    } catch (err) {
      if (MISSING.has(errno(err) ?? '') || err instanceof SyntaxError) return null;
      throw err;
    }
  }

  /**
   * Stages bytes in a temp file on the same filesystem; commit() renames it into place, so readers
   * see the old bytes or the new, never half of them.
   */
  private async writeTemp(data: Buffer): Promise<{ tmp: string; ino: number }> {
    const tmpDir = path.join(this.rootDir, TMP_DIR);
    await fs.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomUUID()}.tmp`);
    try {
      const handle = await fs.open(tmp, 'wx');
      try {
        await handle.writeFile(data);
        // Without fsync a crash soon after the rename can leave a renamed but empty file.
        await handle.sync();
        return { tmp, ino: (await handle.stat()).ino };
      } finally {
        await handle.close();
      }
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  private async commit(staged: { tmp: string }, target: string): Promise<void> {
    try {
      await fs.rename(staged.tmp, target);
    } catch (err) {
      await fs.rm(staged.tmp, { force: true });
      throw err;
    }
  }

  private async walk(dirKey: string, prefix: string, out: string[]): Promise<void> {
    const dir = dirKey === '' ? this.rootDir : path.join(this.rootDir, ...dirKey.split('/'));
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (MISSING.has(errno(err) ?? '')) return;
      throw err;
    }
    for (const entry of entries) {
      if (!isValidKeySegment(entry.name)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        const asDir = `${key}/`;
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        out.push(key);
      }
    }
  }

  private async conflictError(key: string, err: unknown): Promise<unknown> {
    const code = errno(err);
    if (code !== 'ENOTDIR' && code !== 'EEXIST' && code !== 'EISDIR') return err;
    // The same errnos come from a rootDir that is not a directory: that is a setup error, not the key's.
    const rootIsDir = await fs.stat(this.rootDir).then(
      (st) => st.isDirectory(),
      () => false,
    );
    if (!rootIsDir) return err;
    // Filesystems cannot hold both "a/b" and "a/b/c"; GCS can, so say why instead of a bare errno.
    return new InvalidBlobKeyError(key, 'the local store cannot hold a key and another key under it as a folder');
  }

  private async withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.keyLocks.get(key) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.keyLocks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.keyLocks.get(key) === tail) this.keyLocks.delete(key);
    }
  }
}
