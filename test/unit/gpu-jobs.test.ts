/**
 * The parts of style transfer and tuning reports that need no server: the style catalogue, the
 * CPU fallback stylizer, the template report, the A1111 client against a protocol stand-in, and
 * the GPU worker's slot config.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import sharp from 'sharp';
import { GPU_STALL_ABORT_MS } from '../../src/activities/gpu/heartbeat';
import { DEFAULT_GPU_TIMEOUTS } from '../../src/shared/task-queues';
import { createStylePromptActivities } from '../../src/activities/gpu/style-prompt';
import { createStyleRenderActivities } from '../../src/activities/gpu/style-render';
import { createTuningContextActivities, topicsOf } from '../../src/activities/gpu/tuning-context';
import { createTuningReportActivities, templateReport } from '../../src/activities/gpu/tuning-report';
import { loadConfig } from '../../src/config';
import { scene } from '../../src/dev/demo-photos';
import { Automatic1111Backend, renderSize, SharpStylizer } from '../../src/activities/gpu/diffusion';
import type { ContextResult, Profile, RenderResult, ReportResult, StylePrompt } from '../../src/shared/gpu-jobs';
import { cataloguePrompt, matchStyle } from '../../src/shared/style-catalogue';
import { LocalBlobStore } from '../../src/storage/local-store';
import { gpuClassSlots } from '../../src/workers/roles';
import { startA1111StandIn } from '../helpers/gpu-standins';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-gpu-unit-'));
const store = new LocalBlobStore({ rootDir: dir, signingSecret: 's', publicBaseUrl: 'http://127.0.0.1:1' });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const profiles: [Profile, Profile] = [
  { name: '민지', interests: ['사진', 'Jazz', '등산'], music: ['Norah Jones'], bio: '산을 좋아해요' },
  { name: '준호', interests: ['jazz', '요리'], music: ['Norah Jones', 'Chet Baker'], bio: '요리가 취미' },
];

describe('style catalogue', () => {
  test('matches Korean and English requests, with a default for anything else', () => {
    assert.equal(matchStyle('지브리 스타일로 바꿔줘').id, 'ghibli');
    assert.equal(matchStyle('Make it look like Studio Ghibli').id, 'ghibli');
    assert.equal(matchStyle('흑백으로').id, 'black-and-white');
    assert.equal(matchStyle('수채화 느낌').id, 'watercolor');
    assert.equal(matchStyle('사이버펑크 네온').id, 'cyberpunk');
    assert.equal(matchStyle('something nobody listed').id, 'watercolor');
  });

  test('the catalogue prompt is deterministic and says it is the fallback', () => {
    const a = cataloguePrompt('지브리 스타일로 바꿔줘', 'gemini-failed');
    assert.deepEqual(a, cataloguePrompt('지브리 스타일로 바꿔줘', 'gemini-failed'));
    assert.equal(a.source, 'catalogue');
    assert.equal(a.fallbackReason, 'gemini-failed');
    assert.match(a.prompt, /ghibli/);
  });

  test('with no Gemini key the prompt activity answers from the catalogue at once', async () => {
    const { writeStylePrompt } = createStylePromptActivities({ store, gemini: { model: 'gemini-2.5-flash', timeoutMs: 1000 } });
    const p = (await new MockActivityEnvironment().run(writeStylePrompt, { photoKey: 'tenants/acme/none', request: '픽셀 아트로' })) as StylePrompt;
    assert.deepEqual([p.source, p.fallbackReason, p.style], ['catalogue', 'no-api-key', 'pixel-art']);
  });
});

describe('diffusion backends', () => {
  test('render sizes keep the aspect ratio on 64-px multiples within the cap', () => {
    assert.deepEqual(renderSize(4000, 3000, 768), { width: 768, height: 576 });
    assert.deepEqual(renderSize(300, 200, 768), { width: 320, height: 192 });
  });

  test('the CPU stylizer renders a PNG with progress and says it is a fallback', async () => {
    const key = 'tenants/acme/albums/alb_unit0000/photos/ph_unit0001';
    await store.put(key, await scene(640, 480, 2));
    const { renderStyle } = createStyleRenderActivities({
      store,
      backend: new SharpStylizer(),
      settings: { steps: 20, denoisingStrength: 0.5, maxSide: 512, stallAbortMs: 60_000 },
    });
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d) => beats.push(d));
    const r = (await env.run(renderStyle, {
      tenantId: 'acme',
      styleId: 'sty_unit0001',
      photoKey: key,
      prompt: 'p',
      negativePrompt: 'n',
      style: 'ghibli',
    })) as RenderResult;
    assert.deepEqual([r.backend, r.fallback, r.width, r.height], ['cpu-sharp', true, 512, 384]);
    const meta = await sharp(await store.get(r.resultKey)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 512, 384]);
    assert.deepEqual(beats.at(-1), { step: 4, totalSteps: 4, fraction: 1 });
  });

  test('the A1111 client reports sampling steps, and on abort interrupts the server', async () => {
    const server = await startA1111StandIn({ stepMs: 30 });
    try {
      const backend = new Automatic1111Backend({ urls: [server.url], progressPollMs: 10 });
      const job = { image: await scene(200, 150), prompt: 'p', negativePrompt: 'n', style: 'anime', steps: 6, denoisingStrength: 0.5, maxSide: 256, seed: 1 };
      const steps: number[] = [];
      const out = await backend.render(job, { signal: new AbortController().signal, onProgress: (s) => steps.push(s) });
      assert.deepEqual([out.width, out.height], [192, 128], 'never upscaled; snapped to 64 px');
      assert.equal(steps.at(-1), 6);
      assert.ok(
        steps.some((s) => s > 0 && s < 6),
        `intermediate steps seen: ${steps}`,
      );

      server.stepMs = 1000;
      const abort = new AbortController();
      const rendering = backend.render(job, { signal: abort.signal, onProgress: (s) => s >= 1 && abort.abort(new Error('cancelled by test')) });
      await assert.rejects(rendering, /cancelled by test/);
      assert.equal(server.interrupts, 1);
    } finally {
      await server.stop();
    }
  });
});

describe('tuning reports without services', () => {
  test('topics are the shared interests, compared case-insensitively', () => {
    assert.deepEqual(topicsOf(profiles), ['Jazz']);
  });

  test('context sources that are not configured are recorded as skipped', async () => {
    const acts = createTuningContextActivities(loadConfig({}).context);
    const env = new MockActivityEnvironment();
    for (const fn of [acts.searchWeb, acts.searchMusic, acts.searchVideos]) {
      const r = (await env.run(fn, profiles)) as ContextResult;
      assert.equal(r.status, 'skipped');
    }
  });

  test('with no LLM endpoint the report is a template built from the context, marked as such, and stored', async () => {
    const context: ContextResult[] = [{ source: 'music', provider: 'spotify', status: 'ok', items: [{ title: 'Come Away With Me — Norah Jones' }] }];
    const text = templateReport({ tenantId: 'acme', reportId: 'rep_unit0001', profiles, context });
    assert.match(text, /템플릿 리포트/);
    assert.match(text, /Norah Jones/);
    assert.match(text, /Come Away With Me/);
    const { writeTuningReport } = createTuningReportActivities({ store, maxTokens: 10, stallAbortMs: 1000 });
    const r = (await new MockActivityEnvironment().run(writeTuningReport, { tenantId: 'acme', reportId: 'rep_unit0001', profiles, context })) as ReportResult;
    assert.equal(r.source, 'template');
    assert.equal(r.text, text);
    assert.equal(JSON.parse((await store.get(r.reportKey)).toString()).source, 'template');
  });
});

describe('GPU worker config', () => {
  test('slots per class are slots-per-GPU × GPUs; classes are validated', () => {
    const d = loadConfig({});
    assert.deepEqual(d.workers.gpuClasses, ['llm', 'diffusion']);
    assert.equal(gpuClassSlots(d, 'llm'), 8);
    assert.equal(gpuClassSlots(d, 'diffusion'), 1);
    const c = loadConfig({ GPU_WORKER_CLASSES: 'diffusion', GPU_COUNT: '4', GPU_DIFFUSION_SLOTS_PER_GPU: '1', GPU_LLM_SLOTS_PER_GPU: '12' });
    assert.deepEqual(c.workers.gpuClasses, ['diffusion']);
    assert.equal(gpuClassSlots(c, 'diffusion'), 4);
    assert.equal(gpuClassSlots(c, 'llm'), 48);
    assert.throws(() => loadConfig({ GPU_WORKER_CLASSES: 'llm,video' }), /GPU_WORKER_CLASSES/);
    // A stalled node must not free its slot before Temporal has moved the job, or it may take it back.
    assert.ok(GPU_STALL_ABORT_MS > DEFAULT_GPU_TIMEOUTS.heartbeatTimeoutMs + DEFAULT_GPU_TIMEOUTS.retryInitialIntervalMs);
    assert.deepEqual(loadConfig({ DIFFUSION_BACKEND_URL: 'http://a:7860/, http://b:7860' }).gpu.diffusion.urls, ['http://a:7860', 'http://b:7860']);
  });
});
