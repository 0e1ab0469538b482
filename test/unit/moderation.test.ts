/**
 * The clean-bot's text handling: evasions undone before scoring, the badwords-ko lexicon fallback
 * on real Korean chat (toxic in evasive spellings, and clean sentences that contain pieces of bad
 * words), and the moderator on both paths (test-twin classifier, and lexicon when no model).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SessionPool } from '../../src/models/sessions';
import { ModelStore } from '../../src/models/store';
import { normalizeChatText } from '../../src/models/text/korean-normalize';
import { ProfanityLexicon } from '../../src/models/text/profanity-lexicon';
import { ModelUnavailableError } from '../../src/models/errors';
import { ThreadedTextClassifier } from '../../src/models/text/classifier-thread';
import { EmbeddingHeadClassifier } from '../../src/models/text/embedding-head-classifier';
import { TextClassifier } from '../../src/models/text/text-classifier';
import { ChatModerator } from '../../src/moderation/chat-moderator';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'models');

describe('evasion normalisation', () => {
  const cases: [string, string][] = [
    ['ㅆㅣㅂㅏㄹ 뭐야', '씨발 뭐야'], // jamo typed apart
    ['시ㅂㅏㄹ', '시발'],
    ['씨.발 진짜', '씨발 진짜'], // symbols inside a word
    ['시1발', '시발'],
    ['개-새-끼', '개새끼'],
    ['시🤬발', '시발'], // emoji inside a word
    ['병 신', '병신'], // syllables spaced apart
    ['씨이이이발', '씨발'], // stretched
    ['ㅋㅋㅋㅋㅋㅋ 좋아', 'ㅋㅋ 좋아'], // repeats capped at two
    ['다시 발견했다', '다시 발견했다'], // ordinary text is left alone
    ['아이 좋아 😀', '아이 좋아 😀'],
  ];
  for (const [input, want] of cases) test(`${input} → ${want}`, () => assert.equal(normalizeChatText(input), want));
});

describe('lexicon fallback (badwords-ko)', () => {
  const lexicon = new ProfanityLexicon();
  const toxic = [
    '씨발 뭐하냐 진짜',
    'ㅆㅣㅂㅏㄹ 짜증나',
    '씨.발 그만해',
    '시1발 개웃기네',
    '너 진짜 개 새끼야',
    '개-새-끼',
    '병 신 같은 소리 하네',
    '씨이이이발 왜 안 와',
    'ㅅㅂ 또 졌어',
    '존나 느리네',
    '아 지랄하지 마',
    '닥쳐라 좀',
    'ㅈㄴ 짜증나네 🤬',
  ];
  const clean = [
    '오늘 시발점부터 다시 시작하자', // 시발점: starting point
    '새끼손가락 걸고 약속해', // 새끼손가락: little finger
    '우리 집 시바견 너무 귀여워', // 시바견: Shiba dog
    '다시 발견했어, 그 카페', // 다시 발견: 시발 across a word boundary
    '가시 발라서 먹어야 해',
    '존재 자체가 감사합니다',
    '수박씨 발라 먹어',
    '닥터 스트레인지 봤어?',
    '주말에 등산 같이 가요 😀',
    '껌 씹다가 혀 깨물었어',
    '이 카페 분위기 정말 좋네요',
    'ㅋㅋㅋㅋ 오늘 진짜 웃겼다',
  ];
  for (const text of toxic) test(`flags: ${text}`, () => assert.ok(lexicon.find(text).length > 0, `missed: ${text}`));
  for (const text of clean) test(`passes: ${text}`, () => assert.deepEqual(lexicon.find(text), []));

  test('the list is adapted, not used raw: fillers removed, harmless entries excluded', () => {
    assert.ok(lexicon.terms.includes('시발'));
    assert.ok(!lexicon.terms.includes('존'), '존1 must not become 존');
    assert.ok(!lexicon.terms.includes('뚝배기'));
    assert.ok(lexicon.terms.length > 300);
  });
});

describe('chat moderator', () => {
  const options = { threshold: 0.5, maxBatch: 8, maxWaitMs: 5 };
  const MODEL = 'kcelectra-small-toxicity-test';

  test('model path: evasions are normalised before the classifier scores them; results keep their ids', async () => {
    const moderator = new ChatModerator(new TextClassifier(new SessionPool(new ModelStore({ dir: FIXTURES })), MODEL), options);
    const results = await moderator.moderate([
      { id: 'a', text: 'ㅆㅣㅂㅏㄹ 뭐야' },
      { id: 'b', text: '안녕하세요 반가워요 😀' },
      { id: 'c', text: '병 신' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.id, r.toxic, r.method]),
      [
        ['a', true, 'onnx'],
        ['b', false, 'onnx'],
        ['c', true, 'onnx'],
      ],
    );
    assert.deepEqual(results[0]!.labels, ['toxic']);
    assert.equal(results[0]!.model, 'kcelectra-small-toxicity-test@test-1');
  });

  test('default path: the e5 head on e5 vectors (their twins) scores the normalised text beside the lexicon', async () => {
    const head = new EmbeddingHeadClassifier(new SessionPool(new ModelStore({ dir: FIXTURES })), 'cleanbot-e5-head-test');
    assert.equal(head.embedder.ref, 'multilingual-e5-small-int8-test@test-1');
    const results = await new ChatModerator(head, options).moderate([
      { id: 'a', text: 'ㅆㅣㅂㅏㄹ 뭐야' },
      { id: 'b', text: '안녕하세요 반가워요 😀' },
      { id: 'c', text: '병 신' },
      { id: 'd', text: '주말에 산책 가요' },
      // No word of the lexicon: only the head can call it.
      { id: 'e', text: '🤬🤬' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.id, r.toxic, r.headScore! >= 0.5, r.method]),
      [
        ['a', true, true, 'e5-head+lexicon'],
        ['b', false, false, 'e5-head+lexicon'],
        ['c', true, true, 'e5-head+lexicon'],
        ['d', false, false, 'e5-head+lexicon'],
        ['e', true, true, 'e5-head+lexicon'],
      ],
    );
    assert.equal(results[4]!.matches, undefined);
    // The twin's head raises the binary head and profanity among the kinds of harm.
    assert.deepEqual(results[4]!.labels, ['profanity']);
    assert.equal(results[0]!.model, 'cleanbot-e5-head-test@test-1');
  });

  test('no model installed: the lexicon scores instead and says so', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-no-models-'));
    try {
      const moderator = new ChatModerator(new TextClassifier(new SessionPool(new ModelStore({ dir: empty })), MODEL), options);
      const [bad, good] = await moderator.moderate([
        { id: '1', text: '씨.발 그만해' },
        { id: '2', text: '오늘 시발점부터 다시' },
      ]);
      assert.deepEqual([bad!.toxic, bad!.method, bad!.labels, bad!.matches], [true, 'lexicon', ['profanity'], ['씨발']]);
      assert.deepEqual([good!.toxic, good!.score, good!.method], [false, 0, 'lexicon']);
      assert.equal(bad!.fallbackReason, 'MODEL_NOT_INSTALLED');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('classifier in an inference thread', () => {
  test('gives the scores the in-thread classifier gives, in order', async () => {
    const texts = ['씨발 뭐야', '안녕하세요 반가워요', '주말에 산책 가요 😀'];
    const threaded = new ThreadedTextClassifier({ modelsDir: FIXTURES, modelId: 'kcelectra-small-toxicity-test' });
    try {
      const inThread = await new TextClassifier(new SessionPool(new ModelStore({ dir: FIXTURES })), 'kcelectra-small-toxicity-test').classify(texts);
      const fromWorker = await threaded.classify(texts);
      assert.deepEqual(
        fromWorker.map((r) => r.score.toFixed(6)),
        inThread.map((r) => r.score.toFixed(6)),
      );
      assert.equal(threaded.ref, 'kcelectra-small-toxicity-test@test-1');
    } finally {
      await threaded.close();
    }
  });

  test('a model missing in the thread is the same ModelUnavailableError, so the lexicon takes over', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-no-models-'));
    const threaded = new ThreadedTextClassifier({ modelsDir: empty, modelId: 'kcelectra-small-toxicity-test' });
    try {
      await assert.rejects(threaded.classify(['안녕']), (e: unknown) => e instanceof ModelUnavailableError && e.code === 'MODEL_NOT_INSTALLED');
      const [r] = await new ChatModerator(threaded, { threshold: 0.5, maxBatch: 4, maxWaitMs: 1 }).moderate([{ id: 'x', text: '시 발' }]);
      assert.deepEqual([r!.method, r!.toxic], ['lexicon', true]);
    } finally {
      await threaded.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
