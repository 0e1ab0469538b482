/**
 * `models:pull` against a local stand-in for Hugging Face (the network boundary, and the only
 * thing faked): a hub that answers /<repo>/resolve/<revision>/<path> the way huggingface.co does
 * (302 to a CDN host with X-Linked-Etag and X-Repo-Commit for LFS files, 200 with the git blob id
 * as ETag for small files), and a CDN on another origin that serves the bytes. The bytes served
 * are the committed test twins, which have the production contracts, so the real contract check
 * runs too. GCS pulls run against the fake-gcs-server emulator the storage tests use.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { accessSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { ModelChecksumError, ModelContractError } from '../../src/models/errors';
import { ModelDownloadError, pullModel } from '../../src/models/pull';
import { getModelSpec } from '../../src/models/registry';
import { SessionPool } from '../../src/models/sessions';
import { LOCK_FILE_NAME, ModelStore, readLock } from '../../src/models/store';
import { fakeGcsServerBinary, startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');
const COMMIT = 'c0ffee0000000000000000000000000000000001';

const fixture = (id: string, file: string) => fs.readFile(path.join(FIXTURES, id, 'test-1', file));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitBlob = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

interface HubFile {
  body: Buffer;
  /** Served through the CDN with X-Linked-Etag (LFS), or directly with the blob id (small file). */
  lfs: boolean;
  /** What the hub claims the hash is, when it should lie. */
  claimedSha256?: string;
  claimedBlob?: string;
}

interface Seen {
  host: 'hub' | 'cdn';
  url: string;
  authorization?: string;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** huggingface.co's resolve behaviour, reduced to what the puller relies on. */
class StandInHub {
  files = new Map<string, HubFile>(); // key: `${repo}/${path}`
  seen: Seen[] = [];
  hubUrl = '';
  private cdnUrl = '';
  private readonly hub = http.createServer((req, res) => this.onHub(req, res));
  private readonly cdn = http.createServer((req, res) => this.onCdn(req, res));

  async start() {
    this.hubUrl = await listen(this.hub);
    this.cdnUrl = await listen(this.cdn);
  }

  async stop() {
    this.hub.closeAllConnections();
    this.cdn.closeAllConnections();
    await Promise.all([new Promise((r) => this.hub.close(r)), new Promise((r) => this.cdn.close(r))]);
  }

  private onHub(req: http.IncomingMessage, res: http.ServerResponse) {
    this.seen.push({ host: 'hub', url: req.url!, authorization: req.headers.authorization });
    const m = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const revision = m ? decodeURIComponent(m[2]!) : '';
    const file = m ? this.files.get(`${m[1]}/${decodeURIComponent(m[3]!)}`) : undefined;
    if (!file || (revision !== 'main' && revision !== COMMIT)) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    if (file.lfs) {
      const sha = file.claimedSha256 ?? sha256(file.body);
      res.writeHead(302, {
        location: `${this.cdnUrl}/blobs/${sha}`,
        'x-linked-etag': `"${sha}"`,
        'x-repo-commit': COMMIT,
        'x-linked-size': String(file.body.length),
      });
      this.pending.set(sha, file.body);
      res.end();
    } else {
      res.writeHead(200, { etag: `"${file.claimedBlob ?? gitBlob(file.body)}"`, 'x-repo-commit': COMMIT, 'content-length': file.body.length });
      res.end(file.body);
    }
  }

  private readonly pending = new Map<string, Buffer>();

