/**
 * The BERT-family text path on the committed test twins: library WordPiece tokenisation with
 * [CLS]/[SEP] framing and truncation, mean pooling over the mask, the classifier head, and the
 * micro-batcher that lets concurrent callers share one ORT run. The twins' numbers mean nothing
 * semantically; the plumbing is the production plumbing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { MicroBatcher } from '../../src/models/micro-batcher';
import { getModelSpec, type WordPiecePreprocessing } from '../../src/models/registry';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';
import { HashingEmbedder } from '../../src/models/text/hashing-embedder';
import { SentenceEmbedder } from '../../src/models/text/sentence-embedder';
import { TextClassifier } from '../../src/models/text/text-classifier';
import { WordPieceTokenizer } from '../../src/models/text/wordpiece-tokenizer';
import { dot, norm } from '../../src/vectors/math';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');
const pool = () => new SessionPool(new ModelStore({ dir: FIXTURES }), { intraOpThreads: 1 });
const tokenizerFor = (id: string) =>
  WordPieceTokenizer.fromFile(path.join(FIXTURES, id, 'test-1', 'tokenizer.json'), getModelSpec(id).preprocessing as WordPiecePreprocessing);

describe('WordPiece tokenizer (tokenizer.json through @huggingface/tokenizers)', () => {
  test('Korean, English and emoji become real pieces; [CLS] … [SEP]; batch padded to its longest', async () => {
    const tok = await tokenizerFor('ko-sbert-nli-test');
    assert.deepEqual(tok.tokens('주말에 등산 좋아해요 👍 hiking'), ['주말', '##에', '등산', '좋아해요', '👍', 'hiking']);
    const b = tok.encodeBatch(['등산', '주말에 등산 좋아해요']);
    assert.equal(b.sequence, 2 + 4);
    assert.equal(Number(b.inputIds[0]), tok.clsId);
    assert.equal(Number(b.inputIds[2]), tok.sepId);
    assert.equal(Number(b.inputIds[3]), tok.padId);
    assert.deepEqual(Array.from(b.attentionMask.slice(0, 6), Number), [1, 1, 1, 0, 0, 0]);
    assert.deepEqual(Array.from(b.attentionMask.slice(6), Number), [1, 1, 1, 1, 1, 1]);
    assert.ok(b.tokenTypeIds.every((t) => t === 0n));
  });

  test('text over the max length is cut to it, [SEP] kept, and marked truncated', async () => {
    const tok = new WordPieceTokenizer(
      JSON.parse(fs.readFileSync(path.join(FIXTURES, 'kcelectra-small-toxicity-test', 'test-1', 'tokenizer.json'), 'utf8')) as object,
      { maxLength: 8, clsToken: '[CLS]', sepToken: '[SEP]', padToken: '[PAD]' },
    );
    const b = tok.encodeBatch(['가 나 다 라 마 바 사 아 자 차', '가']);
    assert.equal(b.sequence, 8);
    assert.deepEqual(b.truncated, [true, false]);
    assert.equal(Number(b.inputIds[7]), tok.sepId);
  });
});

describe('sentence embedder (ko-sbert-nli test twin)', () => {
  test('unit 768-d vectors; a batch gives what single texts give (padding ignored by the pooling)', async () => {
    const embedder = new SentenceEmbedder(pool(), 'ko-sbert-nli-test');
    const texts = ['주말에 등산 좋아해요', '재즈 음악', '고양이 사진 찍는 거 좋아해요 📷'];
    const batch = await embedder.embed(texts);
    assert.equal(batch.model, 'ko-sbert-nli-test@test-1');
    for (const [i, text] of texts.entries()) {
      const one = (await embedder.embed([text])).embeddings[0]!;
      assert.equal(one.length, 768);
      assert.ok(Math.abs(norm(one) - 1) < 1e-5);
      assert.ok(dot(one, batch.embeddings[i]!) > 0.99999, `text ${i} differs between batch and single`);
    }
  });

  test('texts sharing words are closer than texts that share none', async () => {
    const {
      embeddings: [a, b, c],
    } = await new SentenceEmbedder(pool(), 'ko-sbert-nli-test').embed(['등산 캠핑 여행', '등산 캠핑 좋아해요', '재즈 와인 공연']);
    assert.ok(dot(a!, b!) > dot(a!, c!));
  });
});

describe('toxicity classifier (KcELECTRA-small test twin)', () => {
  test('softmax head: labels, one score per text, truncation reported', async () => {
    const classifier = new TextClassifier(pool(), 'kcelectra-small-toxicity-test');
    const [bad, good] = await classifier.classify(['씨발 뭐야', '안녕하세요 반가워요']);
    assert.deepEqual(Object.keys(bad!.scores), ['clean', 'toxic']);
    assert.ok(bad!.score > 0.8 && good!.score < 0.2, `${bad!.score} / ${good!.score}`);
    assert.ok(Math.abs(bad!.scores.clean! + bad!.scores.toxic! - 1) < 1e-6);
  });

  test('configured label names must match the head', () => {
    assert.throws(() => new TextClassifier(pool(), 'kcelectra-small-toxicity-test', ['a', 'b', 'c']), /2 labels/);
    assert.deepEqual(new TextClassifier(pool(), 'kcelectra-small-toxicity-test', ['ok', 'abusive']).head.cleanLabel, 'ok');
  });
});

describe('micro-batcher', () => {
  test('concurrent callers share runs and each gets its own result', async () => {
    const sessions = pool();
    const classifier = new TextClassifier(sessions, 'kcelectra-small-toxicity-test');
    const batcher = new MicroBatcher((texts: string[]) => classifier.classify(texts), { maxBatch: 16, maxWaitMs: 20 });
    const texts = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `병신 ${i}` : `오늘 ${i}번째 산책`));
    await classifier.classify(['warm-up']);
    const runsBefore = (await sessions.get('kcelectra-small-toxicity-test')).runs;
    const results = await Promise.all(texts.map((t) => batcher.submit(t)));
    const runs = (await sessions.get('kcelectra-small-toxicity-test')).runs - runsBefore;
    results.forEach((r, i) => assert.equal(r.score > 0.5, i % 3 === 0, `caller ${i} got someone else's result`));
    assert.ok(runs <= 4, `40 concurrent callers took ${runs} runs`);
    assert.equal(batcher.stats.largest, 16);
    assert.equal(batcher.stats.items, 40);
  });

  test('a failed run rejects every caller of that batch, and the next batch still runs', async () => {
    let calls = 0;
    const batcher = new MicroBatcher(
      async (xs: number[]) => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return xs.map((x) => x * 2);
      },
      { maxBatch: 4, maxWaitMs: 5 },
    );
    const first = await Promise.allSettled([1, 2].map((x) => batcher.submit(x)));
    assert.ok(first.every((r) => r.status === 'rejected'));
    assert.deepEqual(await batcher.submitMany([3, 4, 5]), [6, 8, 10]);
  });
});

describe('hashing TF-IDF fallback embedding', () => {
  test('deterministic unit vectors; shared n-grams score higher; inflections stay close', () => {
    const h = new HashingEmbedder(1024);
    assert.equal(h.ref, 'char-ngram-tfidf@1024');
    const [a, b, c] = h.embed(['주말마다 등산을 가요', '등산하는 주말이 좋아요', '재즈 바에서 와인 한 잔']);
    assert.ok(Math.abs(norm(a!) - 1) < 1e-5);
    assert.deepEqual(Array.from(h.embedOne('주말마다 등산을 가요')), Array.from(a!));
    assert.ok(dot(a!, b!) > dot(a!, c!) + 0.1);
  });
});
