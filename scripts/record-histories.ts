/**
 * Regenerates the workflow histories that test/replay replays: runs real albums through a fresh
 * dev server, real workers and the real API, then exports each history with the Temporal CLI
 * (`temporal workflow show --output json`), exactly as an operator would.
 *
 *   npm run histories:record
 *
 * Re-record only on purpose: a workflow change that breaks replay of the committed histories
 * must be made replay-safe (patched()) instead. The album-v1-* histories come from the album
 * workflow before the `album-pipeline-v2` patch; today's code cannot produce them again, so they
 * are kept, never re-recorded.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { demoAlbumFiles, photosForm, scene } from '../src/dev/demo-photos';
import { loadConfig } from '../src/config';
import { findTemporalCli } from '../temporal/find-cli';
import { connectClient } from '../src/temporal/connection';
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
  // A second stack whose albums continue as new after a few hundred events, to record that path.
  // Same data dir: both stacks' workers serve every album, so they must see one blob store.
  const longStack = await startStack(server.address, {
    LIGHTBOX_DATA_DIR: stack.config.dataDir,
    LIGHTBOX_PHOTO_BATCH_SIZE: '1',
    LIGHTBOX_ALBUM_PARALLELISM: '1',
    LIGHTBOX_CONTINUE_AS_NEW_EVENTS: '200',
  });
  const B = (method: string, p: string, body?: unknown) => call(longStack.baseUrl, TENANT_A.key, method, p, body);
  const client = await connectClient(stack.config.temporal);
  const runsOf = async (workflowId: string) => {
    const runs: Array<{ runId: string; start: number }> = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runs.push({ runId: wf.runId, start: wf.startTime.getTime() });
    return runs.sort((a, b) => a.start - b.start).map((r) => r.runId);
  };
  const recorded: Array<{ name: string; workflowId: string; runId?: string }> = [];
  try {
    const waitCompleted = (albumId: string) => waitFor(() => A('GET', `/v1/albums/${albumId}`), (r) => r.body.status === 'completed', 120_000);

    // 1. Multipart upload with good, copied, blurred and bad photos, closed by request.
    const mixed = (await A('POST', '/v1/albums', { title: 'Mixed album' })).body;
    await A('POST', `/v1/albums/${mixed.albumId}/photos`, photosForm(await demoAlbumFiles()));
    await A('POST', `/v1/albums/${mixed.albumId}/close`);
    await waitCompleted(mixed.albumId);
    recorded.push({ name: 'album-pipeline-mixed-closed', workflowId: mixed.workflowId });

    // 2. Signed-URL upload in two requests; the album closes itself when idle.
    const direct = (await A('POST', '/v1/albums', {})).body;
    for (const seed of [2, 4]) {
      const photo = await scene(480, 360, seed);
      const plan = (await A('POST', `/v1/albums/${direct.albumId}/uploads`, { files: [{ name: `direct-${seed}.jpg`, contentType: 'image/jpeg', size: photo.length }] })).body;
      const u = plan.uploads[0];
      await fetch(u.url, { method: 'PUT', headers: u.headers, body: photo });
      await A('POST', `/v1/albums/${direct.albumId}/photos`, { uploaded: [u.photoId] });
    }
    await waitCompleted(direct.albumId);
    // The re-analysis below is a later run of the same workflow id: pin this one.
    const firstRun = (await client.workflow.getHandle(direct.workflowId).describe()).runId;
    recorded.push({ name: 'album-pipeline-signed-idle-close', workflowId: direct.workflowId, runId: firstRun });

    // 3. Re-analysis of the finished album: a new run over the same photos.
    await A('POST', `/v1/albums/${direct.albumId}/reanalyze`);
    await waitFor(() => A('GET', `/v1/albums/${direct.albumId}`), (r) => r.body.analysis === 2 && r.body.status === 'completed', 120_000);
    recorded.push({ name: 'album-pipeline-reanalysis', workflowId: direct.workflowId, runId: (await client.workflow.getHandle(direct.workflowId).describe()).runId });

    // 4. Cancelled while photos are in flight.
    const cancelled = (await A('POST', '/v1/albums', { title: 'Cancelled' })).body;
    await A('POST', `/v1/albums/${cancelled.albumId}/photos`, photosForm(await demoAlbumFiles()));
    await A('DELETE', `/v1/albums/${cancelled.albumId}`);
    recorded.push({ name: 'album-pipeline-cancelled', workflowId: cancelled.workflowId });

    // 5. Long enough to continue as new (a low threshold, through the same API).
    const long = (await B('POST', '/v1/albums', { title: 'Long' })).body;
    for (let i = 0; i < 5; i++) {
      const files = await Promise.all(Array.from({ length: 8 }, async (_, k) => ({ name: `l${i}-${k}.jpg`, contentType: 'image/jpeg', data: await scene(160, 120, 1 + i * 8 + k) })));
      await B('POST', `/v1/albums/${long.albumId}/photos`, photosForm(files));
    }
    await B('POST', `/v1/albums/${long.albumId}/close`);
    await waitFor(() => B('GET', `/v1/albums/${long.albumId}`), (r) => r.body.status === 'completed', 120_000);
    const longRuns = await runsOf(long.workflowId);
    if (longRuns.length < 2) throw new Error(`album ${long.albumId} did not continue as new`);
    longRuns.forEach((runId, i) => recorded.push({ name: `album-pipeline-continued-run${i}`, workflowId: long.workflowId, runId }));

    fs.mkdirSync(OUT, { recursive: true });
    for (const r of recorded) {
      const json = execFileSync(cli.path, [
        'workflow', 'show', '--workflow-id', r.workflowId, ...(r.runId ? ['--run-id', r.runId] : []),
        '--namespace', 'lightbox', '--address', server.address, '--output', 'json',
      ]);
      fs.writeFileSync(path.join(OUT, `${r.name}.json`), json);
      console.log(`recorded ${r.name} (${r.workflowId}): ${JSON.parse(json.toString()).events.length} events`);
    }
  } finally {
    await client.connection.close();
    await longStack.stop();
    await stack.stop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
