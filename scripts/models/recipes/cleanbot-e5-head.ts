import fs from 'node:fs/promises';
import path from 'node:path';
import { SessionPool } from '../../../src/models/sessions';
import { ModelStore } from '../../../src/models/store';
import { CLEANBOT_E5_HEAD, CLEANBOT_LABELS } from '../../../src/models/catalogue/cleanbot-head';
import { normalizeChatText } from '../../../src/models/text/korean-normalize';
import { SentenceEmbedder } from '../../../src/models/text/sentence-embedder';
import { CLEANBOT_DATA_FILE, readChatLines } from '../cleanbot-data';
import type { Recipe } from '../recipe';

const EMBEDDER = CLEANBOT_E5_HEAD.preprocessing.kind === 'embedding' ? CLEANBOT_E5_HEAD.preprocessing.embedder : '';

/**
 * Embeds every labelled line with the installed e5 int8 (normalised as the moderator does) and
 * hands the vectors to the trainer. One line per run on one thread: int8 activations are quantised
 * per run, so batch mates and thread counts would move the vectors, and the build must be
 * deterministic.
 */
async function embedLines({ modelsDir, workDir, log }: { modelsDir: string; workDir: string; log: (line: string) => void }): Promise<string[]> {
  const t0 = Date.now();
  const sessions = new SessionPool(new ModelStore({ dir: modelsDir }), { intraOpThreads: 1, interOpThreads: 1 });
  try {
    const embedder = new SentenceEmbedder(sessions, EMBEDDER);
    const lines = [];
    for (const l of readChatLines()) {
      const { embeddings } = await embedder.embed([normalizeChatText(l.text)]);
      lines.push({
        id: l.id,
        theme: l.theme,
        split: l.split,
        y: CLEANBOT_LABELS.map((k) => ((k === 'toxic' ? l.toxic : l.labels.includes(k)) ? 1 : 0)),
        x: Array.from(embeddings[0]!),
      });
    }
    const file = path.join(workDir, 'features.json');
    await fs.writeFile(file, JSON.stringify({ embedder: embedder.ref, labels: CLEANBOT_LABELS, lines }));
    log(`embedded ${lines.length} lines with ${embedder.ref} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return [file];
  } finally {
    await sessions.close();
  }
}

/** Logistic-regression heads on e5 vectors, trained on the train split (train_cleanbot_head.py). */
const recipe: Recipe = {
  modelId: CLEANBOT_E5_HEAD.id,
  packages: [],
  converter: 'train_cleanbot_head.py',
  dataFiles: [CLEANBOT_DATA_FILE],
  dependsOn: [EMBEDDER],
  prepare: embedLines,
};
export default recipe;
