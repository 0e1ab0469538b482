/**
 * The API contract clients build on (issue 12 §4) and the API-layer defects of issue 13:
 * Location on creates, Idempotency-Key (multipart included, 422 on reuse), cursor pages with
 * signed and thumbnail URLs, SSE progress, purge, write-once signed PUTs, the upload sweeper,
 * bounded update payloads, and a fast 503 when Temporal is unreachable.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { z } from 'zod';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { scene } from '../../src/dev/demo-photos';
import { albumPhotoKey, handoverKey } from '../../src/storage/keys';
import { albumResultsResponse, albumStatusResponse, albumViewSchema, purgedResponse, uploadResultResponse } from '../../src/shared/contract/albums';
import {
  mergePeopleResponse,
  moveFaceResponse,
  peopleListResponse,
  personDetailResponse,
  personPhotosResponse,
  searchResponse,
} from '../../src/shared/contract/people';
import { peopleStoreFor } from '../../src/people/people-store';
import { assignAlbumFaces } from '../../src/people/tenant-people';
import { call, TENANT_A, waitFor, useStackOnDevServer } from '../helpers/stack';
import { freePort } from '../helpers/temporal';
import { multipart, raw } from './http-raw';

const running = useStackOnDevServer({}, undefined, { maxFilesPerRequest: 250 });
const auth = { authorization: `Bearer ${TENANT_A.key}` };
const A = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => call(running.stack.baseUrl, TENANT_A.key, method, p, body, headers);

async function upload(albumId: string, files: Array<{ filename: string; data: Buffer }>, headers: Record<string, string> = {}) {
  const m = multipart(files.map((f) => ({ filename: f.filename, data: f.data })));
  return raw(running.stack.baseUrl, 'POST', `/v1/albums/${albumId}/photos`, { ...auth, 'content-type': m.contentType, ...headers }, m.body);
}

/** The body is exactly what the contract says: parsing drops undeclared fields and fails on missing or mistyped ones. */
function conforms(schema: z.ZodType, body: unknown, what: string) {
  const parsed = schema.safeParse(body);
  assert.ok(parsed.success, `${what}: ${parsed.error?.message}`);
  assert.deepEqual(parsed.data, body, `${what} sends only the fields its schema declares`);
}

const jpegs = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => scene(96, 64, i + 1)));

