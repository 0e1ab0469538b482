/**
 * `node --import tsx scripts/style/contact-sheet.ts [out.png]`: renders the 26 multistyle26
 * styles (and each catalogue style) on three real photos from the registry packages that the eval
 * already fetches, into docs/style-contact-sheet.png. Tiles are small and the PNG palette-quantised,
 * so the sheet stays about a megabyte.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { loadConfig } from '../../src/config';
import { createModelRuntime } from '../../src/models';
import { ensureEvalPhotos } from '../../src/dev/registry-photos';
import { StyleNetworkBackend } from '../../src/activities/gpu/style-network';
import { blendWeights, NETWORK_STYLES, STYLE_NETWORK_MAP } from '../../src/shared/style-network-catalogue';

export const SHEET_PHOTOS = [
  { root: 'skimage', file: 'astronaut.png' },
  { root: 'skimage', file: 'coffee.png' },
  { root: 'mate', file: 'nature/Garden.jpg' },
] as const;

const TILE = 140;
const GAP = 6;
const LABEL = 22;
const COLUMNS = 4;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

async function label(text: string, width: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LABEL}"><rect width="100%" height="100%" fill="#fff"/><text x="3" y="16" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#111">${esc(text)}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function main(out: string): Promise<void> {
  const config = loadConfig();
  const roots = await ensureEvalPhotos(config.models.cacheDir, (s) => console.log(s), ['skimage', 'mate']);
  const runtime = createModelRuntime(config.models);
  const backend = new StyleNetworkBackend(runtime.sessions, { maxSide: 384 });
  const photos = await Promise.all(
    SHEET_PHOTOS.map(async (p) =>
      sharp(await fs.readFile(path.join(roots[p.root], p.file)))
        .resize(TILE * 2, TILE * 2, { fit: 'cover' })
        .png()
        .toBuffer(),
    ),
  );
  const hooks = { signal: new AbortController().signal, onProgress: () => undefined };
  const cells: { title: string; images: Buffer[] }[] = [
    { title: 'original', images: await Promise.all(photos.map((p) => sharp(p).resize(TILE, TILE).png().toBuffer())) },
  ];
  const styles = [
    ...NETWORK_STYLES.map((s) => ({ title: `${s.index} ${s.en}`, weights: blendWeights({ [s.index]: 1 }), grayscale: false })),
    ...STYLE_NETWORK_MAP.map((m) => ({ title: `catalogue: ${m.id}`, weights: blendWeights(m.blend), grayscale: m.grayscale === true })),
  ];
  for (const s of styles) {
    const images = [];
    for (const photo of photos) {
      const r = await backend.stylize(photo, s.weights, hooks, { grayscale: s.grayscale });
      images.push(await sharp(r.image).resize(TILE, TILE).png().toBuffer());
    }
    cells.push({ title: s.title, images });
  }
  const cellW = SHEET_PHOTOS.length * TILE + (SHEET_PHOTOS.length - 1) * 2;
  const rows = Math.ceil(cells.length / COLUMNS);
  const width = COLUMNS * (cellW + GAP) + GAP;
  const height = rows * (TILE + LABEL + GAP) + GAP;
  const composites: OverlayOptions[] = [];
  for (const [n, cell] of cells.entries()) {
    const x = GAP + (n % COLUMNS) * (cellW + GAP);
    const y = GAP + Math.floor(n / COLUMNS) * (TILE + LABEL + GAP);
    composites.push({ input: await label(cell.title, cellW), left: x, top: y });
    cell.images.forEach((img, i) => composites.push({ input: img, left: x + i * (TILE + 2), top: y + LABEL }));
  }
  const sheet = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(composites)
    .png({ palette: true, colours: 256, quality: 90, effort: 7 })
    .toBuffer();
  await fs.writeFile(out, sheet);
  console.log(`${out}: ${cells.length} cells, ${width}×${height}, ${(sheet.length / 1e6).toFixed(2)} MB`);
  await runtime.sessions.close();
}

if (require.main === module) {
  main(process.argv[2] ?? 'docs/style-contact-sheet.png').catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
