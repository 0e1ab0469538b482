/**
 * Regenerates the workflow histories that test/replay replays: runs real albums through a fresh
 * dev server, real workers and the real API, then exports each history with the Temporal CLI
 * (`temporal workflow show --output json`), exactly as an operator would.
 *
 *   npm run histories:record                # every scenario
 *   npm run histories:record -- matching    # only the matching ones (album files untouched)
 *
 * Re-record only on purpose: a workflow change that breaks replay of the committed histories
 * must be made replay-safe (patched()) instead.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { demoAlbumFiles, photosForm, scene } from '../src/dev/demo-photos';
import { loadConfig } from '../src/config';
import { EmbeddedVectorStore } from '../src/matching/embedded-store';
import { profileCollection, profileRecordId } from '../src/matching/profiles';
import { HashingEmbedder, textDigest } from '../src/models/text/hashing-embedder';
import { TASK_QUEUES } from '../src/shared/task-queues';
import { connectClient } from '../src/temporal/connection';
import { pauseReindexSignal, ProfileReindexWorkflow, reindexProgressQuery, resumeReindexSignal } from '../src/workflows/matching';
import { findTemporalCli } from '../temporal/find-cli';
import { call, startStack, TENANT_A, waitFor } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';

const OUT = path.join(__dirname, '..', 'test', 'histories');
const GROUPS = ['album', 'matching'] as const;
type Group = (typeof GROUPS)[number];

async function main(groups: Set<Group>) {
  const config = loadConfig();
  const cli = findTemporalCli({ explicitPath: config.temporal.cliPath, searchPath: config.temporal.searchPath });
  if (!cli) throw new Error('No temporal CLI: run bash scripts/install-tools.sh');
  const server = await startTestDevServer();
  // A short idle period so one scenario records the auto-close timer firing.
  // Matching runs the committed test-twin models, so the ONNX path is what gets recorded.
  const stack = await startStack(server.address, {
    LIGHTBOX_ALBUM_IDLE_CLOSE_HOURS: '0.001',
    LIGHTBOX_MODELS_DIR: path.join(__dirname, '..', 'test', 'fixtures', 'models'),
    LIGHTBOX_USE_TEST_MODELS: 'true',
  });
  const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
  const recorded: Array<{ name: string; workflowId: string; runId?: string }> = [];
  try {
    if (groups.has('album')) await recordAlbums(A, recorded);
    if (groups.has('matching')) await recordMatching(A, stack, recorded);

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
    await stack.stop();
    await server.stop();
  }
}

type Call = (method: string, p: string, body?: unknown) => ReturnType<typeof call>;
type Recorded = Array<{ name: string; workflowId: string; runId?: string }>;

async function recordAlbums(A: Call, recorded: Recorded) {
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
}

async function recordMatching(A: Call, stack: Awaited<ReturnType<typeof startStack>>, recorded: Recorded) {
  // 3. A profile indexed through PUT (embed on the CPU queue, upsert on the I/O queue), then deleted.
  await A('PUT', '/v1/profiles/hiker', { text: '주말마다 등산 캠핑 가요', fields: { gender: 'f', age: 29 } });
  recorded.push({ name: 'profile-upsert', workflowId: `profile-${TENANT_A.tenant}-hiker` });
  await A('PUT', '/v1/profiles/gone', { text: '재즈 와인 좋아해요' });
  await A('DELETE', '/v1/profiles/gone');
  recorded.push({ name: 'profile-delete', workflowId: `profile-${TENANT_A.tenant}-gone` });

  // 4. A re-index from the hashing fallback's collection into the model's: paused and resumed,
  //    continuing as new every 2 pages. The first run is recorded (signals + continue-as-new).
  const hashing = new HashingEmbedder(stack.config.matching.hashingDim);
  const texts = ['등산 캠핑 여행', '재즈 와인', '고양이 사진', '요리 커피', '러닝 헬스'];
  const seed = new EmbeddedVectorStore({ dir: stack.config.matching.embeddedDir });
  await seed.upsert(
    profileCollection(TENANT_A.tenant, hashing.ref),
    texts.map((text, i) => ({
      id: profileRecordId(TENANT_A.tenant, `old${i}`),
      vector: hashing.embedOne(text),
      document: text,
      metadata: { tenant: TENANT_A.tenant, userId: `old${i}`, textDigest: textDigest(text) },
    })),
  );
  await seed.close();
  const client = await connectClient(stack.config.temporal);
  try {
    const handle = await client.workflow.start(ProfileReindexWorkflow, {
      taskQueue: TASK_QUEUES.workflow,
      workflowId: `match-reindex-${TENANT_A.tenant}-recorded`,
      args: [{ tenant: TENANT_A.tenant, fromCollection: profileCollection(TENANT_A.tenant, hashing.ref), pageSize: 1, pagesPerRun: 2 }],
    });
    await handle.signal(pauseReindexSignal);
    await waitFor(() => handle.query(reindexProgressQuery), (p) => p.state === 'paused');
    await new Promise((r) => setTimeout(r, 500));
    await handle.signal(resumeReindexSignal);
    await handle.result();
    recorded.push({ name: 'profile-reindex-paused-continued', workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
  } finally {
    await client.connection.close();
  }
}

const wanted = process.argv.slice(2);
for (const w of wanted) if (!(GROUPS as readonly string[]).includes(w)) throw new Error(`unknown group ${w}; known: ${GROUPS.join(', ')}`);
main(new Set((wanted.length > 0 ? wanted : GROUPS) as Group[])).catch((err) => {
  console.error(err);
  process.exit(1);
});
