/**
 * The 26 styles of the multistyle26 network, named for what they look like (the network ships
 * them as indices 0..25; see docs/style-contact-sheet.png), and how each catalogue style of
 * style-catalogue.ts is painted by it: one network style or a blend. Pure data: workflow code may import it.
 */
import { styleById } from './style-catalogue';

export const NETWORK_STYLE_COUNT = 26;

export interface NetworkStyle {
  index: number;
  en: string;
  ko: string;
}

/** Named by looking at the contact sheet (three real photos per style). */
export const NETWORK_STYLES: readonly NetworkStyle[] = [
  { index: 0, en: 'pale blue and ochre brushwork', ko: '옅은 하늘색·황토 붓질' },
  { index: 1, en: 'black ink strokes on yellow', ko: '노란 바탕의 굵은 먹선' },
  { index: 2, en: 'soft cream wash with dark ink', ko: '크림빛 담채와 진한 먹선' },
  { index: 3, en: 'abstract red and blue ribbons', ko: '빨강·파랑 추상 리본' },
  { index: 4, en: 'warm red and yellow poster', ko: '빨강·노랑 포스터' },
  { index: 5, en: 'orange and blue impressionist oil', ko: '주황·파랑 인상주의 유화' },
  { index: 6, en: 'navy dotted texture', ko: '남색 점무늬 질감' },
  { index: 7, en: 'bold yellow and blue colour blocks', ko: '굵은 노랑·파랑 색면' },
  { index: 8, en: 'light sketch in teal and pink', ko: '흰 바탕 청록·분홍 스케치' },
  { index: 9, en: 'teal and red mosaic', ko: '청록·빨강 모자이크' },
  { index: 10, en: 'burnt-orange sepia painting', ko: '주황빛 세피아 그림' },
  { index: 11, en: 'brown pen hatching on cream', ko: '크림 바탕 갈색 펜 해칭' },
  { index: 12, en: 'soft pastel haze', ko: '부드러운 파스텔 안개' },
  { index: 13, en: 'lime and teal expressionist', ko: '연두·청록 표현주의' },
  { index: 14, en: 'pale blue wash', ko: '옅은 청색 담채' },
  { index: 15, en: 'pastel cubist facets', ko: '파스텔 입체파 조각' },
  { index: 16, en: 'blue swirling strokes', ko: '파란 소용돌이 붓질' },
  { index: 17, en: 'red woven grid (the subject is lost)', ko: '빨간 격자 직물 (형태가 사라짐)' },
  { index: 18, en: 'sand-ochre line drawing', ko: '모래빛 황토 선화' },
  { index: 19, en: 'starry-night blue and yellow strokes', ko: '별이 빛나는 밤 같은 파랑·노랑 붓질' },
  { index: 20, en: 'crimson painting', ko: '진홍색 그림' },
  { index: 21, en: 'pop-art flat colours with black outlines', ko: '검은 윤곽선의 팝아트 평면 색' },
  { index: 22, en: 'grey-blue with red accents', ko: '회청색에 빨강 포인트' },
  { index: 23, en: 'dark green, moody', ko: '어두운 녹색 톤' },
  { index: 24, en: 'cream and navy woodcut print', ko: '크림·남색 목판화' },
  { index: 25, en: 'blue and orange mosaic texture', ko: '파랑·주황 모자이크 질감' },
];

export interface CatalogueNetworkStyle {
  id: string;
  /** Network style index → weight (normalised to sum 1 when used). */
  blend: Readonly<Record<number, number>>;
  /** Luminance only, after the network (the network has no black-and-white style). */
  grayscale?: boolean;
  /** How close the network gets to what the catalogue style promises. */
  note: string;
}

export const STYLE_NETWORK_MAP: readonly CatalogueNetworkStyle[] = [
  { id: 'ghibli', blend: { 0: 0.6, 8: 0.4 }, note: 'soft pastel brushwork with light outlines; no anime faces' },
  { id: 'anime', blend: { 21: 0.7, 4: 0.3 }, note: 'flat cel-like colours with black outlines' },
  { id: 'watercolor', blend: { 12: 0.5, 14: 0.25, 2: 0.25 }, note: 'pale washes with soft edges' },
  { id: 'oil-painting', blend: { 19: 0.5, 5: 0.5 }, note: 'impressionist strokes, Van Gogh-like blues and oranges' },
  { id: 'pixel-art', blend: { 7: 0.6, 4: 0.4 }, note: 'no network style is pixel art: flat poster colour blocks are the closest' },
  { id: 'black-and-white', blend: { 24: 1 }, grayscale: true, note: 'woodcut print in grey tones' },
  { id: 'cyberpunk', blend: { 6: 0.5, 20: 0.5 }, note: 'dark navy and crimson; no neon glow' },
  { id: 'vintage', blend: { 10: 0.6, 18: 0.4 }, note: 'warm sepia and ochre' },
];

/** A catalogue style id (or `network-<index>` for one raw network style) → its network recipe. */
export function networkStyleFor(id: string): CatalogueNetworkStyle {
  const raw = /^network-(\d{1,2})$/.exec(id);
  if (raw && Number(raw[1]) < NETWORK_STYLE_COUNT) return { id, blend: { [Number(raw[1])]: 1 }, note: NETWORK_STYLES[Number(raw[1])]!.en };
  const mapped = STYLE_NETWORK_MAP.find((m) => m.id === id) ?? STYLE_NETWORK_MAP.find((m) => m.id === styleById(id).id);
  if (!mapped) throw new Error(`style ${id} has no network mapping`);
  return mapped;
}

/** The network's style_weights input for a blend: 26 values summing to 1. */
export function blendWeights(blend: Readonly<Record<number, number>>): Float32Array {
  const w = new Float32Array(NETWORK_STYLE_COUNT);
  for (const [i, v] of Object.entries(blend)) w[Number(i)] = v;
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}
