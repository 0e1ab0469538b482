/**
 * The default models' code path on their committed test twins: BlazeFace → eye alignment → the
 * dlib descriptor, the MobileNetV2 classifier with its head.bin, and e5 with its int8 build. The BlazeFace twin finds
 * bright squares of one grid cell (16 or 32 px of its 256-px input) and puts its keypoints at
 * fixed places in the box; the MobileNetV2 twin's head knows one ImageNet class per album
 * category (scripts/models/test_twins.py).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clipImageBatch } from '../../src/models/clip/preprocess';
import { decodeRgb } from '../../src/models/face/align';
import { BlazeFaceDetector } from '../../src/models/face/blazeface';
import { DlibFaceDescriptor } from '../../src/models/face/dlib-descriptor';
import { loadCategoryMap, MobileNetClassifier } from '../../src/models/imagenet/mobilenet';
import type { ImagePreprocessing } from '../../src/models/registry';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';
import { SentenceEmbedder } from '../../src/models/text/sentence-embedder';
import { assertFacesOnSquares, BLAZEFACE_TWIN_LANDMARKS } from '../helpers/face-squares';
import { brightSquares, syntheticScene } from '../helpers/synthetic-photos';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');
const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);
const distance = (a: Float32Array, b: Float32Array) => Math.hypot(...a.map((v, i) => v - b[i]!));

/** A black photo of `scale`·256 px a side with white squares of one stride-32 cell (`scale`·32 px). */
const squaresPhoto = (scale: number, squares: readonly { cell: [number, number]; stripe: boolean }[]) =>
  brightSquares(
    256 * scale,
    256 * scale,
    squares.map(({ cell, stripe }) => ({ x: cell[0] * 32 * scale, y: cell[1] * 32 * scale, side: 32 * scale, stripe })),
  );

describe('BlazeFace → alignment → dlib descriptor (test twins of the defaults)', () => {
  let sessions: SessionPool;
  before(() => {
    sessions = new SessionPool(new ModelStore({ dir: FIXTURES }), { intraOpThreads: 1 });
  });
  after(async () => {
    await sessions.close();
  });

  test('BlazeFace finds the faces, maps boxes and keypoints back to photo pixels, and nothing in an empty photo', async () => {
    const detector = new BlazeFaceDetector(sessions, 'blazeface-back-test');
    // 1024 px letterboxed into 256: a 128-px square on the 128-px grid is one stride-32 cell.
    const squares = [
      { x: 512, y: 256, side: 128 },
      { x: 128, y: 640, side: 128, stripe: true },
    ];
    const { model, width, height, faces } = await detector.detect(await brightSquares(1024, 1024, squares));
    assert.equal(model, 'blazeface-back-test@test-1');
    assert.deepEqual([width, height], [1024, 1024]);
    assertFacesOnSquares(faces, squares, BLAZEFACE_TWIN_LANDMARKS, 1e-3);
    assert.equal((await detector.detect(await squaresPhoto(1, []))).faces.length, 0);
  });

  test("dlib embeds every face in one run, raw 128-d; one face in two photos is one person by dlib's 0.6, two faces are not", async () => {
    const detector = new BlazeFaceDetector(sessions, 'blazeface-back-test');
    const dlib = new DlibFaceDescriptor(sessions, 'dlib-resnet-face-test');
    const photo = await squaresPhoto(4, [
      { cell: [4, 2], stripe: false },
      { cell: [1, 5], stripe: true },
    ]);
    const faces = [...(await detector.detect(photo)).faces].sort((a, b) => a.box.x - b.box.x);
    const session = await sessions.get(dlib.spec);
    const runs = session.runs;
    const { model, embeddings } = await dlib.embedFaces(await decodeRgb(photo), [...faces, faces[0]!]);
    assert.equal(session.runs - runs, 1);
    assert.equal(model, 'dlib-resnet-face-test@test-1');
    assert.equal(embeddings.length, 3);
    for (const e of embeddings) assert.equal(e.length, 128);
    assert.deepEqual(embeddings[0], embeddings[2]);
    assert.ok(Math.abs(Math.hypot(...embeddings[0]!) - 1) > 0.1, 'raw descriptors, not unit vectors');
    assert.ok(distance(embeddings[0]!, embeddings[1]!) > 0.6, 'the striped and the plain face are two people');

    // The striped face again, alone in a photo of another size and place: the alignment undoes both.
    const other = await squaresPhoto(2, [{ cell: [6, 3], stripe: true }]);
    const [again] = (await detector.detect(other)).faces;
    assert.ok(again, 'the face is found in the second photo');
    const [second] = (await dlib.embedFaces(await decodeRgb(other), [again])).embeddings;
    assert.ok(distance(second!, embeddings[0]!) < 0.6, `same face, distance ${distance(second!, embeddings[0]!)}`);
    assert.deepEqual(await dlib.embedAligned([]), { model, embeddings: [] });
  });
});

