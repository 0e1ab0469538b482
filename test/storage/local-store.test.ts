import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobNotFoundError, InvalidBlobKeyError, MAX_SIGNED_URL_SECONDS } from '../../src/storage/blob-store';
import { createBlobStore } from '../../src/storage';
import { keyFromLocalBlobPath, LocalBlobStore, verifyLocalSignature } from '../../src/storage/local-store';
import { assertKeyRejectedEverywhere } from '../helpers/blob-store-contract';

const SECRET = 'test-signing-secret-0123456789abcdef';
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * Stands in for the API's /v1/blobs route: verify the signature, then read or write through the
 * store. `clockSkewMs` lets a test move the server's clock past a URL's expiry without sleeping.
 */
function startBlobServer(getStore: () => LocalBlobStore) {
  const state = { clockSkewMs: 0 };
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      // Split by hand: new URL() would resolve "." and ".." segments before the key check sees them.
      const raw = req.url ?? '/';
      const queryAt = raw.indexOf('?');
      const pathname = queryAt === -1 ? raw : raw.slice(0, queryAt);
      const query = new URLSearchParams(queryAt === -1 ? '' : raw.slice(queryAt + 1));
      const method = req.method;
      if (method !== 'GET' && method !== 'PUT') return reply(405, { error: 'method' });
      let key: string;
      try {
        key = keyFromLocalBlobPath(pathname);
      } catch (err) {
        if (err instanceof InvalidBlobKeyError) return reply(400, { error: 'invalid_key' });
        throw err;
      }
      if (query.get('method') !== method) return reply(403, { error: 'wrong_method' });
      const contentType = method === 'PUT' ? req.headers['content-type'] : undefined;
      const check = verifyLocalSignature(
        SECRET,
        {
          method,
          key,
          expires: query.get('expires') ?? '',
          contentType,
          signature: query.get('signature') ?? '',
        },
        new Date(Date.now() + state.clockSkewMs),
      );
      if (!check.ok) return reply(403, { error: check.reason });
      const store = getStore();
      if (method === 'GET') {
        const meta = await store.stat(key);
        if (!meta) return reply(404, { error: 'not_found' });
        const data = await store.get(key);
        res.writeHead(200, { 'Content-Type': meta.contentType, 'Content-Length': data.length });
        res.end(data);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const meta = await store.put(key, Buffer.concat(chunks), { contentType });
      reply(200, meta);
    })().catch((err: unknown) => reply(500, { error: String(err) }));
  });
  return { server, state };
}

