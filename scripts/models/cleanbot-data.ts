/**
 * The clean-bot's labelled Korean chat lines (data/cleanbot/chat-lines.jsonl): written for this
 * repo, one JSON object per line. `theme` is the split key: whole themes (a chat room's topic and
 * its regulars' way of talking) are held out as dev, never single lines, so a dev line's
 * near-paraphrases are not in train.
 */
import fs from 'node:fs';
import path from 'node:path';

export const CLEANBOT_DATA_FILE = 'data/cleanbot/chat-lines.jsonl';

export interface ChatLine {
  id: string;
  split: 'train' | 'dev';
  theme: string;
  toxic: boolean;
  /** Kinds of harm (profanity, insult, harassment, sexual, threat); empty for a clean line. */
  labels: string[];
  text: string;
}

/** Explicit: spelled-out (or evaded) profanity; implicit: toxic with no profanity word. */
export const isExplicit = (l: ChatLine) => l.labels.includes('profanity');

export function readChatLines(root = path.resolve(__dirname, '..', '..')): ChatLine[] {
  const text = fs.readFileSync(path.join(root, CLEANBOT_DATA_FILE), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const line = JSON.parse(l) as ChatLine;
      if (line.toxic !== line.labels.length > 0) throw new Error(`${CLEANBOT_DATA_FILE}:${i + 1}: toxic must be true exactly when labels are given`);
      return line;
    });
}
