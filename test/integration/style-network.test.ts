/**
 * Style transfer on the CPU default, through the real API, workers and Temporal dev server, with
 * the style networks `npm run models:build` installs and no A1111 server or Gemini key: a request
 * that names no style, style by example from another album photo, and the bad-input cases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loadConfig } from '../../src/config';
import { photosForm, scene } from '../../src/dev/demo-photos';
import { activityRuns } from '../helpers/history';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

// The models dir setup built into, not a stack's empty temp dir.
const MODELS_DIR = loadConfig().models.dir;
const skip = process.env.LIGHTBOX_SKIP_MODEL_BUILD === '1' ? 'LIGHTBOX_SKIP_MODEL_BUILD=1: the real models were not built' : false;

let server: Awaited<ReturnType<typeof startTestDevServer>>;
let stack: Stack;
let albumId: string;
let otherAlbumId: string;
const ids = new Map<string, string>();

const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
const finished = (r: { body: { state?: string } }) => ['done', 'failed', 'cancelled'].includes(r.body.state ?? '');
/**
 * The workers share this process with the API, and a worker's first model load holds the event
 * loop for seconds on a busy machine, long enough for the server to drop an idle keep-alive
 * socket as the next poll reuses it: such a poll counts as "not finished yet".
 */
const status = (styleId: string) => A('GET', `/v1/styles/${styleId}`).catch(() => ({ status: 0, headers: new Headers(), body: {} as { state?: string } }));

async function upload(album: string, files: Array<{ name: string; data: Buffer }>) {
  const res = await A('POST', `/v1/albums/${album}/photos`, photosForm(files.map((f) => ({ ...f, contentType: 'image/jpeg' }))));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  for (const a of res.body.accepted) ids.set(a.name, a.photoId);
}

before(async () => {
  if (skip) return;
  server = await startTestDevServer();
  stack = await startStack(server.address, { LIGHTBOX_MODELS_DIR: MODELS_DIR }, undefined, { api: { gpuTimeouts: { heartbeatTimeoutMs: 10_000 } } });
  albumId = (await A('POST', '/v1/albums', { title: 'Style on the CPU' })).body.albumId;
  otherAlbumId = (await A('POST', '/v1/albums', { title: 'Another album' })).body.albumId;
  const hill = await scene(643, 481, 3);
  const lake = await scene(640, 480, 11);
  await upload(albumId, [
    { name: 'hill.jpg', data: hill },
    { name: 'lake.jpg', data: lake },
    { name: 'cut-off.jpg', data: lake.subarray(0, Math.floor(lake.length * 0.4)) },
  ]);
  await upload(otherAlbumId, [{ name: 'elsewhere.jpg', data: await scene(320, 240, 5) }]);
});

after(async () => {
  await stack?.stop();
  await server?.stop();
});

describe('style transfer on the CPU style networks', { skip }, () => {
  test('a request that names no style: e5 picks the catalogue style, multistyle26 renders it at the photo size', async () => {
    const created = await A('POST', '/v1/styles', { albumId, photoId: ids.get('hill.jpg'), request: '옛날 사진처럼 바래게 해줘' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const done = await waitFor(() => status(created.body.styleId), finished, 120_000);
    assert.equal(done.body.state, 'done', JSON.stringify(done.body));
    assert.deepEqual([done.body.prompt.style, done.body.prompt.matcher, done.body.prompt.source], ['vintage', 'e5', 'catalogue']);
    assert.deepEqual([done.body.result.backend, done.body.result.fallback], ['multistyle26', false]);
    assert.deepEqual([done.body.result.width, done.body.result.height], [643, 481], 'odd sides come back whole');
    const png = Buffer.from(await (await fetch(done.body.result.url)).arrayBuffer());
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 643, 481]);
  });

  test('style by example: another photo of the album is the style (Magenta arbitrary), no prompt is written', async () => {
    const created = await A('POST', '/v1/styles', { albumId, photoId: ids.get('hill.jpg'), styleFromPhotoId: ids.get('lake.jpg') });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const done = await waitFor(() => status(created.body.styleId), finished, 120_000);
    assert.equal(done.body.state, 'done', JSON.stringify(done.body));
    assert.equal(done.body.prompt.source, 'example');
    assert.deepEqual(
      [done.body.result.backend, done.body.result.fallback, done.body.result.width, done.body.result.height],
      ['magenta-arbitrary', false, 643, 481],
    );
    const runs = await activityRuns(stack.client, created.body.workflowId);
    assert.deepEqual(
      runs.map((r) => r.name),
      ['renderStyle'],
    );
  });

  test('a style reference that is not in the album is a 404 with a code, and no job starts', async () => {
    for (const styleFromPhotoId of [ids.get('elsewhere.jpg'), 'ph_doesnotexist00']) {
      const res = await A('POST', '/v1/styles', { albumId, photoId: ids.get('hill.jpg'), styleFromPhotoId });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'STYLE_REFERENCE_NOT_FOUND');
    }
    const neither = await A('POST', '/v1/styles', { albumId, photoId: ids.get('hill.jpg') });
    assert.equal(neither.status, 400);
    assert.equal(neither.body.error.code, 'VALIDATION_FAILED');
  });

  test('a photo that cannot be decoded fails the job with CORRUPT_IMAGE after one attempt', async () => {
    const created = await A('POST', '/v1/styles', { albumId, photoId: ids.get('cut-off.jpg'), request: '수채화로' });
    assert.equal(created.status, 202);
    const failed = await waitFor(() => status(created.body.styleId), finished, 120_000);
    assert.equal(failed.body.state, 'failed', JSON.stringify(failed.body));
    assert.equal(failed.body.error.code, 'CORRUPT_IMAGE');
    const renders = (await activityRuns(stack.client, created.body.workflowId)).filter((r) => r.name === 'renderStyle');
    assert.deepEqual(
      renders.map((r) => [r.attempt, r.outcome]),
      [[1, 'failed']],
    );
  });
});
