/**
 * GcsBlobStore against the real fake-gcs-server emulator (test/helpers/gcs-emulator.ts).
 *
 * fake-gcs-server serves path-style signed URLs (PUT and GET on /<bucket>/<object>) but never
 * checks X-Goog-Signature or X-Goog-Expires: any signature, or none, is accepted. So the HTTP
 * round trip proves the URLs point at the right object with the right method and headers, and the
 * signature itself is checked separately by re-deriving the v4 string-to-sign from the URL and
 * verifying it with the test key's public half, which is what GCS does on its side.
 */
import assert from 'node:assert/strict';
import { createHash, createVerify, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { BlobNotFoundError, InvalidBlobKeyError, MAX_SIGNED_URL_SECONDS, type SignedUrl } from '../../src/storage/blob-store';
import { createBlobStore } from '../../src/storage';
import { GcsBlobStore, READINESS_PROBE_PREFIX } from '../../src/storage/gcs-store';
import { startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';
import { assertKeyRejectedEverywhere } from '../helpers/blob-store-contract';

const BUCKET = 'lightbox-test';
const CLIENT_EMAIL = 'lightbox-test@lightbox-test.iam.gserviceaccount.com';
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

// Signing is purely local (RSA over the canonical request), so a throwaway key needs no network.
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** RFC 3986 encoding, as the v4 canonical query string requires (encodeURIComponent spares !'()*). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Verifies a GOOG4-RSA-SHA256 signed URL the way GCS does: rebuild the canonical request from the
 * URL and the headers the client will send, hash it, and check the signature with the public key.
 */
function verifyV4SignedUrl(signed: { url: string; method: string; headers: Record<string, string> }): boolean {
  const url = new URL(signed.url);
  const q = url.searchParams;
  const signature = q.get('X-Goog-Signature');
  if (!signature) return false;
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Goog-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  // The client signs the host without its port; on GCS (always the default port) that is the Host header.
  const sent: Record<string, string> = { host: url.hostname };
  for (const [k, v] of Object.entries(signed.headers)) sent[k.toLowerCase()] = v;
  const signedHeaders = (q.get('X-Goog-SignedHeaders') ?? '').split(';');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(sent[h] ?? '').trim()}\n`).join('');
  const canonicalRequest = [signed.method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const credential = q.get('X-Goog-Credential') ?? '';
  const scope = credential.slice(credential.indexOf('/') + 1);
  const stringToSign = ['GOOG4-RSA-SHA256', q.get('X-Goog-Date'), scope, sha256(canonicalRequest)].join('\n');
  return createVerify('RSA-SHA256').update(stringToSign).verify(publicKey, Buffer.from(signature, 'hex'));
}

describe('GcsBlobStore (fake-gcs-server)', () => {
  let emulator: GcsEmulator;
  let store: GcsBlobStore;
  let admin: Storage;

  before(async () => {
    emulator = await startGcsEmulator();
    admin = new Storage({ apiEndpoint: emulator.endpoint, projectId: 'lightbox-test' });
    await admin.createBucket(BUCKET);
    const built = createBlobStore({
      kind: 'gcs',
      bucket: BUCKET,
      projectId: 'lightbox-test',
      apiEndpoint: emulator.endpoint,
      credentials: { client_email: CLIENT_EMAIL, private_key: privateKey },
    });
    assert.ok(built instanceof GcsBlobStore);
    assert.equal(built.kind, 'gcs');
    store = built;
  });

  after(async () => {
    await emulator?.stop();
  });

  describe('put / get / stat / delete', () => {
    it('round-trips bytes and metadata, with sha256 in custom metadata', async () => {
      const key = 'tenants/a/albums/1/photos/p1.jpg';
      const data = Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2, 3, 0xd9]);
      const put = await store.put(key, data, { contentType: 'image/jpeg' });
      assert.equal(put.key, key);
      assert.equal(put.size, data.length);
      assert.equal(put.contentType, 'image/jpeg');
      assert.equal(put.sha256, sha256(data));
      assert.ok(put.updatedAt instanceof Date && !Number.isNaN(put.updatedAt.getTime()));

      assert.deepEqual(await store.get(key), data);
      assert.deepEqual(await store.stat(key), put);
      // Stored where another GCS client would look for it.
      const [raw] = await admin.bucket(BUCKET).file(key).getMetadata();
      assert.equal(raw.metadata?.sha256, sha256(data));
    });

    it('overwrites and defaults the content type', async () => {
      const key = 'tenants/a/over.bin';
      await store.put(key, Buffer.from('one'), { contentType: 'text/plain' });
      const second = await store.put(key, Buffer.from('second'));
      assert.equal(second.contentType, 'application/octet-stream');
      assert.equal((await store.get(key)).toString(), 'second');
      assert.equal((await store.stat(key))?.sha256, sha256('second'));
    });

    it('handles missing keys per the interface', async () => {
      const key = 'tenants/a/never-written';
      await assert.rejects(store.get(key), (err: unknown) => err instanceof BlobNotFoundError && err.key === key);
      assert.equal(await store.stat(key), null);
      await store.delete(key);
    });

    it('deletes', async () => {
      const key = 'tenants/a/to-delete';
      await store.put(key, Buffer.from('x'));
      await store.delete(key);
      assert.equal(await store.stat(key), null);
      await assert.rejects(store.get(key), BlobNotFoundError);
    });

    it('can hold a key and keys below it, unlike the local store', async () => {
      await store.put('tenants/a/both', Buffer.from('file'));
      await store.put('tenants/a/both/child', Buffer.from('child'));
      assert.equal((await store.get('tenants/a/both')).toString(), 'file');
    });

    it('checkWritable leaves nothing behind', async () => {
      await store.checkWritable();
      assert.deepEqual(await store.list(READINESS_PROBE_PREFIX), []);
    });
  });

  describe('list', () => {
    before(async () => {
      for (const key of ['tenants/lst/b/2', 'tenants/lst/a', 'tenants/lst/b/1', 'tenants/lst/b/deep/x=1.json', 'tenants/lst2/o']) {
        await store.put(key, Buffer.from(key));
      }
    });

    it('returns keys under a prefix, recursively and sorted', async () => {
      assert.deepEqual(await store.list('tenants/lst/'), ['tenants/lst/a', 'tenants/lst/b/1', 'tenants/lst/b/2', 'tenants/lst/b/deep/x=1.json']);
      assert.deepEqual(await store.list('tenants/lst/b/d'), ['tenants/lst/b/deep/x=1.json']);
      assert.deepEqual(await store.list('tenants/lst2'), ['tenants/lst2/o']);
      assert.equal((await store.list('tenants/lst')).length, 5);
      assert.deepEqual(await store.list('tenants/nobody/'), []);
      const all = await store.list('');
      assert.deepEqual(all, [...all].sort());
      assert.ok(all.includes('tenants/lst2/o'));
    });

    it('rejects invalid prefixes', async () => {
      await assert.rejects(store.list('tenants/lst/../'), InvalidBlobKeyError);
      await assert.rejects(store.list('/tenants/'), InvalidBlobKeyError);
    });
  });

  describe('key validation', () => {
    for (const key of ['tenants/a/../b/x', '/tenants/a/x', 'tenants\\a\\x', '', 'tenants/a//x', 'tenants/a/x\n']) {
      it(`rejects ${JSON.stringify(key)} on every operation`, async () => {
        await assertKeyRejectedEverywhere(store, key);
      });
    }
  });

  describe('signed URLs', () => {
    function assertWellFormedV4(signed: SignedUrl, key: string, ttl: number): URL {
      const url = new URL(signed.url);
      assert.equal(url.origin, emulator.endpoint, 'signed URLs point at the configured endpoint');
      assert.equal(url.pathname, `/${BUCKET}/${key.split('/').map(rfc3986).join('/')}`);
      const q = url.searchParams;
      assert.equal(q.get('X-Goog-Algorithm'), 'GOOG4-RSA-SHA256');
      assert.match(q.get('X-Goog-Credential') ?? '', new RegExp(`^${CLIENT_EMAIL}/\\d{8}/auto/storage/goog4_request$`));
      assert.match(q.get('X-Goog-Date') ?? '', /^\d{8}T\d{6}Z$/);
      assert.match(q.get('X-Goog-Signature') ?? '', /^[0-9a-f]{512}$/);
      assert.equal(Number(q.get('X-Goog-Expires')), ttl);
      const d = q.get('X-Goog-Date') ?? '';
      const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
      assert.equal(signed.expiresAt.getTime(), signedAt + ttl * 1000, 'expiresAt matches X-Goog-Date + X-Goog-Expires');
      assert.ok(verifyV4SignedUrl(signed), 'signature verifies with the service account public key');
      return url;
    }

    it('upload then download through the emulator', async () => {
      const key = 'tenants/a/uploads/x=1/u1.png';
      const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]);
      const up = await store.signedUploadUrl(key, { expiresInSeconds: 900, contentType: 'image/png' });
      assert.equal(up.method, 'PUT');
      assert.deepEqual(up.headers, { 'Content-Type': 'image/png' });
      const upUrl = assertWellFormedV4(up, key, 900);
      assert.equal(upUrl.searchParams.get('X-Goog-SignedHeaders'), 'content-type;host');

      const putRes = await fetch(up.url, { method: up.method, headers: up.headers, body });
      assert.equal(putRes.status, 200, await putRes.clone().text());

      const stat = await store.stat(key);
      assert.equal(stat?.size, body.length);
      assert.equal(stat?.contentType, 'image/png');
      // Written by the client, not by put(): there is no sha256 of ours to report.
      assert.equal(stat?.sha256, undefined);

      const down = await store.signedDownloadUrl(key, { expiresInSeconds: 60 });
      assert.equal(down.method, 'GET');
      assert.deepEqual(down.headers, {});
      assert.equal(assertWellFormedV4(down, key, 60).searchParams.get('X-Goog-SignedHeaders'), 'host');
      const getRes = await fetch(down.url);
      assert.equal(getRes.status, 200);
      assert.deepEqual(Buffer.from(await getRes.arrayBuffer()), body);
      assert.deepEqual(await store.get(key), body);
    });

    it('downloads what put() stored', async () => {
      const key = 'tenants/a/albums/1/photos/p1.jpg';
      const down = await store.signedDownloadUrl(key, { expiresInSeconds: 60 });
      const res = await fetch(down.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), await store.get(key));
    });

    it('upload without a content type signs application/octet-stream', async () => {
      const up = await store.signedUploadUrl('tenants/a/uploads/raw', { expiresInSeconds: 60 });
      assert.deepEqual(up.headers, { 'Content-Type': 'application/octet-stream' });
      assert.ok(verifyV4SignedUrl(up));
    });

    it('signatures do not survive tampering (checked locally: the emulator ignores them)', async () => {
      const up = await store.signedUploadUrl('tenants/a/uploads/t.png', { expiresInSeconds: 60, contentType: 'image/png' });
      assert.ok(verifyV4SignedUrl(up));
      const withParam = (name: string, value: string) => {
        const u = new URL(up.url);
        u.searchParams.set(name, value);
        return { ...up, url: u.href };
      };
      const sig = new URL(up.url).searchParams.get('X-Goog-Signature') ?? '';
      assert.equal(verifyV4SignedUrl(withParam('X-Goog-Signature', sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'))), false);
      assert.equal(verifyV4SignedUrl(withParam('X-Goog-Expires', '604800')), false, 'a longer lifetime');
      assert.equal(verifyV4SignedUrl({ ...up, headers: { 'Content-Type': 'text/html' } }), false, 'another content type');
      assert.equal(verifyV4SignedUrl({ ...up, method: 'GET' }), false, 'another method');
      const otherObject = new URL(up.url);
      otherObject.pathname = `/${BUCKET}/tenants/b/uploads/t.png`;
      assert.equal(verifyV4SignedUrl({ ...up, url: otherObject.href }), false, 'another object');
    });

    it('rejects TTLs GCS would reject', async () => {
      await assert.rejects(store.signedDownloadUrl('tenants/a/x', { expiresInSeconds: 0 }), RangeError);
      await assert.rejects(store.signedDownloadUrl('tenants/a/x', { expiresInSeconds: MAX_SIGNED_URL_SECONDS + 1 }), RangeError);
      const longest = await store.signedDownloadUrl('tenants/a/x', { expiresInSeconds: MAX_SIGNED_URL_SECONDS });
      assert.equal(new URL(longest.url).searchParams.get('X-Goog-Expires'), String(MAX_SIGNED_URL_SECONDS));
    });
  });

  it('the emulator helper says how to install a missing binary', async () => {
    const previous = process.env.FAKE_GCS_SERVER_BIN;
    process.env.FAKE_GCS_SERVER_BIN = '/nonexistent/fake-gcs-server';
    try {
      await assert.rejects(startGcsEmulator(), /run bash scripts\/install-tools\.sh/);
    } finally {
      if (previous === undefined) delete process.env.FAKE_GCS_SERVER_BIN;
      else process.env.FAKE_GCS_SERVER_BIN = previous;
    }
  });
});