/** Apps made by a test (sweeper, Temporal down) on their own port. */
async function serve(app: http.RequestListener) {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('API contract', () => {
  test('creates answer with Location; an Idempotency-Key replays the same body and refuses a different one (422)', async () => {
    const headers = { 'idempotency-key': 'contract-create-1' };
    const first = await A('POST', '/v1/albums', { title: 'One' }, headers);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('location'), `/v1/albums/${first.body.albumId}`);
    const again = await A('POST', '/v1/albums', { title: 'One' }, headers);
    assert.equal(again.status, 201);
    assert.equal(again.body.albumId, first.body.albumId);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const other = await A('POST', '/v1/albums', { title: 'Another' }, headers);
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  test('a retried multipart upload with the same Idempotency-Key adds each photo once (defect 7)', async () => {
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const files = (await jpegs(4)).map((data, i) => ({ filename: `p${i}.jpg`, data }));
    const key = { 'idempotency-key': 'upload-retry-1' };
    const first = await upload(albumId, files, key);
    assert.equal(first.status, 202, first.text);
    assert.equal(first.body.accepted.length, 4);
    const retry = await upload(albumId, files, key);
    assert.equal(retry.status, 202);
    assert.deepEqual(
      retry.body.accepted.map((a: { photoId: string }) => a.photoId).sort(),
      first.body.accepted.map((a: { photoId: string }) => a.photoId).sort(),
    );
    const status = await A('GET', `/v1/albums/${albumId}`);
    assert.equal(status.body.counts.total, 4, 'no photo twice');
    const different = await upload(albumId, files.slice(0, 2), key);
    assert.equal(different.status, 422);
    assert.equal(different.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  test('200 files with 15,000-character names: each rejected, no blob left, the album keeps answering (defect 2)', async () => {
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const [jpeg] = await jpegs(1);
    const files = Array.from({ length: 200 }, (_, i) => ({ filename: `${i}-${'n'.repeat(15_000)}.jpg`, data: jpeg! }));
    const res = await upload(albumId, files);
    assert.equal(res.status, 202, res.text.slice(0, 300));
    assert.equal(res.body.accepted.length, 0);
    assert.equal(res.body.rejected.length, 200);
    assert.ok(res.body.rejected.every((r: { code: string }) => r.code === 'FILENAME_TOO_LONG'));
    assert.deepEqual(await running.stack.store.list(`tenants/${TENANT_A.tenant}/albums/${albumId}/photos/`), []);
    assert.equal((await A('GET', `/v1/albums/${albumId}`)).status, 200);
  });

  test('progress over SSE, results in cursor pages with signed and thumbnail URLs, then purge; every body as the contract says', async () => {
    const created = await A('POST', '/v1/albums', {});
    conforms(albumStatusResponse, created.body, 'POST /v1/albums');
    const { albumId } = created.body;
    const files = (await jpegs(5)).map((data, i) => ({ filename: `s${i}.jpg`, data }));
    const uploaded = await upload(albumId, files);
    assert.equal(uploaded.status, 202);
    conforms(uploadResultResponse, uploaded.body, 'multipart upload');

    const events = await fetch(`${running.stack.baseUrl}/v1/albums/${albumId}/events`, { headers: auth });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
    await A('POST', `/v1/albums/${albumId}/close`);
    const text = await events.text(); // the stream ends by itself after the terminal status
    const snapshots = [...text.matchAll(/^event: status\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
    assert.ok(snapshots.length >= 1);
    assert.equal(snapshots.at(-1).status, 'completed');
    for (const snapshot of snapshots) conforms(albumViewSchema, snapshot, 'SSE status event');
    conforms(albumStatusResponse, (await A('GET', `/v1/albums/${albumId}`)).body, 'GET /v1/albums/:id');
    console.log(`SSE: ${snapshots.length} status events until completed`);

    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const res = await A('GET', `/v1/albums/${albumId}/results?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      conforms(albumResultsResponse, res.body, 'a results page');
      assert.ok(res.body.items.length <= 2);
      for (const item of res.body.items) {
        assert.match(item.url, /signature=/);
        assert.equal(item.thumbnailUrl, `/v1/albums/${albumId}/photos/${item.photoId}/thumbnail`);
        seen.push(item.photoId);
      }
      cursor = res.body.page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    // Cursors are checksummed and bound to their list: edited, or handed to another list, they are refused.
    const first = (await A('GET', `/v1/albums/${albumId}/results?limit=2`)).body.nextCursor as string;
    const edited = `${first.slice(0, -2)}${first.endsWith('A') ? 'B' : 'A'}${first.slice(-1)}`;
    assert.equal((await A('GET', `/v1/albums/${albumId}/results?cursor=${edited}`)).body.error.code, 'INVALID_CURSOR');
    assert.equal((await A('GET', `/v1/albums?cursor=${first}`)).body.error.code, 'INVALID_CURSOR');
    assert.equal(new Set(seen).size, 5);
    const thumb = await fetch(`${running.stack.baseUrl}/v1/albums/${albumId}/photos/${seen[0]}/thumbnail`, { headers: auth });
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/webp');

    const purged = await A('DELETE', `/v1/albums/${albumId}?purge=true`);
    assert.equal(purged.status, 200);
    assert.equal(purged.body.purged, true);
    conforms(purgedResponse, purged.body, 'DELETE ?purge=true');
    assert.ok(purged.body.deletedBlobs >= 5);
    assert.deepEqual(await running.stack.store.list(`tenants/${TENANT_A.tenant}/albums/${albumId}/`), []);
    assert.equal((await A('GET', `/v1/albums/${albumId}/photos/${seen[0]}`)).body.error.code, 'PHOTO_NOT_FOUND');
  });

  test('people, their corrections and word search answer as the contract says', async () => {
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const uploaded = await upload(
      albumId,
      (await jpegs(3)).map((data, i) => ({ filename: `f${i}.jpg`, data })),
    );
    const [p0, p1, p2] = uploaded.body.accepted.map((a: { photoId: string }) => a.photoId) as string[];
    await A('POST', `/v1/albums/${albumId}/close`);
    await waitFor(
      () => A('GET', `/v1/albums/${albumId}`),
      (r) => r.body.status === 'completed',
    );
    // The stack's models find no faces in synthetic scenes: the album's faces go in as the album step
    // records them, two of one person and one of another, through the same store the API reads.
    const face = (photoId: string, seed: number) => ({
      faceId: `${photoId}-f0`,
      photoId,
      box: { x: 10, y: 8, width: 30, height: 30 },
      score: 0.9,
      descriptor: Float32Array.from({ length: 8 }, (_, k) => (k === seed ? 1 : 0.01)),
    });
    await peopleStoreFor(running.stack.config, running.stack.store).update(TENANT_A.tenant, (doc) =>
      assignAlbumFaces(doc, {
        albumId,
        analysisId: 'a1',
        model: 'contract-test@1',
        metric: 'cosine',
        eps: 0.3,
        faces: [face(p0!, 0), face(p1!, 0), face(p2!, 1)],
        clusters: [[`${p0}-f0`, `${p1}-f0`], [`${p2}-f0`]],
        now: new Date().toISOString(),
      }),
    );

    const listed = await A('GET', '/v1/people');
    conforms(peopleListResponse, listed.body, 'GET /v1/people');
    assert.equal(listed.body.items.length, 2);
    const [pair, single] = listed.body.items as Array<{ personId: string; faces: number; cover: { cropUrl: string } }>;
    assert.equal(pair!.faces, 2);
    assert.match(pair!.cover.cropUrl, /signature=/);
    const renamed = await A('PATCH', `/v1/people/${pair!.personId}`, { name: '지우' });
    conforms(personDetailResponse, renamed.body, 'PATCH /v1/people/:id');
    assert.equal(renamed.body.faceList.length, 2);
    conforms(personPhotosResponse, (await A('GET', `/v1/people/${pair!.personId}/photos`)).body, 'GET /v1/people/:id/photos');
    // People pages in the API's one cursor codec: page by page to the end, and another list's cursor refused.
    const firstPage = await A('GET', '/v1/people?limit=1');
    conforms(peopleListResponse, firstPage.body, 'GET /v1/people?limit=1');
    assert.deepEqual(
      firstPage.body.items.map((p: { personId: string }) => p.personId),
      [pair!.personId],
    );
    const secondPage = await A('GET', `/v1/people?limit=1&cursor=${firstPage.body.page.nextCursor}`);
    assert.deepEqual(
      secondPage.body.items.map((p: { personId: string }) => p.personId),
      [single!.personId],
    );
    assert.equal(secondPage.body.page.nextCursor, null);
    const photosPage = (await A('GET', `/v1/people/${pair!.personId}/photos?limit=1`)).body;
    assert.equal(typeof photosPage.page.nextCursor, 'string', 'two photos: the first page has a cursor');
    assert.equal((await A('GET', `/v1/people?cursor=${photosPage.page.nextCursor}`)).body.error.code, 'INVALID_CURSOR');
    assert.equal((await A('GET', `/v1/people?cursor=${Buffer.from('{"offset":1}').toString('base64url')}`)).body.error.code, 'INVALID_CURSOR');
    const byName = await A('GET', `/v1/search?q=${encodeURIComponent('지우')}`);
    conforms(searchResponse, byName.body, 'GET /v1/search (a name)');
    assert.equal(byName.body.items.length, 2);
    assert.equal(byName.body.items[0].reasons[0].kind, 'person');
    conforms(searchResponse, (await A('GET', '/v1/search?q=cat')).body, 'GET /v1/search (words)');

    const moved = await A('POST', `/v1/people/${pair!.personId}/faces/${albumId}.${p1}-f0/move`, {});
    assert.equal(moved.status, 201, JSON.stringify(moved.body));
    conforms(moveFaceResponse, moved.body, 'POST .../faces/:faceId/move');
    const merged = await A('POST', `/v1/people/${pair!.personId}/merge`, { personIds: [moved.body.to, single!.personId] });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    conforms(mergePeopleResponse, merged.body, 'POST /v1/people/:id/merge');
    assert.equal(merged.body.person.faces, 3);
    const redirected = await A('GET', `/v1/people/${single!.personId}`);
    conforms(personDetailResponse, redirected.body, 'GET /v1/people/:id (merged away)');
    assert.equal(redirected.body.mergedFrom, single!.personId);
  });

  test('a signed PUT enforces the declared size and is write-once', async () => {
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const [photo] = await jpegs(1);
    const plan = await A('POST', `/v1/albums/${albumId}/uploads`, { files: [{ name: 'a.jpg', contentType: 'image/jpeg', size: photo!.length }] });
    const u = plan.body.uploads[0];
    const short = await fetch(u.url, { method: 'PUT', headers: u.headers, body: photo!.subarray(1) });
    assert.equal(short.status, 422);
    assert.equal(((await short.json()) as any).error.code, 'SIZE_MISMATCH');
    assert.equal((await fetch(u.url, { method: 'PUT', headers: u.headers, body: photo! })).status, 200);
    const again = await fetch(u.url, { method: 'PUT', headers: u.headers, body: photo! });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as any).error.code, 'UPLOAD_EXISTS');
  });

  test('405 with Allow for an unsupported method, 415 for a non-JSON body', async () => {
    const trace = await raw(running.stack.baseUrl, 'TRACE', '/v1/albums', auth);
    assert.equal(trace.status, 405);
    assert.match(String(trace.headers.allow), /POST/);
    const text = await raw(running.stack.baseUrl, 'POST', '/v1/albums', { ...auth, 'content-type': 'text/plain' }, 'title=x');
    assert.equal(text.status, 415);
    assert.equal(text.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('the OpenAPI document gives every operation an operationId and every success a schema', async () => {
    const doc = (await A('GET', '/v1/openapi.json')).body;
    const ids = new Set<string>();
    let ops = 0;
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        ops++;
        assert.ok(op.operationId, `${method} ${p} has an operationId`);
        assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
        ids.add(op.operationId);
        for (const [status, r] of Object.entries<any>(op.responses)) {
          if (status.startsWith('2')) assert.ok(r.content, `${method} ${p} ${status} has a schema`);
        }
      }
    }
    console.log(`OpenAPI: ${ops} operations, all with operationId and success schemas`);
  });

  test('an API restarted after a crash reclaims spool folders and blobs never handed to the workflow (defect 8)', async () => {
    const { config, store, client } = running.stack;
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const [jpeg] = await jpegs(1);
    const kept = (await upload(albumId, [{ filename: 'kept.jpg', data: jpeg! }])).body.accepted[0].photoId as string;
    // What a crash between "blobs stored" and "workflow update" leaves: a spool folder, a marker, a blob.
    const spool = path.join(config.dataDir, 'tmp', 'uploads', 'req-crashed');
    fs.mkdirSync(spool, { recursive: true });
    fs.writeFileSync(path.join(spool, 'part-0'), Buffer.alloc(1024));
    const orphan = albumPhotoKey(TENANT_A.tenant, albumId, 'ph_orphan0000000001');
    await store.put(orphan, jpeg!, { contentType: 'image/jpeg' });
    const marker = handoverKey(TENANT_A.tenant, albumId, 'ho_crashed');
    const photos = [
      { photoId: 'ph_orphan0000000001', key: orphan },
      { photoId: kept, key: albumPhotoKey(TENANT_A.tenant, albumId, kept) },
    ];
    await store.put(
      marker,
      Buffer.from(JSON.stringify({ tenantId: TENANT_A.tenant, albumId, createdAt: new Date(Date.now() - 3_600_000).toISOString(), photos })),
    );

    const app = createApp({
      config,
      client,
      store,
      apiKeys: new Map([[TENANT_A.key, TENANT_A.tenant]]),
      signingSecret: 'test-signing-secret',
      logger: pino({ level: 'silent' }),
      sweep: { spoolMaxAgeMs: 0, handoverMaxAgeMs: 60_000, intervalMs: 60_000 },
    });
    void app;
    await waitFor(
      async () => ({ spool: fs.existsSync(spool), orphan: Boolean(await store.stat(orphan)), marker: Boolean(await store.stat(marker)) }),
      (s) => !s.spool && !s.orphan && !s.marker,
    );
    assert.ok(await store.stat(albumPhotoKey(TENANT_A.tenant, albumId, kept)), 'a photo the workflow took stays');
  });

  test('Temporal unreachable: 503 TEMPORAL_UNAVAILABLE with Retry-After, within the request deadline (defect 6)', async () => {
    const DEADLINE_MS = 1_000;
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const client = new Client({ connection, namespace: 'lightbox' });
    const app = createApp({
      config: running.stack.config,
      client,
      store: running.stack.store,
      apiKeys: new Map([[TENANT_A.key, TENANT_A.tenant]]),
      signingSecret: 'test-signing-secret',
      logger: pino({ level: 'silent' }),
      // Production's 5 s would only make this test wait; the answer comes at the deadline either way.
      tuning: { temporalDeadlineMs: DEADLINE_MS },
    });
    const s = await serve(app);
    try {
      const started = Date.now();
      const res = await raw(s.base, 'GET', '/v1/albums/alb_abcdefgh12', auth);
      const took = Date.now() - started;
      console.log(`Temporal down: ${res.status} after ${took} ms`);
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error.code, 'TEMPORAL_UNAVAILABLE');
      assert.ok(Number(res.headers['retry-after']) > 0);
      // Not the client's own ~20 s of connection retries: the deadline cut them short.
      assert.ok(took < DEADLINE_MS + 5_000, `answered after ${took} ms`);
      const create = await raw(s.base, 'POST', '/v1/albums', { ...auth, 'content-type': 'application/json' }, '{}');
      assert.equal(create.status, 503, create.text);
    } finally {
      await s.close();
      await connection.close().catch(() => undefined);
    }
  });
});
