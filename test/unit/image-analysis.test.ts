import assert from 'node:assert/strict';
import { test } from 'node:test';

import sharp from 'sharp';
import { exposureStats, laplacianVariance } from '../../src/analysis/photo-quality';
import { scene } from '../../src/dev/demo-photos';
import { contentTypeMatches, sniffImageFormat } from '../../src/shared/image-types';

test('magic bytes tell the real format, whatever the name says', async () => {
  assert.equal(sniffImageFormat(await scene(16, 16)), 'jpeg');
  assert.equal(
    sniffImageFormat(
      await sharp(await scene(16, 16))
        .png()
        .toBuffer(),
    ),
    'png',
  );
  assert.equal(
    sniffImageFormat(
      await sharp(await scene(16, 16))
        .webp()
        .toBuffer(),
    ),
    'webp',
  );
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
