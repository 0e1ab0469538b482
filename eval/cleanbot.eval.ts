/**
 * Clean-bot quality on the dev split of data/cleanbot/chat-lines.jsonl (whole themes held out of
 * training; picked up by `npm run eval`, also runs alone with `node --import tsx eval/cleanbot.eval.ts`).
 *
 * Three detectors on the same lines: the badwords-ko lexicon alone (the fallback), the e5 head
 * alone, and both as the moderator combines them (a lexicon hit OR a head score over the
 * threshold). Per detector, precision and recall on explicit toxicity (lines with profanity,
 * evasions included) and on implicit toxicity (insults, harassment, sexual remarks, threats with
 * no profanity word); each subset is scored against all dev clean lines, so a false positive on a
 * clean look-alike (시발점, 쓰레기 분리수거, 배고파 죽겠다) lowers both precisions.
 */
import { loadConfig } from '../src/config';
import { MODERATOR_OPTIONS } from '../src/moderation/chat-moderator';
import { createModelRuntime, ModelUnavailableError } from '../src/models';
import { CLEANBOT_HEAD_ID } from '../src/models/catalogue/cleanbot-head';
import { EmbeddingHeadClassifier } from '../src/models/text/embedding-head-classifier';
import { normalizeChatText } from '../src/models/text/korean-normalize';
import { ProfanityLexicon } from '../src/models/text/profanity-lexicon';
import { isExplicit, readChatLines, type ChatLine } from '../scripts/models/cleanbot-data';
import type { EvalSection } from './lib/context';

export interface DetectorScore {
  detector: string;
  subset: 'explicit' | 'implicit' | 'all toxic';
  precision: number;
  recall: number;
  positives: number;
  cleanLines: number;
  falsePositives: number;
}

/** Precision and recall of `flagged` on each toxic subset against every clean line. */
export function scoreDetector(detector: string, lines: readonly ChatLine[], flagged: readonly boolean[]): DetectorScore[] {
  const clean = lines.map((l, i) => ({ l, f: flagged[i]! })).filter((x) => !x.l.toxic);
  const fp = clean.filter((x) => x.f).length;
  const subsets: [DetectorScore['subset'], (l: ChatLine) => boolean][] = [
    ['explicit', (l) => l.toxic && isExplicit(l)],
    ['implicit', (l) => l.toxic && !isExplicit(l)],
    ['all toxic', (l) => l.toxic],
  ];
  return subsets.map(([subset, inSubset]) => {
    const pos = lines.map((l, i) => ({ l, f: flagged[i]! })).filter((x) => inSubset(x.l));
    const tp = pos.filter((x) => x.f).length;
    return {
      detector,
      subset,
      precision: tp + fp ? tp / (tp + fp) : 0,
      recall: pos.length ? tp / pos.length : 0,
      positives: pos.length,
      cleanLines: clean.length,
      falsePositives: fp,
    };
  });
}

export async function evalCleanbot(): Promise<EvalSection> {
  const config = loadConfig();
  const dev = readChatLines().filter((l) => l.split === 'dev');
  const lexicon = new ProfanityLexicon();
  const lex = dev.map((l) => lexicon.find(l.text).length > 0);
  const scores = [...scoreDetector('lexicon (badwords-ko)', dev, lex)];
  const notes = [
    `dev split: ${dev.length} lines from the held-out themes ${[...new Set(dev.map((l) => l.theme))].join(', ')}; ${dev.filter((l) => l.toxic && isExplicit(l)).length} explicit, ${dev.filter((l) => l.toxic && !isExplicit(l)).length} implicit, ${dev.filter((l) => !l.toxic).length} clean`,
    'precision of a subset: its true positives over those plus every false positive on the dev clean lines',
  ];
  const { sessions } = createModelRuntime(config.models);
  try {
    const head = new EmbeddingHeadClassifier(sessions, CLEANBOT_HEAD_ID);
    const results = await head.classify(dev.map((l) => normalizeChatText(l.text)));
    const byHead = results.map((r) => r.score >= MODERATOR_OPTIONS.threshold);
    scores.push(...scoreDetector(`e5 head (${head.ref})`, dev, byHead));
    scores.push(
      ...scoreDetector(
        'e5 head + lexicon (the moderator)',
        dev,
        byHead.map((h, i) => h || lex[i]!),
      ),
    );
    notes.push(`head threshold ${MODERATOR_OPTIONS.threshold} (MODERATOR_OPTIONS in src/moderation/chat-moderator.ts)`);
    const missed = dev.filter((l, i) => l.toxic && !(byHead[i] || lex[i]));
    const wrong = dev.filter((l, i) => !l.toxic && (byHead[i] || lex[i]));
    if (missed.length) notes.push(`missed by both (${missed.length}): ${missed.map((l) => l.text).join(' / ')}`);
    if (wrong.length) notes.push(`clean lines flagged (${wrong.length}): ${wrong.map((l) => l.text).join(' / ')}`);
  } catch (err) {
    if (!(err instanceof ModelUnavailableError)) throw err;
    notes.push(`e5 head not scored: ${err.message} (npm run models:build)`);
  } finally {
    await sessions.close();
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return {
    title: 'Clean-bot on the dev split (held-out themes)',
    rows: [
      ['detector', 'subset', 'precision', 'recall', 'toxic lines', 'false positives / clean lines'],
      ...scores.map((s) => [s.detector, s.subset, pct(s.precision), pct(s.recall), String(s.positives), `${s.falsePositives} / ${s.cleanLines}`]),
    ],
    notes,
  };
}

if (require.main === module) {
  evalCleanbot().then(
    (s) => {
      console.log(`\n### ${s.title}\n`);
      for (const r of s.rows) console.log(`| ${r.join(' | ')} |`);
      for (const n of s.notes ?? []) console.log(`- ${n}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
