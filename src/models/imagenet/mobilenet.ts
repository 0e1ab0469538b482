/**
 * The MobileNetV2 ImageNet classifier as the photo pipeline uses it: one run per batch gives the
 * 1280-d pooled features (the semantic embedding: cached, and L2-normalised for similarity) and
 * the class scores, which come from the classifier head applied to the features, so a cached
 * embedding is enough to categorise a photo again. ImageNet classes map to album categories with
 * a configurable JSON (category-map.json, or a file given to loadCategoryMap).
 */
import fs from 'node:fs';
import { clipImageBatch, type ImageInputOptions } from '../clip/preprocess';
import type { ImageInput } from '../image-tensor';
import { getModelSpec, modelRef, type ImagePreprocessing, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';
import type { ModelStore } from '../store';
import { splitRows } from '../vectors';
import DEFAULT_MAP from './category-map.json';
import CLASS_NAMES from './classes.json';

export const MOBILENET_MODEL_ID = 'mobilenetv2-imagenet';

export interface AlbumCategory {
  id: string;
  names: { en: string; ko: string };
}

export interface CategoryMap {
  minScore: number;
  other: AlbumCategory;
  categories: (AlbumCategory & { classes: readonly (number | string)[]; faces?: boolean })[];
}

export interface ResolvedCategoryMap {
  minScore: number;
  other: AlbumCategory;
  categories: AlbumCategory[];
  /** Category index per ImageNet class, -1 for none. */
  classToCategory: Int16Array;
  /** The category photos with a face go to, if any. */
  faceCategory?: number;
}

/** Reads and checks a map (default: the committed category-map.json); throws naming the file and the problem. */
export function loadCategoryMap(file?: string): ResolvedCategoryMap {
  const raw = (file ? JSON.parse(fs.readFileSync(file, 'utf8')) : DEFAULT_MAP) as CategoryMap;
  file ??= 'src/models/imagenet/category-map.json';
  if (!Array.isArray(raw.categories) || raw.categories.length === 0) throw new Error(`${file}: needs a non-empty "categories" array`);
  const classToCategory = new Int16Array(1000).fill(-1);
  let faceCategory: number | undefined;
  raw.categories.forEach((c, ci) => {
    if (typeof c.id !== 'string' || typeof c.names?.en !== 'string' || typeof c.names?.ko !== 'string') {
      throw new Error(`${file}: category ${ci} needs id, names.en and names.ko`);
    }
    if (c.faces) faceCategory = ci;
    for (const cls of c.classes ?? []) {
      const [a, b] = typeof cls === 'number' ? [cls, cls] : cls.split('-').map(Number);
      if (!Number.isInteger(a) || !Number.isInteger(b) || a! < 0 || b! > 999 || a! > b!) throw new Error(`${file}: ${c.id}: bad class "${cls}"`);
      for (let k = a!; k <= b!; k++) classToCategory[k] = ci;
    }
  });
  return {
    minScore: typeof raw.minScore === 'number' ? raw.minScore : 0.3,
    other: raw.other ?? { id: 'other', names: { en: 'other', ko: '기타' } },
    categories: raw.categories.map(({ id, names }) => ({ id, names })),
    classToCategory,
    ...(faceCategory !== undefined ? { faceCategory } : {}),
  };
}

export interface CategoryScore extends AlbumCategory {
  score: number;
  /** The ImageNet class that contributed most, e.g. "tabby cat" (explains the choice). */
  topClass: string;
  topClassScore: number;
  /** The most probable ImageNet classes (what word search matches against), best first. */
  classes: Array<{ name: string; p: number }>;
}

/** Classes kept per photo for word search: the top few, each with at least this probability. */
const SEARCH_CLASSES = 5;
const SEARCH_CLASS_MIN_P = 0.02;

export class MobileNetClassifier {
  readonly spec: ModelSpec;
  private head?: { w: Float32Array; b: Float32Array };

  constructor(
    private readonly sessions: SessionPool,
    private readonly store: ModelStore,
    readonly map: ResolvedCategoryMap,
    modelId: string = MOBILENET_MODEL_ID,
    private readonly options: ImageInputOptions = {},
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'image-classification') throw new Error(`${modelId} is not an image classifier`);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  /** Loads the session and the head now, so a missing or corrupt model shows at start-up. */
  async load(): Promise<void> {
    await this.sessions.get(this.spec);
    const installed = await this.store.resolve(this.spec);
    const buf = fs.readFileSync(installed.paths['head.bin']!);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    this.head = { w: all.subarray(0, 1000 * 1280), b: all.subarray(1000 * 1280) };
  }

  /** Photos → raw (unnormalised) 1280-d features, in one run. */
  async embed(images: readonly ImageInput[]): Promise<{ model: string; embeddings: Float32Array[] }> {
    const session = await this.sessions.get(this.spec);
    const batch = await clipImageBatch(images, this.spec.preprocessing as ImagePreprocessing, this.options);
    const out = await session.run({ [this.spec.inputs[0]!.name]: batch });
    return { model: this.ref, embeddings: splitRows(out['features']!.data as Float32Array, images.length, 1280, false) };
  }

  /** ImageNet class probabilities from raw features (softmax of the head's logits). */
  probabilities(features: Float32Array): Float32Array {
    if (!this.head) throw new Error(`${this.ref}: load() first`);
    const { w, b } = this.head;
    const p = new Float32Array(1000);
    let max = -Infinity;
    for (let k = 0; k < 1000; k++) {
      let s = b[k]!;
      const row = k * 1280;
      for (let j = 0; j < 1280; j++) s += w[row + j]! * features[j]!;
      p[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < 1000; k++) sum += p[k] = Math.exp(p[k]! - max);
    for (let k = 0; k < 1000; k++) p[k]! /= sum;
    return p;
  }

  /** The album category: summed class probability per category, the best if ≥ minScore, else "other". */
  categorize(features: Float32Array, hasFace = false): CategoryScore {
    const p = this.probabilities(features);
    const { map } = this;
    const mass = new Float64Array(map.categories.length);
    const best = map.categories.map(() => ({ k: -1, p: 0 }));
    let topK = 0;
    for (let k = 0; k < 1000; k++) {
      if (p[k]! > p[topK]!) topK = k;
      const c = map.classToCategory[k]!;
      if (c < 0) continue;
      mass[c] = mass[c]! + p[k]!;
      if (p[k]! > best[c]!.p) best[c] = { k, p: p[k]! };
    }
    let ci = 0;
    for (let c = 1; c < mass.length; c++) if (mass[c]! > mass[ci]!) ci = c;
    const names = CLASS_NAMES as string[];
    const classes = [...p.keys()]
      .sort((a, b) => p[b]! - p[a]!)
      .slice(0, SEARCH_CLASSES)
      .filter((k) => p[k]! >= SEARCH_CLASS_MIN_P)
      .map((k) => ({ name: names[k]!, p: Math.round(p[k]! * 1e4) / 1e4 }));
    // A detected face outweighs the classifier (ImageNet has almost no "person" classes), unless
    // the classifier is sure of an animal: BlazeFace fires on some cat faces.
    const animal = map.categories.findIndex((c) => c.id === 'pets-animals');
    if (hasFace && map.faceCategory !== undefined && !(animal >= 0 && mass[animal]! >= 0.5)) {
      const c = map.faceCategory;
      return { ...map.categories[c]!, score: Math.max(mass[c]!, 0.9), topClass: names[topK]!, topClassScore: p[topK]!, classes };
    }
    if (mass[ci]! < map.minScore) return { ...map.other, score: 1 - mass[ci]!, topClass: names[topK]!, topClassScore: p[topK]!, classes };
    return { ...map.categories[ci]!, score: mass[ci]!, topClass: names[best[ci]!.k]!, topClassScore: best[ci]!.p, classes };
  }
}
