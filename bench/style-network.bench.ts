/**
 * Style transfer speed on the CPU: ms per photo through the render backend (decode, reflection
 * padding, the network, PNG encode) at long side 512 and 1024, for multistyle26 and for style
 * by example (Magenta: the transformer runs at 384 px, the result is scaled back up).
 *
 *   npm run bench -- style        (--runs=N / STYLE_BENCH_RUNS warm runs per row)
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ensureEvalPhotos } from '../src/dev/registry-photos';
import { loadConfig } from '../src/config';
import { StyleNetworkBackend } from '../src/activities/gpu/style-network';
import { createModelRuntime } from '../src/models';
import { setting, table } from './lib/load';

const RUNS = setting('runs', 'STYLE_BENCH_RUNS', 5);

async function main(): Promise<void> {
  const config = loadConfig();
  const roots = await ensureEvalPhotos(config.models.cacheDir, undefined, ['mate', 'skimage']);
  const garden = await fs.readFile(path.join(roots.mate, 'nature/Garden.jpg'));
  const reference = await fs.readFile(path.join(roots.skimage, 'chelsea.png'));
  const rows: string[][] = [];
  for (const threads of [1, 2]) {
    const runtime = createModelRuntime({ ...config.models, intraOpThreads: threads });
    const backend = new StyleNetworkBackend(runtime.sessions);
    const hooks = { signal: new AbortController().signal, onProgress: () => undefined };
    for (const side of [512, 1024]) {
      const image = await sharp(garden).resize(side, side, { fit: 'inside' }).jpeg({ quality: 92 }).toBuffer();
      const { width, height } = await sharp(image).metadata();
      for (const mode of ['multistyle26', 'magenta-arbitrary'] as const) {
        const job = {
          image,
          style: 'oil-painting',
          prompt: '',
          negativePrompt: '',
          steps: 1,
          denoisingStrength: 1,
          maxSide: side,
          seed: 0,
          ...(mode === 'magenta-arbitrary' ? { styleImage: reference } : {}),
        };
        const t0 = performance.now();
        await backend.render(job, hooks);
        const first = performance.now() - t0;
        const ms: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          await backend.render(job, hooks);
          ms.push(performance.now() - t);
        }
        ms.sort((a, b) => a - b);
        rows.push([
          mode,
          `${width}×${height}`,
          String(threads),
          first.toFixed(0),
          ms[Math.floor(ms.length / 2)]!.toFixed(0),
          ms[0]!.toFixed(0),
          os.loadavg()[0]!.toFixed(2),
        ]);
      }
    }
    await runtime.sessions.close();
  }
  console.log(`style transfer on the CPU (${os.cpus().length} cores, ${RUNS} warm runs per row)`);
  table(['network', 'photo', 'threads', 'first ms', 'median ms', 'best ms', 'load avg (1 min)'], rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
