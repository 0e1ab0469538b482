/**
 * Zero-shot photo categories from CLIP: each label is described by prompts ("a photo of food"),
 * the prompts' text embeddings are averaged into one vector per label (CLIP's prompt
 * ensembling), and a photo's label scores are softmax(100 · cosine) over the labels, 100 being
 * CLIP's learnt logit scale.
 *
 * Labels carry Korean and English names and prompts. Only prompts in a language the text encoder
 * was trained on are embedded (OpenAI's CLIP: English), because a prompt the encoder cannot read
 * would add noise, not signal; the Korean names are still returned for display. A multilingual
 * text encoder in the registry makes the Korean prompts count with no change here.
 */
import type { TextPreprocessing } from '../registry';
import { dot, l2Normalize } from '../../vectors/math';
import { softmax } from '../vectors';
import type { ClipTextEncoder } from './text-encoder';

export interface ZeroShotLabel {
  id: string;
  names: { en: string; ko: string };
  /** Prompts by language code. */
  prompts: Partial<Record<'en' | 'ko', readonly string[]>>;
}

export const DEFAULT_LABELS: readonly ZeroShotLabel[] = [
  { id: 'food', names: { en: 'food', ko: '음식' }, prompts: { en: ['a photo of food', 'a photo of a meal'], ko: ['음식 사진', '식사 사진'] } },
  {
    id: 'people',
    names: { en: 'people', ko: '인물' },
    prompts: { en: ['a photo of a person', 'a photo of people', 'a group photo'], ko: ['사람 사진', '단체 사진'] },
  },
  { id: 'selfie', names: { en: 'selfie', ko: '셀카' }, prompts: { en: ['a selfie'], ko: ['셀카 사진'] } },
  { id: 'landscape', names: { en: 'landscape', ko: '풍경' }, prompts: { en: ['a photo of a landscape', 'a photo of nature'], ko: ['풍경 사진', '자연 사진'] } },
  { id: 'sea', names: { en: 'sea', ko: '바다' }, prompts: { en: ['a photo of the sea', 'a photo of a beach'], ko: ['바다 사진', '해변 사진'] } },
  { id: 'city', names: { en: 'city', ko: '도시' }, prompts: { en: ['a photo of a city', 'a photo of a building'], ko: ['도시 사진', '건물 사진'] } },
  { id: 'night', names: { en: 'night', ko: '야경' }, prompts: { en: ['a photo of a city at night', 'a photo taken at night'], ko: ['야경 사진'] } },
  { id: 'animal', names: { en: 'animal', ko: '동물' }, prompts: { en: ['a photo of an animal', 'a photo of a pet'], ko: ['동물 사진', '반려동물 사진'] } },
  { id: 'document', names: { en: 'document', ko: '문서' }, prompts: { en: ['a photo of a document', 'a screenshot'], ko: ['문서 사진', '스크린샷'] } },
];

/** CLIP ViT-B/32's learnt temperature, exp(logit_scale) ≈ 100. */
export const CLIP_LOGIT_SCALE = 100;

export interface LabelScore {
  label: string;
  names: { en: string; ko: string };
  score: number;
}

export interface ZeroShotOptions {
  /** Prompt languages to use; default: the text encoder's own `languages`. */
  languages?: readonly string[];
  logitScale?: number;
}

export class ZeroShotClassifier {
  private constructor(
    readonly model: string,
    readonly labels: readonly ZeroShotLabel[],
    readonly labelEmbeddings: readonly Float32Array[],
    readonly languages: readonly string[],
    private readonly logitScale: number,
  ) {}

  /** Embeds every label's prompts in one text-encoder run. */
  static async create(encoder: ClipTextEncoder, labels: readonly ZeroShotLabel[] = DEFAULT_LABELS, options: ZeroShotOptions = {}): Promise<ZeroShotClassifier> {
    if (labels.length < 2) throw new Error('zero-shot classification needs at least two labels');
    const ids = new Set<string>();
    for (const l of labels) {
      if (ids.has(l.id)) throw new Error(`duplicate label id ${l.id}`);
      ids.add(l.id);
    }
    const languages = options.languages ?? (encoder.preprocessing satisfies TextPreprocessing).languages;
    const prompts: string[] = [];
    const owner: number[] = [];
    labels.forEach((label, i) => {
      const mine = languages.flatMap((lang) => label.prompts[lang as 'en' | 'ko'] ?? []);
      if (mine.length === 0) throw new Error(`label ${label.id} has no prompt in ${languages.join('/')}, the languages ${encoder.ref} reads`);
      for (const p of mine) {
        prompts.push(p);
        owner.push(i);
      }
    });
    const { model, embeddings } = await encoder.embed(prompts);
    const dim = embeddings[0]!.length;
    const sums = labels.map(() => new Float32Array(dim));
    embeddings.forEach((e, k) => {
      const s = sums[owner[k]!]!;
      for (let d = 0; d < dim; d++) s[d] = s[d]! + e[d]!;
    });
    return new ZeroShotClassifier(model, labels, sums.map(l2Normalize), languages, options.logitScale ?? CLIP_LOGIT_SCALE);
  }

  /** Scores of every label for one image embedding (unit length, same space), best first. */
  classify(imageEmbedding: Float32Array): LabelScore[] {
    const unit = l2Normalize(imageEmbedding);
    const probs = softmax(this.labelEmbeddings.map((t) => this.logitScale * dot(unit, t)));
    return this.labels.map((l, i) => ({ label: l.id, names: l.names, score: probs[i]! })).sort((a, b) => b.score - a.score);
  }

  /** The best label, what per-photo results store as {label, score}. */
  top(imageEmbedding: Float32Array): LabelScore {
    return this.classify(imageEmbedding)[0]!;
  }
}
