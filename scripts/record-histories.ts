/**
 * Regenerates the workflow histories that test/replay replays: runs real albums through a fresh
 * dev server, real workers and the real API, then exports each history with the Temporal CLI
 * (`temporal workflow show --output json`), exactly as an operator would.
 *
 *   npm run histories:record              # every scenario
 *   npm run histories:record -- gpu       # only the named groups: albums, gpu, matching
 *
 * The gpu group runs style transfer and a tuning report against the local protocol stand-ins of
 * the GPU servers and paid APIs (test/helpers/gpu-standins.ts): the histories are real, the
 * backends simulated.
 *
 * Re-record only on purpose: a workflow change that breaks replay of the committed histories
 * must be made replay-safe (patched()) instead. The histories start with the first release: every
 * earlier, unreleased version was removed with no history to keep.
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
import { pauseReindexSignal, ProfileReindexWorkflow, reindexProgressQuery, resumeReindexSignal } from '../src/workflows/matching';
import { findTemporalCli } from '../temporal/find-cli';
import { startA1111StandIn, startContextApisStandIn, startGeminiStandIn, startOpenAiStandIn } from '../test/helpers/gpu-standins';
import { connectClient } from '../src/temporal-client/connection';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import type { WorkerTuning } from '../src/workers/tuning';

const OUT = path.join(__dirname, '..', 'test', 'histories');

type Recorded = Array<{ name: string; workflowId: string; runId?: string }>;
type Api = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => ReturnType<typeof call>;

interface Ctx {
  server: { address: string };
  stack: Stack;
  A: Api;
}

/** Run ids of a workflow id, oldest first (continue-as-new and re-analysis make several). */
async function runsOf(stack: Stack, workflowId: string): Promise<string[]> {
  const client = await connectClient(stack.config.temporal);
  try {
    const runs: Array<{ runId: string; start: number }> = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runs.push({ runId: wf.runId, start: wf.startTime.getTime() });
    return runs.sort((a, b) => a.start - b.start).map((r) => r.runId);
  } finally {
    await client.connection.close();
  }
}

