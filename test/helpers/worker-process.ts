/**
 * A worker as production runs it: its own process, from its entrypoint, configured only by the
 * environment, with its output captured. Resolves once the worker says it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { WorkerRole } from '../../src/config';
import { waitFor } from './stack';
import { freePort } from './temporal';

export interface WorkerProcess {
  child: ChildProcess;
  metricsPort: number;
  output(): string;
  exited: Promise<number | null>;
}

export async function startWorkerProcess(
  role: WorkerRole,
  env: Record<string, string>,
  opts: { echo?: boolean; nodeArgs?: string[] } = {},
): Promise<WorkerProcess> {
  const metricsPort = await freePort();
  let output = '';
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'workers', `${role}-worker.ts`)],
    {
      env: { ...process.env, NODE_ENV: 'test', WORKER_METRICS_PORT: String(metricsPort), WORKER_METRICS_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  if (opts.echo) {
    child.stdout!.pipe(process.stderr);
    child.stderr!.pipe(process.stderr);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    async () => output,
    (o) => /"msg":"worker started"/.test(o) || child.exitCode !== null,
    120_000,
  );
  if (child.exitCode !== null) throw new Error(`the ${role} worker exited: ${output}`);
  return { child, metricsPort, output: () => output, exited };
}
