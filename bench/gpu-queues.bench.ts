/**
 * GPU queue benchmark: N jobs queued at once on the GPU class queues of a real Temporal dev
 * server, real workflow/io/GPU workers and the real API, against SIMULATED GPU servers (the
 * A1111 and vLLM protocol stand-ins from test/helpers/gpu-standins.ts). Measures slot occupancy
 * while jobs wait, jobs lost, queue-to-start latency, and reports/hour at LLM slots 1 vs 8.
 *
 *   npm run bench -- gpu
 *   node --import tsx bench/gpu-queues.bench.ts --scale 0.1 --diffusion-jobs 12 --reports-1 12 --reports-8 48
 *
 * Time is scaled: a simulated 20 s diffusion job runs for 20 s × scale. Temporal's own overhead
 * (dispatch, history writes) is NOT scaled, so occupancy at full-length jobs is projected from
 * the measured hand-off gap as well as measured at the scaled length. The LLM stand-in slows
 * each token by --llm-slowdown per extra concurrent stream, a stand-in for vLLM's continuous
 * batching; the slots-8 speed-up therefore follows from that assumption, not from a GPU. Report
 * lengths vary ±25 % around the mean (--report-jitter), as real reports do.
 * No GPU was used: every figure here comes from the simulation.
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config';
import { scene } from '../src/dev/demo-photos';
import { GPU_QUEUES } from '../src/shared/task-queues';
import { albumPhotoKey } from '../src/storage/keys';
import { gpuClassWorker, ioWorker, workflowWorker } from '../src/workers/roles';
import { createWorker, type CreatedWorker } from '../src/workers/run-worker';
import { startA1111StandIn, startOpenAiStandIn, type ConcurrencyMeter } from '../test/helpers/gpu-standins';
import { call, startStack, TENANT_A, testTelemetry, waitFor, type Stack } from '../test/helpers/stack';
import { startTestDevServer } from '../test/helpers/temporal';
import { runBench } from './lib/run-bench';
import type { WorkerTuning } from '../src/workers/tuning';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '0.2' },
    'diffusion-jobs': { type: 'string', default: '10' },
    'diffusion-seconds': { type: 'string', default: '20' },
    steps: { type: 'string', default: '20' },
    // More reports than slots at both settings, so jobs wait and occupancy is measurable.
    'reports-1': { type: 'string', default: '8' },
    'reports-8': { type: 'string', default: '40' },
    'report-seconds': { type: 'string', default: '20' },
    'report-tokens': { type: 'string', default: '200' },
    'llm-slowdown': { type: 'string', default: '0.04' },
    // Reports differ in length; ±25 % around the mean keeps the 8 streams from finishing in lockstep.
    'report-jitter': { type: 'string', default: '0.25' },
  },
});
const scale = Number(args.scale);
const diffusionJobs = Number(args['diffusion-jobs']);
const diffusionSeconds = Number(args['diffusion-seconds']);
const steps = Number(args.steps);
const reportsAt: Record<number, number> = { 1: Number(args['reports-1']), 8: Number(args['reports-8']) };
const reportSeconds = Number(args['report-seconds']);
const reportTokens = Number(args['report-tokens']);
const llmSlowdown = Number(args['llm-slowdown']);
const reportJitter = Number(args['report-jitter']);

const finished = (r: { body: { state?: string } }) => ['done', 'failed', 'cancelled'].includes(r.body.state ?? '');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const tsMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

/** Scheduled → started of the job's GPU activity, from its history (ms). */
async function queueToStart(client: Client, workflowId: string, activity: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, number>();
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === activity) scheduled.set(String(e.eventId), tsMs(e.eventTime));
    const st = e.activityTaskStartedEventAttributes;
    if (st && scheduled.has(String(st.scheduledEventId))) return tsMs(e.eventTime) - scheduled.get(String(st.scheduledEventId))!;
  }
  return NaN;
}

/**
 * Slot occupancy while jobs waited: over [first start, last start] (some job was always
 * waiting then), the mean number of requests in flight at the GPU server over the slot count.
 */
function occupancy(meter: ConcurrencyMeter, slots: number, fromIndex = 0): { occupancy: number; gapsMs: number[] } {
  const iv = meter.intervals.slice(fromIndex).map((i) => ({ start: i.start, end: i.end ?? performance.now() }));
  const t0 = Math.min(...iv.map((i) => i.start));
  const t1 = Math.max(...iv.map((i) => i.start));
  if (!(t1 > t0)) return { occupancy: NaN, gapsMs: [] };
  const busy = iv.reduce((sum, i) => sum + Math.max(0, Math.min(i.end, t1) - Math.max(i.start, t0)), 0);
  const sorted = [...iv].sort((a, b) => a.start - b.start);
  const gapsMs = slots === 1 ? sorted.slice(1).map((i, k) => i.start - sorted[k]!.end) : [];
  return { occupancy: busy / ((t1 - t0) * slots), gapsMs };
}