async function recordAlbums({ server, stack, A }: Ctx, recorded: Recorded) {
  const waitCompleted = (albumId: string) =>
    waitFor(
      () => A('GET', `/v1/albums/${albumId}`),
      (r) => r.body.status === 'completed',
      120_000,
    );

  // 1. Multipart upload with good, copied, blurred and bad photos, closed by request.
  const mixed = (await A('POST', '/v1/albums', { title: 'Mixed album' })).body;
  await A('POST', `/v1/albums/${mixed.albumId}/photos`, photosForm(await demoAlbumFiles()));
  await A('POST', `/v1/albums/${mixed.albumId}/close`);
  await waitCompleted(mixed.albumId);
  recorded.push({ name: 'album-mixed-closed', workflowId: mixed.workflowId });

  // 2. Signed-URL upload in two requests; the album closes itself when idle.
  const direct = (await A('POST', '/v1/albums', {})).body;
  for (const seed of [2, 4]) {
    const photo = await scene(480, 360, seed);
    const plan = (
      await A('POST', `/v1/albums/${direct.albumId}/uploads`, { files: [{ name: `direct-${seed}.jpg`, contentType: 'image/jpeg', size: photo.length }] })
    ).body;
    const u = plan.uploads[0];
    await fetch(u.url, { method: 'PUT', headers: u.headers, body: photo });
    await A('POST', `/v1/albums/${direct.albumId}/photos`, { uploaded: [u.photoId] });
  }
  await waitCompleted(direct.albumId);

  // 3. Re-analysis of the finished album: a new run of the same workflow id over the same photos.
  await A('POST', `/v1/albums/${direct.albumId}/reanalyze`);
  await waitFor(
    () => A('GET', `/v1/albums/${direct.albumId}`),
    (r) => r.body.analysis === 2 && r.body.status === 'completed',
    120_000,
  );
  const [firstRun, reRun] = await runsOf(stack, direct.workflowId);
  recorded.push({ name: 'album-signed-idle-close', workflowId: direct.workflowId, runId: firstRun });
  recorded.push({ name: 'album-reanalysis', workflowId: direct.workflowId, runId: reRun });

  // 4. Cancelled while photos are in flight.
  const cancelled = (await A('POST', '/v1/albums', { title: 'Cancelled' })).body;
  await A('POST', `/v1/albums/${cancelled.albumId}/photos`, photosForm(await demoAlbumFiles()));
  await A('DELETE', `/v1/albums/${cancelled.albumId}`);
  recorded.push({ name: 'album-cancelled', workflowId: cancelled.workflowId });

  // 5. Long enough to continue as new: a stack whose albums do so after a few hundred events.
  // Same data dir: both stacks' workers serve every album, so they must see one blob store.
  const longStack = await startStack(
    server.address,
    { LIGHTBOX_DATA_DIR: stack.config.dataDir, LIGHTBOX_PHOTO_BATCH_SIZE: '1', LIGHTBOX_ALBUM_PARALLELISM: '1' },
    undefined,
    { api: { album: { continueAsNewAfterEvents: 200 } } },
  );
  try {
    const B: Api = (method, p, body, headers) => call(longStack.baseUrl, TENANT_A.key, method, p, body, headers);
    const long = (await B('POST', '/v1/albums', { title: 'Long' })).body;
    for (let i = 0; i < 5; i++) {
      const files = await Promise.all(
        Array.from({ length: 8 }, async (_, k) => ({ name: `l${i}-${k}.jpg`, contentType: 'image/jpeg', data: await scene(160, 120, 1 + i * 8 + k) })),
      );
      await B('POST', `/v1/albums/${long.albumId}/photos`, photosForm(files));
    }
    await B('POST', `/v1/albums/${long.albumId}/close`);
    await waitFor(
      () => B('GET', `/v1/albums/${long.albumId}`),
      (r) => r.body.status === 'completed',
      120_000,
    );
    const longRuns = await runsOf(stack, long.workflowId);
    if (longRuns.length < 2) throw new Error(`album ${long.albumId} did not continue as new`);
    longRuns.forEach((runId, i) => recorded.push({ name: `album-continued-run${i}`, workflowId: long.workflowId, runId }));
  } finally {
    await longStack.stop();
  }
}

/** Env and worker tuning that point the GPU classes and paid APIs at the stand-ins. */
async function gpuStandIns() {
  const [a1111, openai, gemini, apis] = await Promise.all([
    startA1111StandIn({ stepMs: 30 }),
    startOpenAiStandIn({ tokens: 32, tokenMs: 10 }),
    startGeminiStandIn(),
    startContextApisStandIn(),
  ]);
  return {
    env: {
      DIFFUSION_BACKEND_URL: a1111.url,
      LLM_BASE_URL: openai.url,
      GEMINI_API_KEY: 'record-gemini-key',
      ...apis.env,
    },
    workers: { render: { steps: 10 }, progressPollMs: 50, geminiBaseUrl: gemini.url, contextEndpoints: apis.endpoints } satisfies WorkerTuning,
    stop: () => Promise.all([a1111.stop(), openai.stop(), gemini.stop(), apis.stop()]),
  };
}

async function recordGpuJobs({ A }: Ctx, recorded: Recorded) {
  const finished = (r: { body: { state?: string } }) => ['done', 'failed', 'cancelled'].includes(r.body.state ?? '');
  const album = (await A('POST', '/v1/albums', { title: 'Style source' })).body;
  const upload = (
    await A('POST', `/v1/albums/${album.albumId}/photos`, photosForm([{ name: 'hill.jpg', contentType: 'image/jpeg', data: await scene(640, 480, 3) }]))
  ).body;
  const style = (await A('POST', '/v1/styles', { albumId: album.albumId, photoId: upload.accepted[0].photoId, request: '지브리 스타일로 바꿔줘' })).body;
  const report = (
    await A('POST', '/v1/reports', {
      profiles: [
        { name: '민지', interests: ['사진', '재즈', '등산'], music: ['Norah Jones'], bio: '주말마다 카메라 들고 산에 가요.' },
        { name: '준호', interests: ['재즈', '요리'], music: ['Chet Baker'], bio: '재즈 바와 새로운 음식점을 좋아합니다.' },
      ],
    })
  ).body;
  for (const [kind, id] of [
    ['styles', style.styleId],
    ['reports', report.reportId],
  ]) {
    const r = await waitFor(() => A('GET', `/v1/${kind}/${id}`), finished, 120_000);
    if (r.body.state !== 'done') throw new Error(`${kind}/${id} ended ${r.body.state}: ${JSON.stringify(r.body.error)}`);
  }
  recorded.push({ name: 'style-transfer-gemini-a1111', workflowId: style.workflowId });
  recorded.push({ name: 'tuning-report-context-llm', workflowId: report.workflowId });
}

