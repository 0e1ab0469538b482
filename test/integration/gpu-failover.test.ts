/**
 * GPU failure modes on a real dev server: a GPU that stops making progress is detected by the
 * heartbeat timeout and its job retried on another GPU worker; a model class with no GPU worker
 * at all shows up as a queued job with no pollers, then fails on the schedule-to-start timeout.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Config } from '../../src/config';
import { scene } from '../../src/dev/demo-photos';
import { albumPhotoKey } from '../../src/storage/keys';
import { GPU_QUEUES } from '../../src/shared/task-queues';
import { gpuClassWorker, ioWorker, workflowWorker } from '../../src/workers/roles';
import { createWorker, type CreatedWorker, type WorkerSpec } from '../../src/workers/run-worker';
import type { WorkerTuning } from '../../src/workers/tuning';
import { startBacklogCollector } from '../../src/telemetry/queue-backlog';
import { activityRuns } from '../helpers/history';
import { startA1111StandIn, type A1111StandIn } from '../helpers/gpu-standins';
import { call, startStack, TENANT_A, testTelemetry, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';

let server: Awaited<ReturnType<typeof startTestDevServer>>;
let stack: Stack;
let stuck: A1111StandIn;
let healthy: A1111StandIn;
let second: CreatedWorker | undefined;
let secondRun: Promise<void> | undefined;

/** A diffusion worker of its own identity, talking to its own server. */
const diffusionWorkerOn = (url: string, identity: string): WorkerSpec => {
  const spec = gpuClassWorker('diffusion', { identity });
  return {
    ...spec,
    setup: (config: Config, tuning?: WorkerTuning) =>
      spec.setup({ ...config, gpu: { ...config.gpu, diffusion: { ...config.gpu.diffusion, urls: [url] } } }, tuning),
  };
};
const WORKER_TUNING: WorkerTuning = { render: { steps: 5 }, progressPollMs: 20 };

const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
const finished = (r: { body: { state?: string } }) => ['done', 'failed', 'cancelled'].includes(r.body.state ?? '');

before(async () => {
  [server, stuck, healthy] = await Promise.all([startTestDevServer(), startA1111StandIn({ mode: 'hang' }), startA1111StandIn({ stepMs: 20 })]);
  // No LLM worker at all, and only the stuck GPU to begin with.
  stack = await startStack(server.address, {}, undefined, {
    specs: () => [workflowWorker, ioWorker, diffusionWorkerOn(stuck.url, 'gpu-diffusion@stuck-node')],
    workers: WORKER_TUNING,
    api: { gpuTimeouts: { heartbeatTimeoutMs: 2000, retryInitialIntervalMs: 1000, scheduleToStartTimeoutMs: 3000 } },
  });
});

after(async () => {
  if (second) {
    second.worker.shutdown();
    await secondRun;
    await second.dispose();
  }
  await stack?.stop();
  await Promise.all([server?.stop(), stuck?.stop(), healthy?.stop()]);
});

test('a GPU that stops heartbeating loses its job to another GPU worker', async () => {
  const albumId = 'alb_failover0001';
  const photoId = 'ph_failover0001';
  await stack.store.put(albumPhotoKey(TENANT_A.tenant, albumId, photoId), await scene(320, 240, 5), { contentType: 'image/jpeg' });
  const arrived = stuck.nextRequest();
  const created = await A('POST', '/v1/styles', { albumId, photoId, request: 'pixel art' });
  assert.equal(created.status, 202);
  await arrived;
  // Only now does a healthy node come up, so the first attempt surely went to the stuck one.
  second = await createWorker(stack.config, diffusionWorkerOn(healthy.url, 'gpu-diffusion@healthy-node'), testTelemetry(), WORKER_TUNING);
  secondRun = second.worker.run();

  const done = await waitFor(() => A('GET', `/v1/styles/${created.body.styleId}`), finished, 60_000);
  assert.equal(done.body.state, 'done', JSON.stringify(done.body));
  const render = (await activityRuns(stack.client, created.body.workflowId)).find((r) => r.name === 'renderStyle')!;
  assert.equal(render.completedBy, 'gpu-diffusion@healthy-node');
  assert.ok(render.attempt! >= 2, `attempt ${render.attempt}: the stuck attempt timed out first`);
  assert.equal(stuck.meter.started, 1);
  assert.equal(healthy.meter.started, 1);
});

