/** The match embedder's model/fallback choice, collection names, and filter translation for Chroma. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { toChromaWhere } from '../../src/matching/chroma-store';
import { MatchEmbedder } from '../../src/matching/match-embedder';
import { profileCollection } from '../../src/matching/profiles';
import { matchesWhere } from '../../src/matching/vector-store';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');
// The sentence role's default, as the test model set runs it: its twin.
const options = { model: 'multilingual-e5-small-int8', useTestModels: true, hashingDim: 512 };

describe('match embedder', () => {
  test('uses the sentence model when it is installed', async () => {
    const e = new MatchEmbedder(new SessionPool(new ModelStore({ dir: FIXTURES })), options);
    const r = await e.embed(['주말에 등산 가요']);
    assert.deepEqual([r.method, r.embedding, r.vectors[0]!.length, r.fallbackReason], ['onnx', 'multilingual-e5-small-int8-test@test-1', 384, undefined]);
    assert.deepEqual(await e.current(), { embedding: 'multilingual-e5-small-int8-test@test-1', method: 'onnx' });
  });

  test('falls back to the hashing TF-IDF embedding and says why', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-no-models-'));
    try {
      const e = new MatchEmbedder(new SessionPool(new ModelStore({ dir: empty })), options);
      const r = await e.embed(['주말에 등산 가요']);
      assert.deepEqual(
        [r.method, r.embedding, r.vectors[0]!.length, r.fallbackReason],
        ['char-ngram-tfidf', 'char-ngram-tfidf@512', 512, 'MODEL_NOT_INSTALLED'],
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

test("collection names are per tenant and embedding, in Chroma's alphabet", () => {
  assert.equal(profileCollection('acme', 'ko-sbert-nli@1'), 'profiles__acme__ko-sbert-nli-1');
  assert.match(profileCollection('a b', 'char-ngram-tfidf@1024'), /^[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$/);
});

test("filters: the same meaning in memory and in Chroma's where", () => {
  const where = { gender: 'f', age: { $gte: 25, $lte: 35 }, region: { $in: ['seoul', 'jeju'] } };
  assert.deepEqual(toChromaWhere(where), {
    $and: [{ gender: { $eq: 'f' } }, { age: { $gte: 25 } }, { age: { $lte: 35 } }, { region: { $in: ['seoul', 'jeju'] } }],
  });
  assert.deepEqual(toChromaWhere({ gender: 'm' }), { gender: { $eq: 'm' } });
  assert.equal(matchesWhere({ gender: 'f', age: 30, region: 'jeju' }, where), true);
  assert.equal(matchesWhere({ gender: 'f', age: 36, region: 'jeju' }, where), false);
  assert.equal(matchesWhere({ gender: 'f', region: 'jeju' }, where), false);
});
