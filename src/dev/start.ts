/**
 * `npm start`: the whole embedded stack in one command. Starts the Temporal dev server (unless
 * TEMPORAL_ADDRESS names a cluster), every worker and the API as child processes, runs a demo
 * album through it, prints where to look, and stops everything it started on Ctrl-C.
 *
 * Flags: --no-demo (start only), --exit-after-demo (for scripts and CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config';
import { resolveApiKeys } from '../config/secrets';
import { repoRoot } from '../shared/repo-root';
import { startConfiguredDevServer, type DevServer } from '../../temporal/dev-server';
import { demoAlbumFiles, photosForm } from './demo-photos';

const PROCESSES = [
  { name: 'worker-workflow', script: 'src/workers/workflow-worker.ts' },
  { name: 'worker-cpu', script: 'src/workers/cpu-worker.ts' },
  { name: 'worker-io', script: 'src/workers/io-worker.ts' },
  { name: 'worker-gpu', script: 'src/workers/gpu-worker.ts' },
  { name: 'api', script: 'src/api/main.ts' },
];

const say = (msg: string) => console.log(`[lightbox] ${msg}`);

interface Running {
  name: string;
  child: ChildProcess;
  logFile: string;
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(url: string, children: Running[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited with code ${dead.child.exitCode}. Its log (${dead.logFile}):\n${tail(dead.logFile)}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`The API was not ready at ${url} within ${timeoutMs / 1000} s`);
}

async function api<T>(config: Config, key: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${config.api.port}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function runDemo(config: Config, key: string): Promise<void> {
  const files = await demoAlbumFiles();
  const album = await api<{ albumId: string; workflowId: string; links: { workflowUi?: string } }>(config, key, 'POST', '/v1/albums', {
    title: 'Demo album',
  });
  say(`demo album ${album.albumId} created (workflow ${album.workflowId})`);
  const form = photosForm(files);
  const upload = await api<{ accepted: unknown[]; rejected: unknown[] }>(config, key, 'POST', `/v1/albums/${album.albumId}/photos`, form);
  say(`uploaded ${files.length} photos: ${upload.accepted.length} accepted, ${upload.rejected.length} rejected at the door`);
  await api(config, key, 'POST', `/v1/albums/${album.albumId}/close`);

  const deadline = Date.now() + 180_000;
  let status = '';
  while (status !== 'completed') {
    if (Date.now() > deadline) throw new Error(`demo album did not complete in 180 s (last status ${status})`);
    await new Promise((r) => setTimeout(r, 500));
    status = (await api<{ status: string }>(config, key, 'GET', `/v1/albums/${album.albumId}`)).status;
  }
  type Results = {
    counts: { total: number; analyzed: number; failed: number };
    photos: Record<string, { name: string; width: number; height: number }>;
    quality: Record<string, { score: number; blur: number; blurry: boolean; exposure: string }>;
    categories: Record<string, { label?: string; status?: string }>;
    highlights: string[];
    duplicates: string[][];
    people: unknown;
    models: Record<string, unknown>;
    failed: Array<{ name: string; code: string; stage: string; message: string }>;
  };
  const results = await api<Results>(config, key, 'GET', `/v1/albums/${album.albumId}/results`);
  say(`demo album completed: ${results.counts.analyzed} analysed, ${results.counts.failed} failed of ${results.counts.total}`);
  const nameOf = (id: string) => results.photos[id]?.name ?? id;
  const groupOf = new Map(results.duplicates.flatMap((g, i) => g.map((id) => [id, `group ${i + 1}`] as const)));
  console.table(
    Object.entries(results.photos).map(([id, p]) => ({
      photo: p.name,
      size: `${p.width}×${p.height}`,
      quality: results.quality[id]?.score,
      sharpness: results.quality[id]?.blur,
      blurry: results.quality[id]?.blurry,
      exposure: results.quality[id]?.exposure,
      category: results.categories[id]?.label ?? results.categories[id]?.status,
      duplicates: groupOf.get(id) ?? '',
      highlight: results.highlights.includes(id) ? `#${results.highlights.indexOf(id) + 1}` : '',
    })),
  );
  say(`duplicate groups: ${results.duplicates.map((g) => `[${g.map(nameOf).join(', ')}]`).join(' ') || 'none'}`);
  say(`highlights: ${results.highlights.map(nameOf).join(', ')}`);
  say(`models: ${JSON.stringify(results.models)}`);
  if (results.failed.length) console.table(results.failed.map((f) => ({ photo: f.name, stage: f.stage, code: f.code, message: f.message })));
  say(`results:   curl -H "Authorization: Bearer ${key}" ${config.api.publicUrl}/v1/albums/${album.albumId}/results`);
  if (album.links.workflowUi) say(`Web UI:    ${album.links.workflowUi}`);
  say(`CLI:       temporal workflow list --namespace ${config.temporal.namespace} --address ${config.temporal.address}`);
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const config = loadConfig();
  const root = repoRoot();
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });

  let server: DevServer | undefined;
  const children: Running[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), (config.workers.shutdownGraceSeconds + 5) * 1000).unref();
          }),
      ),
    );
    await server?.stop();
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    if (config.temporal.embedded) {
      say(`starting Temporal dev server on ${config.temporal.address} (data: ${config.temporal.dbFile})`);
      server = await startConfiguredDevServer(config, path.join(logDir, 'temporal.log'), { ownProcessGroup: true });
      say(`Temporal ready (${server.source}), namespace "${config.temporal.namespace}", Web UI ${server.uiUrl}`);
    } else {
      say(`TEMPORAL_ADDRESS=${config.temporal.address}: using that cluster, starting no server`);
    }
    const { keys, devKey } = resolveApiKeys(config);
    const apiKey = devKey?.key ?? [...keys.keys()][0]!;

    for (const p of PROCESSES) {
      const logFile = path.join(logDir, `${p.name}.log`);
      const out = fs.openSync(logFile, 'a');
      // Own process group: Ctrl-C reaches only this script, which stops workers and API before the server.
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, p.script)], {
        cwd: root,
        stdio: ['ignore', out, out],
        detached: true,
      });
      children.push({ name: p.name, child, logFile });
      child.once('exit', (code, signal) => {
        if (!stopping) {
          say(`${p.name} exited (${signal ?? code}); log: ${logFile}\n${tail(logFile)}`);
          void stopAll(1);
        }
      });
    }
    say(`started ${PROCESSES.map((p) => p.name).join(', ')} (logs in ${logDir})`);
    await waitReady(`http://127.0.0.1:${config.api.port}/readyz`, children, 120_000);
    say(`API ready at ${config.api.publicUrl} (OpenAPI: ${config.api.publicUrl}/v1/openapi.json) · console: ${config.api.publicUrl}/console/ · Web UI: ${config.temporal.uiUrl}`);
    if (devKey) say(`dev API key for tenant "${devKey.tenant}": ${devKey.key} (kept in ${devKey.file})`);

    if (!args.has('--no-demo')) await runDemo(config, apiKey);
    if (args.has('--exit-after-demo')) return void (await stopAll(0));
    say('running — press Ctrl-C to stop everything');
  } catch (err) {
    console.error(`[lightbox] ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

void main();
