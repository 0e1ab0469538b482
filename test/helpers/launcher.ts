/**
 * `npm start` as a test runs it: the launcher's own command, in its own data dir and on its own
 * ports, with its output captured. Tests kill its children by the pids it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launcherCommand } from '../../src/dev/processes';
import { repoRoot } from '../../src/config/repo-root';
import { TENANT_A, TENANT_B } from './stack';
import { freePort } from './temporal';

export interface Launcher {
  child: ChildProcess;
  dataDir: string;
  baseUrl: string;
  temporalPort: number;
  output(): string;
  /** Resolves with the first match of `re` in the output from `from` on (default: all of it). */
  waitForOutput(re: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** The pid the launcher last printed for a process ('worker-cpu', 'api', 'Temporal', …). */
  pidOf(name: string): number;
  exited: Promise<number | null>;
  /** SIGINT (Ctrl-C) and wait; SIGKILL of the whole group as a last resort. Removes the data dir unless kept. */
  stop(opts?: { keepDataDir?: boolean }): Promise<number | null>;
}

export async function startLauncher(
  opts: { env?: Record<string, string>; dataDir?: string; temporalPort?: number; flags?: string[]; echo?: boolean } = {},
): Promise<Launcher> {
  const dataDir = opts.dataDir ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-launcher-')), 'data');
  const apiPort = await freePort();
  const temporalPort = opts.temporalPort ?? (await freePort());
  // Four consecutive metrics ports (one per worker role) from a random base: collisions are unlikely.
  const metricsBase = 20_000 + Math.floor(Math.random() * 20_000);
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    LIGHTBOX_DATA_DIR: dataDir,
    PORT: String(apiPort),
    LIGHTBOX_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(metricsBase),
    WORKER_METRICS_HOST: '127.0.0.1',
    LIGHTBOX_API_KEYS: `${TENANT_A.key}:${TENANT_A.tenant},${TENANT_B.key}:${TENANT_B.tenant}`,
    LIGHTBOX_SIGNING_SECRET: 'test-signing-secret',
    LIGHTBOX_ALBUM_SETTLE_SECONDS: '0',
    WORKER_SHUTDOWN_GRACE_SECONDS: '2',
    CPU_WORKER_CONCURRENCY: '2',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  // Never the developer's cluster or the shared Redis: only what the test passes.
  if (!opts.env?.TEMPORAL_ADDRESS) delete env.TEMPORAL_ADDRESS;
  if (!opts.env?.REDIS_URL) delete env.REDIS_URL;
  const [cmd, args] = launcherCommand(repoRoot(), opts.flags ?? ['--no-demo']);
  // Its own process group, so a last-resort kill reaches the children it started too.
  const child = spawn(cmd, args, { cwd: repoRoot(), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const onData = (d: Buffer) => {
    output += d;
    if (opts.echo) process.stderr.write(d);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForOutput = async (re: RegExp, timeoutMs = 120_000, from = 0): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = output.slice(from).match(re);
      if (m) return m;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the launcher exited before printing ${re}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the launcher did not print ${re} within ${timeoutMs} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    child,
    dataDir,
    baseUrl: `http://127.0.0.1:${apiPort}`,
    temporalPort,
    output: () => output,
    waitForOutput,
    pidOf(name) {
      const all = [...output.matchAll(new RegExp(`\\[lightbox\\] ${name} (?:started|ready|restarted)[^\\n]*?pid (\\d+)`, 'g'))];
      if (!all.length) throw new Error(`the launcher printed no pid for ${name}:\n${output}`);
      return Number(all.at(-1)![1]);
    },
    exited,
    async stop({ keepDataDir = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => {
          // The children run in their own groups: every pid the launcher printed, then the launcher.
          for (const m of output.matchAll(/pid (\d+)/g)) killQuietly(Number(m[1]));
          killQuietly(child.pid!);
        }, 60_000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepDataDir && !opts.dataDir) fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
