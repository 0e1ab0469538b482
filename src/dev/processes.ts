/**
 * What `npm start` runs, and how: one list of child processes, and the one command line each is
 * started with. The reliability suite starts the launcher itself, so it runs these same commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WORKER_METRICS_PORT_OFFSET, type WorkerRole } from '../config';
import { openLogFile } from './data-dir';

export interface ProcessSpec {
  name: 'worker-workflow' | 'worker-cpu' | 'worker-io' | 'worker-gpu' | 'api';
  script: string;
  /** Workers only: each role gets its own metrics port on the shared host. */
  role?: WorkerRole;
}

export const PROCESSES: readonly ProcessSpec[] = [
  { name: 'worker-workflow', script: 'src/workers/workflow-worker.ts', role: 'workflow' },
  { name: 'worker-cpu', script: 'src/workers/cpu-worker.ts', role: 'cpu' },
  { name: 'worker-io', script: 'src/workers/io-worker.ts', role: 'io' },
  { name: 'worker-gpu', script: 'src/workers/gpu-worker.ts', role: 'gpu' },
  { name: 'api', script: 'src/api/main.ts' },
];

/** What a child's environment adds to the launcher's: one host, so each worker role its own metrics port. */
export function childEnv(spec: ProcessSpec, metricsPort: number): Record<string, string> {
  return spec.role ? { WORKER_METRICS_PORT: String(metricsPort + WORKER_METRICS_PORT_OFFSET[spec.role]) } : {};
}

/** The command line of a Node entrypoint of this repo, as the launcher runs it. */
export const nodeCommand = (root: string, script: string): [string, string[]] => [process.execPath, ['--import', 'tsx', path.join(root, script)]];

/** The launcher's own command (`npm start` without npm in between, so signals reach it directly). */
export const launcherCommand = (root: string, flags: string[] = []): [string, string[]] => {
  const [cmd, args] = nodeCommand(root, 'src/dev/start.ts');
  return [cmd, [...args, ...flags]];
};

/** Starts one process with its output appended to its log file (a restart appends to the same log). */
export function spawnProcess(root: string, spec: ProcessSpec, logFile: string, env: Record<string, string> = {}): ChildProcess {
  const out = openLogFile(logFile);
  const [cmd, args] = nodeCommand(root, spec.script);
  // Own process group: Ctrl-C reaches only the launcher, which stops workers and API before the server.
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out); // the child has its own copy
  return child;
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