test('with no GPU worker for a class, jobs show as queued with no pollers, then fail on the schedule-to-start timeout', async () => {
  const created = await A('POST', '/v1/reports', {
    profiles: [
      { interests: ['hiking'], music: [], bio: '' },
      { interests: ['hiking'], music: [], bio: '' },
    ],
  });
  const queued = await waitFor(
    () => A('GET', `/v1/reports/${created.body.reportId}`),
    (r) => r.body.state === 'queued' || finished(r),
  );
  assert.equal(queued.body.state, 'queued');
  assert.equal(queued.body.queue.queue, GPU_QUEUES.llm);
  assert.equal(queued.body.queue.pollers, 0, 'nobody polls the LLM queue');
  const failed = await waitFor(() => A('GET', `/v1/reports/${created.body.reportId}`), finished, 30_000);
  assert.equal(failed.body.state, 'failed');
  assert.equal(failed.body.error.code, 'NO_GPU_WORKER');
});

test("the API serves the GPU queues' pollers and backlog from the backlog collector: a missing GPU worker shows", async () => {
  // What the API process runs on an interval (LIGHTBOX_BACKLOG_POLL_SECONDS), one round here.
  const collector = startBacklogCollector({ workflowService: stack.client.workflowService, namespace: 'lightbox', intervalMs: 60_000 });
  try {
    await collector.collect();
  } finally {
    collector.stop();
  }
  const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
  const pollers = (queue: string) =>
    new RegExp(`lightbox_task_queue_pollers\\{(?=[^}]*task_queue="${queue}")(?=[^}]*task_type="activity")[^}]*\\} (\\d+)`).exec(text)?.[1];
  assert.equal(pollers(GPU_QUEUES.llm), '0', 'no LLM worker polls');
  assert.ok(Number(pollers(GPU_QUEUES.diffusion)) >= 1, 'the diffusion worker polls');
  assert.match(text, new RegExp(`lightbox_task_queue_backlog\\{[^}]*task_queue="${GPU_QUEUES.llm}"`));
});

test('a job that outwaits its schedule-to-start timeout behind a busy GPU is queued again, not failed', async () => {
  const albumId = 'alb_failover0002';
  const photoId = 'ph_failover0002';
  await stack.store.put(albumPhotoKey(TENANT_A.tenant, albumId, photoId), await scene(320, 240, 6), { contentType: 'image/jpeg' });
  // 5 steps × 0.8 s: each job holds the one healthy GPU longer than the 3 s schedule-to-start timeout.
  healthy.stepMs = 800;
  const ids: Array<{ styleId: string; workflowId: string }> = [];
  for (let i = 0; i < 3; i++) ids.push((await A('POST', '/v1/styles', { albumId, photoId, request: `oil painting ${i}` })).body);
  const done = await Promise.all(ids.map((j) => waitFor(() => A('GET', `/v1/styles/${j.styleId}`), finished, 90_000)));
  assert.deepEqual(
    done.map((r) => r.body.state),
    ['done', 'done', 'done'],
  );
  const runs = (await Promise.all(ids.map((j) => activityRuns(stack.client, j.workflowId)))).flat();
  assert.ok(
    runs.some((r) => r.name === 'renderStyle' && r.outcome === 'timed-out'),
    'some job waited past its schedule-to-start timeout',
  );
  assert.ok(
    runs.some((r) => r.name === 'gpuQueueHealth'),
    'and the workflow checked that GPU workers were alive before queueing it again',
  );
});
