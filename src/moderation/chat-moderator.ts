/**
 * The clean-bot: normalises each message (evasions undone), then scores it with the toxicity
 * classifier through a micro-batcher, so concurrent API requests share one ORT run; where the
 * model is not installed, the Korean profanity lexicon scores the same normalised text instead.
 * Every result says which ran (`method`).
 *
 * With the default classifier, the e5 head (a `scoreLabel` head), the lexicon is a second signal
 * beside it: an explicit lexicon hit is toxic whatever the head says (a word list is precise on
 * spelled-out profanity, and costs microseconds), and the head catches what has no bad word.
 */
import { MicroBatcher } from '../models/micro-batcher';
import { ModelUnavailableError } from '../models/errors';
import { normalizeChatText } from '../models/text/korean-normalize';
import { ProfanityLexicon } from '../models/text/profanity-lexicon';
import type { Classifier, TextClassification } from '../models/text/text-classifier';
import { jobOutcomes } from '../telemetry/metrics';

export const LEXICON_METHOD = 'lexicon';
export const HEAD_METHOD = 'e5-head+lexicon';

export interface ChatMessage {
  id: string;
  text: string;
}

export interface ModerationResult {
  id: string;
  toxic: boolean;
  /** 0..1: the classifier's toxicity probability, or 1/0 for a lexicon hit/miss (1 for a hit beside the head too). */
  score: number;
  /** Non-clean labels at or over the threshold (model), or ["profanity"] (lexicon). */
  labels: string[];
  method: 'onnx' | typeof HEAD_METHOD | typeof LEXICON_METHOD;
  /** The e5 head's own toxicity probability (head only; `score` also counts the lexicon). */
  headScore?: number;
  /** The e5 head's probability per label (head only). */
  scores?: Record<string, number>;
  /** `id@version` of the classifier, or `badwords-ko` for the lexicon. */
  model: string;
  /** The text was longer than the model's max length and was cut before scoring. */
  truncated?: boolean;
  /** Lexicon entries found (lexicon, and beside the e5 head). */
  matches?: string[];
  fallbackReason?: string;
}

export interface ModeratorOptions {
  /** Score at or above which a message is toxic. */
  threshold: number;
  /** Most messages in one classifier run (concurrent requests share runs). */
  maxBatch: number;
  /** Longest a message waits for others to fill its batch. */
  maxWaitMs: number;
}

/**
 * What the API runs with. 0.5: the classifier's own even odds, where `npm run eval` reports its
 * precision and recall. 32 messages, the batch bench/cleanbot.bench.ts measures, within 4 ms: a
 * wait no chat user notices, long enough for concurrent requests to share one ORT run.
 */
export const MODERATOR_OPTIONS: ModeratorOptions = { threshold: 0.5, maxBatch: 32, maxWaitMs: 4 };

/** How long a missing model is remembered before the moderator looks for it again. */
const RECHECK_MS = 30_000;

export class ChatModerator {
  readonly batcher: MicroBatcher<string, TextClassification>;
  private readonly options: ModeratorOptions;
  private readonly lexicon: ProfanityLexicon;
  private unavailable: { until: number; code: string } | undefined;

  /** `classifier`: a TextClassifier in this thread, or a ThreadedTextClassifier (the API's). */
  constructor(
    readonly classifier: Classifier,
    overrides: Partial<ModeratorOptions> = {},
    lexicon?: ProfanityLexicon,
  ) {
    this.options = { ...MODERATOR_OPTIONS, ...overrides };
    const options = this.options;
    this.batcher = new MicroBatcher((texts) => this.classifier.classify(texts), { maxBatch: options.maxBatch, maxWaitMs: options.maxWaitMs });
    this.lexicon = lexicon ?? new ProfanityLexicon();
  }

  async moderate(messages: readonly ChatMessage[]): Promise<ModerationResult[]> {
    const normalized = messages.map((m) => normalizeChatText(m.text));
    if (!this.unavailable || Date.now() >= this.unavailable.until) {
      try {
        const scored = await this.batcher.submitMany(normalized);
        this.unavailable = undefined;
        const results = messages.map((m, i) => (this.classifier.head.scoreLabel ? this.fromHead(m, scored[i]!) : this.fromModel(m.id, scored[i]!)));
        for (const r of results) jobOutcomes.inc({ kind: 'moderation', outcome: 'ok', code: r.toxic ? 'toxic' : 'clean' });
        return results;
      } catch (err) {
        if (!(err instanceof ModelUnavailableError)) throw err;
        this.unavailable = { until: Date.now() + RECHECK_MS, code: err.code };
      }
    }
    const code = this.unavailable.code;
    return messages.map((m) => {
      const matches = this.lexicon.find(m.text).map((x) => x.term);
      const toxic = matches.length > 0;
      jobOutcomes.inc({ kind: 'moderation', outcome: 'fallback', code });
      return {
        id: m.id,
        toxic,
        score: toxic ? 1 : 0,
        labels: toxic ? ['profanity'] : [],
        method: LEXICON_METHOD,
        model: 'badwords-ko',
        matches,
        fallbackReason: code,
      };
    });
  }

  private fromHead(m: ChatMessage, c: TextClassification): ModerationResult {
    const { threshold } = this.options;
    const { scoreLabel, labels: all } = this.classifier.head;
    const matches = this.lexicon.find(m.text).map((x) => x.term);
    const explicit = matches.length > 0;
    const toxic = explicit || c.score >= threshold;
    const kinds = all.filter((l) => l !== scoreLabel);
    const labels = toxic ? kinds.filter((l) => c.scores[l]! >= threshold) : [];
    if (explicit && !labels.includes('profanity')) labels.unshift('profanity');
    if (toxic && labels.length === 0) labels.push([...kinds].sort((a, b) => c.scores[b]! - c.scores[a]!)[0]!);
    return {
      id: m.id,
      toxic,
      score: explicit ? 1 : c.score,
      labels,
      method: HEAD_METHOD,
      model: this.classifier.ref,
      headScore: c.score,
      scores: c.scores,
      ...(matches.length > 0 ? { matches } : {}),
      ...(c.truncated ? { truncated: true } : {}),
    };
  }

  private fromModel(id: string, c: TextClassification): ModerationResult {
    const { threshold } = this.options;
    const clean = this.classifier.head.cleanLabel;
    const toxic = c.score >= threshold;
    const labels = this.classifier.head.labels.filter((l) => l !== clean && c.scores[l]! >= threshold);
    if (toxic && labels.length === 0) {
      // Softmax over several harms: none alone may pass the threshold; name the likeliest.
      const top = this.classifier.head.labels.filter((l) => l !== clean).sort((a, b) => c.scores[b]! - c.scores[a]!)[0];
      if (top) labels.push(top);
    }
    return { id, toxic, score: c.score, labels, method: 'onnx', model: this.classifier.ref, ...(c.truncated ? { truncated: true } : {}) };
  }
}
