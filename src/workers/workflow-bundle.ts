/**
 * The workflow code a workflow worker runs. Production loads the bundle `npm run build:workflows`
 * wrote at build time (dist/workflow-bundle.js, the same in every replica, no webpack at start-up,
 * as in Temporal's production sample); development and tests load a bundle of the current
 * src/workflows from a cache keyed by the sources, so an edit needs no build step and an unchanged
 * tree is bundled once, not by every worker (and test) that starts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Runtime, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';
import type { Config } from '../config';
import { repoRoot } from '../config/repo-root';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../telemetry/temporal-interceptors';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Where the build puts the bundle, relative to the repository (or image) root. */
export const DEFAULT_WORKFLOW_BUNDLE = path.join('dist', 'workflow-bundle.js');

/** Where development and tests keep the bundles they built, one file per source state (gitignored). */
const CACHE_DIR = path.join('dist', 'workflow-bundle-cache');
/** Bundles of earlier source states kept beside the current one (each is a few MB). */
const CACHE_KEEP = 4;

/** The prebuilt bundle file a worker must load, or undefined to load the current source's. */
export function workflowBundlePath(config: Config): string | undefined {
  if (config.workers.workflowBundle) return path.resolve(config.workers.workflowBundle);
  return config.env === 'production' ? path.join(repoRoot(), DEFAULT_WORKFLOW_BUNDLE) : undefined;
}

type WorkflowCode = Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'>;

/** Worker options for the workflow code: the prebuilt bundle when there is one, the current source's otherwise. */
export async function workflowCodeOptions(config: Config): Promise<WorkflowCode> {
  const codePath = workflowBundlePath(config);
  if (codePath === undefined) return sourceCodeOptions();
  if (!fs.existsSync(codePath)) {
    throw new Error(`No workflow bundle at ${codePath}: run \`npm run build\` (it runs build:workflows), or unset WORKFLOW_BUNDLE_PATH outside production`);
  }
  return loadBundle(codePath);
}

/** Worker options for this checkout's src/workflows: its cached bundle (what development runs and replay checks). */
export async function sourceCodeOptions(): Promise<WorkflowCode> {
  try {
    return loadBundle(await cachedWorkflowBundle());
  } catch (err) {
    // A tree this process may not write to: the worker bundles the source for itself.
    if (['EACCES', 'EPERM', 'EROFS'].includes((err as NodeJS.ErrnoException).code ?? '')) return { workflowsPath: WORKFLOWS_PATH };
    throw err;
  }
}

// The interceptor modules are inside the bundle already (see buildWorkflowBundle); naming them
// again would only make the SDK warn that it ignores them.
const loadBundle = (codePath: string): WorkflowCode => ({ workflowBundle: { codePath }, interceptors: { workflowModules: [] } });

/**
 * A fingerprint of everything a bundle of src/workflows is built from: every file under `dirs`
 * (path and bytes) and each of `files` that exists. Callers pass more than the bundle reads, so
 * an unrelated edit costs one rebuild, and a stale bundle is never taken for the current one.
 */
export async function sourcesFingerprint(dirs: string[], files: string[]): Promise<string> {
  const hash = createHash('sha256');
  const paths = [...files];
  for (const dir of dirs) {
    const entries = await fs.promises.readdir(dir, { recursive: true, withFileTypes: true });
    paths.push(...entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)));
  }
  for (const file of paths.sort()) {
    const bytes = await fs.promises.readFile(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (bytes === undefined) continue;
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** Builds in flight in this process, by fingerprint: workers started together share one build. */
const building = new Map<string, Promise<string>>();

/**
 * The path of a bundle of the current src/workflows, built only when no process has built one for
 * these sources yet. The key covers the whole source tree the workflows sit in (they import from
 * several of its folders) and the installed packages (npm rewrites node_modules/.package-lock.json
 * on every install), so a new SDK, webpack or interceptor also means a new bundle. Webpack logs
 * through the runtime's logger, as when a worker bundles for itself.
 */
async function cachedWorkflowBundle(): Promise<string> {
  const root = repoRoot();
  const key = await sourcesFingerprint(
    [path.dirname(path.dirname(WORKFLOWS_PATH))],
    [path.join(root, 'package-lock.json'), path.join(root, 'node_modules', '.package-lock.json')],
  );
  const dir = path.join(root, CACHE_DIR);
  const file = path.join(dir, `${key.slice(0, 32)}.js`);
  let pending = building.get(file);
  if (!pending) {
    pending = (async () => {
      if (fs.existsSync(file)) return file;
      await fs.promises.mkdir(dir, { recursive: true });
      // Another process may build the same key at the same time: each writes its own file and
      // renames it into place, so a reader never sees half a bundle.
      const tmp = `${file}.${process.pid}.tmp`;
      await buildWorkflowBundle(tmp, Runtime.instance().logger);
      await fs.promises.rename(tmp, file);
      await pruneCache(dir, file);
      return file;
    })();
    building.set(file, pending);
    pending.catch(() => building.delete(file));
  }
  return pending;
}

/** Drops all but the newest few bundles, so edits in development do not fill the disk. */
async function pruneCache(dir: string, current: string): Promise<void> {
  const bundles = (await fs.promises.readdir(dir)).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f));
  const byAge = await Promise.all(bundles.map(async (f) => ({ f, mtime: (await fs.promises.stat(f).catch(() => undefined))?.mtimeMs ?? 0 })));
  byAge.sort((a, b) => b.mtime - a.mtime);
  for (const { f } of byAge.filter(({ f }) => f !== current).slice(CACHE_KEEP)) await fs.promises.rm(f, { force: true });
}

/** Bundles src/workflows with the workflow interceptors, exactly what a worker would bundle at start-up. */
export async function buildWorkflowBundle(outFile: string, logger?: Logger): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    ...(logger ? { logger } : {}),
  });
  await fs.promises.mkdir(path.dirname(outFile), { recursive: true });
  await fs.promises.writeFile(outFile, code);
  return { bytes: Buffer.byteLength(code) };
}
