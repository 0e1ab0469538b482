/**
 * CLIP preprocessing, tokenizer, text encoder and zero-shot scoring, on the committed test twins.
 * The twins' numbers mean nothing semantically; what is tested is that every step does what CLIP
 * needs (pixel maths, crop, token ids, batching, normalisation, softmax), which holds the same for
 * the real weights.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { clipImageBatch, preprocessClipImage } from '../../src/models/clip/preprocess';
import { ClipTextEncoder } from '../../src/models/clip/text-encoder';
import { ClipTokenizer } from '../../src/models/clip/tokenizer';
import { DEFAULT_LABELS, ZeroShotClassifier, type ZeroShotLabel } from '../../src/models/clip/zero-shot';
import { CLIP_MEAN, CLIP_STD } from '../../src/models/catalogue/production';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';
import { cosine, dot, norm } from '../../src/vectors/math';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');
const TOKENIZER = path.join(FIXTURES, 'clip-vit-b32-text-test', 'test-1', 'tokenizer.json');
const PLANE = 224 * 224;

const solid = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();

describe('CLIP image preprocessing', () => {
  test('RGB, /255, CLIP mean/std, planar NCHW', async () => {
    const px = await preprocessClipImage(await solid(300, 260, [255, 128, 0]));
    assert.equal(px.length, 3 * PLANE);
    const expected = [255, 128, 0].map((v, c) => (v / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!);
    for (let c = 0; c < 3; c++) {
      for (const i of [0, 1000, PLANE - 1])
        assert.ok(Math.abs(px[c * PLANE + i]! - expected[c]!) < 1e-5, `channel ${c}: ${px[c * PLANE + i]} vs ${expected[c]}`);
    }
  });

  test('resizes the shortest side to 224 and keeps the centre', async () => {
    // 672×224: thirds red | green | blue. The centre crop is exactly the green third.
    const raw = Buffer.alloc(672 * 224 * 3);
    for (let y = 0; y < 224; y++) for (let x = 0; x < 672; x++) raw[(y * 672 + x) * 3 + Math.floor(x / 224)] = 255;
    const img = await sharp(raw, { raw: { width: 672, height: 224, channels: 3 } })
      .png()
      .toBuffer();
    const px = await preprocessClipImage(img);
    const green = (1 - CLIP_MEAN[1]) / CLIP_STD[1];
    const noRed = (0 - CLIP_MEAN[0]) / CLIP_STD[0];
    for (const x of [2, 112, 221]) {
      assert.ok(Math.abs(px[PLANE + 100 * 224 + x]! - green) < 1e-3, `green at x=${x}`);
      assert.ok(Math.abs(px[100 * 224 + x]! - noRed) < 1e-3, `no red at x=${x}`);
    }
    // A tall photo is scaled down (shortest side 448 → 224), not cropped to its top.
    const tall = await solid(448, 1000, [0, 0, 255]);
    assert.equal((await preprocessClipImage(tall)).length, 3 * PLANE);
  });

  test('batches N photos into one [N,3,224,224] tensor with each photo in its own row', async () => {
    const red = await solid(50, 80, [255, 0, 0]);
    const blue = await solid(400, 300, [0, 0, 255]);
    const t = await clipImageBatch([red, blue, red]);
    assert.deepEqual(t.dims, [3, 3, 224, 224]);
    const data = t.data as Float32Array;
    const redRow = await preprocessClipImage(red);
    assert.deepEqual(data.subarray(0, 3 * PLANE), redRow);
    assert.deepEqual(data.subarray(6 * PLANE, 9 * PLANE), redRow);
    assert.ok(data[3 * PLANE + 2 * PLANE + 5]! > 1.5, 'blue photo has its blue plane high');
  });

  test('the pixel limit guards against decompression bombs', async () => {
    await assert.rejects(preprocessClipImage(await solid(400, 400, [1, 2, 3]), undefined, { limitInputPixels: 100 * 100 }), /pixel limit/i);
  });
});

describe('CLIP tokenizer', () => {
  let tok: ClipTokenizer;
  before(async () => {
    tok = await ClipTokenizer.fromFile(TOKENIZER);
  });

  test('gives the ids @huggingface/tokenizers gives for the same tokenizer.json', () => {
    // Recorded from @huggingface/tokenizers 0.2.0 (Tokenizer(json).encode) on the committed file.
    const golden: [string, number[]][] = [
      ['a photo of food', [49406, 353, 515, 516, 562, 49407]],
      ['A  Photo of   PEOPLE!!', [49406, 353, 515, 516, 578, 33, 289, 49407]],
      ['음식 사진', [49406, 611, 521, 49407]],
      [
        "it's 2024, the café's menu: 12€",
        [49406, 105, 372, 39, 371, 306, 304, 306, 308, 300, 585, 99, 97, 102, 195, 425, 39, 371, 109, 101, 110, 373, 314, 305, 306, 226, 130, 428, 49407],
      ],
    ];
    for (const [text, ids] of golden) assert.deepEqual([tok.bosId, ...tok.tokenize(text), tok.eosId], ids, text);
  });

  test('frames with BOS/EOS, pads to 77 with EOS, and truncates long text', () => {
    const short = tok.encode('a photo of food');
    assert.equal(short.ids.length, 77);
    assert.deepEqual(short.ids.slice(0, 6), [49406, 353, 515, 516, 562, 49407]);
    assert.ok(short.ids.slice(6).every((id) => id === 49407));
    assert.deepEqual(short.attentionMask.slice(0, 7), [1, 1, 1, 1, 1, 1, 0]);
    assert.equal(short.truncated, false);
    const long = tok.encode('food '.repeat(100));
    assert.equal(long.ids.length, 77);
    assert.equal(long.ids[0], 49406);
    assert.equal(long.ids[76], 49407);
    assert.equal(long.truncated, true);
  });
});

describe('CLIP text encoder and zero-shot labels (test twins)', () => {
  let sessions: SessionPool;
  let encoder: ClipTextEncoder;
  before(() => {
    sessions = new SessionPool(new ModelStore({ dir: FIXTURES }), { intraOpThreads: 1 });
    encoder = new ClipTextEncoder(sessions, 'clip-vit-b32-text-test');
  });
  after(async () => {
    await sessions.close();
  });

  test('embeds texts in one run into unit vectors; equal texts give equal vectors', async () => {
    const session = await sessions.get(encoder.spec);
    const runs = session.runs;
    const { model, embeddings } = await encoder.embed(['a photo of food', 'a photo of the sea', 'a photo of food']);
    assert.equal(session.runs - runs, 1);
    assert.equal(model, 'clip-vit-b32-text-test@test-1');
    for (const e of embeddings) assert.ok(Math.abs(norm(e) - 1) < 1e-5);
    assert.deepEqual(embeddings[0], embeddings[2]);
    assert.ok(cosine(embeddings[0]!, embeddings[1]!) < 0.999);
  });

  test('an injected tokenizer is used instead of the file', async () => {
    const fixed = { maxLength: 77, encode: () => ({ ids: Array(77).fill(49407) as number[], attentionMask: Array(77).fill(0) as number[], truncated: false }) };
    const injected = new ClipTextEncoder(sessions, 'clip-vit-b32-text-test', fixed);
    const [a, b] = (await injected.embed(['a photo of food', 'something else entirely'])).embeddings;
    assert.deepEqual(a, b, 'same ids in, same vector out');
  });

  test('scores are a softmax over 100·cosine, best first, and the matching label wins', async () => {
    const labels: ZeroShotLabel[] = [
      { id: 'food', names: { en: 'food', ko: '음식' }, prompts: { en: ['a photo of food'], ko: ['음식 사진'] } },
      { id: 'sea', names: { en: 'sea', ko: '바다' }, prompts: { en: ['a photo of the sea'], ko: ['바다 사진'] } },
      { id: 'night', names: { en: 'night', ko: '야경' }, prompts: { en: ['a photo of a city at night'], ko: ['야경 사진'] } },
    ];
    const zs = await ZeroShotClassifier.create(encoder, labels);
    assert.deepEqual(zs.languages, ['en']);
    const sea = zs.labelEmbeddings[1]!;
    const scores = zs.classify(sea);
    assert.equal(scores[0]?.label, 'sea');
    assert.deepEqual(scores[0]?.names, { en: 'sea', ko: '바다' });
    assert.ok(Math.abs(scores.reduce((s, x) => s + x.score, 0) - 1) < 1e-9);
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]!.score >= scores[i]!.score);
    // Exactly softmax(100·cos): the ratio of two scores is exp(100·(cos_a − cos_b)).
    const food = scores.find((s) => s.label === 'food')!;
    const expectedRatio = Math.exp(100 * (dot(sea, sea) - dot(sea, zs.labelEmbeddings[0]!)));
    assert.ok(Math.abs(scores[0]!.score / food.score / expectedRatio - 1) < 1e-4);
    assert.equal(zs.top(sea).label, 'sea');
  });

  test('Korean prompts are used only when the text encoder reads Korean', async () => {
    const en = await ZeroShotClassifier.create(encoder, DEFAULT_LABELS);
    const ko = await ZeroShotClassifier.create(encoder, DEFAULT_LABELS, { languages: ['ko'] });
    assert.ok(cosine(en.labelEmbeddings[0]!, ko.labelEmbeddings[0]!) < 0.999, 'different prompts, different label vectors');
    const koOnly: ZeroShotLabel[] = [
      { id: 'a', names: { en: 'a', ko: '가' }, prompts: { ko: ['가 사진'] } },
      { id: 'b', names: { en: 'b', ko: '나' }, prompts: { en: ['b'], ko: ['나 사진'] } },
    ];
    await assert.rejects(ZeroShotClassifier.create(encoder, koOnly), /label a has no prompt in en/);
  });
});
