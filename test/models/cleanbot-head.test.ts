/**
 * The clean-bot on the real models `npm run models:build` makes: multilingual-e5-small-int8 and
 * the logistic-regression head trained on data/cleanbot/chat-lines.jsonl. Insults with no
 * profanity word (which the lexicon cannot see) must be flagged, clean look-alikes must not; the
 * lexicon still answers when the head is missing; the API returns the new fields. None of the
 * lines below is in the training data.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBenchApi, type BenchApi } from '../../bench/lib/load';
import { loadConfig } from '../../src/config';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';
import { CLEANBOT_HEAD_ID } from '../../src/models/catalogue/cleanbot-head';
import { EmbeddingHeadClassifier } from '../../src/models/text/embedding-head-classifier';
import { ChatModerator, HEAD_METHOD, type ModerationResult } from '../../src/moderation/chat-moderator';
import { readChatLines } from '../../scripts/models/cleanbot-data';

const config = loadConfig({ ...process.env, LIGHTBOX_MODEL_SET: 'production', LIGHTBOX_MODEL_ROLES: '' });
const skip = config.models.skipBuild ? 'LIGHTBOX_SKIP_MODEL_BUILD is set: no built models' : false;
const options = { threshold: 0.5, maxBatch: 16, maxWaitMs: 2 };

const TOXIC: readonly string[] = [
  '너 같은 사람은 그냥 사라져 줬으면 좋겠어',
  '네가 하는 말은 전부 쓰레기야',
  '너는 왜 사는지 모르겠다 진짜 한심해',
  '시 1 발 뭐하는 거야',
  'ㅅㅂ 진짜 짜증나게 하네',
  '네 얼굴 보는 것도 지겨우니까 꺼져',
];
const CLEAN: readonly string[] = [
  '오늘 회의가 새 프로젝트의 시발점이 됐어요',
  '쓰레기 분리수거는 목요일 저녁에 해요',
  '배고파 죽겠다 점심 뭐 먹지',
  '이 영화 진짜 미쳤다 꼭 봐',
  '주말에 부모님 댁에 다녀왔어요',
  '발표 준비하느라 바빠 죽겠어',
];

describe('clean-bot e5 head (real models)', { skip }, () => {
  const sessions = new SessionPool(new ModelStore({ dir: config.models.dir }), { intraOpThreads: 1 });
  const moderator = new ChatModerator(new EmbeddingHeadClassifier(sessions, CLEANBOT_HEAD_ID), options);
  let results: ModerationResult[] = [];

  before(async () => {
    results = await moderator.moderate([...TOXIC, ...CLEAN].map((text, i) => ({ id: `m${i}`, text })));
  });
  after(() => sessions.close());

  test('none of these lines is in the training data', () => {
    const known = new Set(readChatLines().map((l) => l.text));
    for (const t of [...TOXIC, ...CLEAN]) assert.ok(!known.has(t), t);
  });

  test('insults with no profanity word are flagged, evasions too', () => {
    TOXIC.forEach((text, i) => {
      const r = results[i]!;
      assert.equal(r.toxic, true, `${text}: head ${r.headScore?.toFixed(3)}`);
      assert.equal(r.method, HEAD_METHOD);
      assert.ok(r.labels.length > 0, `${text}: a toxic result names its kind of harm`);
    });
    // The two from the issue have no lexicon hit: the head alone flags them.
    for (const r of results.slice(0, 2)) {
      assert.equal(r.matches, undefined);
      assert.ok(r.score >= 0.5 && r.score === r.headScore, `head score ${r.headScore}`);
      assert.ok(r.labels.includes('insult'), `labels ${r.labels.join(',')}`);
    }
  });

  test('clean look-alikes (시발점, 쓰레기 분리수거, 죽겠다, 미쳤다) pass', () => {
    CLEAN.forEach((text, i) => {
      const r = results[TOXIC.length + i]!;
      assert.deepEqual([r.toxic, r.labels], [false, []], `${text}: head ${r.headScore?.toFixed(3)}`);
      assert.ok(r.score < 0.5);
    });
  });

  test('the lexicon is a second signal: a spelled-out profanity scores 1 and is labelled profanity', () => {
    const r = results[4]!;
    assert.deepEqual([r.score, r.labels.includes('profanity'), r.matches?.length], [1, true, 1]);
    assert.equal(r.model, `${CLEANBOT_HEAD_ID}@1`);
    assert.equal(Object.keys(r.scores!).length, 6);
  });
});

test('head not installed: the lexicon alone answers, and says so', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-no-head-'));
  const sessions = new SessionPool(new ModelStore({ dir: empty }));
  try {
    const moderator = new ChatModerator(new EmbeddingHeadClassifier(sessions, CLEANBOT_HEAD_ID), options);
    const [insult, curse] = await moderator.moderate([
      { id: 'a', text: '네가 하는 말은 전부 쓰레기야' },
      { id: 'b', text: '시-발 뭐야' },
    ]);
    assert.deepEqual([insult!.method, insult!.toxic, insult!.fallbackReason], ['lexicon', false, 'MODEL_NOT_INSTALLED']);
    assert.deepEqual([curse!.method, curse!.toxic, curse!.labels], ['lexicon', true, ['profanity']]);
  } finally {
    await sessions.close();
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

describe('POST /v1/moderation/chat with the e5 head (default roles)', { skip }, () => {
  let api: BenchApi;
  before(async () => {
    api = await startBenchApi({ LIGHTBOX_MODELS_DIR: config.models.dir, LIGHTBOX_MODEL_SET: 'production', LIGHTBOX_MODEL_ROLES: '' });
  });
  after(() => api?.stop());

  test('returns toxic, score, labels, method and the head fields per message', async () => {
    const res = await api.post('/v1/moderation/chat', {
      messages: [
        { id: 'x', text: '너 같은 사람은 그냥 사라져 줬으면 좋겠어' },
        { id: 'y', text: '쓰레기 분리수거는 목요일 저녁에 해요' },
      ],
    });
    assert.equal(res.status, 200);
    const [x, y] = res.body.results as ModerationResult[];
    assert.deepEqual([x!.id, x!.toxic, x!.method, x!.model], ['x', true, HEAD_METHOD, `${CLEANBOT_HEAD_ID}@1`]);
    assert.deepEqual([y!.id, y!.toxic, y!.labels], ['y', false, []]);
    for (const r of [x!, y!]) {
      assert.equal(typeof r.score, 'number');
      assert.equal(typeof r.headScore, 'number');
      assert.deepEqual(Object.keys(r.scores!), ['toxic', 'profanity', 'insult', 'harassment', 'sexual', 'threat']);
    }
  });
});
