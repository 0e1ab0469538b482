/**
 * The workflow code a workflow worker runs. Production loads the bundle `npm run build:workflows`
 * wrote at build time (dist/workflow-bundle.js, the same in every replica, no webpack at start-up,
 * as in Temporal's production sample); development and tests bundle src/workflows when the
 * worker starts, so an edit needs no build step.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';
import type { Config } from '../config';
import { repoRoot } from '../config/repo-root';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../telemetry/temporal-interceptors';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Where the build puts the bundle, relative to the repository (or image) root. */
export const DEFAULT_WORKFLOW_BUNDLE = path.join('dist', 'workflow-bundle.js');

/** The bundle file a worker should load, or undefined to bundle from source. */
export function workflowBundlePath(config: Config): string | undefined {
  if (config.workers.workflowBundle) return path.resolve(config.workers.workflowBundle);
  return config.env === 'production' ? path.join(repoRoot(), DEFAULT_WORKFLOW_BUNDLE) : undefined;
}

/** Worker options for the workflow code: the prebuilt bundle when there is one, the source otherwise. */
export function workflowCodeOptions(config: Config): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'> {
  const codePath = workflowBundlePath(config);
  if (codePath === undefined) return { workflowsPath: WORKFLOWS_PATH };
  if (!fs.existsSync(codePath)) {
    throw new Error(`No workflow bundle at ${codePath}: run \`npm run build\` (it runs build:workflows), or unset WORKFLOW_BUNDLE_PATH outside production`);
  }
  // The interceptor modules are inside the bundle already (see buildWorkflowBundle); naming them
  // again would only make the SDK warn that it ignores them.
  return { workflowBundle: { codePath }, interceptors: { workflowModules: [] } };
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