describe('MobileNetV2 classifier (test twin of the default)', () => {
  let sessions: SessionPool;
  let store: ModelStore;
  before(() => {
    store = new ModelStore({ dir: FIXTURES });
    sessions = new SessionPool(store, { intraOpThreads: 1 });
  });
  after(async () => {
    await sessions.close();
  });

  test("features in one run; head.bin scores them as the graph's own classifier does; categories follow the map", async () => {
    const classifier = new MobileNetClassifier(sessions, store, loadCategoryMap(), 'mobilenetv2-imagenet-test');
    await assert.rejects(async () => classifier.probabilities(new Float32Array(1280)), /load\(\) first/);
    await classifier.load();
    const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => syntheticScene(seed, 320, 240)));
    const session = await sessions.get(classifier.spec);
    const runs = session.runs;
    const { model, embeddings } = await classifier.embed(photos);
    assert.equal(session.runs - runs, 1);
    assert.equal(model, 'mobilenetv2-imagenet-test@test-1');
    assert.equal(embeddings.length, photos.length);

    // The graph's logits output, run on the same pixels, against head.bin applied in TypeScript.
    const batch = await clipImageBatch(photos, classifier.spec.preprocessing as ImagePreprocessing);
    const out = await session.run({ pixel_values: batch });
    const logits = out['logits']!.data as Float32Array;
    embeddings.forEach((features, i) => {
      const p = classifier.probabilities(features);
      const row = logits.subarray(i * 1000, (i + 1) * 1000);
      const max = Math.max(...row);
      const sum = row.reduce((s, l) => s + Math.exp(l - max), 0);
      for (let k = 0; k < 1000; k += 37) close(p[k]!, Math.exp(row[k]! - max) / sum, 1e-4);
    });

    const categories = embeddings.map((f) => classifier.categorize(f));
    const ids = new Set(categories.map((c) => c.id));
    assert.ok(ids.size >= 2, `different scenes, different categories: ${[...ids].join(', ')}`);
    for (const c of categories) {
      assert.ok(c.score > 0 && c.score <= 1);
      // What word search matches against: the likeliest classes, best first.
      assert.ok(c.classes.length >= 1);
      for (let k = 1; k < c.classes.length; k++) assert.ok(c.classes[k - 1]!.p >= c.classes[k]!.p);
    }
    // A detected face puts a photo in the people category unless the classifier is sure of an animal.
    const withFace = embeddings.map((f) => classifier.categorize(f, true));
    for (const [i, c] of withFace.entries()) if (categories[i]!.id !== 'pets-animals') assert.equal(c.id, 'people');
  });
});

describe('multilingual-e5-small and its int8 build (test twins of the sentence default)', () => {
  test('int8 within cosine 0.999 of fp32 (as models:build holds the real pair), padding kept out of the pooled vector, shared words nearest', async () => {
    const sessions = new SessionPool(new ModelStore({ dir: FIXTURES }), { intraOpThreads: 1 });
    try {
      const fp32 = new SentenceEmbedder(sessions, 'multilingual-e5-small-test');
      const int8 = new SentenceEmbedder(sessions, 'multilingual-e5-small-int8-test');
      // One batch of different lengths: padding must not reach the pooled vectors.
      const texts = ['주말마다 등산 캠핑 가요', '등산 캠핑 좋아해요', '재즈 공연 와인 좋아해요', '고양이'];
      const [a, b] = [await fp32.embed(texts), await int8.embed(texts)];
      assert.equal(b.model, 'multilingual-e5-small-int8-test@test-1');
      const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
      a.embeddings.forEach((v, i) => {
        assert.equal(v.length, 384);
        close(Math.hypot(...v), 1, 1e-5);
        assert.ok(dot(v, b.embeddings[i]!) > 0.999, `${texts[i]}: int8 vs fp32 ${dot(v, b.embeddings[i]!)}`);
      });
      const alone = (await int8.embed([texts[3]!])).embeddings[0]!;
      assert.ok(dot(alone, b.embeddings[3]!) > 0.9999, 'the same text alone and padded in a batch');
      const [hiker, ...others] = b.embeddings;
      assert.ok(dot(hiker!, others[0]!) > Math.max(dot(hiker!, others[1]!), dot(hiker!, others[2]!)), 'shared words are nearest');
    } finally {
      await sessions.close();
    }
  });
});