  private onCdn(req: http.IncomingMessage, res: http.ServerResponse) {
    this.seen.push({ host: 'cdn', url: req.url!, authorization: req.headers.authorization });
    const body = this.pending.get(req.url!.replace('/blobs/', ''));
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    // A CDN's own ETag is no content hash; the puller must not treat it as one.
    res.writeHead(200, { etag: `"${'ab'.repeat(32)}"`, 'content-length': body.length });
    res.end(body);
  }
}

describe('models:pull from Hugging Face (local stand-in)', () => {
  const hub = new StandInHub();
  let dir: string;
  const logs: string[] = [];
  const options = () => ({ modelsDir: dir, source: 'huggingface' as const, hfBaseUrl: hub.hubUrl, hfToken: 'hf_secret', log: (l: string) => logs.push(l) });

  before(async () => {
    await hub.start();
  });
  after(async () => {
    await hub.stop();
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightbox-pull-'));
    hub.files.clear();
    hub.seen = [];
    logs.length = 0;
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function leftovers(): Promise<string[]> {
    const walk = async (d: string): Promise<string[]> => {
      const out: string[] = [];
      for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
        const p = path.join(d, e.name);
        out.push(path.relative(dir, p), ...(e.isDirectory() ? await walk(p) : []));
      }
      return out;
    };
    return walk(dir);
  }

  test('downloads, verifies against the hub hash, checks the contract, installs and records the lock', async () => {
    const body = await fixture('clip-vit-b32-image-test', 'vision_model.onnx');
    hub.files.set('Xenova/clip-vit-base-patch32/onnx/vision_model.onnx', { body, lfs: true });
    const result = await pullModel('clip-vit-b32-image', options());
    assert.equal(result.status, 'installed');
    assert.equal(result.files['vision_model.onnx']?.sha256, sha256(body));
    assert.equal(result.files['vision_model.onnx']?.verifiedAgainst, 'host');
    assert.deepEqual(result.source, { kind: 'huggingface', repo: 'Xenova/clip-vit-base-patch32', revision: 'main', resolvedCommit: COMMIT });
    // The token goes to the hub only, never on to the CDN's origin.
    assert.deepEqual(
      hub.seen.map((s) => [s.host, s.authorization]),
      [
        ['hub', 'Bearer hf_secret'],
        ['cdn', undefined],
      ],
    );
    assert.equal(hub.seen[0]?.url, '/Xenova/clip-vit-base-patch32/resolve/main/onnx/vision_model.onnx');
    const lock = await readLock(dir);
    assert.equal(lock.models['clip-vit-b32-image@1']?.files['vision_model.onnx']?.sha256, sha256(body));
    assert.deepEqual(await leftovers(), ['clip-vit-b32-image', 'clip-vit-b32-image/1', 'clip-vit-b32-image/1/vision_model.onnx', LOCK_FILE_NAME]);
    // Installed means usable: the store verifies it and a session loads it.
    const sessions = new SessionPool(new ModelStore({ dir }));
    const s = await sessions.get('clip-vit-b32-image');
    assert.equal(s.ref, 'clip-vit-b32-image@1');
    await sessions.close();
    // Pulling again is a no-op that needs no network.
    const seen = hub.seen.length;
    assert.equal((await pullModel('clip-vit-b32-image', options())).status, 'already-installed');
    assert.equal(hub.seen.length, seen);
  });

  test('a multi-file model takes every file from the commit the first one resolved to', async () => {
    hub.files.set('Xenova/clip-vit-base-patch32/onnx/text_model.onnx', { body: await fixture('clip-vit-b32-text-test', 'text_model.onnx'), lfs: true });
    const tokenizer = await fixture('clip-vit-b32-text-test', 'tokenizer.json');
    hub.files.set('Xenova/clip-vit-base-patch32/tokenizer.json', { body: tokenizer, lfs: false });
    const result = await pullModel('clip-vit-b32-text', options());
    assert.equal(result.status, 'installed');
    assert.equal(result.files['tokenizer.json']?.verifiedAgainst, 'host'); // git blob id
    const hubUrls = hub.seen.filter((s) => s.host === 'hub').map((s) => s.url);
    assert.deepEqual(hubUrls, [
      '/Xenova/clip-vit-base-patch32/resolve/main/onnx/text_model.onnx',
      `/Xenova/clip-vit-base-patch32/resolve/${COMMIT}/tokenizer.json`,
    ]);
    assert.deepEqual(await fs.readFile(path.join(dir, 'clip-vit-b32-text', '1', 'tokenizer.json')), tokenizer);
  });

  test('a checksum mismatch fails and leaves nothing installed', async () => {
    const body = await fixture('clip-vit-b32-image-test', 'vision_model.onnx');
    hub.files.set('Xenova/clip-vit-base-patch32/onnx/vision_model.onnx', { body, lfs: true, claimedSha256: 'e'.repeat(64) });
    await assert.rejects(pullModel('clip-vit-b32-image', options()), (err: unknown) => {
      assert.ok(err instanceof ModelChecksumError);
      assert.equal(err.expected, 'e'.repeat(64));
      assert.equal(err.actual, sha256(body));
      return true;
    });
    assert.deepEqual(await leftovers(), []);
    assert.deepEqual((await readLock(dir)).models, {});
    assert.equal(await new ModelStore({ dir }).isInstalled('clip-vit-b32-image'), false);
  });

  test('a small file that does not match its git blob id is rejected too', async () => {
    hub.files.set('Xenova/clip-vit-base-patch32/onnx/text_model.onnx', { body: await fixture('clip-vit-b32-text-test', 'text_model.onnx'), lfs: true });
    const tokenizer = await fixture('clip-vit-b32-text-test', 'tokenizer.json');
    // The hub names the blob of other content, as a cache serving a stale copy would.
    const other = Buffer.from(tokenizer.toString('utf8').replace('photo', 'phot0'));
    hub.files.set('Xenova/clip-vit-base-patch32/tokenizer.json', { body: tokenizer, lfs: false, claimedBlob: gitBlob(other) });
    await assert.rejects(pullModel('clip-vit-b32-text', options()), (err: unknown) => err instanceof ModelChecksumError && /git blob/.test(err.message));
    assert.equal(await new ModelStore({ dir }).isInstalled('clip-vit-b32-text'), false);
    assert.deepEqual((await readLock(dir)).models, {});
  });

  test('a file whose graph breaks the registry contract is not installed', async () => {
    // ArcFace's graph where CLIP's image encoder should be: checksums fine, contract wrong.
    hub.files.set('Xenova/clip-vit-base-patch32/onnx/vision_model.onnx', { body: await fixture('arcface-w600k-r50-test', 'w600k_r50.onnx'), lfs: true });
    await assert.rejects(pullModel('clip-vit-b32-image', options()), ModelContractError);
    assert.deepEqual(await leftovers(), []);
  });

  test('a missing file is a download error naming the URL and what to check', async () => {
    await assert.rejects(pullModel('yunet-2023mar', options()), (err: unknown) => {
      assert.ok(err instanceof ModelDownloadError);
      assert.equal(err.status, 404);
      assert.match(err.message, /opencv\/face_detection_yunet\/resolve\/main\/face_detection_yunet_2023mar\.onnx answered 404/);
      return true;
    });
    assert.deepEqual(await leftovers(), []);
  });

  test('a registry sha256 wins over the host: a host serving other bytes cannot pass', async () => {
    const spec = getModelSpec('clip-vit-b32-image');
    const body = await fixture('clip-vit-b32-image-test', 'vision_model.onnx');
    hub.files.set('Xenova/clip-vit-base-patch32/onnx/vision_model.onnx', { body, lfs: true });
    const pinned = { ...spec, files: [{ ...spec.files[0]!, sha256: 'd'.repeat(64) }] };
    await assert.rejects(pullModel(pinned, options()), (err: unknown) => err instanceof ModelChecksumError && err.expected === 'd'.repeat(64));
    const ok = await pullModel({ ...spec, files: [{ ...spec.files[0]!, sha256: sha256(body) }] }, options());
    assert.equal(ok.files['vision_model.onnx']?.verifiedAgainst, 'registry');
  });

  test('a model Hugging Face does not host needs a bucket, and says so', async () => {
    await assert.rejects(pullModel('arcface-w600k-r50', options()), /not on Hugging Face.*gs:\/\/<bucket>\/arcface-w600k-r50\/1\/.*LIGHTBOX_MODELS_BUCKET/);
  });
});

describe('models:pull from a GCS bucket (fake-gcs-server)', () => {
  let emulator: GcsEmulator | undefined;
  let storage: Storage;
  let dir: string;
  const bucket = 'lightbox-models';
  const skip = (() => {
    try {
      accessSync(fakeGcsServerBinary());
      return false;
    } catch {
      return 'fake-gcs-server is not installed (bash scripts/install-tools.sh)';
    }
  })();

  before(async () => {
    if (skip) return;
    emulator = await startGcsEmulator();
    storage = new Storage({ apiEndpoint: emulator.endpoint, projectId: 'lightbox-test' });
    await storage.createBucket(bucket);
  });
  after(async () => {
    await emulator?.stop();
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightbox-pull-gcs-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('pulls from <bucket>/<gcsPrefix>/, verified against the object sha256 metadata', { skip }, async () => {
    const body = await fixture('arcface-w600k-r50-test', 'w600k_r50.onnx');
    await storage
      .bucket(bucket)
      .file('arcface-w600k-r50/1/w600k_r50.onnx')
      .save(body, { metadata: { metadata: { sha256: sha256(body) } } });
    const result = await pullModel('arcface-w600k-r50', { modelsDir: dir, source: 'huggingface', bucket, storage });
    assert.equal(result.status, 'installed');
    assert.deepEqual(result.source, { kind: 'gcs', bucket, prefix: 'arcface-w600k-r50/1' });
    assert.equal(result.files['w600k_r50.onnx']?.verifiedAgainst, 'host');
    assert.equal(await new ModelStore({ dir }).isInstalled('arcface-w600k-r50'), true);
  });

  test('an object whose sha256 metadata disagrees is rejected and nothing is installed', { skip }, async () => {
    const body = await fixture('yunet-2023mar-test', 'face_detection_yunet_2023mar.onnx');
    await storage
      .bucket(bucket)
      .file('yunet-2023mar/1/face_detection_yunet_2023mar.onnx')
      .save(body, { metadata: { metadata: { sha256: '0'.repeat(64) } } });
    await assert.rejects(pullModel('yunet-2023mar', { modelsDir: dir, source: 'gcs', bucket, storage }), ModelChecksumError);
    assert.equal(await new ModelStore({ dir }).isInstalled('yunet-2023mar'), false);
    assert.deepEqual((await readLock(dir)).models, {});
  });

  test('a missing object is a download error', { skip }, async () => {
    await assert.rejects(
      pullModel('clip-vit-b32-text', { modelsDir: dir, source: 'gcs', bucket, storage }),
      (err: unknown) => err instanceof ModelDownloadError && /no such object/.test(err.message),
    );
  });
});
