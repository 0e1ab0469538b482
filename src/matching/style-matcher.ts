/**
 * Picks the catalogue style for a request that names none ("따뜻하고 몽환적인 느낌으로"): the
 * multilingual-e5 sentence vector of the request against the vectors of each style's
 * descriptions (Korean and English, written from what the style network paints); the style
 * whose closest description is nearest wins. Descriptions are embedded once per process.
 */
import { ModelUnavailableError } from '../models/errors';
import type { SentenceEmbedder } from '../models/text/sentence-embedder';
import { dot } from '../vectors/math';

/** What each catalogue style looks like, in the words a user might use. */
export const STYLE_DESCRIPTIONS: Readonly<Record<string, readonly string[]>> = {
  ghibli: ['부드러운 파스텔 색감의 따뜻하고 동화 같은 손그림 애니메이션 풍경', 'soft pastel hand-drawn animation, warm and dreamy like a storybook'],
  anime: ['선명한 원색과 검은 윤곽선의 만화, 팝아트 일러스트', 'bold flat colours with black outlines, comic book and pop-art illustration'],
  watercolor: ['물감이 번지는 옅고 맑은 수채화, 부드러운 붓 자국', 'light transparent watercolour washes with soft blurred edges'],
  'oil-painting': [
    '두꺼운 붓 터치의 인상주의 유화, 소용돌이치는 파랑과 주황',
    'thick impressionist oil painting with swirling blue and orange brush strokes, like a museum masterpiece',
  ],
  'pixel-art': ['단순한 색 면으로 나뉜 레트로 게임 그래픽', 'flat blocks of few colours like a retro video game'],
  'black-and-white': ['색이 없는 흑백 판화, 목판화 같은 회색 톤', 'black and white print in grey tones, like an old woodcut'],
  cyberpunk: ['어둡고 강렬한 남색과 진홍색의 밤 도시 분위기', 'dark dramatic night mood in deep navy and crimson, futuristic city'],
  vintage: ['바랜 세피아와 황토빛의 오래된 사진 같은 향수 어린 느낌', 'faded sepia and ochre tones, nostalgic like an old photograph'],
};

export interface StyleMatch {
  style: string;
  /** Cosine similarity between the request and the winning description. */
  similarity: number;
  model: string;
}

export class E5StyleMatcher {
  private descriptions?: Promise<{ style: string; vector: Float32Array }[]>;

  constructor(private readonly embedder: SentenceEmbedder) {}

  private load() {
    this.descriptions ??= (async () => {
      const rows = Object.entries(STYLE_DESCRIPTIONS).flatMap(([style, texts]) => texts.map((text) => ({ style, text })));
      const { embeddings } = await this.embedder.embed(rows.map((r) => r.text));
      return rows.map((r, i) => ({ style: r.style, vector: embeddings[i]! }));
    })();
    // A failed load (model not installed) is tried again next time, not remembered.
    this.descriptions.catch(() => (this.descriptions = undefined));
    return this.descriptions;
  }

  /** The nearest style, or undefined when the sentence model is not installed (the caller says so). */
  async match(request: string): Promise<StyleMatch | undefined> {
    try {
      const descriptions = await this.load();
      const [query] = (await this.embedder.embed([request])).embeddings;
      let best = { style: descriptions[0]!.style, similarity: -Infinity };
      for (const d of descriptions) {
        const similarity = dot(query!, d.vector);
        if (similarity > best.similarity) best = { style: d.style, similarity };
      }
      return { ...best, similarity: Number(best.similarity.toFixed(4)), model: this.embedder.ref };
    } catch (err) {
      if (err instanceof ModelUnavailableError) return undefined;
      throw err;
    }
  }
}
