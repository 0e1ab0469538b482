/** What every eval shares: the built models (from the models dir) and the eval photos. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createModelRuntime } from '../../src/models';
import { decodeRgb } from '../../src/models/face/align';
import { BlazeFaceDetector } from '../../src/models/face/blazeface';
import { DlibFaceDescriptor } from '../../src/models/face/dlib-descriptor';
import { loadCategoryMap, MobileNetClassifier } from '../../src/models/imagenet/mobilenet';
import { ensureEvalPhotos, type PhotoRoots } from '../../src/dev/registry-photos';

export interface EvalContext {
  roots: PhotoRoots;
  read(root: keyof PhotoRoots, file: string): Promise<Buffer>;
  classifier: MobileNetClassifier;
  detector: BlazeFaceDetector;
  descriptor: DlibFaceDescriptor;
  /** Faces of one photo, each with its descriptor, best first. */
  faces(image: Buffer): Promise<{ score: number; descriptor: Float32Array }[]>;
}

export interface EvalSection {
  title: string;
  /** Markdown table rows (header first). */
  rows: string[][];
  notes?: string[];
}

export async function createEvalContext(log: (s: string) => void): Promise<EvalContext> {
  const config = loadConfig();
  const roots = await ensureEvalPhotos(config.models.cacheDir, log);
  const runtime = createModelRuntime({ ...config.models, intraOpThreads: config.models.intraOpThreads ?? 1 });
  const classifier = new MobileNetClassifier(runtime.sessions, runtime.store, loadCategoryMap());
  await classifier.load();
  const detector = new BlazeFaceDetector(runtime.sessions);
  const descriptor = new DlibFaceDescriptor(runtime.sessions);
  return {
    roots,
    read: (root, file) => fs.readFile(path.join(roots[root], file)),
    classifier,
    detector,
    descriptor,
    async faces(image) {
      const found = await detector.detect(image);
      if (found.faces.length === 0) return [];
      const rgb = await decodeRgb(image);
      const { embeddings } = await descriptor.embedFaces(rgb, found.faces);
      return found.faces.map((f, i) => ({ score: f.score, descriptor: embeddings[i]! }));
    },
  };
}

export const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${Math.round((100 * n) / d)}% (${n}/${d})`);
