/**
 * Faces: YuNet output decoding and NMS (checked against hand-computed values), landmark
 * alignment, and the detector → align → ArcFace path on the committed test twins. The YuNet twin
 * detects bright stride-sized squares (see scripts/models/test_twins.py), which is what the
 * synthetic photos here contain.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { alignFace, applySimilarity, ARCFACE_TEMPLATE_112, decodeRgb, estimateSimilarity } from '../../src/models/face/align';
import { ArcFaceEmbedder } from '../../src/models/face/arcface';
import { decodeYuNet, iou, nms, YuNetDetector, type Point } from '../../src/models/face/yunet';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';
import { cosine, norm } from '../../src/vectors/math';
import { assertFacesOnSquares, YUNET_TWIN_LANDMARKS } from '../helpers/face-squares';
import { brightSquares } from '../helpers/synthetic-photos';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');

function emptyOutputs(size = 640) {
  const out: Record<string, { data: Float32Array }> = {};
  for (const s of [8, 16, 32]) {
    const cells = (size / s) ** 2;
    out[`cls_${s}`] = { data: new Float32Array(cells) };
    out[`obj_${s}`] = { data: new Float32Array(cells) };
    out[`bbox_${s}`] = { data: new Float32Array(cells * 4) };
    out[`kps_${s}`] = { data: new Float32Array(cells * 10) };
  }
  return out;
}

function setCell(
  out: ReturnType<typeof emptyOutputs>,
  stride: number,
  r: number,
  c: number,
  cls: number,
  obj: number,
  bbox: number[],
  kps: number[] = Array(10).fill(0),
) {
  const i = r * (640 / stride) + c;
  out[`cls_${stride}`]!.data[i] = cls;
  out[`obj_${stride}`]!.data[i] = obj;
  out[`bbox_${stride}`]!.data.set(bbox, i * 4);
  out[`kps_${stride}`]!.data.set(kps, i * 10);
}

const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

describe('YuNet decoding', () => {
  test('priors, strides, score fusion and landmarks as OpenCV decodes them', () => {
    const out = emptyOutputs();
    setCell(out, 16, 10, 20, 0.9025, 1, [0.2, 0.3, Math.log(2), Math.log(1.5)], [0.1, -0.2, 1, 1, 0, 0, 0, 0, 0, 0]);
    const [face, ...rest] = decodeYuNet(out, 640, 640);
    assert.equal(rest.length, 0);
    close(face!.score, 0.95);
    close(face!.box.x, 20.2 * 16 - 16);
    close(face!.box.y, 10.3 * 16 - 12);
    close(face!.box.width, 32);
    close(face!.box.height, 24);
    close(face!.landmarks[0][0], 20.1 * 16);
    close(face!.landmarks[0][1], 9.8 * 16);
    close(face!.landmarks[1][0], 21 * 16);
    close(face!.landmarks[2][1], 10 * 16);
  });

  test('scores below the threshold are dropped, overlapping boxes are suppressed', () => {
    const out = emptyOutputs();
    setCell(out, 32, 5, 5, 0.98, 0.98, [0.5, 0.5, 0, 0]); // box 160..192
    setCell(out, 8, 21, 21, 0.95, 0.95, [0.5, 0.5, Math.log(4), Math.log(4)]); // same place, lower score
    setCell(out, 32, 15, 15, 0.5, 0.5, [0.5, 0.5, 0, 0]); // elsewhere, weak
    const strict = decodeYuNet(out, 640, 640);
    assert.equal(strict.length, 1);
    close(strict[0]!.box.x, 160);
    const lax = decodeYuNet(out, 640, 640, { scoreThreshold: 0.4 });
    assert.deepEqual(
      lax.map((f) => Math.round(f.box.x)),
      [160, 480],
    );
    const noNms = decodeYuNet(out, 640, 640, { scoreThreshold: 0.4, nmsThreshold: 1 });
    assert.equal(noNms.length, 3);
  });

  test('iou and nms', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    close(iou(a, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
    assert.equal(iou(a, { x: 20, y: 20, width: 5, height: 5 }), 0);
    const kept = nms(
      [
        { box: a, score: 0.5 },
        { box: { x: 1, y: 1, width: 10, height: 10 }, score: 0.9 },
        { box: { x: 50, y: 50, width: 10, height: 10 }, score: 0.7 },
      ],
      0.3,
    );
    assert.deepEqual(
      kept.map((k) => k.score),
      [0.9, 0.7],
    );
  });
});

describe('face alignment', () => {
  const theta = (25 * Math.PI) / 180;
  const move = (p: Point, s: number, tx: number, ty: number): Point => [
    s * (Math.cos(theta) * p[0] - Math.sin(theta) * p[1]) + tx,
    s * (Math.sin(theta) * p[0] + Math.cos(theta) * p[1]) + ty,
  ];

  test('estimateSimilarity recovers a rotation, scale and shift exactly', () => {
    const src = ARCFACE_TEMPLATE_112.map((p) => move(p, 1.7, 100, 50));
    const m = estimateSimilarity(src, ARCFACE_TEMPLATE_112);
    src.forEach((p, i) => {
      const q = applySimilarity(m, p);
      close(q[0], ARCFACE_TEMPLATE_112[i]![0], 1e-9);
      close(q[1], ARCFACE_TEMPLATE_112[i]![1], 1e-9);
    });
  });

  test('alignFace puts each landmark on its template position', async () => {
    const colours: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 0],
      [0, 255, 255],
    ];
    const w = 400;
    const h = 300;
    const raw = Buffer.alloc(w * h * 3);
    const landmarks = ARCFACE_TEMPLATE_112.map((p) => move(p, 2, 150, 20));
    landmarks.forEach(([x, y], k) => {
      for (let dy = -4; dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) raw.set(colours[k]!, ((Math.round(y) + dy) * w + Math.round(x) + dx) * 3);
    });
    const photo = await decodeRgb(
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const crop = alignFace(photo, landmarks);
    assert.equal(crop.length, 112 * 112 * 3);
    ARCFACE_TEMPLATE_112.forEach(([x, y], k) => {
      const i = (Math.round(y) * 112 + Math.round(x)) * 3;
      assert.deepEqual([...crop.subarray(i, i + 3)], colours[k], `landmark ${k}`);
    });
  });
});

describe('detector → alignment → ArcFace (test twins)', () => {
  let sessions: SessionPool;
  let photo: Buffer;
  // 1280×960 → letterboxed at scale 0.5; 64-px squares at multiples of 64 become stride-32 cells.
  const squares = [
    { x: 640, y: 320, side: 64 },
    { x: 192, y: 704, side: 64, stripe: true },
  ];
  before(async () => {
    sessions = new SessionPool(new ModelStore({ dir: FIXTURES }), { intraOpThreads: 1 });
    photo = await brightSquares(1280, 960, squares);
  });
  after(async () => {
    await sessions.close();
  });

  test('YuNet finds the faces and maps boxes and landmarks back to photo pixels', async () => {
    const detector = new YuNetDetector(sessions, 'yunet-2023mar-test');
    const { model, width, height, faces } = await detector.detect(photo);
    assert.equal(model, 'yunet-2023mar-test@test-1');
    assert.deepEqual([width, height], [1280, 960]);
    assertFacesOnSquares(faces, squares, YUNET_TWIN_LANDMARKS, 1e-4);
    // An empty photo has no faces.
    const black = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    assert.equal((await detector.detect(black)).faces.length, 0);
  });

  test('ArcFace embeds every face of a photo in one run, unit length, same face same vector', async () => {
    const detector = new YuNetDetector(sessions, 'yunet-2023mar-test');
    const arcface = new ArcFaceEmbedder(sessions, 'arcface-w600k-r50-test');
    const { faces } = await detector.detect(photo);
    const rgb = await decodeRgb(photo);
    const session = await sessions.get(arcface.spec);
    const runs = session.runs;
    const { model, embeddings } = await arcface.embedFaces(rgb, [...faces, faces[0]!]);
    assert.equal(session.runs - runs, 1);
    assert.equal(model, 'arcface-w600k-r50-test@test-1');
    assert.equal(embeddings.length, 3);
    for (const e of embeddings) {
      assert.equal(e.length, 512);
      close(norm(e), 1, 1e-5);
    }
    assert.deepEqual(embeddings[0], embeddings[2]);
    assert.ok(cosine(embeddings[0]!, embeddings[1]!) < 0.999, 'the striped and the plain face differ');
    assert.deepEqual(await arcface.embedAligned([]), { model, embeddings: [] });
  });
});
