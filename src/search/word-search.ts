/**
 * Word search without CLIP: a Korean or English query is embedded with the multilingual sentence
 * model and compared with the names of the labels each photo was given at analysis time (its top
 * ImageNet classes and its album category, in English and Korean). "고양이" lands near "tabby cat"
 * and "Egyptian cat", "coffee" near "espresso" and "coffee mug".
 *
 * The label vocabulary (1000 classes + the categories, en and ko) is embedded once per sentence
 * model and kept on disk beside the data; a query costs one embedding and a few dot products.
 * Both sides go through one sentence template ("a photo of …" / "… 사진"): bare words embed
 * noisily (measured: bare "고양이" was closest to "kayak"; templated, to the cat classes).
 * A class counts as a match only when it is among the query's closest classes in the whole
 * vocabulary (within LABEL_MARGIN of the best): e5's cosines are compressed (unrelated words
 * still score ~0.85), so an absolute floor alone would match everything. Category names are
 * few and short, and Korean ones sit close to any Korean query, so a category matches only
 * when the query is nearly its name ("사람", "food").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import CLASS_NAMES from '../models/imagenet/classes.json';
import CATEGORY_MAP from '../models/imagenet/category-map.json';
import type { MatchEmbedder } from '../matching/match-embedder';

export interface Label {
  /** What a hit says it matched: the class or category name as shown. */
  text: string;
  kind: 'class' | 'category';
  /** Class name, or category id: how photos refer to it. */
  ref: string;
}

/** A class within this cosine of the query's best class is a match. */
export const LABEL_MARGIN = 0.03;
/** A category matches only from this cosine up: the query is (nearly) the category's name. */
export const CATEGORY_FLOOR = 0.95;

const HANGUL = /[\uac00-\ud7a3]/;
/** The sentence both labels and queries are embedded in. */
export const templated = (text: string) => (HANGUL.test(text) ? `${text} 사진` : `a photo of ${text}`);

export function labelVocabulary(): Label[] {
  const labels: Label[] = (CLASS_NAMES as string[]).map((name) => ({ text: name, kind: 'class', ref: name }));
  for (const c of (CATEGORY_MAP as { categories: Array<{ id: string; names: { en: string; ko: string } }> }).categories) {
    labels.push({ text: c.names.en, kind: 'category', ref: c.id }, { text: c.names.ko, kind: 'category', ref: c.id });
  }
  return labels;
}

export class LabelSpace {
  private loaded?: Promise<{ embedding: string; method: string; vectors: Float32Array[] }>;
  readonly labels = labelVocabulary();

  constructor(
    private readonly embedder: MatchEmbedder,
    private readonly cacheDir: string,
  ) {}

  /** The vocabulary's vectors: from the disk cache when this model embedded it before. */
  vectors(): Promise<{ embedding: string; method: string; vectors: Float32Array[] }> {
    this.loaded ??= this.load().catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private async load() {
    const { embedding, method } = await this.embedder.current();
    const digest = crypto.createHash('sha256').update(embedding).update(templated('{}')).update(JSON.stringify(this.labels)).digest('hex').slice(0, 16);
    const file = path.join(this.cacheDir, `label-vectors-${digest}.f32`);
    try {
      const buf = await fs.promises.readFile(file);
      const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const dims = all.length / this.labels.length;
      if (Number.isInteger(dims) && dims > 0) {
        return { embedding, method, vectors: this.labels.map((_, i) => all.subarray(i * dims, (i + 1) * dims)) };
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const vectors: Float32Array[] = [];
    for (let i = 0; i < this.labels.length; i += 64) {
      const out = await this.embedder.embed(this.labels.slice(i, i + 64).map((l) => templated(l.text)));
      vectors.push(...out.vectors);
    }
    await fs.promises.mkdir(this.cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, Buffer.concat(vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength))));
    await fs.promises.rename(tmp, file);
    return { embedding, method, vectors };
  }

  /** No label matched (the query was answered otherwise), named in the same space. */
  async noMatch(): Promise<{ embedding: string; method: string; classes: Map<string, ScoredLabel>; categories: Map<string, ScoredLabel> }> {
    const { embedding, method } = await this.vectors();
    return { embedding, method, classes: new Map(), categories: new Map() };
  }

  /** Cosine of the query with every label it matches (see LABEL_MARGIN), by label ref; class and category refs apart. */
  async match(query: string): Promise<{ embedding: string; method: string; classes: Map<string, ScoredLabel>; categories: Map<string, ScoredLabel> }> {
    const [{ embedding, method, vectors }, q] = await Promise.all([this.vectors(), this.embedder.embed([templated(query)])]);
    const qv = q.vectors[0]!;
    const sims = vectors.map((v) => dot(v, qv));
    let best = -1;
    sims.forEach((s, i) => {
      if (this.labels[i]!.kind === 'class' && s > best) best = s;
    });
    const classes = new Map<string, ScoredLabel>();
    const categories = new Map<string, ScoredLabel>();
    sims.forEach((s, i) => {
      const l = this.labels[i]!;
      const into = l.kind === 'class' ? classes : categories;
      if (s < (l.kind === 'class' ? best - LABEL_MARGIN : CATEGORY_FLOOR)) return;
      if ((into.get(l.ref)?.score ?? -1) < s) into.set(l.ref, { text: l.text, score: round(s) });
    });
    return { embedding, method, classes, categories };
  }
}

export interface ScoredLabel {
  text: string;
  score: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

export interface LabelHit {
  score: number;
  reasons: Array<{ kind: 'label'; label: string; score: number; confidence: number }>;
}

/**
 * How well one photo's stored labels answer the matched labels: the cosine of its best matching
 * label, with the classifier's confidence only breaking near-ties (measured: weighting by it
 * more put a 98%-sure "baboon" above a 40%-sure "tabby cat" for "고양이"); null when none of its
 * labels matched.
 */
export function scorePhoto(photo: PhotoLabels, matched: { classes: Map<string, ScoredLabel>; categories: Map<string, ScoredLabel> }): LabelHit | null {
  const reasons: LabelHit['reasons'] = [];
  for (const c of photo.classes) {
    const m = matched.classes.get(c.name);
    if (m) reasons.push({ kind: 'label', label: c.name, score: round(m.score + 0.005 * c.p), confidence: c.p });
  }
  if (photo.category) {
    const m = matched.categories.get(photo.category.id);
    if (m) reasons.push({ kind: 'label', label: m.text, score: round(m.score + 0.005 * photo.category.score), confidence: photo.category.score });
  }
  if (reasons.length === 0) return null;
  reasons.sort((a, b) => b.score - a.score);
  return { score: reasons[0]!.score, reasons };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** A name query: NFC, case-folded, spaces collapsed. */
export const foldName = (s: string) => s.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();

export interface PhotoLabels {
  name: string;
  category?: { id: string; en: string; ko: string; score: number };
  /** ImageNet classes with their probability, best first. */
  classes: Array<{ name: string; p: number }>;
}

export interface AlbumSearchDoc {
  albumId: string;
  analysisId: string;
  photos: Record<string, PhotoLabels>;
}
