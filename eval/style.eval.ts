/**
 * Style transfer quality: each catalogue style, painted by multistyle26, on 6 real photographs.
 * "Structure" is the correlation of gradient magnitude between photo and result (edges kept),
 * "change" the mean colour distance (how far the look moved); src/analysis/style-metrics.ts.
 * Style by example (Magenta) is measured on the same photos with each other photo as reference.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ensureEvalPhotos, type PhotoRoots } from '../src/dev/registry-photos';
import { styleChange } from '../src/analysis/style-metrics';
import { loadConfig } from '../src/config';
import { StyleNetworkBackend } from '../src/activities/gpu/style-network';
import { createModelRuntime } from '../src/models';
import { STYLE_CATALOGUE } from '../src/shared/style-catalogue';
import { STYLE_NETWORK_MAP } from '../src/shared/style-network-catalogue';
import type { EvalSection } from './lib/context';

export const STYLE_EVAL_PHOTOS: ReadonlyArray<{ root: keyof PhotoRoots; file: string }> = [
  { root: 'skimage', file: 'astronaut.png' },
  { root: 'skimage', file: 'chelsea.png' },
  { root: 'skimage', file: 'coffee.png' },
  { root: 'mate', file: 'nature/Garden.jpg' },
  { root: 'opencv', file: 'building.jpg' },
  { root: 'opencv', file: 'fruits.jpg' },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

export async function evalStyle(log: (s: string) => void = () => undefined): Promise<EvalSection> {
  const config = loadConfig();
  const roots = await ensureEvalPhotos(config.models.cacheDir, log);
  const runtime = createModelRuntime({ ...config.models, intraOpThreads: config.models.intraOpThreads ?? 1 });
  const backend = new StyleNetworkBackend(runtime.sessions, { maxSide: 512 });
  const hooks = { signal: new AbortController().signal, onProgress: () => undefined };
  const photos = await Promise.all(STYLE_EVAL_PHOTOS.map((p) => fs.readFile(path.join(roots[p.root], p.file))));
  const job = (image: Buffer, style: string, styleImage?: Buffer) => ({
    image,
    style,
    prompt: '',
    negativePrompt: '',
    steps: 1,
    denoisingStrength: 1,
    maxSide: 512,
    seed: 0,
    ...(styleImage ? { styleImage } : {}),
  });
  const rows: string[][] = [['style', 'network styles', 'structure kept (mean, range)', 'change (mean, range)']];
  for (const style of STYLE_CATALOGUE) {
    const m = [];
    for (const photo of photos) m.push(await styleChange(photo, (await backend.render(job(photo, style.id), hooks)).image));
    const blend = STYLE_NETWORK_MAP.find((x) => x.id === style.id)!;
    const recipe = Object.entries(blend.blend)
      .map(([i, w]) => `${i}×${w}`)
      .join(' + ');
    rows.push([
      style.id,
      `${recipe}${blend.grayscale ? ', grey' : ''}`,
      `${mean(m.map((x) => x.structure)).toFixed(2)} (${range(m.map((x) => x.structure))})`,
      `${mean(m.map((x) => x.change)).toFixed(3)} (${range(m.map((x) => x.change))})`,
    ]);
  }
  const ex = [];
  for (const [i, photo] of photos.entries()) {
    const reference = photos[(i + 1) % photos.length]!;
    ex.push(await styleChange(photo, (await backend.render(job(photo, 'example', reference), hooks)).image));
  }
  rows.push([
    'by example (Magenta)',
    'next photo as reference',
    `${mean(ex.map((x) => x.structure)).toFixed(2)} (${range(ex.map((x) => x.structure))})`,
    `${mean(ex.map((x) => x.change)).toFixed(3)} (${range(ex.map((x) => x.change))})`,
  ]);
  await runtime.sessions.close();
  return {
    title: `Style transfer: catalogue styles on ${photos.length} real photos (multistyle26, long side 512)`,
    rows,
    notes: [
      'structure: Pearson correlation of Sobel gradient magnitude, photo vs result (1 = every edge where it was)',
      'change: mean RGB distance per pixel / (255·√3) (0 = unchanged)',
      `photos: ${STYLE_EVAL_PHOTOS.map((p) => p.file).join(', ')}`,
    ],
  };
}