/** GET with the path sent byte for byte, as a hostile client could. */
function rawRequestStatus(baseUrl: string, rawPath: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('LocalBlobStore', () => {
  let rootDir: string;
  let store: LocalBlobStore;
  let baseUrl: string;
  const { server, state } = startBlobServer(() => store);

  before(async () => {
    rootDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightbox-local-store-'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = new LocalBlobStore({ rootDir, signingSecret: SECRET, publicBaseUrl: `${baseUrl}/` });
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fs.rm(rootDir, { recursive: true, force: true });
  });

  describe('put / get / stat / delete', () => {
    it('round-trips bytes and metadata', async () => {
      const key = 'tenants/a/albums/1/photos/p1.jpg';
      const data = Buffer.from('jpeg bytes \u0000\u00ff', 'binary');
      const before = Date.now();
      const put = await store.put(key, data, { contentType: 'image/jpeg' });
      assert.equal(put.key, key);
      assert.equal(put.size, data.length);
      assert.equal(put.contentType, 'image/jpeg');
      assert.equal(put.sha256, sha256(data));
      assert.ok(put.updatedAt instanceof Date);
      assert.ok(put.updatedAt.getTime() >= before - 2000);

      assert.deepEqual(await store.get(key), data);
      assert.deepEqual(await store.stat(key), put);
      // Blobs are plain files at <rootDir>/<key>.
      assert.deepEqual(await fs.readFile(path.join(rootDir, 'tenants', 'a', 'albums', '1', 'photos', 'p1.jpg')), data);
    });

    it('overwrites, and stat follows the newest content', async () => {
      const key = 'tenants/a/overwrite.txt';
      await store.put(key, Buffer.from('first version'), { contentType: 'text/plain' });
      const second = await store.put(key, Buffer.from('v2'), { contentType: 'text/markdown' });
      assert.equal((await store.get(key)).toString(), 'v2');
      const stat = await store.stat(key);
      assert.equal(stat?.sha256, sha256('v2'));
      assert.equal(stat?.contentType, 'text/markdown');
      assert.equal(stat?.size, 2);
      assert.deepEqual(stat, second);
    });

    it('defaults the content type and stores empty blobs', async () => {
      const meta = await store.put('tenants/a/empty', Buffer.alloc(0));
      assert.equal(meta.contentType, 'application/octet-stream');
      assert.equal(meta.size, 0);
      assert.deepEqual(await store.get('tenants/a/empty'), Buffer.alloc(0));
    });

    it('handles missing keys per the interface', async () => {
      const key = 'tenants/a/never-written';
      await assert.rejects(store.get(key), (err: unknown) => err instanceof BlobNotFoundError && err.key === key);
      assert.equal(await store.stat(key), null);
      await store.delete(key);
      // A "folder" of other keys is not a blob either.
      assert.equal(await store.stat('tenants/a/albums'), null);
      await assert.rejects(store.get('tenants/a/albums'), BlobNotFoundError);
      await store.delete('tenants/a/albums');
      assert.notEqual(await store.stat('tenants/a/albums/1/photos/p1.jpg'), null, 'deleting a "folder" keeps the keys under it');
    });

    it('deletes blob and metadata', async () => {
      const key = 'tenants/a/to-delete.bin';
      await store.put(key, Buffer.from('x'));
      await store.delete(key);
      assert.equal(await store.stat(key), null);
      await assert.rejects(store.get(key), BlobNotFoundError);
      assert.ok(!(await store.list('tenants/a/')).includes(key));
      // Putting it again must not resurrect the old metadata.
      const again = await store.put(key, Buffer.from('yy'), { contentType: 'text/plain' });
      assert.deepEqual(await store.stat(key), again);
    });

    it('refuses to hold a key and a key below it, which a filesystem cannot', async () => {
      await store.put('tenants/a/conflict', Buffer.from('file'));
      await assert.rejects(store.put('tenants/a/conflict/child', Buffer.from('x')), InvalidBlobKeyError);
      await store.put('tenants/a/dir/child', Buffer.from('x'));
      await assert.rejects(store.put('tenants/a/dir', Buffer.from('x')), InvalidBlobKeyError);
      assert.equal((await store.get('tenants/a/dir/child')).toString(), 'x');
      assert.equal((await store.get('tenants/a/conflict')).toString(), 'file');
    });

    it('keeps blob and metadata paired under concurrent writes to one key', async () => {
      const key = 'tenants/a/race.bin';
      const payloads = Array.from({ length: 25 }, (_, i) => Buffer.from(`payload-${i}-${'z'.repeat(i)}`));
      await Promise.all(payloads.map((p, i) => store.put(key, p, { contentType: `application/x-v${i}` })));
      const data = await store.get(key);
      const stat = await store.stat(key);
      assert.equal(stat?.sha256, sha256(data));
      assert.equal(stat?.size, data.length);
      const index = payloads.findIndex((p) => p.equals(data));
      assert.equal(stat?.contentType, `application/x-v${index}`);
    });

    it('recomputes the hash when the file was replaced behind the store', async () => {
      const key = 'tenants/a/replaced.txt';
      await store.put(key, Buffer.from('aaaa'), { contentType: 'text/plain' });
      // Same size, new inode: the sidecar no longer describes this file.
      const file = path.join(rootDir, 'tenants', 'a', 'replaced.txt');
      await fs.writeFile(`${file}.new`, 'bbbb');
      await fs.rename(`${file}.new`, file);
      const stat = await store.stat(key);
      assert.equal(stat?.sha256, sha256('bbbb'));
      assert.equal(stat?.contentType, 'application/octet-stream');
    });

    it('leaves no temp files behind and checks writability', async () => {
      await store.checkWritable();
      assert.deepEqual(await fs.readdir(path.join(rootDir, '.tmp~')), []);
      const notADir = path.join(rootDir, 'plain-file');
      await fs.writeFile(notADir, 'x');
      const broken = new LocalBlobStore({ rootDir: notADir, signingSecret: SECRET, publicBaseUrl: baseUrl });
      await assert.rejects(broken.checkWritable());
      // A misconfigured root is reported as such, not blamed on the key.
      await assert.rejects(broken.put('tenants/a/x', Buffer.from('x')), (err: unknown) => !(err instanceof InvalidBlobKeyError));
    });

    it('rejects content types that cannot be a header', async () => {
      await assert.rejects(store.put('tenants/a/ct', Buffer.from('x'), { contentType: 'text/plain\r\nX-Evil: 1' }), TypeError);
    });
  });

  describe('list', () => {
    before(async () => {
      for (const key of [
        'tenants/lst/b/2.txt',
        'tenants/lst/a.txt',
        'tenants/lst/b/1.txt',
        'tenants/lst/b/deep/er/x=1.json',
        'tenants/lst/.hidden',
        'tenants/lst2/other.txt',
      ]) {
        await store.put(key, Buffer.from(key));
      }
    });

    it('returns keys recursively and sorted, without store internals', async () => {
      assert.deepEqual(await store.list('tenants/lst/'), [
        'tenants/lst/.hidden',
        'tenants/lst/a.txt',
        'tenants/lst/b/1.txt',
        'tenants/lst/b/2.txt',
        'tenants/lst/b/deep/er/x=1.json',
      ]);
      const all = await store.list('');
      assert.ok(all.includes('tenants/lst2/other.txt'));
      assert.ok(
        all.every((k) => !k.includes('~')),
        'sidecar and temp trees are not listed',
      );
      assert.deepEqual(all, [...all].sort());
    });

    it('uses plain string-prefix semantics, like GCS', async () => {
      assert.deepEqual(await store.list('tenants/lst/b/'), ['tenants/lst/b/1.txt', 'tenants/lst/b/2.txt', 'tenants/lst/b/deep/er/x=1.json']);
      assert.deepEqual(await store.list('tenants/lst/b/d'), ['tenants/lst/b/deep/er/x=1.json']);
      assert.deepEqual(await store.list('tenants/lst2'), ['tenants/lst2/other.txt']);
      assert.equal((await store.list('tenants/lst')).length, 6);
      assert.deepEqual(await store.list('tenants/lst/b/2.txt'), ['tenants/lst/b/2.txt']);
      assert.deepEqual(await store.list('tenants/nobody/'), []);
    });

    it('rejects invalid prefixes', async () => {
      await assert.rejects(store.list('tenants/lst/../'), InvalidBlobKeyError);
      await assert.rejects(store.list('/'), InvalidBlobKeyError);
      await assert.rejects(store.list('/tenants/'), InvalidBlobKeyError);
    });
  });

  describe('key validation', () => {
    const bad = ['tenants/a/../b/x', '/tenants/a/x', 'tenants\\a\\x', '', 'tenants/a//x', '../outside', 'tenants/a/.meta~/x'];
    for (const key of bad) {
      it(`rejects ${JSON.stringify(key)} on every operation`, async () => {
        await assertKeyRejectedEverywhere(store, key);
      });
    }

    it('never writes outside the root', async () => {
      const parent = path.dirname(rootDir);
      const beforeEntries = await fs.readdir(parent);
      await assert.rejects(store.put('tenants/a/../../../escape', Buffer.from('x')), InvalidBlobKeyError);
      assert.deepEqual(await fs.readdir(parent), beforeEntries);
    });
  });

  describe('signed URLs', () => {
    it('have the documented form', async () => {
      const key = 'tenants/a/albums/x=1/p.jpg';
      const t0 = Math.floor(Date.now() / 1000);
      const get = await store.signedDownloadUrl(key, { expiresInSeconds: 300 });
      const url = new URL(get.url);
      assert.equal(`${url.origin}${url.pathname}`, `${baseUrl}/v1/blobs/tenants/a/albums/x%3D1/p.jpg`);
      assert.equal(url.searchParams.get('method'), 'GET');
      const expires = Number(url.searchParams.get('expires'));
      assert.ok(expires >= t0 + 300 && expires <= t0 + 302);
      assert.equal(get.expiresAt.getTime(), expires * 1000);
      assert.match(url.searchParams.get('signature') ?? '', /^[0-9a-f]{64}$/);
      assert.equal(get.method, 'GET');
      assert.deepEqual(get.headers, {});
      assert.equal(keyFromLocalBlobPath(url.pathname), key);

      const put = await store.signedUploadUrl(key, { expiresInSeconds: 300, contentType: 'image/jpeg' });
      assert.equal(put.method, 'PUT');
      assert.deepEqual(put.headers, { 'Content-Type': 'image/jpeg' });
      assert.equal(new URL(put.url).searchParams.get('method'), 'PUT');
    });

    it('upload then download over HTTP', async () => {
      const key = 'tenants/a/uploads/u1.png';
      const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);
      const up = await store.signedUploadUrl(key, { expiresInSeconds: 60, contentType: 'image/png' });
      const putRes = await fetch(up.url, { method: up.method, headers: up.headers, body });
      assert.equal(putRes.status, 200, await putRes.clone().text());
      const stat = await store.stat(key);
      assert.equal(stat?.sha256, sha256(body));
      assert.equal(stat?.contentType, 'image/png');

      const down = await store.signedDownloadUrl(key, { expiresInSeconds: 60 });
      const getRes = await fetch(down.url);
      assert.equal(getRes.status, 200);
      assert.equal(getRes.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await getRes.arrayBuffer()), body);
    });

    it('with no public URL, signed URLs are relative and work from whichever host the API is reached at', async () => {
      const relative = new LocalBlobStore({ rootDir, signingSecret: SECRET });
      const key = 'tenants/a/uploads/any-host.png';
      const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9]);
      const up = await relative.signedUploadUrl(key, { expiresInSeconds: 60, contentType: 'image/png' });
      const down = await relative.signedDownloadUrl(key, { expiresInSeconds: 60 });
      for (const u of [up.url, down.url]) assert.match(u, /^\/v1\/blobs\/tenants\/a\/uploads\/any-host\.png\?/);
      // The same relative URL, resolved against two spellings of this server, as a browser would.
      const port = new URL(baseUrl).port;
      const putRes = await fetch(new URL(up.url, `http://127.0.0.1:${port}`), { method: 'PUT', headers: up.headers, body });
      assert.equal(putRes.status, 200, await putRes.clone().text());
      const getRes = await fetch(new URL(down.url, `http://localhost:${port}`));
      assert.equal(getRes.status, 200);
      assert.deepEqual(Buffer.from(await getRes.arrayBuffer()), body);
    });
    it('upload without a content type signs application/octet-stream', async () => {
      const up = await store.signedUploadUrl('tenants/a/uploads/raw', { expiresInSeconds: 60 });
      assert.deepEqual(up.headers, { 'Content-Type': 'application/octet-stream' });
      const res = await fetch(up.url, { method: 'PUT', headers: up.headers, body: Buffer.from('raw') });
      assert.equal(res.status, 200);
      assert.equal((await store.stat('tenants/a/uploads/raw'))?.contentType, 'application/octet-stream');
    });

    it('download of a missing blob is a 404, not a signature error', async () => {
      const down = await store.signedDownloadUrl('tenants/a/uploads/missing', { expiresInSeconds: 60 });
      assert.equal((await fetch(down.url)).status, 404);
    });

    it('refuses an expired URL', async () => {
      const key = 'tenants/a/uploads/u1.png';
      const down = await store.signedDownloadUrl(key, { expiresInSeconds: 60 });
      const up = await store.signedUploadUrl(key, { expiresInSeconds: 60, contentType: 'image/png' });
      state.clockSkewMs = 61_000;
      try {
        const getRes = await fetch(down.url);
        assert.equal(getRes.status, 403);
        assert.deepEqual(await getRes.json(), { error: 'expired' });
        const putRes = await fetch(up.url, { method: 'PUT', headers: up.headers, body: Buffer.from('late') });
        assert.equal(putRes.status, 403);
        assert.deepEqual(await putRes.json(), { error: 'expired' });
      } finally {
        state.clockSkewMs = 0;
      }
      assert.equal((await fetch(down.url)).status, 200, 'the same URL works before its expiry');
    });

    it('refuses tampered URLs', async () => {
      const key = 'tenants/a/uploads/u1.png';
      const original = (await store.get(key)).toString('hex');
      const down = new URL((await store.signedDownloadUrl(key, { expiresInSeconds: 60 })).url);
      const up = await store.signedUploadUrl(key, { expiresInSeconds: 60, contentType: 'image/png' });

      const flipped = new URL(down);
      const sig = flipped.searchParams.get('signature') ?? '';
      flipped.searchParams.set('signature', sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'));
      const longer = new URL(down);
      longer.searchParams.set('expires', String(Number(down.searchParams.get('expires')) + 3600));
      const otherTenant = new URL(down);
      otherTenant.pathname = '/v1/blobs/tenants/b/uploads/u1.png';
      const noSignature = new URL(down);
      noSignature.searchParams.delete('signature');

      for (const url of [flipped, longer, otherTenant, noSignature]) {
        const res = await fetch(url);
        assert.equal(res.status, 403, url.href);
        assert.deepEqual(await res.json(), { error: 'bad_signature' });
      }

      // A download URL cannot be used to upload, and an upload must send the signed content type.
      const asPut = await fetch(down, { method: 'PUT', body: Buffer.from('x') });
      assert.equal(asPut.status, 403);
      const wrongType = await fetch(up.url, { method: 'PUT', headers: { 'Content-Type': 'text/html' }, body: Buffer.from('<script>') });
      assert.equal(wrongType.status, 403);
      assert.deepEqual(await wrongType.json(), { error: 'bad_signature' });

      // Traversal in the raw request path (fetch would normalise it away) never reaches the store.
      for (const rawPath of ['/v1/blobs/tenants/a/%2E%2E/b/x', '/v1/blobs/tenants/a/../b/x', '/v1/blobs/tenants/a/..%2Fb']) {
        const status = await rawRequestStatus(baseUrl, `${rawPath}?${down.searchParams.toString()}`);
        assert.equal(status, 400, rawPath);
      }
      assert.equal((await store.get(key)).toString('hex'), original);
    });

    it('rejects TTLs GCS would reject', async () => {
      await assert.rejects(store.signedDownloadUrl('tenants/a/x', { expiresInSeconds: 0 }), RangeError);
      await assert.rejects(store.signedDownloadUrl('tenants/a/x', { expiresInSeconds: MAX_SIGNED_URL_SECONDS + 1 }), RangeError);
      await store.signedDownloadUrl('tenants/a/x', { expiresInSeconds: MAX_SIGNED_URL_SECONDS });
    });
  });

  describe('verifyLocalSignature', () => {
    async function signedParams() {
      const up = await store.signedUploadUrl('tenants/a/v.bin', { expiresInSeconds: 100, contentType: 'image/webp' });
      const url = new URL(up.url);
      return {
        method: 'PUT',
        key: 'tenants/a/v.bin',
        expires: url.searchParams.get('expires') ?? '',
        contentType: 'image/webp',
        signature: url.searchParams.get('signature') ?? '',
      };
    }

    it('accepts the expires parameter as a string or a number', async () => {
      const p = await signedParams();
      assert.deepEqual(verifyLocalSignature(SECRET, p), { ok: true });
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, expires: Number(p.expires) }), { ok: true });
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, signature: p.signature.toUpperCase() }), { ok: true });
    });

    it('expires exactly at the expiry second', async () => {
      const p = await signedParams();
      const at = new Date(Number(p.expires) * 1000);
      assert.deepEqual(verifyLocalSignature(SECRET, p, new Date(at.getTime() - 1)), { ok: true });
      assert.deepEqual(verifyLocalSignature(SECRET, p, at), { ok: false, reason: 'expired' });
    });

    it('reports bad_signature for anything not signed with this secret', async () => {
      const p = await signedParams();
      const bad = { ok: false, reason: 'bad_signature' };
      assert.deepEqual(verifyLocalSignature('another-secret', p), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, method: 'GET' }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, method: 'DELETE' }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, contentType: undefined }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, key: 'tenants/a/../a/v.bin' }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, expires: 'soon' }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, expires: `${p.expires}.0` }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, expires: Number.NaN }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, signature: p.signature.slice(2) }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, signature: 'zz' + p.signature.slice(2) }), bad);
      assert.deepEqual(verifyLocalSignature(SECRET, { ...p, signature: '' }), bad);
      // An expired and forged URL is reported as forged: "expired" only for URLs we issued.
      assert.deepEqual(verifyLocalSignature('another-secret', p, new Date(Date.now() + 10 * 86400_000)), bad);
    });
  });

  describe('keyFromLocalBlobPath', () => {
    it('decodes segments and validates the key', () => {
      assert.equal(keyFromLocalBlobPath('/v1/blobs/tenants/a/x%3D1/p.jpg'), 'tenants/a/x=1/p.jpg');
      for (const p of [
        '/v1/blobs/tenants/a/%2E%2E/b',
        '/v1/blobs/tenants/a%2F..%2Fb/x',
        '/v1/blobs/tenants/a/%5C',
        '/v1/blobs/tenants/a/%E0%A4%A',
        '/v1/blobs/',
        '/v2/blobs/tenants/a/x',
      ]) {
        assert.throws(() => keyFromLocalBlobPath(p), InvalidBlobKeyError, p);
      }
    });
  });

  it('is what createBlobStore builds for kind "local"', () => {
    const built = createBlobStore({ kind: 'local', rootDir, signingSecret: SECRET, publicBaseUrl: baseUrl });
    assert.ok(built instanceof LocalBlobStore);
    assert.equal(built.kind, 'local');
  });
});
