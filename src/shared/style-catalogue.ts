/**
 * The style catalogue: request keywords (English and Korean) → a Stable Diffusion prompt, and the
 * look the CPU fallback stylizer approximates. Pure data and a pure matcher: the workflow uses it
 * for the deterministic prompt when Gemini has no key or keeps failing.
 */

export interface CatalogueStyle {
  id: string;
  /** Lowercase substrings; the first style with a keyword in the request wins. */
  keywords: string[];
  prompt: string;
  negativePrompt: string;
  /** Parameters of the CPU fallback's colour treatment (sharp). */
  cpu: { saturation: number; brightness: number; hue: number; tint?: [number, number, number]; levels: number; blurSigma: number; sharpen: boolean };
}

const NEGATIVE = 'lowres, blurry, deformed, extra limbs, watermark, text, signature, jpeg artifacts';

export const STYLE_CATALOGUE: readonly CatalogueStyle[] = [
  {
    id: 'ghibli',
    keywords: ['ghibli', '지브리', 'miyazaki', '미야자키', '토토로', 'totoro'],
    prompt:
      'studio ghibli style, hand-drawn anime illustration, soft watercolor background, warm natural light, lush greenery, gentle pastel palette, clean line art, detailed, masterpiece',
    negativePrompt: `${NEGATIVE}, photorealistic, 3d render`,
    cpu: { saturation: 1.35, brightness: 1.06, hue: 0, tint: [255, 244, 225], levels: 10, blurSigma: 1.2, sharpen: true },
  },
  {
    id: 'anime',
    keywords: ['anime', '애니', '만화', 'manga', 'cartoon', '카툰'],
    prompt: 'anime style illustration, cel shading, vibrant colors, crisp line art, expressive lighting, highly detailed',
    negativePrompt: `${NEGATIVE}, photorealistic`,
    cpu: { saturation: 1.5, brightness: 1.04, hue: 0, levels: 8, blurSigma: 1.5, sharpen: true },
  },
  {
    id: 'watercolor',
    keywords: ['watercolor', 'watercolour', '수채화', 'aquarelle'],
    prompt: 'watercolor painting, soft wet-on-wet washes, paper texture, delicate bleeding edges, airy light palette',
    negativePrompt: `${NEGATIVE}, harsh outlines, photorealistic`,
    cpu: { saturation: 0.85, brightness: 1.12, hue: 0, tint: [250, 248, 240], levels: 14, blurSigma: 2, sharpen: false },
  },
  {
    id: 'oil-painting',
    keywords: ['oil', '유화', 'van gogh', '반 고흐', '고흐', 'impressionis', '인상주의'],
    prompt: 'oil painting on canvas, thick impasto brush strokes, rich saturated colors, impressionist, museum quality',
    negativePrompt: `${NEGATIVE}, smooth, photorealistic`,
    cpu: { saturation: 1.3, brightness: 1.0, hue: 0, levels: 12, blurSigma: 1.8, sharpen: true },
  },
  {
    id: 'pixel-art',
    keywords: ['pixel', '픽셀', '8bit', '8-bit', '도트', 'retro game'],
    prompt: 'pixel art, 16-bit retro video game style, limited palette, crisp pixels',
    negativePrompt: `${NEGATIVE}, smooth gradients`,
    cpu: { saturation: 1.25, brightness: 1.0, hue: 0, levels: 5, blurSigma: 0, sharpen: false },
  },
  {
    id: 'black-and-white',
    keywords: ['black and white', 'b&w', 'monochrome', '흑백', 'noir', '누아르'],
    prompt: 'black and white film photograph, high contrast, fine film grain, dramatic shadows, classic noir',
    negativePrompt: `${NEGATIVE}, color`,
    cpu: { saturation: 0, brightness: 1.0, hue: 0, levels: 32, blurSigma: 0, sharpen: true },
  },
  {
    id: 'cyberpunk',
    keywords: ['cyberpunk', '사이버펑크', 'neon', '네온'],
    prompt: 'cyberpunk style, neon magenta and cyan lighting, night city glow, futuristic, high contrast, cinematic',
    negativePrompt: `${NEGATIVE}, daylight`,
    cpu: { saturation: 1.6, brightness: 0.92, hue: 280, tint: [210, 160, 255], levels: 10, blurSigma: 0, sharpen: true },
  },
  {
    id: 'vintage',
    keywords: ['vintage', '빈티지', 'retro', '레트로', 'film', '필름', 'sepia', '세피아'],
    prompt: 'vintage 1970s film photograph, warm faded colors, soft grain, slight vignette, nostalgic',
    negativePrompt: `${NEGATIVE}, digital look`,
    cpu: { saturation: 0.7, brightness: 1.04, hue: 0, tint: [255, 228, 190], levels: 24, blurSigma: 0.6, sharpen: false },
  },
];

/** Used when the request names nothing in the catalogue. */
export const DEFAULT_STYLE_ID = 'watercolor';

/** The first style whose keyword the request names, if any. */
export function keywordStyle(request: string): CatalogueStyle | undefined {
  const text = request.toLowerCase();
  return STYLE_CATALOGUE.find((style) => style.keywords.some((k) => text.includes(k)));
}

export function matchStyle(request: string): CatalogueStyle {
  return keywordStyle(request) ?? STYLE_CATALOGUE.find((s) => s.id === DEFAULT_STYLE_ID)!;
}

export function styleById(id: string): CatalogueStyle {
  return STYLE_CATALOGUE.find((s) => s.id === id) ?? matchStyle(id);
}

/** The deterministic prompt for a request: the catalogue entry it matches, with the request appended as a hint. */
export function cataloguePrompt(
  request: string,
  fallbackReason: 'no-api-key' | 'gemini-failed',
  picked?: { style: string; matcher: 'e5'; similarity: number },
) {
  const style = picked ? styleById(picked.style) : matchStyle(request);
  return {
    prompt: style.prompt,
    negativePrompt: style.negativePrompt,
    style: style.id,
    source: 'catalogue' as const,
    matcher: picked?.matcher ?? (keywordStyle(request) ? ('keyword' as const) : ('default' as const)),
    ...(picked ? { similarity: picked.similarity } : {}),
    fallbackReason,
  };
}
