/**
 * The clean-bot's fallback when the toxicity model is not installed: the Korean profanity list of
 * the `badwords-ko` package (MIT, 574 entries incl. consonant shorthand and common evasive
 * spellings), matched on the same normalised text the model would score.
 *
 * The list was written for a substring filter, so it is adapted here rather than used raw:
 * - entries go through normalizeChatText like messages do (시-발 and 시1발 become 시발), and an
 *   entry whose normalised form is a single syllable only because its filler was removed
 *   (존1 → 존, 닥1 → 닥) is dropped: it would match 존재, 닥터;
 * - NOT_PROFANITY removes entries that are ordinary words or compliments in everyday chat;
 * - CLEAN_WORDS are everyday words that contain an entry (시발점, 새끼손가락, 시바견): a match
 *   inside one of them does not count;
 * - a match may run across spaces only where the user split the word (개 새끼), i.e. it must
 *   start at the beginning of a word: 다시 발견 does not contain 시발.
 */
import { createRequire } from 'node:module';
import { normalizeChatText } from './korean-normalize';

const requireJson = createRequire(__filename);

/** Entries that are not profanity in chat (dishes, noises, compliments built on 존/졸, words). */
export const NOT_PROFANITY = new Set([
  '삐걱',
  '뚝배기',
  '오크',
  '첫빠',
  '시녀',
  '자살',
  '눈나',
  '노무',
  '곱창나',
  '곱창났',
  '지1뢰',
  '한년',
  '한 년',
  '존맛',
  '존멋',
  '존잘',
  '존잼',
  '존좋',
  '존웃',
  '존싫',
  '존똑',
  '존귀',
  '존귘',
  '존버',
  '쫀귀',
  '쫀맛',
  '쫀 맛',
  '졸맛',
  '졸멋',
  '졸싫',
  '졸예',
  '졸웃',
  '졸잼',
  '졸좋',
  '앰',
  'ㅉ',
  '후려',
  '핑끄',
  '웅앵',
  '웅엥',
  '와꾸',
  '이따위',
  '꼴랑',
  '대갈',
  '싸개',
  '처먹',
  '더럽네',
  '꼬라지',
  '찍찍이',
  // An everyday noun first (쓰레기 분리수거, 쓰레기통, 쓰레기 값): as an insult it takes the whole
  // sentence to tell, which the e5 head reads; on the clean-bot's data it was 28 false hits to 0.
  '쓰레기',
]);

/** Everyday words that contain a lexicon entry. */
export const CLEAN_WORDS = [
  '시발점',
  '시발역',
  '시발택시',
  '시발로',
  '새끼손가락',
  '새끼발가락',
  '새끼손톱',
  '새끼발톱',
  '새끼줄',
  '새끼고양이',
  '새끼강아지',
  '새끼곰',
  '새끼돼지',
  '고양이새끼',
  '강아지새끼',
  '시바견',
  '시바이누',
  '노무사',
  '노무비',
  '노무관리',
  '수박씨',
  '병신년',
  '대가리수',
  '지랄탄',
].map(normalizeChatText);

export interface LexiconMatch {
  /** The lexicon entry, normalised. */
  term: string;
  /** Where it matched in the normalised text, spaces removed. */
  start: number;
}

export interface ProfanityLexiconOptions {
  /** Entries to use instead of the package's list (tests, a tenant's own list). */
  words?: readonly string[];
  exclude?: ReadonlySet<string>;
  cleanWords?: readonly string[];
}

const LETTERS = /[\p{L}\p{Extended_Pictographic}]/u;

export class ProfanityLexicon {
  readonly terms: readonly string[];
  private readonly cleanWords: readonly string[];

  constructor(options: ProfanityLexiconOptions = {}) {
    const raw = options.words ?? (requireJson('badwords-ko/src/badwords.ko.config.json') as { badWords: string[] }).badWords;
    const exclude = options.exclude ?? NOT_PROFANITY;
    const terms = new Set<string>();
    for (const entry of raw) {
      if (exclude.has(entry) || exclude.has(entry.trim())) continue;
      const term = [...normalizeChatText(entry)].filter((ch) => LETTERS.test(ch)).join('');
      if (term.length === 0 || exclude.has(term)) continue;
      if ([...term].length === 1 && [...entry.trim()].length > 1) continue;
      terms.add(term);
    }
    this.terms = [...terms].sort((a, b) => b.length - a.length);
    this.cleanWords = options.cleanWords ?? CLEAN_WORDS;
  }

  /** The lexicon entries in `text` (normalised first), honouring word starts and clean words. */
  find(text: string): LexiconMatch[] {
    const normalized = normalizeChatText(text);
    // Letters only, with the index of the word each letter came from and whether it starts it.
    const letters: string[] = [];
    const wordOf: number[] = [];
    const startsWord: boolean[] = [];
    normalized.split(/\s+/u).forEach((word, w) => {
      let first = true;
      for (const ch of word) {
        if (!LETTERS.test(ch)) continue;
        letters.push(ch);
        wordOf.push(w);
        startsWord.push(first);
        first = false;
      }
    });
    const compact = letters.join('');
    // Code-unit offsets of each letter in `compact`, to map String.indexOf results back.
    const unitToLetter = new Map<number, number>();
    let unit = 0;
    letters.forEach((ch, i) => {
      unitToLetter.set(unit, i);
      unit += ch.length;
    });
    const shielded = new Set<number>();
    for (const clean of this.cleanWords) {
      for (let at = compact.indexOf(clean); at !== -1; at = compact.indexOf(clean, at + 1)) {
        for (let u = at; u < at + clean.length; u++) shielded.add(u);
      }
    }
    const matches: LexiconMatch[] = [];
    for (const term of this.terms) {
      for (let at = compact.indexOf(term); at !== -1; at = compact.indexOf(term, at + 1)) {
        const first = unitToLetter.get(at);
        const last = unitToLetter.get(at + term.length - [...term].slice(-1)[0]!.length);
        if (first === undefined || last === undefined) continue;
        if (shielded.has(at) && shielded.has(at + term.length - 1)) continue;
        if (wordOf[first] !== wordOf[last] && !startsWord[first]) continue;
        if (matches.some((m) => m.start <= at && at < m.start + m.term.length)) continue;
        matches.push({ term, start: at });
      }
    }
    return matches.sort((a, b) => a.start - b.start);
  }
}
