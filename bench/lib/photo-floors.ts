/**
 * The floor of the photo pipeline: every stage it executes per photo, each alone, one photo
 * after another in this process, on the photos the pipeline analysed (see photo-floor.bench.ts).
 */
import crypto from 'node:crypto';
import sharp from 'sharp';
import { embedThumbnail } from '../../src/analysis/perceptual-embedding';
import { DEMO_PHOTOS, ensureEvalPhotos } from '../../src/dev/registry-photos';
import { createIsolatedDecoder } from '../../src/activities/album/decode/isolated-decode';
import { decodeRaster, grayOf, qualityOf, thumbOf, type DecodedRaster } from '../../src/activities/album/decode/decode-image';
import { loadConfig } from '../../src/config';
import { sniffImageFormat } from '../../src/shared/image-types';
import type { BlobStore } from '../../src/storage/blob-store';
import { photoModelsFromConfig } from '../../src/workers/deps';
import { createModelRuntime } from '../../src/models';

const MAX_PIXELS = 100_000_000;

/** Distinct 12 MP JPEGs (no two share bytes, so the embedding cache never helps the pipeline). */
export async function photos12mp(cacheDir: string, n: number) {
  const roots = await ensureEvalPhotos(cacheDir);
  const sources = await Promise.all(DEMO_PHOTOS.map((p) => sharp(`${roots[p.root]}/${p.file}`).removeAlpha().resize(4000, 3000, { fit: 'fill' }).toBuffer()));
  const files = [];
  for (let i = 0; i < n; i++) {
    const data = await sharp(sources[i % sources.length]!)
      .modulate({ brightness: 1 + 0.004 * Math.floor(i / sources.length) })
      .jpeg({ quality: 90 })
      .toBuffer();
    files.push({ name: `p${i}.jpg`, contentType: 'image/jpeg', data });
  }
  return files;
}

export type Stage = 'blob read' | 'sha256 + sniff' | 'decode' | 'quality' | 'perceptual hash' | 'MobileNetV2' | 'BlazeFace' | 'dlib' | 'result write';

export async function floors(keys: string[], docKeys: string[], store: BlobStore, batch: number) {
  const config = loadConfig({ ...process.env, LIGHTBOX_MODEL_SET: 'production', NODE_ENV: 'production', LOG_LEVEL: 'warn' });
  const models = await photoModelsFromConfig(config, createModelRuntime(config.models));
  if (!models.imageEncoder || !models.detector || !models.faceEmbedder) throw new Error(`models missing: ${JSON.stringify(models.missing)}`);
  const ms: Record<Stage, number> = {
    'blob read': 0,
    'sha256 + sniff': 0,
    decode: 0,
    quality: 0,
    'perceptual hash': 0,
    MobileNetV2: 0,
    BlazeFace: 0,
    dlib: 0,
    'result write': 0,
  };
  const time = async <T>(stage: Stage, fn: () => Promise<T> | T): Promise<T> => {
    const s = performance.now();
    const out = await fn();
    ms[stage] += performance.now() - s;
    return out;
  };
  // As the decoder child runs libvips: one thread, no operation cache (see decode-child.ts).
  const vipsThreads = sharp.concurrency();
  sharp.concurrency(1);
  sharp.cache(false);
  const bytes: Buffer[] = [];
  for (const k of keys) bytes.push(await time('blob read', () => store.get(k)));
  for (const b of bytes) await time('sha256 + sniff', () => [crypto.createHash('sha256').update(b).digest('hex'), sniffImageFormat(b.subarray(0, 32))]);
  const rasters: DecodedRaster[] = [];
  for (const b of bytes) {
    const r = await time('decode', () => decodeRaster(b, MAX_PIXELS));
    if (r.kind !== 'raster') throw new Error(`decode failed: ${r.message}`);
    rasters.push(r);
  }
  for (const r of rasters) await time('quality', async () => qualityOf(await grayOf(r.rgb), r));
  for (const r of rasters) await time('perceptual hash', async () => embedThumbnail(await thumbOf(r.rgb)));
  sharp.concurrency(vipsThreads);
  await models.imageEncoder.embed(rasters.slice(0, batch).map((r) => r.rgb)); // warm-up
  for (let i = 0; i < rasters.length; i += batch) await time('MobileNetV2', () => models.imageEncoder!.embed(rasters.slice(i, i + batch).map((r) => r.rgb)));
  const found: Awaited<ReturnType<NonNullable<typeof models.detector>['detect']>>[] = [];
  await models.detector.detect(rasters[0]!.rgb); // warm-up
  for (const r of rasters) found.push(await time('BlazeFace', () => models.detector!.detect(r.rgb)));
  const faces = found.reduce((s, f) => s + f.faces.length, 0);
  const withFace = rasters.findIndex((_, i) => found[i]!.faces.length > 0);
  if (withFace >= 0) await models.faceEmbedder.embedFaces(rasters[withFace]!.rgb, found[withFace]!.faces); // warm-up
  for (let i = 0; i < rasters.length; i++) {
    if (found[i]!.faces.length > 0) await time('dlib', () => models.faceEmbedder!.embedFaces(rasters[i]!.rgb, found[i]!.faces));
  }
  for (const k of docKeys) {
    const doc = await store.get(k);
    await time('result write', () => store.put(`${k}.floor`, doc, { contentType: 'application/json' }));
  }

  // The isolation cost: the same decode, bytes in and rasters out over a child's IPC channel.
  const decoder = createIsolatedDecoder({ timeoutMs: 60_000, maxMemoryMb: 1024, poolSize: 1, maxPixels: MAX_PIXELS });
  await decoder.warmUp();
  let isolatedMs = 0;
  for (const b of bytes) {
    const s = performance.now();
    const r = await decoder.decode(b, { rgb: true, gray: false });
    isolatedMs += performance.now() - s;
    if (r.kind !== 'ok') throw new Error(`isolated decode failed: ${r.kind}`);
  }
  await decoder.close();
  const inChild = ms.decode + ms.quality + ms['perceptual hash'];
  const per = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / keys.length])) as Record<Stage, number>;
  return { per, faces, isolationMs: (isolatedMs - inChild) / keys.length, isolatedMs: isolatedMs / keys.length };
}
