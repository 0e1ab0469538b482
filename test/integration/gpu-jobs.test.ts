/**
 * Style transfer and tuning reports through the real API, real workers (the GPU node's per-class
 * workers included) and a real Temporal dev server. Local servers speaking the A1111 WebUI API,
 * vLLM's OpenAI-compatible API, Gemini REST and the search APIs stand in for the GPUs and the
 * paid services at the network boundary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { scene, photosForm } from '../../src/dev/demo-photos';
import { GPU_QUEUES } from '../../src/shared/task-queues';
import { reportKey } from '../../src/storage/keys';
import { llmTokens } from '../../src/telemetry/metrics';
import { activityRuns } from '../helpers/history';
import {
  startA1111StandIn,
  startContextApisStandIn,
  startGeminiStandIn,
  startOpenAiStandIn,
  type A1111StandIn,
  type ContextApisStandIn,
  type GeminiStandIn,
  type OpenAiStandIn,
} from '../helpers/gpu-standins';
import { call, startStack, TENANT_A, TENANT_B, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

const LLM_SLOTS = 3;
const STEPS = 8;

let server: Awaited<ReturnType<typeof startTestDevServer>>;
let stack: Stack;
let a1111: A1111StandIn;
let openai: OpenAiStandIn;
let gemini: GeminiStandIn;
let apis: ContextApisStandIn;
let albumId: string;
let photoId: string;

const A = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => call(stack.baseUrl, TENANT_A.key, method, p, body, headers);

const profiles = [
  { name: '민지', interests: ['사진', '재즈', '등산'], music: ['Norah Jones'], bio: '주말마다 카메라 들고 산에 가요.' },
  { name: '준호', interests: ['재즈', '요리'], music: ['Chet Baker'], bio: '재즈 바와 새로운 음식점을 좋아합니다.' },
];

const finished = (r: { body: { state?: string } }) => ['done', 'failed', 'cancelled'].includes(r.body.state ?? '');

before(async () => {
  [server, a1111, openai, gemini, apis] = await Promise.all([
    startTestDevServer(),
    startA1111StandIn({ stepMs: 15 }),
    startOpenAiStandIn({ tokens: 24, tokenMs: 15 }),
    startGeminiStandIn(),
    startContextApisStandIn(),
  ]);
  const { YOUTUBE_API_KEY: _notConfigured, ...contextEnv } = apis.env;
  stack = await startStack(
    server.address,
    {
      DIFFUSION_BACKEND_URL: a1111.url,
      LLM_BASE_URL: openai.url,
      LLM_MODEL: 'qwen2.5-7b-instruct',
      GPU_LLM_SLOTS_PER_GPU: String(LLM_SLOTS),
      GPU_DIFFUSION_SLOTS_PER_GPU: '1',
      GEMINI_API_KEY: 'test-gemini-key',
      ...contextEnv,
    },
    undefined,
    {
      workers: { render: { steps: STEPS }, progressPollMs: 20, geminiBaseUrl: gemini.url, contextEndpoints: apis.endpoints },
      api: { gpuTimeouts: { heartbeatTimeoutMs: 3000, retryInitialIntervalMs: 1000 } },
    },
  );
  const album = await A('POST', '/v1/albums', { title: 'Style source' });
  albumId = album.body.albumId;
  const upload = await A('POST', `/v1/albums/${albumId}/photos`, photosForm([{ name: 'hill.jpg', contentType: 'image/jpeg', data: await scene(640, 480, 3) }]));
  assert.equal(upload.status, 202);
  photoId = upload.body.accepted[0].photoId;
});

after(async () => {
  await stack?.stop();
  await Promise.all([server?.stop(), a1111?.stop(), openai?.stop(), gemini?.stop(), apis?.stop()]);
});

describe('style transfer', () => {
  test('Gemini writes the prompt from the photo and a Korean request; the render runs on a GPU worker and comes back as a signed URL', async () => {
    const body = { albumId, photoId, request: '지브리 스타일로 바꿔줘' };
    const first = await A('POST', '/v1/styles', body, { 'Idempotency-Key': 'style-once' });
    assert.equal(first.status, 202);
    const again = await A('POST', '/v1/styles', body, { 'Idempotency-Key': 'style-once' });
    assert.equal(again.body.styleId, first.body.styleId, 'a retried POST reaches the same job');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');

    const done = await waitFor(() => A('GET', `/v1/styles/${first.body.styleId}`), finished);
    assert.equal(done.body.state, 'done', JSON.stringify(done.body));
    assert.equal(done.body.prompt.source, 'gemini');
    assert.equal(done.body.prompt.style, 'ghibli');
    assert.match(done.body.prompt.prompt, /ghibli/);
    assert.equal(done.body.result.backend, 'automatic1111');
    assert.equal(done.body.result.fallback, false);
    assert.equal(done.body.queue.queue, GPU_QUEUES.diffusion);
    const asked = gemini.requests.at(-1)!;
    assert.ok(asked.hasImage, 'Gemini was shown the photo');
    assert.ok(asked.text.includes('지브리 스타일로 바꿔줘'));
    assert.equal(asked.apiKey, 'test-gemini-key');
    assert.equal(a1111.prompts.at(-1), done.body.prompt.prompt, 'the diffusion server got the Gemini prompt');

    const png = await fetch(done.body.result.url);
    assert.equal(png.status, 200);
    const meta = await sharp(Buffer.from(await png.arrayBuffer())).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [done.body.result.width, done.body.result.height]);

    const runs = await activityRuns(stack.client, first.body.workflowId);
    const render = runs.find((r) => r.name === 'renderStyle')!;
    assert.equal(render.taskQueue, GPU_QUEUES.diffusion);
    assert.match(render.completedBy!, /^gpu-diffusion@/, 'the render ran on a GPU worker');
    assert.match(runs.find((r) => r.name === 'writeStylePrompt')!.completedBy!, /^io@/);
    assert.equal(runs.filter((r) => r.name === 'renderStyle').length, 1, 'one job despite two POSTs');
  });

  test('when Gemini keeps failing, the catalogue prompt is used and the result says so', async () => {
    gemini.mode = 'fail';
    const before = gemini.requests.length;
    try {
      const created = await A('POST', '/v1/styles', { albumId, photoId, request: '흑백 사진처럼 만들어줘' });
      const done = await waitFor(() => A('GET', `/v1/styles/${created.body.styleId}`), finished);
      assert.equal(done.body.state, 'done');
      assert.equal(done.body.prompt.source, 'catalogue');
      assert.equal(done.body.prompt.fallbackReason, 'gemini-failed');
      assert.equal(done.body.prompt.style, 'black-and-white');
      assert.equal(gemini.requests.length - before, 3, 'Temporal retried Gemini before falling back');
    } finally {
      gemini.mode = 'ok';
    }
  });

  test('DELETE mid-render cancels the job: the activity hears it and interrupts the diffusion server', async () => {
    a1111.stepMs = 1000;
    a1111.stopLatencyMs = 2000;
    try {
      const interrupts = a1111.interrupts;
      const created = await A('POST', '/v1/styles', { albumId, photoId, request: 'make it a watercolor' });
      const running = await waitFor(
        () => A('GET', `/v1/styles/${created.body.styleId}`),
        (r) => r.body.state === 'running' && r.body.progress?.step >= 1,
      );
      assert.equal(running.body.progress.totalSteps, STEPS);
      assert.ok(running.body.progress.fraction > 0 && running.body.progress.fraction < 1);
      const cancel = await A('DELETE', `/v1/styles/${created.body.styleId}`);
      assert.equal(cancel.status, 202);
      const cancelled = await waitFor(() => A('GET', `/v1/styles/${created.body.styleId}`), finished);
      assert.equal(cancelled.body.state, 'cancelled');
      assert.ok(a1111.interrupts > interrupts, 'the backend was interrupted');
      const runs = await activityRuns(stack.client, created.body.workflowId);
      assert.equal(runs.find((r) => r.name === 'renderStyle')!.outcome, 'cancelled');
      // The render gave its GPU slot back only once the server had stopped sampling: the next
      // job never shares the GPU with a cancelled one.
      assert.equal(a1111.meter.active, 0, 'the cancelled render still ran on the server when its slot was freed');
      const again = await A('DELETE', `/v1/styles/${created.body.styleId}`);
      assert.equal(again.status, 202, 'cancelling a cancelled job is idempotent');
    } finally {
      a1111.stepMs = 15;
      a1111.stopLatencyMs = 0;
    }
  });

  test('ten diffusion jobs with one slot wait in Temporal and run strictly one at a time; all finish', async () => {
    const startedBefore = a1111.meter.started;
    a1111.meter.max = 0;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await A('POST', '/v1/styles', { albumId, photoId, request: `anime style ${i}` })).body.styleId);
    const queued = await waitFor(
      () => A('GET', `/v1/styles/${ids.at(-1)}`),
      (r) => r.body.state === 'queued' || finished(r),
    );
    assert.equal(queued.body.state, 'queued', 'the last job waits for the GPU slot');
    assert.equal(queued.body.queue.pollers >= 1, true);
    const results = await Promise.all(ids.map((id) => waitFor(() => A('GET', `/v1/styles/${id}`), finished)));
    assert.deepEqual(
      results.map((r) => r.body.state),
      ids.map(() => 'done'),
    );
    assert.equal(a1111.meter.started - startedBefore, 10);
    assert.equal(a1111.meter.max, 1, 'never two renders on one GPU');
  });
});

describe('tuning reports', () => {
  test('context in parallel, then a streamed report from the LLM class, never more than its slots at once', async () => {
    openai.meter.max = 0;
    const tokensBefore = (await llmTokens.get()).values.find((v) => v.metricName === 'lightbox_llm_tokens_count' && v.labels.kind === 'completion')?.value ?? 0;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await A('POST', '/v1/reports', { profiles })).body.reportId);
    const results = await Promise.all(ids.map((id) => waitFor(() => A('GET', `/v1/reports/${id}`), finished)));
    for (const r of results) {
      assert.equal(r.body.state, 'done', JSON.stringify(r.body));
      assert.equal(r.body.report.source, 'llm');
      assert.equal(r.body.report.model, 'qwen2.5-7b-instruct');
      assert.equal(r.body.report.tokens.completion, 24);
      assert.ok(r.body.report.text.length > 0);
    }
    assert.equal(openai.meter.max, LLM_SLOTS, 'LLM jobs fill the slots and never exceed them');
    assert.ok(
      openai.requests.every((r) => r.stream),
      'reports are streamed',
    );
    const context = Object.fromEntries(results[0]!.body.context.map((c: { source: string }) => [c.source, c]));
    assert.equal(context.web.status, 'ok');
    assert.match(context.web.items[0].title, /재즈/, 'the shared interest drove the web search');
    assert.equal(context.music.status, 'ok');
    assert.equal(context.music.items.length, 2);
    assert.equal(context.video.status, 'skipped', 'YouTube is not configured here');
    assert.equal(apis.hits.spotifyToken, 1, 'the client-credentials token is reused');
    const tokensAfter = (await llmTokens.get()).values.find((v) => v.metricName === 'lightbox_llm_tokens_count' && v.labels.kind === 'completion')!.value;
    assert.equal(tokensAfter - tokensBefore, 7, 'tokens recorded once per request');

    const stored = await stack.store.get(results[0]!.body.report.reportKey);
    assert.equal(JSON.parse(stored.toString('utf8')).text, results[0]!.body.report.text, 'the report is stored');
    const runs = await activityRuns(stack.client, results[0]!.body.workflowId);
    assert.match(runs.find((r) => r.name === 'writeTuningReport')!.completedBy!, /^gpu-llm@/);
    for (const name of ['searchWeb', 'searchMusic', 'searchVideos']) assert.match(runs.find((r) => r.name === name)!.completedBy!, /^io@/);
  });

  test('while a report streams, its status shows the tokens so far from the heartbeats', async () => {
    openai.tokenMs = 200;
    try {
      const created = await A('POST', '/v1/reports', { profiles });
      const running = await waitFor(
        () => A('GET', `/v1/reports/${created.body.reportId}`),
        (r) => (r.body.state === 'running' && r.body.progress?.tokens >= 2) || finished(r),
      );
      assert.equal(running.body.state, 'running');
      assert.equal(running.body.phase, 'writing-report');
      assert.ok(running.body.progress.tokens < 24);
      const done = await waitFor(() => A('GET', `/v1/reports/${created.body.reportId}`), finished);
      assert.equal(done.body.report.tokens.completion, 24);
    } finally {
      openai.tokenMs = 15;
    }
  });

  test('a report stays retrievable from the store once Temporal no longer has its workflow', async () => {
    const created = await A('POST', '/v1/reports', { profiles });
    const done = await waitFor(() => A('GET', `/v1/reports/${created.body.reportId}`), finished);
    assert.equal(done.body.state, 'done');
    // Past retention Temporal has no workflow, only the store has the report. Deleting an
    // execution on the dev server takes tens of seconds, so the stored document is placed
    // under an id that never had a workflow: the same state, reached at once.
    const goneId = 'rep_pastretention0001';
    await stack.store.put(reportKey(TENANT_A.tenant, goneId), await stack.store.get(done.body.report.reportKey));
    const archived = await A('GET', `/v1/reports/${goneId}`);
    assert.equal(archived.status, 200);
    assert.equal(archived.body.state, 'done');
    assert.equal(archived.body.workflowStatus, 'archived');
    assert.equal(archived.body.report.text, done.body.report.text);
    assert.deepEqual(archived.body.context, done.body.context);
    assert.equal((await A('GET', '/v1/reports/rep_nevereverexisted01')).status, 404, 'no workflow and nothing stored is still 404');
  });

  test('GPU activities never run on a CPU or I/O worker', async () => {
    const { client } = stack;
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowType IN ('StyleTransferWorkflow', 'TuningReportWorkflow')` })) ids.push(wf.workflowId);
    assert.ok(ids.length >= 10);
    for (const id of ids) {
      for (const run of await activityRuns(client, id)) {
        if (run.name !== 'renderStyle' && run.name !== 'writeTuningReport') continue;
        for (const who of [run.startedBy, run.completedBy].filter(Boolean)) assert.match(who!, /^gpu-(diffusion|llm)@/, `${id} ${run.name} ran on ${who}`);
      }
    }
  });
});

describe('bad requests', () => {
  test('are rejected with 4xx codes', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/styles', { albumId, photoId: 'ph_doesnotexist0000', request: '지브리' }, 404, 'PHOTO_NOT_FOUND'],
      ['POST', '/v1/styles', { albumId, photoId, request: '   ' }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/styles', { albumId, photoId, request: 'x'.repeat(501) }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/styles', { albumId, request: 'anime' }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/reports', {}, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/reports', { profiles: [profiles[0]] }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/reports', { profiles: [profiles[0], { interests: [], music: [], bio: '' }] }, 400, 'VALIDATION_FAILED'],
      ['GET', '/v1/styles/sty_doesnotexist0000', undefined, 404, 'STYLE_NOT_FOUND'],
      ['DELETE', '/v1/reports/rep_doesnotexist0000', undefined, 404, 'REPORT_NOT_FOUND'],
      ['GET', '/v1/reports/not-an-id', undefined, 400, 'VALIDATION_FAILED'],
    ];
    for (const [method, p, body, status, code] of cases) {
      const res = await A(method, p, body);
      assert.equal(res.status, status, `${method} ${p} ${JSON.stringify(body)?.slice(0, 80)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code);
    }
    // Another tenant's photo is unknown to this one.
    const other = await call(stack.baseUrl, TENANT_B.key, 'POST', '/v1/styles', { albumId, photoId, request: 'anime' });
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'PHOTO_NOT_FOUND');
  });

  test('cancelling a finished job is 409 JOB_FINISHED', async () => {
    const created = await A('POST', '/v1/reports', { profiles });
    await waitFor(() => A('GET', `/v1/reports/${created.body.reportId}`), finished);
    const res = await A('DELETE', `/v1/reports/${created.body.reportId}`);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'JOB_FINISHED');
  });
});
