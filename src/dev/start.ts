/**
 * `npm start`: the whole embedded stack in one command. Starts the Temporal dev server (unless
 * TEMPORAL_ADDRESS names a cluster), every worker and the API as child processes, runs a demo
 * album through it, prints where to look, and stops everything it started on Ctrl-C.
 *
 * A child that crashes (the dev server included) is restarted with backoff, 0.5 s doubling to
 * 8 s; a sixth crash of one process within 60 s stops the whole stack, saying so.
 *
 * Flags: --no-demo (start only), --exit-after-demo (for scripts and CI).
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadConfig, type Config } from '../config';
import { resolveApiKeys } from '../config/secrets';
import { repoRoot } from '../config/repo-root';
import { startConfiguredDevServer, type DevServer } from '../../temporal/dev-server';
import { secureDataDir } from './data-dir';
import { demoAlbumFiles, photosForm } from './demo-photos';
import { demoPhotoFiles } from './registry-photos';
import { childEnv, PROCESSES, spawnProcess, tail } from './processes';
import { DEFAULT_RESTART_POLICY, RestartTracker, Supervisor } from './supervisor';

const say = (msg: string) => console.log(`[lightbox] ${msg}`);
const P = DEFAULT_RESTART_POLICY;
const LIMIT = `at most ${P.maxRestarts} restarts in ${P.windowMs / 1000} s`;

async function waitReady(url: string, stopped: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopped()) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(stopped() ? 'stopped while waiting for the API' : `The API was not ready at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * The demo calls the API as a careful client would: a POST carries an Idempotency-Key, and a 503
 * or 429 (Temporal still warming up while the workers load their models) is retried after its
 * Retry-After, for up to two minutes.
 */
