import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

// The decoder's poison-file hooks work only in test processes (see src/activities/decode/protocol.ts).
process.env.NODE_ENV = 'test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import sharp from 'sharp';
import { createIsolatedDecoder, testHookPayload } from '../../src/activities/decode/isolated-decode';
import { createPhotoActivities } from '../../src/activities/photo-analysis';
import { exposureStats, laplacianVariance } from '../../src/activities/photo-quality';
import { pngBomb, scene } from '../../src/dev/demo-photos';
import type { PhotoAnalysis } from '../../src/shared/album';
import { contentTypeMatches, sniffImageFormat } from '../../src/shared/image-types';
import { LocalBlobStore } from '../../src/storage/local-store';

test('magic bytes tell the real format, whatever the name says', async () => {
  assert.equal(sniffImageFormat(await scene(16, 16)), 'jpeg');
  assert.equal(sniffImageFormat(await sharp(await scene(16, 16)).png().toBuffer()), 'png');
  assert.equal(sniffImageFormat(await sharp(await scene(16, 16)).webp().toBuffer()), 'webp');
  assert.equal(sniffImageFormat(Buffer.from('GIF89a......')), 'gif');
  assert.equal(sniffImageFormat(Buffer.from('%PDF-1.7 not an image')), null);
  assert.equal(sniffImageFormat(Buffer.alloc(0)), null);
  assert.equal(contentTypeMatches('image/png', 'jpeg'), false);
  assert.equal(contentTypeMatches('image/jpg', 'jpeg'), true);
});

test('Laplacian variance drops sharply when a photo is blurred', async () => {
  const measure = async (buf: Buffer) => {
    const { data, info } = await sharp(buf).greyscale().raw().toBuffer({ resolveWithObject: true });
    return laplacianVariance(new Uint8Array(data), info.width, info.height);
  };
  const sharpScene = await scene(400, 300);
  const soft = await sharp(sharpScene).blur(4).toBuffer();
  assert.ok((await measure(sharpScene)) > 10 * (await measure(soft)));
});

test('exposure flags crushed shadows and blown highlights', () => {
  assert.equal(exposureStats(new Uint8Array(1000).fill(2)).verdict, 'under');
  assert.equal(exposureStats(new Uint8Array(1000).fill(253)).verdict, 'over');
  assert.equal(exposureStats(Uint8Array.from({ length: 1000 }, (_, i) => i % 256)).verdict, 'ok');
});

test('the decode activity measures a photo and fails bad ones non-retryably, naming them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-act-'));
  const store = new LocalBlobStore({ rootDir: dir, signingSecret: 's', publicBaseUrl: 'http://127.0.0.1:1' });
  const decoder = createIsolatedDecoder({ timeoutMs: 2000, maxMemoryMb: 512, poolSize: 1, maxPixels: 150e6, testHooks: true });
  const { analyzePhoto } = createPhotoActivities({ store, decoder });
  const env = new MockActivityEnvironment();
  const run = async (name: string, data: Buffer, contentType = 'image/jpeg') => {
    const key = `tenants/acme/albums/alb_unit0000/photos/${name.replace(/\W/g, '')}`;
    await store.put(key, data);
    const input = { tenantId: 'acme', albumId: 'alb_unit0000', photo: { photoId: `ph_${name.replace(/\W/g, '')}`, name, key, contentType } };
    return (await env.run(analyzePhoto, input)) as PhotoAnalysis;
  };
  const failure = async (name: string, data: Buffer, code: string, contentType?: string) => {
    await assert.rejects(run(name, data, contentType), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, code);
      assert.equal(err.nonRetryable, true);
      assert.ok(err.message.includes(name), `message names the photo: ${err.message}`);
      return true;
    });
  };
  try {
    const ok = await run('good.jpg', await scene(640, 480));
    assert.deepEqual([ok.width, ok.height, ok.format, ok.blur.blurry], [640, 480, 'jpeg', false]);
    assert.ok(JSON.parse((await store.get(ok.resultKey)).toString()).blur.laplacianVariance > 0);

    const jpeg = await scene(640, 480);
    await failure('empty.jpg', Buffer.alloc(0), 'EMPTY_FILE');
    await failure('readme.jpg', Buffer.from('hello, not a photo'), 'NOT_AN_IMAGE');
    await failure('liar.png', jpeg, 'NOT_AN_IMAGE', 'image/png');
    await failure('truncated.jpg', jpeg.subarray(0, jpeg.length / 2), 'CORRUPT_IMAGE');
    await failure('header-only.jpg', jpeg.subarray(0, 20), 'CORRUPT_IMAGE');
    await failure('bomb.png', pngBomb(), 'PIXEL_LIMIT_EXCEEDED', 'image/png');

    // The pixel limit is configurable.
    const strictDecoder = createIsolatedDecoder({ timeoutMs: 2000, maxMemoryMb: 512, poolSize: 1, maxPixels: 100_000 });
    const strict = createPhotoActivities({ store, decoder: strictDecoder });
    await store.put('tenants/acme/albums/alb_unit0000/photos/big', jpeg);
    await assert.rejects(
      env.run(strict.analyzePhoto, { tenantId: 'acme', albumId: 'alb_unit0000', photo: { photoId: 'ph_big', name: 'big.jpg', key: 'tenants/acme/albums/alb_unit0000/photos/big' } }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'PIXEL_LIMIT_EXCEEDED' && /0\.1 MP limit/.test(err.message),
    );
    await strictDecoder.close();
    // A photo key outside the tenant's prefix is never read.
    await assert.rejects(
      env.run(analyzePhoto, { tenantId: 'globex', albumId: 'alb_unit0000', photo: { photoId: 'ph_x', name: 'x.jpg', key: 'tenants/acme/albums/alb_unit0000/photos/big' } }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'INVALID_KEY' && err.nonRetryable,
    );

    // A file that hangs or crashes the decoder fails retryably (the retry policy caps it), naming
    // the photo, and the worker's decoder goes on with the next photo.
    for (const [hook, code] of [['hang', 'DECODE_TIMEOUT'], ['segfault', 'DECODER_CRASHED']] as const) {
      const key = `tenants/acme/albums/alb_unit0000/photos/poison-${hook}`;
      await store.put(key, Buffer.concat([jpeg.subarray(0, 4), testHookPayload(hook)]));
      await assert.rejects(
        env.run(analyzePhoto, { tenantId: 'acme', albumId: 'alb_unit0000', photo: { photoId: `ph_${hook}`, name: `poison-${hook}.jpg`, key } }),
        (err: unknown) => err instanceof ApplicationFailure && err.type === code && !err.nonRetryable && err.message.includes(`poison-${hook}.jpg`),
      );
      assert.equal((await run('after-poison.jpg', await scene(320, 240))).width, 320);
    }
  } finally {
    await decoder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
