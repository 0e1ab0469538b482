/**
 * `npm run build:workflows`: writes dist/workflow-bundle.js (or the path given), which production
 * workflow workers load instead of running webpack when they start.
 */
import path from 'node:path';
import { repoRoot } from '../src/config/repo-root';
import { buildWorkflowBundle, DEFAULT_WORKFLOW_BUNDLE } from '../src/workers/workflow-bundle';

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(repoRoot(), DEFAULT_WORKFLOW_BUNDLE));
  const { bytes } = await buildWorkflowBundle(out);
  console.log(`workflow bundle: ${path.relative(process.cwd(), out)} (${(bytes / 1024).toFixed(0)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
