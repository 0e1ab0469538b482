/**
 * The matching fallback when no sentence-embedding model is installed: character n-grams (1–3,
 * inside words, with word boundaries marked) hashed into a fixed number of buckets (the hashing
 * trick, so there is no vocabulary to fit or ship), sublinear TF (1 + ln tf), an IDF weight, and
 * unit length. Korean words share syllables across inflections (등산을, 등산하는), so n-gram
 * overlap is a fair lexical similarity; it knows nothing of meaning (산책 and 걷기 are far apart).
 *
 * IDF: document frequencies would have to be shared between the API and the workers and would
 * change every vector as profiles arrive, so the weight is a fixed prior instead: longer n-grams
 * are rarer, so a trigram weighs more than a bigram, and a unigram least. Results made with it
 * say `method: "char-ngram-tfidf"`.
 */
import crypto from 'node:crypto';
import { l2NormalizeInPlace } from '../../vectors/math';
import { normalizeChatText } from './korean-normalize';

export const HASHING_METHOD = 'char-ngram-tfidf';
/** 1,024 buckets: few enough collisions for profile-length text, small enough that its index stays cheap. */
export const HASHING_DEFAULT_DIM = 1024;
const NGRAM_IDF: Record<number, number> = { 1: 0.5, 2: 1.0, 3: 1.5 };

/** FNV-1a 32-bit: fast, stable across processes and versions (what the index relies on). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class HashingEmbedder {
  readonly method = HASHING_METHOD;

  constructor(readonly dim: number = HASHING_DEFAULT_DIM) {
    if (!Number.isInteger(dim) || dim < 16) throw new Error(`hashing dimension ${dim} is too small`);
  }

  /** `char-ngram-tfidf@<dim>`: the embedding's identity, as a model's `id@version` is. */
  get ref(): string {
    return `${HASHING_METHOD}@${this.dim}`;
  }

  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    for (const word of normalizeChatText(text)
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)) {
      if (!word) continue;
      const chars = ['<', ...word, '>'];
      for (let n = 1; n <= 3; n++) {
        for (let i = 0; i + n <= chars.length; i++) {
          const gram = chars.slice(i, i + n).join('');
          if (gram === '<' || gram === '>') continue;
          counts.set(gram, (counts.get(gram) ?? 0) + 1);
        }
      }
    }
    const v = new Float32Array(this.dim);
    for (const [gram, tf] of counts) {
      const h = fnv1a(gram);
      // The sign bit spreads collisions around zero instead of piling them up (Weinberger et al.).
      const sign = h & 0x80000000 ? -1 : 1;
      v[h % this.dim]! += sign * (1 + Math.log(tf)) * NGRAM_IDF[[...gram.replace(/[<>]/g, '')].length || 1]!;
    }
    return l2NormalizeInPlace(v);
  }

  embed(texts: readonly string[]): Float32Array[] {
    return texts.map((t) => this.embedOne(t));
  }
}

/** A short stable digest of a text, so re-indexing can skip profiles whose text has not changed. */
export function textDigest(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}