async function recordMatching({ A, stack }: Ctx, recorded: Recorded) {
  // 3. A profile indexed through PUT (embed on the CPU queue, upsert on the I/O queue), then deleted.
  await A('PUT', '/v1/profiles/hiker', { text: '주말마다 등산 캠핑 가요', fields: { gender: 'f', age: 29 } });
  recorded.push({ name: 'profile-upsert', workflowId: `profile-${TENANT_A.tenant}-hiker` });
  await A('PUT', '/v1/profiles/gone', { text: '재즈 와인 좋아해요' });
  await A('DELETE', '/v1/profiles/gone');
  recorded.push({ name: 'profile-delete', workflowId: `profile-${TENANT_A.tenant}-gone` });

  // 4. A re-index from the hashing fallback's collection into the model's: paused and resumed,
  //    continuing as new every 2 pages. The first run is recorded (signals + continue-as-new).
  const hashing = new HashingEmbedder();
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
    await waitFor(
      () => handle.query(reindexProgressQuery),
      (p) => p.state === 'paused',
    );
    await new Promise((r) => setTimeout(r, 500));
    await handle.signal(resumeReindexSignal);
    await handle.result();
    recorded.push({ name: 'profile-reindex-paused-continued', workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
  } finally {
    await client.connection.close();
  }
}

const GROUPS = { albums: recordAlbums, gpu: recordGpuJobs, matching: recordMatching } as const;

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in GROUPS));
  if (unknown.length > 0) throw new Error(`unknown group(s) ${unknown.join(', ')}: use ${Object.keys(GROUPS).join(', ')}`);
  const groups = (wanted.length > 0 ? wanted : Object.keys(GROUPS)) as Array<keyof typeof GROUPS>;
  const config = loadConfig();
  const cli = findTemporalCli({ explicitPath: config.temporal.cliPath, searchPath: config.temporal.searchPath });
  if (!cli) throw new Error('No temporal CLI: run bash scripts/install-tools.sh');
  const server = await startTestDevServer();
  const standIns = groups.includes('gpu') ? await gpuStandIns() : undefined;
  let stack: Stack | undefined;
  const recorded: Recorded = [];
  try {
    // A short idle period so one album scenario records the auto-close timer firing.
    // Matching runs the committed test-twin text models, so the ONNX path is what gets recorded.
    stack = await startStack(
      server.address,
      { LIGHTBOX_MODELS_DIR: path.join(__dirname, '..', 'test', 'fixtures', 'models'), LIGHTBOX_MODEL_SET: 'test', ...standIns?.env },
      undefined,
      { workers: standIns?.workers, api: { album: { idleCloseMs: 3600 } } },
    );
    const s = stack;
    const A: Api = (method, p, body, headers) => call(s.baseUrl, TENANT_A.key, method, p, body, headers);
    for (const g of groups) await GROUPS[g]({ server, stack: s, A }, recorded);

    fs.mkdirSync(OUT, { recursive: true });
    for (const r of recorded) {
      const json = execFileSync(cli.path, [
        'workflow',
        'show',
        '--workflow-id',
        r.workflowId,
        ...(r.runId ? ['--run-id', r.runId] : []),
        '--namespace',
        'lightbox',
        '--address',
        server.address,
        '--output',
        'json',
      ]);
      fs.writeFileSync(path.join(OUT, `${r.name}.json`), json);
      console.log(`recorded ${r.name} (${r.workflowId}): ${JSON.parse(json.toString()).events.length} events`);
    }
  } finally {
    await stack?.stop();
    await standIns?.stop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
