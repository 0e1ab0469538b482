/**
 * Upload → workflow → results through the real API, real workers and a real Temporal dev server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { demoAlbumFiles, scene, photosForm } from '../../src/dev/demo-photos';
import { connectClient } from '../../src/temporal-client/connection';
import { call, TENANT_A, TENANT_B, waitFor, useStackOnDevServer } from '../helpers/stack';

const logs: string[] = [];
// Small limits so the tests can cross them; the demo files fit well inside.
const running = useStackOnDevServer({ LIGHTBOX_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) }, logs, { maxFilesPerRequest: 12 });

const A = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => call(running.stack.baseUrl, TENANT_A.key, method, p, body, headers);

const form = photosForm;

async function completedResults(albumId: string) {
  await waitFor(
    () => A('GET', `/v1/albums/${albumId}`),
    (r) => r.body.status === 'completed',
  );
  const res = await A('GET', `/v1/albums/${albumId}/results`);
  assert.equal(res.status, 200);
  return res.body;
}

describe('health, auth and errors', () => {
  test('healthz answers and readyz sees Temporal and storage', async () => {
    assert.deepEqual((await call(running.stack.baseUrl, undefined, 'GET', '/healthz')).body, { status: 'ok' });
    const ready = await call(running.stack.baseUrl, undefined, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { temporal: { ok: true }, storage: { ok: true } });
  });

  test('requests without a valid key get 401 UNAUTHENTICATED', async () => {
    const none = await call(running.stack.baseUrl, undefined, 'POST', '/v1/albums', {});
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'UNAUTHENTICATED');
    const wrong = await call(running.stack.baseUrl, 'not-a-key-at-all-xxxxxx', 'GET', '/v1/albums/alb_abcdefgh12');
    assert.equal(wrong.status, 401);
  });

  test('bad input gets a 4xx with a machine-readable code', async () => {
    const badId = await A('GET', '/v1/albums/not-an-album');
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.code, 'VALIDATION_FAILED');
    const badJson = await fetch(`${running.stack.baseUrl}/v1/albums`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TENANT_A.key}`, 'content-type': 'application/json' },
      body: '{"title":',
    });
    assert.equal(badJson.status, 400);
    assert.equal(((await badJson.json()) as any).error.code, 'INVALID_JSON');
    const extra = await A('POST', '/v1/albums', { title: 'x', owner: 'someone' });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error.code, 'VALIDATION_FAILED');
    const missing = await A('GET', '/v1/albums/alb_doesnotexist0000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ALBUM_NOT_FOUND');
    const route = await A('GET', '/v1/nothing-here');
    assert.equal(route.status, 404);
    assert.equal(route.body.error.code, 'ROUTE_NOT_FOUND');
  });

  test('every path in the OpenAPI document is routed', async () => {
    const doc = (await call(running.stack.baseUrl, undefined, 'GET', '/v1/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    const fill = (p: string) => p.replace('{albumId}', 'alb_doesnotexist0000').replace('{photoId}', 'ph_doesnotexist0000').replace('{key}', 'tenants/acme/x');
    for (const [p, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const res = await A(method.toUpperCase(), fill(p), method === 'get' ? undefined : {});
        assert.notEqual(res.body?.error?.code, 'ROUTE_NOT_FOUND', `${method} ${p} is documented but not routed`);
      }
    }
  });
});

describe('album workflow end to end', () => {
  test('multipart upload: good photos analysed, bad ones rejected or failed by name, album completes', async () => {
    const created = await A('POST', '/v1/albums', { title: 'Holiday' });
    assert.equal(created.status, 201);
    const { albumId, workflowId } = created.body;
    assert.match(albumId, /^alb_[a-z0-9]+$/);
    assert.equal(workflowId, `album-${TENANT_A.tenant}-${albumId}`);

    const files = await demoAlbumFiles();
    const upload = await A(
      'POST',
      `/v1/albums/${albumId}/photos`,
      form([
        ...files,
        { name: 'notes.jpg', contentType: 'image/jpeg', data: Buffer.from('these are not pixels') },
        { name: 'empty.jpg', contentType: 'image/jpeg', data: Buffer.alloc(0) },
      ]),
    );
    assert.equal(upload.status, 202);
    assert.equal(upload.body.accepted.length, files.length);
    assert.deepEqual(
      upload.body.rejected.map((r: any) => [r.name, r.code]),
      [
        ['notes.jpg', 'NOT_AN_IMAGE'],
        ['empty.jpg', 'EMPTY_FILE'],
      ],
    );

    const closed = await A('POST', `/v1/albums/${albumId}/close`);
    assert.equal(closed.status, 202);
    const results = await completedResults(albumId);
    const bad = files.filter((f) => f.expect === 'CORRUPT_IMAGE' || f.expect === 'PIXEL_LIMIT_EXCEEDED').length;
    assert.deepEqual(results.counts, { total: files.length, analyzed: files.length - bad, failed: bad, pending: 0 });

    const idOf = new Map<string, string>(Object.entries<any>(results.photos).map(([id, p]) => [p.name, id]));
    const harbourId = idOf.get('harbour.jpg')!;
    assert.deepEqual(results.photos[harbourId], { name: 'harbour.jpg', width: 800, height: 600, format: 'jpeg' });
    const quality = (name: string) => results.quality[idOf.get(name)!];
    assert.equal(quality('harbour.jpg').blurry, false);
    assert.equal(quality('harbour-shaky.jpg').blurry, true);
    assert.ok(quality('harbour-shaky.jpg').blur < quality('harbour.jpg').blur / 10);
    assert.ok(quality('harbour-shaky.jpg').score < quality('harbour.jpg').score);
    assert.equal(quality('night.jpg').exposure, 'under');
    assert.equal(quality('snow-glare.jpg').exposure, 'over');
    assert.equal(quality('harbour.jpg').exposure, 'ok');
    // No model is installed in this stack: the classic methods ran and the results say so.
    assert.equal(results.models.embedding, 'phash-colorlayout-v1');
    assert.equal(results.models.category, 'model-not-installed');
    assert.deepEqual(results.categories[harbourId], { status: 'model-not-installed' });
    assert.equal(results.people.status, 'model-not-installed');
    // The copies of the harbour (resized WebP, blurred) form one group; the sharp original represents it.
    const copies = files
      .filter((f) => f.copyOf === 'harbour')
      .map((f) => idOf.get(f.name)!)
      .sort();
    assert.deepEqual(results.duplicates, [copies]);
    assert.ok(results.highlights.includes(harbourId));
    assert.ok(results.highlights.includes(idOf.get('lake.jpg')));
    assert.ok(!results.highlights.includes(idOf.get('harbour-shaky.jpg')));
    assert.ok(!results.highlights.includes(idOf.get('harbour-small.webp')));
    // Badly exposed shots are not highlights, however unique.
    assert.ok(!results.highlights.includes(idOf.get('night.jpg')));
    assert.ok(!results.highlights.includes(idOf.get('snow-glare.jpg')));

    const failed = new Map<string, any>(results.failed.map((f: any) => [f.name, f]));
    assert.equal(failed.get('cut-off.jpg').code, 'CORRUPT_IMAGE');
    assert.equal(failed.get('cut-off.jpg').stage, 'decode');
    assert.equal(failed.get('cut-off.jpg').attempts, 1);
    assert.match(failed.get('cut-off.jpg').message, /cut-off\.jpg/);
    assert.equal(failed.get('bomb.png').code, 'PIXEL_LIMIT_EXCEEDED');
    assert.match(failed.get('bomb.png').message, /20000×20000/);

    // The manifest and per-photo results are in storage, under the tenant's prefix.
    const keys = await running.stack.store.list(`tenants/${TENANT_A.tenant}/albums/${albumId}/`);
    assert.ok(keys.includes(`tenants/${TENANT_A.tenant}/albums/${albumId}/manifest.json`));
    assert.equal(keys.filter((k) => k.includes('/analyses/a1/photos/')).length, files.length - bad);
    assert.equal(keys.filter((k) => k.includes('/analyses/a1/failures/')).length, 2);
    assert.ok(keys.includes(`tenants/${TENANT_A.tenant}/albums/${albumId}/analyses/a1/album.json`));

    const late = await A('POST', `/v1/albums/${albumId}/photos`, form([files[0]!]));
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'ALBUM_CLOSED');

    // Visible to operators through the custom search attributes.
    const client = await connectClient(running.stack.config.temporal);
    const listed = [];
    for await (const wf of client.workflow.list({
      query: `LightboxTenant="${TENANT_A.tenant}" AND LightboxAlbumId="${albumId}" AND LightboxStatus="completed"`,
    })) {
      listed.push(wf.workflowId);
    }
    await client.connection.close();
    assert.deepEqual(listed, [workflowId]);
  });

  test('signed-URL uploads: plan, PUT, hand over; missing and bogus uploads are rejected', async () => {
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const photo = await scene(640, 480, 2);
    const plan = await A('POST', `/v1/albums/${albumId}/uploads`, {
      files: [
        { name: 'direct.jpg', contentType: 'image/jpeg', size: photo.length },
        { name: 'fake.jpg', contentType: 'image/jpeg', size: 21 },
        { name: 'never-sent.jpg', contentType: 'image/jpeg', size: 1000 },
        { name: 'movie.mp4', contentType: 'video/mp4', size: 1000 },
      ],
    });
    assert.equal(plan.status, 201);
    assert.deepEqual(
      plan.body.rejected.map((r: any) => r.code),
      ['UNSUPPORTED_TYPE'],
    );
    const [direct, fake, neverSent] = plan.body.uploads;

    const put = (u: any, data: Buffer) => fetch(u.url, { method: 'PUT', headers: u.headers, body: data });
    assert.equal((await put(direct, photo)).status, 200);
    assert.equal((await put(fake, Buffer.from('definitely not a jpeg'))).status, 200);
    // A signed URL is for its own key and method only.
    const tampered = await fetch(direct.url.replace(direct.photoId, neverSent.photoId), { method: 'PUT', headers: direct.headers, body: photo });
    assert.equal(tampered.status, 403);

    const handed = await A('POST', `/v1/albums/${albumId}/photos`, {
      uploaded: [direct.photoId, fake.photoId, neverSent.photoId, 'ph_unknownupload000'],
    });
    assert.equal(handed.status, 202);
    assert.deepEqual(handed.body.accepted.map((a: any) => a.name).sort(), ['direct.jpg', 'fake.jpg']);
    assert.deepEqual(handed.body.rejected.map((r: any) => r.code).sort(), ['UNKNOWN_UPLOAD', 'UPLOAD_NOT_FOUND']);

    await A('POST', `/v1/albums/${albumId}/close`);
    const results = await completedResults(albumId);
    assert.deepEqual(
      Object.values(results.photos).map((p: any) => [p.name, p.width, p.height]),
      [['direct.jpg', 640, 480]],
    );
    // The signed path skips the API's sniffing: the activity catches the fake and names it.
    assert.deepEqual(
      results.failed.map((f: any) => [f.name, f.code]),
      [['fake.jpg', 'NOT_AN_IMAGE']],
    );
  });

  test('an Idempotency-Key makes a repeated create return the same album', async () => {
    const headers = { 'idempotency-key': 'create-once-7f3a' };
    const first = await A('POST', '/v1/albums', { title: 'Once' }, headers);
    const again = await A('POST', '/v1/albums', { title: 'Once' }, headers);
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.body.albumId, first.body.albumId);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    // The same key from another tenant is another album.
    const other = await call(running.stack.baseUrl, TENANT_B.key, 'POST', '/v1/albums', { title: 'Once' }, headers);
    assert.notEqual(other.body.albumId, first.body.albumId);
  });

  test('upload limits: a too-large file is rejected alone, too many files is 422, and spooled files are cleaned up', async () => {
    const { albumId } = (await A('POST', '/v1/albums', {})).body;
    const small = await scene(64, 48);
    const big = Buffer.concat([small, Buffer.alloc(3 * 1024 * 1024)]);
    const tooBig = await A('POST', `/v1/albums/${albumId}/photos`, form([{ name: 'huge.jpg', contentType: 'image/jpeg', data: big }]));
    assert.equal(tooBig.status, 202);
    assert.equal(tooBig.body.rejected[0].code, 'FILE_TOO_LARGE');
    const many = Array.from({ length: 13 }, (_, i) => ({ name: `p${i}.jpg`, contentType: 'image/jpeg', data: small }));
    const tooMany = await A('POST', `/v1/albums/${albumId}/photos`, form(many));
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.error.code, 'TOO_MANY_FILES');
    const hugeJson = await A('POST', '/v1/albums', { title: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(hugeJson.status, 413);
    const ok = await A('POST', `/v1/albums/${albumId}/photos`, form(many.slice(0, 2)));
    assert.equal(ok.status, 202);
    assert.equal(ok.body.accepted.length, 2);
    const spool = path.join(running.stack.config.dataDir, 'tmp', 'uploads');
    const left = fs.readdirSync(spool, { recursive: true });
    assert.deepEqual(left, [], `no upload is left spooled on disk: ${left.join(', ')}`);
  });

  test("another tenant's album answers 404, for reads and writes alike", async () => {
    const { albumId } = (await A('POST', '/v1/albums', { title: 'Private' })).body;
    const B = (method: string, p: string, body?: unknown) => call(running.stack.baseUrl, TENANT_B.key, method, p, body);
    for (const res of [
      await B('GET', `/v1/albums/${albumId}`),
      await B('GET', `/v1/albums/${albumId}/results`),
      await B('POST', `/v1/albums/${albumId}/close`),
      await B('POST', `/v1/albums/${albumId}/uploads`, { files: [{ name: 'a.jpg', contentType: 'image/jpeg', size: 10 }] }),
    ]) {
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'ALBUM_NOT_FOUND');
    }
    assert.equal((await A('GET', `/v1/albums/${albumId}`)).body.status, 'idle');
  });

  test('metrics count requests by route, and logs carry no secrets', async () => {
    const metrics = await call(running.stack.baseUrl, undefined, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /lightbox_http_requests_total\{method="POST",route="\/v1\/albums",status="201"\} \d+/);
    assert.match(metrics.body, /lightbox_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/v1\/albums\/:albumId"/);
    // Failed requests keep their full route too (an error unwinds the routers before the response ends).
    assert.match(metrics.body, /lightbox_http_requests_total\{method="POST",route="\/v1\/albums\/:albumId\/photos",status="409"\} \d+/);
    assert.match(metrics.body, /lightbox_http_requests_total\{method="GET",route="\/v1\/albums\/:albumId",status="404"\} \d+/);
    const joined = logs.join('');
    assert.ok(joined.includes('"statusCode":201'), 'request logs are written');
    assert.ok(!joined.includes(TENANT_A.key) && !joined.includes(TENANT_B.key), 'API keys never reach the logs');
    assert.ok(!/signature=/.test(joined), 'signed-URL signatures never reach the logs');
  });
});

describe('album pipeline controls through the API', () => {
  test('progress has a rate and an ETA; a re-uploaded photo is a cache hit; photos have signed download URLs', async () => {
    const photo = await scene(640, 480, 5);
    const first = (await A('POST', '/v1/albums', { title: 'First' })).body;
    await A('POST', `/v1/albums/${first.albumId}/photos`, form([{ name: 'same.jpg', contentType: 'image/jpeg', data: photo }]));
    await A('POST', `/v1/albums/${first.albumId}/close`);
    const firstDone = await completedResults(first.albumId);
    assert.equal((await A('GET', `/v1/albums/${first.albumId}`)).body.progress.cacheHits, 0);

    // The same bytes in another album: the embedding comes from the cache, not from the model.
    const second = (await A('POST', '/v1/albums', { title: 'Second' })).body;
    const upload = await A('POST', `/v1/albums/${second.albumId}/photos`, form([{ name: 'again.jpg', contentType: 'image/jpeg', data: photo }]));
    await A('POST', `/v1/albums/${second.albumId}/close`);
    await completedResults(second.albumId);
    const status = (await A('GET', `/v1/albums/${second.albumId}`)).body;
    assert.equal(status.progress.cacheHits, 1);
    assert.equal(status.progress.photos.done, 1);
    assert.ok(status.progress.photos.ratePerSecond > 0);
    assert.equal(status.progress.photos.etaSeconds, 0);
    assert.equal(status.progress.album.upToDate, true);

    const photoId = upload.body.accepted[0].photoId;
    const link = await A('GET', `/v1/albums/${second.albumId}/photos/${photoId}`);
    assert.equal(link.status, 200);
    const downloaded = await fetch(link.body.url);
    assert.equal(downloaded.status, 200);
    assert.ok(Buffer.from(await downloaded.arrayBuffer()).equals(photo));
    const missing = await A('GET', `/v1/albums/${second.albumId}/photos/ph_nosuchphoto00`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'PHOTO_NOT_FOUND');
    assert.ok(Object.keys(firstDone.quality).length === 1);
  });

  test('DELETE cancels an album cleanly; a finished album can be re-analysed as a new run', async () => {
    const files = await demoAlbumFiles();
    const doomed = (await A('POST', '/v1/albums', { title: 'Doomed' })).body;
    await A('POST', `/v1/albums/${doomed.albumId}/photos`, form(files));
    const cancelled = await A('DELETE', `/v1/albums/${doomed.albumId}`);
    assert.equal(cancelled.status, 202);
    assert.equal(cancelled.body.status, 'cancelled');
    const late = await A('POST', `/v1/albums/${doomed.albumId}/photos`, form([files[0]!]));
    assert.equal(late.body.error.code, 'ALBUM_CLOSED');

    const album = (await A('POST', '/v1/albums', { title: 'Twice' })).body;
    const notYet = await A('POST', `/v1/albums/${album.albumId}/reanalyze`);
    assert.equal(notYet.status, 409);
    assert.equal(notYet.body.error.code, 'ALBUM_NOT_FINISHED');
    await A('POST', `/v1/albums/${album.albumId}/photos`, form(files));
    await A('POST', `/v1/albums/${album.albumId}/close`);
    const before = await completedResults(album.albumId);
    const again = await A('POST', `/v1/albums/${album.albumId}/reanalyze`);
    assert.equal(again.status, 202);
    assert.equal(again.body.analysis, 2);
    const after = await waitFor(
      () => A('GET', `/v1/albums/${album.albumId}`),
      (r) => r.body.analysis === 2 && r.body.status === 'completed',
    );
    // Unchanged models: every photo that was embedded before comes from the cache.
    assert.equal(after.body.progress.cacheHits, before.counts.analyzed);
    const results = (await A('GET', `/v1/albums/${album.albumId}/results`)).body;
    assert.equal(results.analysis, 2);
    assert.deepEqual(results.duplicates, before.duplicates);
    assert.deepEqual(results.highlights, before.highlights);
    assert.deepEqual(results.failed.map((f: any) => f.code).sort(), before.failed.map((f: any) => f.code).sort());
  });
});
