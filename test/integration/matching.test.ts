/**
 * Matching and the clean-bot through the real API, real workers and a real Temporal dev server,
 * with a real ChromaDB server and the test twins of the default models (multilingual-e5-small-int8,
 * and the clean-bot's head on it). Profile writes and re-indexing run as workflows; queries and
 * moderation are answered by the API process.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_K } from '../../src/api/services/matching-service';
import { MAX_MESSAGES_PER_REQUEST, MAX_TEXT_CHARS } from '../../src/api/services/moderation-service';
import { ChromaVectorStore } from '../../src/matching/chroma-store';
import { profileCollection, profileRecordId } from '../../src/matching/profiles';
import { HashingEmbedder, textDigest } from '../../src/models/text/hashing-embedder';
import type { ReindexProgress } from '../../src/shared/matching';
import { TASK_QUEUES } from '../../src/shared/task-queues';
import { inferenceBatchSize } from '../../src/telemetry/metrics';
import { connectClient } from '../../src/temporal-client/connection';
import { ProfileReindexWorkflow } from '../../src/workflows/matching';
import { startChroma, type ChromaServer } from '../helpers/chroma';
import { call, startStack, TENANT_A, TENANT_B, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');
const MODEL = 'multilingual-e5-small-int8-test@test-1';

let chroma: ChromaServer;
let server: Awaited<ReturnType<typeof startTestDevServer>>;
let stack: Stack;
before(async () => {
  chroma = await startChroma();
  server = await startTestDevServer();
  stack = await startStack(
    server.address,
    {
      CHROMA_URL: chroma.url,
      LIGHTBOX_MODELS_DIR: FIXTURES,
      LIGHTBOX_MODEL_SET: 'test',
    },
    undefined,
    // Long enough on a busy test machine for the concurrent requests below to meet in one batch.
    { moderator: { maxWaitMs: 20 } },
  );
});
after(async () => {
  await stack?.stop();
  await server?.stop();
  await chroma?.stop();
});

const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
const B = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_B.key, method, p, body);

const PROFILES: Record<string, { text: string; fields: Record<string, string | number> }> = {
  hiker: { text: '주말마다 등산 캠핑 가요', fields: { gender: 'f', age: 29, region: 'seoul' } },
  camper: { text: '등산 캠핑 좋아해요', fields: { gender: 'm', age: 31, region: 'busan' } },
  jazz: { text: '재즈 공연 와인 좋아해요', fields: { gender: 'f', age: 35, region: 'seoul' } },
  cats: { text: '고양이 강아지 사진', fields: { gender: 'm', age: 27, region: 'seoul' } },
  outdoor: { text: '등산 캠핑 러닝 여행', fields: { gender: 'f', age: 41, region: 'jeju' } },
};

describe('profiles and matching', () => {
  before(async () => {
    for (const [userId, p] of Object.entries(PROFILES)) {
      const res = await A('PUT', `/v1/profiles/${userId}`, p);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { userId, indexed: true, embedding: MODEL, method: 'onnx' });
    }
  });

  test('match by userId: nearest profiles first, never the user itself', async () => {
    const res = await A('POST', '/v1/match', { userId: 'hiker', k: 3 });
    assert.equal(res.status, 200);
    assert.equal(res.body.method, 'onnx');
    assert.equal(res.body.embedding, MODEL);
    const ids = res.body.results.map((r: { userId: string }) => r.userId);
    assert.equal(ids.length, 3);
    assert.ok(!ids.includes('hiker'));
    assert.deepEqual(ids.slice(0, 2).sort(), ['camper', 'outdoor']);
  });

  test('match by text, with filters', async () => {
    const all = await A('POST', '/v1/match', { text: '등산 캠핑', k: 5 });
    assert.equal(all.body.results.length, 5);
    const res = await A('POST', '/v1/match', { text: '등산 캠핑', k: 5, filters: { gender: 'f', age: { $lte: 40 } } });
    assert.deepEqual(res.body.results.map((r: { userId: string }) => r.userId).sort(), ['hiker', 'jazz']);
    const byRegion = await A('POST', '/v1/match', { userId: 'hiker', k: 5, filters: { region: { $in: ['seoul'] } } });
    assert.deepEqual(byRegion.body.results.map((r: { userId: string }) => r.userId).sort(), ['cats', 'jazz']);
  });

  test('another tenant sees none of these users', async () => {
    assert.equal((await B('POST', '/v1/match', { userId: 'hiker' })).body.error.code, 'UNKNOWN_USER');
    assert.deepEqual((await B('POST', '/v1/match', { text: '등산 캠핑' })).body.results, []);
  });

  test('delete removes the profile from results; deleting it again is UNKNOWN_USER', async () => {
    await A('PUT', '/v1/profiles/temp', { text: '등산 캠핑 좋아해요 진짜', fields: { gender: 'm', age: 30 } });
    assert.ok((await A('POST', '/v1/match', { userId: 'camper', k: 10 })).body.results.some((r: { userId: string }) => r.userId === 'temp'));
    const del = await A('DELETE', '/v1/profiles/temp');
    assert.deepEqual([del.status, del.body], [200, { userId: 'temp', deleted: true }]);
    assert.ok(!(await A('POST', '/v1/match', { userId: 'camper', k: 10 })).body.results.some((r: { userId: string }) => r.userId === 'temp'));
    const again = await A('DELETE', '/v1/profiles/temp');
    assert.deepEqual([again.status, again.body.error.code], [404, 'UNKNOWN_USER']);
  });

  test('bad input gets clear 4xx codes', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['PUT', '/v1/profiles/x', { text: '   ' }, 400, 'EMPTY_TEXT'],
      ['PUT', '/v1/profiles/x', { text: '가'.repeat(MAX_TEXT_CHARS + 1) }, 422, 'TEXT_TOO_LONG'],
      ['PUT', '/v1/profiles/x', { text: '안녕', fields: { tenant: 'evil' } }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/match', { userId: 'hiker', k: 0 }, 400, 'K_OUT_OF_RANGE'],
      ['POST', '/v1/match', { userId: 'hiker', k: MAX_K + 1 }, 400, 'K_OUT_OF_RANGE'],
      ['POST', '/v1/match', { userId: 'nobody' }, 404, 'UNKNOWN_USER'],
      ['POST', '/v1/match', { k: 3 }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/match', { text: '' }, 400, 'EMPTY_TEXT'],
      ['DELETE', '/v1/profiles/nobody', undefined, 404, 'UNKNOWN_USER'],
    ];
    for (const [method, p, body, status, code] of cases) {
      const res = await A(method, p, body);
      assert.deepEqual([res.status, res.body?.error?.code], [status, code], `${method} ${p} ${JSON.stringify(body)}`);
    }
  });
});

describe('re-indexing after a model change', () => {
  const hashing = new HashingEmbedder(1024);
  const users = ['r1', 'r2', 'r3', 'r4', 'r5'];
  const texts = ['등산 캠핑 여행', '등산 캠핑 러닝', '재즈 와인', '고양이 사진', '요리 커피 카페'];

  before(async () => {
    // Profiles indexed while only the hashing fallback was available: they sit in its collection.
    const store = new ChromaVectorStore(chroma.url);
    await store.upsert(
      profileCollection(TENANT_A.tenant, hashing.ref),
      users.map((u, i) => ({
        id: profileRecordId(TENANT_A.tenant, `${u}`),
        vector: hashing.embedOne(texts[i]!),
        document: texts[i]!,
        metadata: { tenant: TENANT_A.tenant, userId: u, textDigest: textDigest(texts[i]!), group: 'reindex' },
      })),
    );
  });

  const progress = (jobId: string) => A('GET', `/v1/profiles/reindex/${jobId}`);
  const finished = (jobId: string) =>
    waitFor(
      () => progress(jobId),
      (r) => r.body.state === 'completed',
    );
  const matches = async (userId: string) =>
    (await A('POST', '/v1/match', { userId, k: 4, filters: { group: 'reindex' } })).body.results.map((r: { userId: string }) => r.userId);

  test('moves profiles into the current model, pausable; a second run changes nothing', async () => {
    assert.equal((await A('POST', '/v1/match', { userId: 'r1' })).body.error.code, 'UNKNOWN_USER');
    const start = await A('POST', '/v1/profiles/reindex', { from: hashing.ref, pageSize: 1 });
    assert.equal(start.status, 202);
    const paused = await A('POST', `/v1/profiles/reindex/${start.body.jobId}/pause`);
    assert.equal(paused.body.state, 'paused');
    const held = (await progress(start.body.jobId)).body.offset;
    await new Promise((r) => setTimeout(r, 1500));
    const still = (await progress(start.body.jobId)).body;
    assert.equal(still.state, 'paused');
    assert.ok(still.offset <= held + 1, 'a paused re-index went on past the page in flight');
    await A('POST', `/v1/profiles/reindex/${start.body.jobId}/resume`);
    const done = (await finished(start.body.jobId)).body as ReindexProgress;
    assert.deepEqual([done.reindexed, done.unchanged, done.embedding, done.method], [5, 0, MODEL, 'onnx']);
    const before = await matches('r1');
    assert.equal(before[0], 'r2');

    const again = await A('POST', '/v1/profiles/reindex', { from: hashing.ref });
    const second = (await finished(again.body.jobId)).body as ReindexProgress;
    assert.deepEqual([second.reindexed, second.unchanged], [0, 5]);
    assert.deepEqual(await matches('r1'), before);
  });

  test('re-indexing a collection into itself leaves every result as it was', async () => {
    const before = await Promise.all(users.map(matches));
    const job = await A('POST', '/v1/profiles/reindex', { from: MODEL, pageSize: 2 });
    const done = (await finished(job.body.jobId)).body as ReindexProgress;
    assert.equal(done.reindexed, 0);
    assert.ok(done.unchanged >= 5);
    assert.deepEqual(await Promise.all(users.map(matches)), before);
  });

  test('a large re-index continues as new and carries its progress', async () => {
    const client = await connectClient(stack.config.temporal);
    try {
      const handle = await client.workflow.start(ProfileReindexWorkflow, {
        taskQueue: TASK_QUEUES.workflow,
        workflowId: `match-reindex-test-can-${Date.now()}`,
        args: [{ tenant: TENANT_A.tenant, fromCollection: profileCollection(TENANT_A.tenant, hashing.ref), pageSize: 1, pagesPerRun: 2 }],
      });
      const done = await handle.result();
      assert.deepEqual([done.state, done.offset, done.unchanged], ['completed', 5, 5]);
      assert.ok(done.runs >= 3, `runs ${done.runs}`);
    } finally {
      await client.connection.close();
    }
  });

  test('unknown re-index job is REINDEX_NOT_FOUND', async () => {
    const res = await progress('no-such-job');
    assert.deepEqual([res.status, res.body.error.code], [404, 'REINDEX_NOT_FOUND']);
  });
});

describe('clean-bot', () => {
  test('per-message results with ids, model method, evasions caught', async () => {
    const res = await A('POST', '/v1/moderation/chat', {
      messages: [
        { id: 'm1', text: '안녕하세요 반가워요 😀' },
        { id: 'm2', text: 'ㅆㅣㅂㅏㄹ 뭐야' },
        { id: 'm3', text: '병 신' },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.results.map((r: { id: string; toxic: boolean; headScore: number; method: string }) => [r.id, r.toxic, r.headScore >= 0.5, r.method]),
      [
        ['m1', false, false, 'e5-head+lexicon'],
        ['m2', true, true, 'e5-head+lexicon'],
        ['m3', true, true, 'e5-head+lexicon'],
      ],
    );
    assert.deepEqual(res.body.results[1].labels, ['profanity']);
  });

  test('concurrent requests are batched together and every caller gets its own result', async () => {
    // The shared registry (src/telemetry/metrics.ts) of this process, where the API runs.
    const metric = async () => {
      const values = (await inferenceBatchSize.get()).values.filter((v) => v.labels.model === 'cleanbot-e5-head-test@test-1');
      const pick = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
      return { count: pick('lightbox_inference_batch_size_count'), sum: pick('lightbox_inference_batch_size_sum') };
    };
    const before = await metric();
    const n = 24;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => A('POST', '/v1/moderation/chat', { messages: [{ id: `c${i}`, text: i % 2 ? `존나 ${i}` : `산책 ${i}` }] })),
    );
    replies.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.body.results[0].id, `c${i}`);
      assert.equal(r.body.results[0].toxic, i % 2 === 1, `caller ${i}`);
    });
    const after = await metric();
    assert.equal(after.sum - before.sum, n);
    assert.ok(after.count - before.count < n, `${n} requests took ${after.count - before.count} runs`);
  });

  test('bad input gets clear 4xx codes', async () => {
    const tooMany = Array.from({ length: MAX_MESSAGES_PER_REQUEST + 1 }, (_, i) => ({ id: `x${i}`, text: '안녕' }));
    const cases: [unknown, number, string][] = [
      [{ messages: tooMany }, 422, 'TOO_MANY_MESSAGES'],
      [{ messages: [{ id: 'a', text: ' ' }] }, 400, 'EMPTY_TEXT'],
      [{ messages: [{ id: 'a', text: '가'.repeat(MAX_TEXT_CHARS + 1) }] }, 422, 'TEXT_TOO_LONG'],
      [
        {
          messages: [
            { id: 'a', text: '안녕' },
            { id: 'a', text: '하이' },
          ],
        },
        400,
        'DUPLICATE_MESSAGE_ID',
      ],
      [{ messages: [] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await A('POST', '/v1/moderation/chat', body);
      assert.deepEqual([res.status, res.body?.error?.code], [status, code], JSON.stringify(body).slice(0, 80));
    }
  });
});