async function main() {
  const stepMs = (diffusionSeconds * 1000 * scale) / steps;
  const tokenMs = (reportSeconds * 1000 * scale) / reportTokens;
  const server = await startTestDevServer();
  const a1111 = await startA1111StandIn({ stepMs });
  const workerTuning: WorkerTuning = {
    render: { steps },
    progressPollMs: Math.max(20, Math.round(stepMs)),
    reportMaxTokens: Math.ceil(reportTokens * (1 + reportJitter)),
  };
  const vllm = await startOpenAiStandIn({ tokens: reportTokens, tokenMs, slowdownPerStream: llmSlowdown, tokensJitter: reportJitter });
  let stack: Stack | undefined;
  let llmWorker: (CreatedWorker & { running: Promise<void> }) | undefined;
  const rows: Array<[string, string, string, string]> = [];
  try {
    stack = await startStack(
      server.address,
      {
        DIFFUSION_BACKEND_URL: a1111.url,
        LLM_BASE_URL: vllm.url,
        GPU_DIFFUSION_SLOTS_PER_GPU: '1',
        LOG_LEVEL: 'warn',
      },
      undefined,
      { specs: () => [workflowWorker, ioWorker, gpuClassWorker('diffusion')], workers: workerTuning },
    );
    const s = stack;
    const A = (method: string, p: string, body?: unknown) => call(s.baseUrl, TENANT_A.key, method, p, body);

    // --- diffusion: one slot, N jobs queued at once -------------------------------------
    const albumId = 'alb_benchgpu0001';
    const photoId = 'ph_benchgpu0001';
    await s.store.put(albumPhotoKey(TENANT_A.tenant, albumId, photoId), await scene(640, 480, 7), { contentType: 'image/jpeg' });
    const t0 = performance.now();
    const styles = await Promise.all(
      Array.from({ length: diffusionJobs }, (_, i) => A('POST', '/v1/styles', { albumId, photoId, request: `지브리 스타일 ${i}` })),
    );
    const styleDone = await Promise.all(styles.map((r) => waitFor(() => A('GET', `/v1/styles/${r.body.styleId}`), finished, 30 * 60_000)));
    const diffusionWall = performance.now() - t0;
    const lostStyles = styleDone.filter((r) => r.body.state !== 'done').length;
    const dOcc = occupancy(a1111.meter, 1);
    const dWait = await Promise.all(styles.map((r) => queueToStart(s.client, r.body.workflowId, 'renderStyle')));
    const gapP50 = pct(dOcc.gapsMs, 50);
    const jobMs = diffusionSeconds * 1000 * scale;
    rows.push(
      [
        'diffusion: jobs done / queued',
        `${diffusionJobs - lostStyles}/${diffusionJobs} (lost ${lostStyles}, duplicate renders ${a1111.meter.started - diffusionJobs})`,
        'lost 0',
        'simulated',
      ],
      ['diffusion: max renders at once (1 slot)', String(a1111.meter.max), '1', 'simulated'],
      [`diffusion: slot occupancy while jobs wait (${(jobMs / 1000).toFixed(1)} s jobs)`, `${(dOcc.occupancy * 100).toFixed(1)} %`, '≥ 95 %', 'simulated'],
      [
        'diffusion: hand-off gap between jobs (p50 / max)',
        `${gapP50.toFixed(0)} / ${Math.max(...dOcc.gapsMs).toFixed(0)} ms`,
        '—',
        'Temporal overhead, measured',
      ],
      [
        `diffusion: occupancy projected at ${diffusionSeconds} s jobs`,
        `${(((diffusionSeconds * 1000) / (diffusionSeconds * 1000 + gapP50)) * 100).toFixed(2)} %`,
        '≥ 95 %',
        'projection',
      ],
      ['diffusion: queue-to-start, first job (idle slot)', `${Math.min(...dWait).toFixed(0)} ms`, '—', 'measured (history)'],
      [
        'diffusion: queue-to-start p50 / max (waiting for the slot)',
        `${(pct(dWait, 50) / 1000).toFixed(1)} / ${(Math.max(...dWait) / 1000).toFixed(1)} s`,
        '—',
        'simulated job length',
      ],
      ['diffusion: wall time for the batch', `${(diffusionWall / 1000).toFixed(1)} s`, '—', 'simulated'],
    );

    // --- LLM: the same N reports at 1 slot, then at 8 ---------------------------------------
    const profiles = [
      { interests: ['재즈', '등산'], music: ['Norah Jones'], bio: '산과 음악' },
      { interests: ['재즈', '요리'], music: ['Chet Baker'], bio: '요리와 재즈' },
    ];
    const perHour: Record<number, number> = {};
    for (const slots of [1, 8]) {
      const reports = reportsAt[slots]!;
      const cfg: Config = { ...s.config, workers: { ...s.config.workers, gpuSlotsPerGpu: { ...s.config.workers.gpuSlotsPerGpu, llm: slots } } };
      const w = await createWorker(cfg, gpuClassWorker('llm'), testTelemetry(), workerTuning);
      llmWorker = { ...w, running: w.worker.run() };
      const from = vllm.meter.intervals.length;
      vllm.meter.max = 0;
      const started = performance.now();
      const created = await Promise.all(Array.from({ length: reports }, () => A('POST', '/v1/reports', { profiles })));
      const done = await Promise.all(created.map((r) => waitFor(() => A('GET', `/v1/reports/${r.body.reportId}`), finished, 30 * 60_000)));
      const wall = performance.now() - started;
      const lost = done.filter((r) => r.body.state !== 'done').length;
      const occ = occupancy(vllm.meter, slots, from);
      const iv = vllm.meter.intervals.slice(from);
      const genSpan = Math.max(...iv.map((i) => i.end ?? 0)) - Math.min(...iv.map((i) => i.start));
      // Reports/hour at full length: the measured rate over the generation span, times the scale.
      perHour[slots] = ((reports - lost) / (genSpan / 1000)) * 3600 * scale;
      const waits = await Promise.all(created.map((r) => queueToStart(s.client, r.body.workflowId, 'writeTuningReport')));
      rows.push(
        [`llm ${slots} slot(s): reports done / queued`, `${reports - lost}/${reports} (lost ${lost})`, 'lost 0', 'simulated'],
        [`llm ${slots} slot(s): max streams at once`, String(vllm.meter.max), `≤ ${slots}`, 'simulated'],
        [`llm ${slots} slot(s): slot occupancy while jobs wait`, `${(occ.occupancy * 100).toFixed(1)} %`, '≥ 95 %', 'simulated'],
        [
          `llm ${slots} slot(s): queue-to-start p50 / max`,
          `${(pct(waits, 50) / 1000).toFixed(1)} / ${(Math.max(...waits) / 1000).toFixed(1)} s`,
          '—',
          'simulated job length',
        ],
        [
          `llm ${slots} slot(s): reports/hour at ${reportSeconds} s/report (batch 1)`,
          perHour[slots]!.toFixed(0),
          slots === 1 ? `seeds: ${(3600 / reportSeconds).toFixed(0)}` : '6–11× slots 1',
          'simulated',
        ],
        [`llm ${slots} slot(s): wall time for the batch`, `${(wall / 1000).toFixed(1)} s`, '—', 'simulated'],
      );
      llmWorker.worker.shutdown();
      await llmWorker.running;
      await llmWorker.dispose();
      llmWorker = undefined;
    }
    rows.push(
      ['llm: throughput slots 8 / slots 1', `${(perHour[8]! / perHour[1]!).toFixed(2)}×`, '6–11× (vLLM, measured elsewhere)', 'simulated'],
      [
        'llm: the same ratio with zero overhead, under the model',
        `${(8 / (1 + 7 * llmSlowdown)).toFixed(2)}×`,
        '—',
        `assumption: per-token × (1 + ${llmSlowdown}·(streams−1))`,
      ],
    );
  } finally {
    if (llmWorker) {
      llmWorker.worker.shutdown();
      await llmWorker.running.catch(() => undefined);
      await llmWorker.dispose();
    }
    await stack?.stop();
    await Promise.all([a1111.stop(), vllm.stop(), server.stop()]);
  }

  const header: [string, string, string, string] = ['metric', 'value', 'target', 'source'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\nGPU queues — SIMULATED GPU servers (no GPU was used; nothing here was measured on a real GPU).\n` +
      `Time scale ${scale}: a ${diffusionSeconds} s diffusion job (${steps} steps) runs ${(diffusionSeconds * scale).toFixed(1)} s; ` +
      `a ${reportSeconds} s report (${reportTokens} tokens on average, ±${reportJitter * 100} %, at batch 1) runs ${(reportSeconds * scale).toFixed(1)} s; ` +
      `per-token time grows ×(1 + ${llmSlowdown}·(streams−1)) with concurrent streams. ` +
      `${diffusionJobs} style jobs, ${reportsAt[1]} reports at LLM slots 1 and ${reportsAt[8]} at slots 8, each batch queued at once.\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log(`\nQueue: ${GPU_QUEUES.diffusion} and ${GPU_QUEUES.llm} on a Temporal dev server (SQLite in memory) on this machine.`);
}

runBench(main);
