/**
 * The photo pipeline with the real built models (MobileNetV2, BlazeFace, dlib ResNet) on 12 MP
 * JPEGs, against the sum of its stage floors measured in the same run on the same photos:
 *   decode at the size the stages need (sharp, shrink-on-load to ≤ 1024 px, as the decoder child
 *   does) + each model alone on ready tensors (MobileNetV2 in batches, BlazeFace per photo, the
 *   dlib descriptor on the aligned faces).
 * The ratio pipeline / floor is the figure (target ≥ 0.8). Also p50/p95 per-photo latency (batch
 * scheduled → done) and the CPU worker's peak RSS (with its decoder children).
 *
 *   npm run bench -- photo-models            # 24 photos of 4000×3000
 *   BENCH_PHOTOS=48 npm run bench -- photo-models
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { DEMO_PHOTOS, ensureEvalPhotos } from '../src/dev/registry-photos';
import { loadConfig } from '../src/config';
import { createModelRuntime, getModelSpec, type ImagePreprocessing } from '../src/models';
import { decodeBlazeFace } from '../src/models/face/blazeface';
import { letterbox } from '../src/models/face/yunet';
import { clipImageBatch } from '../src/models/clip/preprocess';
import { startTestDevServer } from '../test/helpers/temporal';
import { historyStats, runAlbum, startCpuWorker } from './photo-pipeline.bench';
import { p50p95Seconds, startPhotoStack } from './lib/photo-stack';
import { runBench } from './lib/run-bench';

const N = Number(process.env.BENCH_PHOTOS ?? 24);
const BATCH = Number(process.env.BENCH_BATCH ?? 8);
const CPU_SLOTS = Number(process.env.BENCH_CPU_SLOTS ?? 2);

async function floors(files: Buffer[], modelsDir: string) {
  const { sessions } = createModelRuntime({ dir: modelsDir, intraOpThreads: undefined });
  const t = async <T>(fn: () => Promise<T>) => {
    const s = performance.now();
    const out = await fn();
    return { ms: performance.now() - s, out };
  };
  // Decode at the size the stages need: one shrink-on-load decode to ≤ 1024 px.
  const rasters: { data: Buffer; width: number; height: number; channels: 3 }[] = [];
  const decode = await t(async () => {
    for (const f of files) {
      const { data, info } = await sharp(f).resize(1024, 1024, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      rasters.push({ data, width: info.width, height: info.height, channels: 3 });
    }
  });
  // MobileNetV2 alone on ready batches.
  const mSpec = getModelSpec('mobilenetv2-imagenet');
  const mSession = await sessions.get(mSpec);
  const tensors: ort.Tensor[] = [];
  for (let i = 0; i < rasters.length; i += BATCH) {
    tensors.push(await clipImageBatch(rasters.slice(i, i + BATCH), mSpec.preprocessing as ImagePreprocessing));
  }
  await mSession.run({ pixel_values: tensors[0]! });
  const mobilenet = await t(async () => {
    for (const x of tensors) await mSession.run({ pixel_values: x });
  });
  // BlazeFace alone on ready letterboxed tensors.
  const bSpec = getModelSpec('blazeface-back');
  const bSession = await sessions.get(bSpec);
  const boxes = await Promise.all(rasters.map((r) => letterbox(r, bSpec.preprocessing as ImagePreprocessing)));
  await bSession.run({ image: boxes[0]!.tensor });
  let faces = 0;
  const blazeface = await t(async () => {
    for (const b of boxes) {
      const o = await bSession.run({ image: b.tensor });
      faces += decodeBlazeFace(o['scores']!.data as Float32Array, o['regressors']!.data as Float32Array, 256).length;
    }
  });
  // The dlib descriptor alone on as many aligned 150×150 crops as there are faces.
  const dSession = await sessions.get(getModelSpec('dlib-resnet-face'));
  const crops = new ort.Tensor('float32', new Float32Array(Math.max(1, faces) * 3 * 150 * 150).fill(128), [Math.max(1, faces), 3, 150, 150]);
  await dSession.run({ image: crops });
  const dlib = await t(async () => {
    if (faces > 0) await dSession.run({ image: crops });
  });
  const per = (ms: number) => ms / files.length;
  return { decode: per(decode.ms), mobilenet: per(mobilenet.ms), blazeface: per(blazeface.ms), dlib: per(dlib.ms), faces };
}

async function main() {
  const config = loadConfig();
  const modelsDir = config.models.dir;
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}; models from ${modelsDir}`);
  const roots = await ensureEvalPhotos(config.models.cacheDir);
  // 12 MP JPEGs made from the demo's real photos (faces, a cat, coffee, a landscape, a building).
  const sources = await Promise.all(
    DEMO_PHOTOS.map((p) => sharp(`${roots[p.root]}/${p.file}`).removeAlpha().resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer()),
  );
  const files = Array.from({ length: N }, (_, i) => ({ name: `p${i}.jpg`, contentType: 'image/jpeg', data: sources[i % sources.length]! }));

  const server = await startTestDevServer();
  const stack = await startPhotoStack(server.address, { batch: BATCH, cpuSlots: CPU_SLOTS });
  try {
    console.log(`${N} photos of 4000×3000, batches of ${BATCH}, ${CPU_SLOTS} CPU slots`);
    const worker = await startCpuWorker(stack, server, { LIGHTBOX_MODELS_DIR: modelsDir, LIGHTBOX_MODEL_SET: 'production' });
    const album = await runAlbum(stack, files, 'bench-real-models');
    await worker.stop();
    if (!String(album.results.models.embedding).startsWith('mobilenetv2-imagenet@'))
      throw new Error(`the worker did not use the built models: ${JSON.stringify(album.results.models)}`);
    const stats = await historyStats(stack, album.workflowId);
    const pipelineMsPerPhoto = (stats.lastDone - stats.firstStart) / N;
    // Floors measured after the pipeline, with the worker gone, so neither disturbs the other.
    const f = await floors(
      files.map((x) => x.data),
      modelsDir,
    );
    const floorMs = f.decode + f.mobilenet + f.blazeface + f.dlib;
    const sorted = [...stats.batchLatenciesMs].sort((a, b) => a - b);
    const peaks = worker.peaks();
    const rows = [
      ['floor: decode 12 MP → ≤ 1024 px (shrink-on-load)', `${f.decode.toFixed(1)} ms/photo`],
      [`floor: MobileNetV2 alone (batches of ${BATCH})`, `${f.mobilenet.toFixed(1)} ms/photo`],
      ['floor: BlazeFace alone', `${f.blazeface.toFixed(1)} ms/photo`],
      [`floor: dlib descriptor alone (${f.faces} faces)`, `${f.dlib.toFixed(1)} ms/photo`],
      ['sum of floors', `${floorMs.toFixed(1)} ms/photo = ${(1000 / floorMs).toFixed(2)} photos/s on one core`],
      [
        'whole pipeline (first batch start → last batch done)',
        `${pipelineMsPerPhoto.toFixed(1)} ms/photo = ${(1000 / pipelineMsPerPhoto).toFixed(2)} photos/s`,
      ],
      ['pipeline / floor (target ≥ 0.8)', (floorMs / pipelineMsPerPhoto).toFixed(2)],
      ['per-photo latency p50 / p95 (batch scheduled → done)', p50p95Seconds(sorted)],
      ['CPU worker peak RSS', `${peaks.workerMb.toFixed(0)} MB worker, ${peaks.totalMb.toFixed(0)} MB with decoder children`],
      [
        'results',
        `categories ${JSON.stringify(album.results.models.category)}, people ${Array.isArray(album.results.people) ? album.results.people.length : 'n/a'}`,
      ],
    ];
    console.log('\n| measure | value |\n|---|---|');
    for (const [m, v] of rows) console.log(`| ${m} | ${v} |`);
  } finally {
    await stack.stop();
    await server.stop?.();
  }
}

if (require.main === module) {
  runBench(main);
}