async function api<T>(config: Config, key: string, method: string, p: string, body?: unknown): Promise<T> {
  const idempotencyKey = method === 'POST' ? `demo-${randomUUID()}` : undefined;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${config.api.port}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if ((res.status === 503 || res.status === 429) && Date.now() < deadline) {
      const waitS = Math.min(10, Math.max(1, Number(res.headers.get('retry-after')) || 2));
      say(`${method} ${p} → ${res.status}; retrying in ${waitS} s`);
      await new Promise((r) => setTimeout(r, waitS * 1000));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

async function runDemo(config: Config, key: string): Promise<void> {
  // Real photographs (from the registries' packages, cached with the models) so the demo shows
  // real categories, people and similar shots; the synthetic files show copies and bad inputs.
  const real = await demoPhotoFiles(config.models.cacheDir).catch((err: unknown) => {
    say(`demo without real photos (${err instanceof Error ? err.message : String(err)})`);
    return [];
  });
  const files = [...(await demoAlbumFiles()), ...real];
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
    categories: Record<string, { label?: string; status?: string; names?: { en: string; ko: string } }>;
    highlights: string[];
    duplicates: string[][];
    similar: Array<{ photoIds: string[]; best: string }> | { status: string };
    people: Array<{ personId: string; photoIds: string[] }> | { status: string };
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
      category: results.categories[id]?.names ? `${results.categories[id]!.names!.en} / ${results.categories[id]!.names!.ko}` : results.categories[id]?.status,
      person: Array.isArray(results.people)
        ? results.people
            .filter((p) => p.photoIds.includes(id))
            .map((p) => p.personId)
            .join(',')
        : '',
      duplicates: groupOf.get(id) ?? '',
      highlight: results.highlights.includes(id) ? `#${results.highlights.indexOf(id) + 1}` : '',
    })),
  );
  say(`duplicate groups: ${results.duplicates.map((g) => `[${g.map(nameOf).join(', ')}]`).join(' ') || 'none'}`);
  say(
    `similar shots: ${Array.isArray(results.similar) ? results.similar.map((g) => `[${g.photoIds.map(nameOf).join(', ')}; best ${nameOf(g.best)}]`).join(' ') || 'none' : results.similar.status}`,
  );
  say(
    `people: ${Array.isArray(results.people) ? results.people.map((p) => `${p.personId} in ${p.photoIds.map(nameOf).join(', ')}`).join('; ') || 'none' : results.people.status}`,
  );
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
  secureDataDir(config.dataDir);
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const graceMs = (config.workers.shutdownGraceSeconds + 5) * 1000;

  let server: DevServer | undefined;
  let stopping = false;
  const supervisor = new Supervisor({
    started: (name, child, restart) => say(`${name} ${restart ? `restarted (restart ${restart})` : 'started'}, pid ${child.pid}`),
    crashed: (name, how, d) => {
      if (d.action === 'restart') say(`${name} ${how}; restarting in ${d.delayMs / 1000} s (restart ${d.attempt}, ${LIMIT})`);
    },
    gaveUp: (name, how, restarts) => {
      const logFile = path.join(logDir, `${name}.log`);
      say(
        `${name} ${how} after ${restarts} restarts in ${P.windowMs / 1000} s: restart limit reached, stopping the stack. Its log (${logFile}):\n${tail(logFile)}`,
      );
      void stopAll(1);
    },
  });
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // Workers and API first (they drain in-flight work against the server), then the server.
    await supervisor.stop(graceMs);
    await server?.stop();
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  // The dev server is supervised too: restarted on the same SQLite file, workflows resume.
  const serverTracker = new RestartTracker(P);
  const startServer = async (restart: number): Promise<void> => {
    server = await startConfiguredDevServer(config, path.join(logDir, 'temporal.log'), { ownProcessGroup: true });
    say(
      `Temporal ${restart ? `restarted (restart ${restart})` : 'ready'} (${server.source}, pid ${server.pid}), namespace "${config.temporal.namespace}", Web UI ${server.uiUrl}`,
    );
    void server.exited?.then(async (how) => {
      if (stopping) return;
      const d = serverTracker.onCrash();
      if (d.action === 'give-up') {
        say(`Temporal dev server ${how} after ${d.restarts} restarts: restart limit reached, stopping the stack (log: ${path.join(logDir, 'temporal.log')})`);
        return void stopAll(1);
      }
      say(`Temporal dev server ${how}; restarting in ${d.delayMs / 1000} s on ${config.temporal.dbFile} (restart ${d.attempt}, ${LIMIT})`);
      await new Promise((r) => setTimeout(r, d.delayMs));
      if (stopping) return;
      try {
        await startServer(d.attempt);
      } catch (err) {
        say(`Temporal dev server could not be restarted: ${err instanceof Error ? err.message : String(err)}`);
        void stopAll(1);
      }
    });
  };

  try {
    if (config.temporal.embedded) {
      say(`starting Temporal dev server on ${config.temporal.address} (data: ${config.temporal.dbFile})`);
      await startServer(0);
    } else {
      say(`TEMPORAL_ADDRESS=${config.temporal.address}: using that cluster, starting no server`);
    }
    const { keys, devKey } = resolveApiKeys(config);
    const apiKey = devKey?.key ?? [...keys.keys()][0]!;

    for (const p of PROCESSES)
      supervisor.add({
        name: p.name,
        start: () => spawnProcess(root, p, path.join(logDir, `${p.name}.log`), childEnv(p, config.workers.metricsPort)),
      });
    say(`started ${PROCESSES.map((p) => p.name).join(', ')} (logs in ${logDir}; a crashed process is restarted, ${LIMIT})`);
    await waitReady(`http://127.0.0.1:${config.api.port}/readyz`, () => stopping, 120_000);
    say(
      `API ready at ${config.api.publicUrl} (OpenAPI: ${config.api.publicUrl}/v1/openapi.json) · console: ${config.api.publicUrl}/console/ · Web UI: ${config.temporal.uiUrl}`,
    );
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
