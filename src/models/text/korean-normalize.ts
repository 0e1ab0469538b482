/**
 * Undoes the evasions chat users type to get past a filter, before anything scores a message
 * (the toxicity model and the lexicon fallback see the same text):
 *
 * - jamo typed apart (ㅆㅣㅂㅏㄹ, 시ㅂㅏㄹ) are put back together into syllables (es-hangul);
 * - symbols, digits or emoji wedged inside a word (씨.발, 시1발, 개-새-끼, 시🤬발) are dropped;
 * - single syllables spaced apart (시 발, 병 신) are joined back into one word;
 * - stretched words (씨이이발, 시이이발) lose the filler syllables, and any character repeated
 *   more than twice (ㅋㅋㅋㅋ, 씨바아아아) is cut to two, as soynlp's repeat_normalize does.
 *
 * Consonant-only shorthand (ㅅㅂ, ㅈㄴ, ㅋㅋ) is kept as typed: it is its own vocabulary.
 */
import { assemble, disassembleCompleteCharacter } from 'es-hangul';

const SYLLABLE = '\\uAC00-\\uD7A3';
const JAMO = '\\u3131-\\u318E';
const HANGUL_RE = new RegExp(`[${SYLLABLE}${JAMO}]`);
const isHangul = (ch: string) => HANGUL_RE.test(ch);

/** A syllable or nothing, then compatibility jamo; reassembled only if the jamo hold a vowel. */
const JAMO_RUN = new RegExp(`[${SYLLABLE}]?[${JAMO}]+`, 'gu');
const VOWEL_JAMO = /[\u314F-\u3163]/u;
/** Hangul, then filler (no letters, no spaces), then Hangul: the filler goes. */
const FILLER_INSIDE = new RegExp(`(?<=[${SYLLABLE}${JAMO}])[^\\p{L}\\s]+(?=[${SYLLABLE}${JAMO}])`, 'gu');

function recomposeJamo(text: string): string {
  return text.replace(JAMO_RUN, (run) => {
    if (!VOWEL_JAMO.test(run)) return run;
    try {
      return assemble([...run]);
    } catch {
      return run;
    }
  });
}

/** The vowel a syllable ends on (ㅟ ends on ㅣ, ㅘ on ㅏ), for spotting stretched syllables. */
function finalVowel(syllable: string): string | undefined {
  try {
    const { jungseong, jongseong } = disassembleCompleteCharacter(syllable) ?? {};
    if (!jungseong || jongseong) return undefined;
    return jungseong.slice(-1);
  } catch {
    return undefined;
  }
}

/** Drops "ㅇ + the same vowel" right after an open syllable: 씨이이발 → 씨발, 조오온나 → 조온나. */
function dropStretch(text: string): string {
  const out: string[] = [];
  for (const ch of text) {
    const prev = out[out.length - 1];
    if (prev !== undefined && /[\uAC00-\uD7A3]/u.test(ch)) {
      const parts = disassembleCompleteCharacter(ch);
      const v = finalVowel(prev);
      if (parts && parts.choseong === 'ㅇ' && !parts.jongseong && v !== undefined && parts.jungseong === v) continue;
    }
    out.push(ch);
  }
  return out.join('');
}

function capRepeats(text: string): string {
  return text.replace(/(.)\1{2,}/gsu, '$1$1');
}

/** Joins runs of two or more single-character Hangul words: "시 발 놈" → "시발놈". */
function joinSpacedSyllables(text: string): string {
  const words = text.split(/(\s+)/u);
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 2) out.push(run.join(''));
    else if (run.length === 1) out.push(run[0]!);
    run = [];
  };
  for (const w of words) {
    if (/^\s+$/u.test(w)) {
      if (run.length === 0) out.push(w);
      continue;
    }
    if ([...w].length === 1 && isHangul(w)) {
      run.push(w);
      continue;
    }
    if (run.length > 0) {
      flush();
      out.push(' ');
    }
    out.push(w);
  }
  flush();
  return out.join('').replace(/\s+/gu, ' ').trim();
}

export function normalizeChatText(text: string): string {
  let t = text.normalize('NFC');
  t = recomposeJamo(t);
  t = t.replace(FILLER_INSIDE, '');
  t = joinSpacedSyllables(t);
  t = capRepeats(t);
  t = dropStretch(t);
  return t;
}
