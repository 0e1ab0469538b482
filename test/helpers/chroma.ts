/**
 * Runs a real ChromaDB server (`chroma run` from the chromadb wheel that scripts/install-tools.sh
 * puts in .tools/py) on a free port with a temp data dir, for the matching tests and benchmarks.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stopChild } from './gcs-emulator';
import { freePort } from './temporal';

export interface ChromaServer {
  /** e.g. http://127.0.0.1:43123: CHROMA_URL. */
  url: string;
  stop(): Promise<void>;
}

const TOOLS = path.resolve(__dirname, '..', '..', '.tools', 'py');

export async function startChroma(options: { timeoutMs?: number } = {}): Promise<ChromaServer> {
  const bin = process.env.CHROMA_BIN ?? path.join(TOOLS, 'bin', 'chroma');
  if (!existsSync(bin)) throw new Error(`chroma not found at ${bin}: run bash scripts/install-tools.sh`);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightbox-chroma-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The wheel's console script imports chromadb from the --target folder, so it needs PYTHONPATH.
  const child = spawn(bin, ['run', '--path', dataDir, '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, PYTHONPATH: TOOLS, ANONYMIZED_TELEMETRY: 'False' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`chroma on port ${port} did not start${stderr ? `:\n${stderr}` : ''}`);
}
