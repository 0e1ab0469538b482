/**
 * The photo pipeline on the real models `npm run models:build` makes (CI's setup builds them; the
 * cache makes that cheap) and real photographs from the registries' packages: the per-photo
 * activity and the album step, run as Temporal would run them, over a temp local store.
 * The test twins keep covering the contracts (test/unit/models-*.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIsolatedDecoder } from '../../src/activities/album/decode/isolated-decode';
import { createAlbumAnalysisActivities } from '../../src/activities/album/analyze-album';
import { createPhotoPipelineActivities } from '../../src/activities/album/analyze-batch';
import type { PhotoDoc } from '../../src/activities/album/photo-doc';
import { loadPhotoModels, type PhotoModels } from '../../src/activities/album/photo-models';
import { ensureEvalPhotos, type PhotoRoots } from '../../src/dev/registry-photos';
import { LruEmbeddingCache } from '../../src/cache/embedding-cache';
import { loadConfig } from '../../src/config';
import { createModelRuntime } from '../../src/models';
import type { AlbumAnalysisSummary, AlbumResultsDoc, PhotoBatchResult, PhotoRef } from '../../src/shared/album';
import { photoDocKey, tenantKey } from '../../src/storage/keys';
import { LocalBlobStore } from '../../src/storage/local-store';
import { modelRolesFor } from '../../src/models/roles';

const config = loadConfig({ ...process.env, LIGHTBOX_MODEL_SET: 'production', LIGHTBOX_MODEL_ROLES: '' });
const skip = config.models.skipBuild ? 'LIGHTBOX_SKIP_MODEL_BUILD is set: no built models' : false;
const decoder = createIsolatedDecoder({ timeoutMs: 30_000, maxMemoryMb: 1024, poolSize: 2, maxPixels: 150e6 });
let dir: string;
let store: LocalBlobStore;
let models: PhotoModels;
let roots: PhotoRoots;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-real-models-'));
  store = new LocalBlobStore({ rootDir: dir, signingSecret: 's', publicBaseUrl: 'http://127.0.0.1:1' });
  // scikit-image's data (PyPI) and opencv-doc (Debian): the photos these tests use.
  roots = await ensureEvalPhotos(config.models.cacheDir, undefined, ['skimage', 'opencv']);
  models = await loadPhotoModels({
    runtime: createModelRuntime({ ...config.models, intraOpThreads: 1 }),
    set: 'production',
    roles: modelRolesFor(config.models),
  });
  assert.deepEqual(models.missing, {}, `the built models must be installed (npm run models:build): ${JSON.stringify(models.missing)}`);
});

after(async () => {
  await decoder.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function analyse(files: Array<[keyof PhotoRoots, string]>): Promise<{ results: AlbumResultsDoc; idOf: (file: string) => string; albumId: string }> {
  const tenantId = 't-real';
  const albumId = `a-${Math.random().toString(36).slice(2, 8)}`;
  const photos: PhotoRef[] = [];
  for (const [i, [root, file]] of files.entries()) {
    const key = tenantKey(tenantId, 'uploads', albumId, `${i}-${file}`);
    await store.put(key, fs.readFileSync(path.join(roots[root], file)), { contentType: file.endsWith('.png') ? 'image/png' : 'image/jpeg' });
    photos.push({ photoId: `p${i}`, name: file, key, contentType: file.endsWith('.png') ? 'image/png' : 'image/jpeg' });
  }
  const env = new MockActivityEnvironment();
  const { analyzePhotoBatch } = createPhotoPipelineActivities({ store, decoder, models, cache: new LruEmbeddingCache({ maxEntries: 100 }) });
  const batch: PhotoBatchResult = await env.run(analyzePhotoBatch, { tenantId, albumId, analysisId: 'an1', photos });
  assert.ok(
    batch.outcomes.every((o) => o.ok),
    JSON.stringify(batch.outcomes),
  );
  const { analyzeAlbum } = createAlbumAnalysisActivities({
    store,
    settings: { highlightCount: 5, highlightMinQuality: 0 },
  });
  const summary: AlbumAnalysisSummary = await new MockActivityEnvironment().run(analyzeAlbum, { tenantId, albumId, analysisId: 'an1' });
  const results = JSON.parse((await store.get(summary.resultsKey)).toString('utf8')) as AlbumResultsDoc;
  return { results, albumId, idOf: (file) => photos.find((p) => p.name === file)!.photoId };
}

test('a face photo gives one face, a cat photo an animal category, and the results name the models', { skip }, async () => {
  const { results, idOf, albumId } = await analyse([
    ['skimage', 'astronaut.png'],
    ['skimage', 'chelsea.png'],
  ]);
  const cat = results.categories[idOf('chelsea.png')]!;
  assert.ok('label' in cat, JSON.stringify(cat));
  assert.equal(cat.label, 'pets-animals');
  assert.equal(cat.names.ko, '반려동물·동물');
  const astronaut = results.categories[idOf('astronaut.png')]!;
  assert.ok('label' in astronaut && astronaut.label === 'people', JSON.stringify(astronaut));
  assert.match(results.models.category, /^mobilenetv2-imagenet@/);
  assert.match(results.models.faces, /^blazeface-back@.*\+dlib-resnet-face@/);
  assert.match(results.models.embedding, /^mobilenetv2-imagenet@/);
  // One face on the astronaut, in her photo's result document.
  const doc = JSON.parse((await store.get(photoDocKey('t-real', albumId, 'an1', idOf('astronaut.png')))).toString('utf8')) as PhotoDoc;
  assert.equal(doc.faces.status, 'ok');
  const withFaces = doc as PhotoDoc & { faces: { faces: unknown[] } };
  assert.equal(withFaces.faces.faces.length, 1);
});

test('two frames of the same player cluster as one person, apart from other people', { skip }, async () => {
  const { results, idOf } = await analyse([
    ['opencv', 'basketball1.png'],
    ['opencv', 'basketball2.png'],
    ['skimage', 'astronaut.png'],
    ['opencv', 'messi5.jpg'],
    ['skimage', 'camera.png'],
  ]);
  assert.ok(Array.isArray(results.people), JSON.stringify(results.people));
  assert.equal(results.people.length, 1, JSON.stringify(results.people));
  assert.deepEqual(results.people[0]!.photoIds, [idOf('basketball1.png'), idOf('basketball2.png')].sort());
  // Face crops: a box of the player's face in each frame, inside that frame.
  const { crops } = results.people[0]!;
  assert.deepEqual(crops.map((c) => c.photoId).sort(), results.people[0]!.photoIds, JSON.stringify(crops));
  for (const { box } of crops)
    assert.ok(box.x >= 0 && box.y >= 0 && box.width > 10 && box.height > 10 && box.x + box.width <= 640 && box.y + box.height <= 480, JSON.stringify(box));
  // The two frames are also one similar-shot group, with its best shot named (the frames are so
  // alike that the perceptual hash calls them copies too, so only one can be a highlight).
  assert.ok(Array.isArray(results.similar), JSON.stringify(results.similar));
  const burst = results.similar.find((g) => g.photoIds.includes(idOf('basketball1.png')));
  assert.ok(burst?.photoIds.includes(idOf('basketball2.png')), JSON.stringify(results.similar));
  assert.ok(burst!.photoIds.includes(burst!.best));
  assert.ok(results.highlights.filter((id) => burst!.photoIds.includes(id)).length <= 1, results.highlights.join(', '));
});
