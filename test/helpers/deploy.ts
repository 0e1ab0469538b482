/** Shared by the deploy tests: the repo's deploy/ files, YAML loading, and running the real tools. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import type { Registry } from 'prom-client';

export const REPO = path.resolve(__dirname, '..', '..');
export const DEPLOY = path.join(REPO, 'deploy');
export const TOOLS_PY = path.join(REPO, '.tools', 'py');

const run = promisify(execFile);

/** Every YAML document in a file (multi-document files are common in Kubernetes). */
export function yamlDocs(file: string): any[] {
  // merge: YAML 1.1 `<<` keys, as docker compose and kubectl resolve them.
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { merge: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path.relative(REPO, file)}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS();
  });
}

/**
 * A required external tool, or a failing test that says how to get it: `npm run setup` installs
 * them (scripts/install-tools.sh). Never a silent skip.
 */
export function tool(name: string): string {
  const candidates = [path.join(TOOLS_PY, 'bin', name), ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, name))];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`${name} is not installed: run \`npm run setup\` (scripts/install-tools.sh installs it)`);
  return found;
}

export async function exec(name: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; output: string }> {
  try {
    const { stdout, stderr } = await run(tool(name), args, { env: { ...process.env, PYTHONPATH: TOOLS_PY, ...opts.env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The series names a registry exposes (histograms as their _bucket/_sum/_count series). */
export async function seriesNames(registry: Registry): Promise<string[]> {
  const metrics = await registry.getMetricsAsJSON();
  return metrics.flatMap((m) => (String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => `${m.name}${s}`) : [m.name]));
}
