/**
 * What a client sees: upload an album, poll GET /v1/albums/:id until the status says the results
 * are final (`idle` or `completed`), then read /results. Through the real API, real workers and a
 * real Temporal dev server, with a settle time before the album-wide step as in production (the
 * other tests set it to 0).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { photosForm, scene } from '../../src/dev/demo-photos';
import { call, TENANT_A, useStackOnDevServer } from '../helpers/stack';

const running = useStackOnDevServer({ LIGHTBOX_ALBUM_SETTLE_SECONDS: '3' });

const A = (method: string, p: string, body?: unknown) => call(running.stack.baseUrl, TENANT_A.key, method, p, body);

/** Polls as a client would: every 200 ms, until the status promises final results. */
async function pollUntilFinal(albumId: string): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 600; i++) {
    const res = await A('GET', `/v1/albums/${albumId}`);
    assert.equal(res.status, 200);
    if (seen.at(-1) !== res.body.status) seen.push(res.body.status);
    if (res.body.status === 'idle' || res.body.status === 'completed') return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`album ${albumId} never became idle; statuses seen: ${seen.join(' → ')}`);
}

describe('album status', () => {
  test('once an album says idle, /results is complete for every photo uploaded', async () => {
    const { albumId } = (await A('POST', '/v1/albums', { title: 'Poll me' })).body;
    const files = await Promise.all([1, 2, 3].map(async (seed) => ({ name: `s${seed}.jpg`, contentType: 'image/jpeg', data: await scene(480, 360, seed) })));
    const upload = await A('POST', `/v1/albums/${albumId}/photos`, photosForm(files));
    assert.equal(upload.status, 202);
    assert.equal(upload.body.accepted.length, 3);

    const seen = await pollUntilFinal(albumId);
    const results = (await A('GET', `/v1/albums/${albumId}/results`)).body;
    assert.equal(results.status, 'idle', `statuses seen: ${seen.join(' → ')}`);
    assert.equal(results.upToDate, true);
    assert.notEqual(results.generatedAt, null, 'the album-wide step has run');
    assert.deepEqual(Object.keys(results.photos).length, 3);
    assert.deepEqual(Object.keys(results.quality).length, 3);
    assert.ok(results.highlights.length > 0, 'highlights are there');
    assert.deepEqual(results.counts, { total: 3, analyzed: 3, failed: 0, pending: 0 });
    // Between the last photo and the album-wide step the album said so, instead of `idle`.
    assert.ok(!seen.slice(0, -1).includes('idle'), `statuses seen: ${seen.join(' → ')}`);
    console.log(`# statuses seen: ${seen.join(' → ')}`);
  });

  test('an empty album is idle, and its results match their schema (models is an object)', async () => {
    const { albumId } = (await A('POST', '/v1/albums', { title: 'Empty' })).body;
    assert.deepEqual(await pollUntilFinal(albumId), ['idle']);
    const results = (await A('GET', `/v1/albums/${albumId}/results`)).body;
    assert.equal(results.status, 'idle');
    assert.deepEqual(results.models, {});
    assert.deepEqual(results.highlights, []);
    assert.deepEqual(results.counts, { total: 0, analyzed: 0, failed: 0, pending: 0 });
  });
});
