/**
 * Regenerates the workflow histories that test/replay replays: runs real albums through a fresh
 * dev server, real workers and the real API, then exports each history with the Temporal CLI
 * (`temporal workflow show --output json`), exactly as an operator would.
 *
 *   npm run histories:record
 *
 * Re-record only on purpose: a workflow change that breaks replay of the committed histories
 * must be made replay-safe (patched()) instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { demoAlbumFiles, photosForm, scene } from '../src/dev/demo-photos';
import { loadConfig } from '../src/config';
import { findTemporalCli } from '../temporal/find-cli';
import { call, startStack, TENANT_A, waitFor } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';

const OUT = path.join(__dirname, '..', 'test', 'histories');

async function main() {
  const config = loadConfig();
  const cli = findTemporalCli({ explicitPath: config.temporal.cliPath, searchPath: config.temporal.searchPath });
  if (!cli) throw new Error('No temporal CLI: run bash scripts/install-tools.sh');
  const server = await startTestDevServer();
  // A short idle period so one scenario records the auto-close timer firing.
  const stack = await startStack(server.address, { LIGHTBOX_ALBUM_IDLE_CLOSE_HOURS: '0.001' });
  const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
  const recorded: Array<{ name: string; workflowId: string }> = [];
  try {
    const waitCompleted = (albumId: string) => waitFor(() => A('GET', `/v1/albums/${albumId}`), (r) => r.body.status === 'completed', 120_000);

    // 1. Multipart upload with good and bad photos, closed by request.
    const mixed = (await A('POST', '/v1/albums', { title: 'Mixed album' })).body;
    await A('POST', `/v1/albums/${mixed.albumId}/photos`, photosForm(await demoAlbumFiles()));
    await A('POST', `/v1/albums/${mixed.albumId}/close`);
    await waitCompleted(mixed.albumId);
    recorded.push({ name: 'album-mixed-closed', workflowId: mixed.workflowId });

    // 2. Signed-URL upload in two batches; the album closes itself when idle.
    const direct = (await A('POST', '/v1/albums', {})).body;
    for (const seed of [2, 4]) {
      const photo = await scene(480, 360, seed);
      const plan = (await A('POST', `/v1/albums/${direct.albumId}/uploads`, { files: [{ name: `direct-${seed}.jpg`, contentType: 'image/jpeg', size: photo.length }] })).body;
      const u = plan.uploads[0];
      await fetch(u.url, { method: 'PUT', headers: u.headers, body: photo });
      await A('POST', `/v1/albums/${direct.albumId}/photos`, { uploaded: [u.photoId] });
    }
    await waitCompleted(direct.albumId);
    recorded.push({ name: 'album-signed-idle-close', workflowId: direct.workflowId });

    fs.mkdirSync(OUT, { recursive: true });
    for (const r of recorded) {
      const json = execFileSync(cli.path, [
        'workflow', 'show', '--workflow-id', r.workflowId, '--namespace', 'lightbox', '--address', server.address, '--output', 'json',
      ]);
      fs.writeFileSync(path.join(OUT, `${r.name}.json`), json);
      console.log(`recorded ${r.name} (${r.workflowId}): ${JSON.parse(json.toString()).events.length} events`);
    }
  } finally {
    await stack.stop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
