/** The API as production runs it: its own process, from its entrypoint, configured by the environment. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '../../test/helpers/stack';
import { freePort } from '../../test/helpers/temporal';

export async function startApiProcess(env: Record<string, string>) {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'api', 'main.ts')], {
    env: { ...process.env, ...env, PORT: String(port), LIGHTBOX_PUBLIC_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out = (out + d).slice(-4000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () =>
      child.exitCode !== null
        ? 'exited'
        : fetch(`${baseUrl}/healthz`).then(
            (r) => String(r.status),
            () => 'down',
          ),
    (s) => s === '200' || s === 'exited',
    120_000,
  );
  if (child.exitCode !== null) throw new Error(`the API exited: ${out}`);
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`the API exited (${code ?? signal}):\n${out}`);
  });
  let stopping = false;
  return {
    baseUrl,
    pid: child.pid!,
    async stop() {
      stopping = true;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
