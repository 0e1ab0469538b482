/**
 * The web console in a real browser (Debian's Chromium, driven by playwright-core; no browser is
 * ever downloaded) against the real stack: API, every worker, a Temporal dev server. A person's
 * path through it: sign in, create an album, drop photos (one of them corrupt) on it, wait for the
 * results, look at highlights, a copy group and the failure; run a style transfer and a tuning
 * report. The GPUs and paid APIs are local stand-ins at their HTTP boundary, as in gpu-jobs.test.
 * Screenshots go to test-output/screenshots (CI keeps that folder).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { demoAlbumFiles } from '../../src/dev/demo-photos';
import { consoleRoutes } from '../../src/api/routes/console';
import { errorHandler } from '../../src/api/errors';
import { loadConfig } from '../../src/config';
import {
  startA1111StandIn,
  startContextApisStandIn,
  startOpenAiStandIn,
  type A1111StandIn,
  type ContextApisStandIn,
  type OpenAiStandIn,
} from '../helpers/gpu-standins';
import { call, startStack, TENANT_A, TENANT_B, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';
import { openConsolePage } from '../helpers/browser';

// Browser globals, for the callbacks that run in the page (this file compiles without the DOM lib).
declare const document: any, window: any, sessionStorage: any, localStorage: any, DataTransfer: any;
type HTMLImageElement = { complete: boolean; naturalWidth: number };

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const STEPS = 8;

let server: Awaited<ReturnType<typeof startTestDevServer>>;
let uiUrl = '';
let stack: Stack;
let a1111: A1111StandIn;
let openai: OpenAiStandIn;
let apis: ContextApisStandIn;
let browser: Browser;
let page: Page;
let problems: string[] = [];

function consoleBuildIsStale(): boolean {
  const index = path.join(ROOT, 'dist', 'console', 'index.html');
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  const dir = path.join(ROOT, 'console');
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && fs.statSync(path.join(e.parentPath, e.name)).mtimeMs > built);
}

/** Thumbnails load as they near the viewport: scroll through so a full-page screenshot has them all. */
async function loadAllImages() {
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 400) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await page.waitForFunction(() => [...(document.querySelectorAll('img[data-photo-id]') as HTMLImageElement[])].every((i) => i.complete && i.naturalWidth > 0));
  await page.evaluate(() => window.scrollTo(0, 0));
}

const shot = async (name: string) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
};

before(async () => {
  // The console is built by npm run setup / build; a bare checkout, or sources newer than the build, build it here.
  if (consoleBuildIsStale()) {
    execFileSync('npm', ['run', '--silent', 'console:build'], { cwd: ROOT, stdio: 'inherit' });
  }
  [server, a1111, openai, apis] = await Promise.all([
    startTestDevServer(),
    // Slow enough that a person (and the test) sees the render's steps and the report's tokens go by.
    startA1111StandIn({ stepMs: 700 }),
    startOpenAiStandIn({ tokens: 60, tokenMs: 120 }),
    startContextApisStandIn(),
  ]);
  uiUrl = server.uiUrl ?? 'http://localhost:8233';
  stack = await startStack(
    server.address,
    {
      TEMPORAL_UI_PUBLIC_URL: uiUrl,
      DIFFUSION_BACKEND_URL: a1111.url,
      LLM_BASE_URL: openai.url,
      LLM_MODEL: 'qwen2.5-7b-instruct',
      ...apis.env,
    },
    undefined,
    {
      workers: { render: { steps: STEPS }, progressPollMs: 100, contextEndpoints: apis.endpoints },
      // Heartbeats (and with them the report's partial text) reach the server at most every 0.8 × the timeout.
      api: { gpuTimeouts: { heartbeatTimeoutMs: 2000, retryInitialIntervalMs: 1000 } },
    },
  );
  ({ browser, page, problems } = await openConsolePage());
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await Promise.all([server?.stop(), a1111?.stop(), openai?.stop(), apis?.stop()]);
});

describe('web console', () => {
  let albumUrl = '';

  test('sign-in keeps the API key in session storage only, never in a URL', async () => {
    const res = await page.goto(`${stack.baseUrl}/console/`);
    assert.equal(res?.status(), 200);
    const csp = res!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https:(?!\/\/)/);

    await page.getByLabel('API key').fill('wrong-key-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That API key was not accepted.').waitFor();

    await page.getByLabel('API key').fill(TENANT_A.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Albums' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('lightbox.apiKey')), TENANT_A.key);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok(!page.url().includes(TENANT_A.key));
  });

  test('create an album, drop photos and a corrupt file on it, and see results: highlights, a copy group, the failure with its code', async () => {
    await page.getByLabel('New album').fill('Harbour trip');
    await page.getByRole('button', { name: 'Create album' }).click();
    await page.waitForURL(/\/console\/albums\/alb_/);
    albumUrl = page.url();
    await page.getByRole('heading', { name: 'Harbour trip' }).waitFor();
    const link = await page.getByRole('link', { name: /Workflow in Temporal Web UI/ }).getAttribute('href');
    assert.ok(link?.startsWith(`${uiUrl}/namespaces/`), link ?? 'no workflow link');

    const files = (await demoAlbumFiles()).filter((f) => f.name !== 'bomb.png');
    // Dropped as a person drops them: a real DataTransfer with File objects on the drop zone.
    const dataTransfer = await page.evaluateHandle(
      (fs) => {
        const dt = new DataTransfer();
        for (const f of fs) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
        return dt;
      },
      files.map((f) => ({ name: f.name, type: f.contentType, b64: f.data.toString('base64') })),
    );
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
    await page
      .locator('.uploads li.u-accepted')
      .nth(files.length - 1)
      .waitFor();
    assert.equal(await page.locator('.uploads progress').count(), files.length, 'one progress bar per file');
    for (const p of await page.locator('.uploads progress').all()) assert.equal(await p.getAttribute('value'), '1');

    await page.getByRole('button', { name: 'Close album' }).click();
    await page.locator('[data-testid=album-status]', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
    await page.locator('[data-testid=progress]', { hasText: `${files.length} of ${files.length} photos (1 failed)` }).waitFor();

    // Highlights: thumbnails that really loaded through signed URLs.
    const highlights = page.locator('[data-testid=highlights] img');
    await highlights.first().waitFor();
    await page.waitForFunction(() =>
      [...(document.querySelectorAll('[data-testid=highlights] img') as HTMLImageElement[])].every((i) => i.complete && i.naturalWidth > 0),
    );
    const names = await page.locator('[data-testid=highlights] .name').allTextContents();
    assert.ok(names.includes('harbour.jpg') && names.includes('lake.jpg'), names.join(', '));
    assert.ok(!names.includes('harbour-shaky.jpg'));

    // The copy group: the sharp original kept, with its reason; the resized and blurred copies with it.
    const group = page.locator('[data-testid=copy-group]');
    assert.equal(await group.count(), 1);
    const groupText = await group.innerText();
    assert.match(groupText, /kept harbour\.jpg — best quality score/);
    assert.match(groupText, /harbour-small\.webp/);
    assert.match(groupText, /harbour-shaky\.jpg/);
    assert.equal(await group.locator('.tile.kept .name').innerText(), 'harbour.jpg');

    // Quality badges.
    const tileOf = (name: string) =>
      page.locator('#all-h + .grid .tile', { has: page.locator('.name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) });
    await tileOf('harbour-shaky.jpg').locator('.badge.blurry').waitFor();
    await tileOf('night.jpg').locator('.badge.dark').waitFor();
    await tileOf('snow-glare.jpg').locator('.badge.blown').waitFor();

    // The corrupt file, with its code, stage and message.
    const failure = page.locator('[data-testid=failures] tbody tr');
    assert.equal(await failure.count(), 1);
    const cells = await failure.locator('td').allInnerTexts();
    assert.equal(cells[0], 'cut-off.jpg');
    assert.equal(cells[1], 'CORRUPT_IMAGE');
    assert.equal(cells[2], 'decode');
    assert.ok((cells[3] ?? '').length > 0);
    await loadAllImages();
    await shot('album-results.png');

    // The album list shows it, paged, with its title.
    await page.getByRole('link', { name: '← Albums' }).click();
    await page.getByRole('link', { name: 'Harbour trip' }).waitFor();
  });

  test('a photo opens large through a signed URL, and a style transfer shows its queue state, steps, then before and after', async () => {
    await page.goto(albumUrl);
    await page.locator('[data-testid=highlights] .tile', { hasText: 'harbour.jpg' }).getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('img.large').waitFor();
    const src = await dialog.locator('img.large').getAttribute('src');
    assert.match(src ?? '', /\/v1\/blobs\/.+signature=/, 'the large photo comes from a signed URL');
    await page.waitForFunction(() => ((document.querySelector('dialog img.large') as HTMLImageElement | null)?.naturalWidth ?? 0) === 800);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.locator('[data-testid=highlights] .tile', { hasText: 'harbour.jpg' }).getByRole('button').click();
    await page.getByLabel('Style request').fill('make it a watercolor');
    await page.getByRole('button', { name: 'Start style transfer' }).click();
    await page.waitForURL(/\/console\/styles\/sty_/);
    await page.locator('progress[aria-label=Steps]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=queue]', { hasText: /pollers [1-9]/ }).waitFor();
    await page.getByRole('img', { name: 'Before' }).waitFor();
    await shot('gpu-job-running.png');
    assert.ok(await page.getByRole('link', { name: /Workflow in Temporal Web UI/ }).isVisible());

    await page.locator('[data-testid=job-state]', { hasText: 'done' }).waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => ((document.querySelector('[data-testid=style-after]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    assert.match(await page.locator('.before-after').innerText(), /automatic1111/);
    await shot('style-done.png');
  });

  test('a tuning report streams its text in as tokens arrive and shows the sources of its context', async () => {
    await page.getByRole('link', { name: 'GPU jobs', exact: true }).click();
    // The tenant's GPU jobs from the API, with each GPU queue's backlog and pollers.
    await page.locator('[data-testid=jobs] li', { hasText: 'make it a watercolor' }).locator('.status', { hasText: 'done' }).waitFor();
    await page.locator('[data-testid=queues]', { hasText: 'lightbox-gpu-diffusion' }).waitFor();
    assert.match(await page.locator('[data-testid=queues]').innerText(), /lightbox-gpu-llm[\s\S]*pollers [1-9]/);
    await page.getByRole('button', { name: 'Write report' }).click();
    await page.waitForURL(/\/console\/reports\/rep_/);
    // Part of the text while the job still runs (from the GPU activity's heartbeat), then all of it.
    await page.waitForFunction(() => {
      const state = document.querySelector('[data-testid=job-state]')?.textContent;
      const text = document.querySelector('[data-testid=report-text]')?.textContent ?? '';
      return state === 'running' && text.length > 0 && !text.startsWith('Waiting');
    });
    const partial = await page.locator('[data-testid=report-text]').innerText();
    await shot('report-streaming.png');
    await page.locator('[data-testid=job-state]', { hasText: 'done' }).waitFor({ timeout: 120_000 });
    const full = await page.locator('[data-testid=report-text]').innerText();
    assert.ok(full.length > partial.length && full.startsWith(partial.slice(0, 10)), `partial "${partial}" then full "${full}"`);
    const sources = await page.locator('[data-testid=sources]').innerText();
    assert.match(sources, /web/);
    assert.match(sources, /music/);
  });

  test('playgrounds: matching ranks profiles with score and method; the clean-bot labels messages', async () => {
    await page.getByRole('link', { name: 'Matching' }).click();
    for (const [id, text] of [
      ['minji', '주말마다 카메라 들고 산에 가요. 재즈와 등산을 좋아해요.'],
      ['junho', '요리와 맛집 탐방이 취미입니다.'],
    ]) {
      await page.getByLabel('User id').fill(id!);
      await page.getByLabel('Profile text').fill(text!);
      await page.getByRole('button', { name: 'Index profile' }).click();
      await page.getByText(`Indexed ${id}`).waitFor();
    }
    await page.getByLabel('Query text').fill('산과 재즈를 좋아하는 사람');
    await page.getByRole('button', { name: 'Find matches' }).click();
    const ranked = page.locator('[data-testid=matches] li');
    await ranked.first().waitFor();
    assert.match(await ranked.first().innerText(), /^minji \d\.\d{3}/);
    assert.match(await page.locator('section.card', { has: ranked.first() }).innerText(), /Method \S+/);

    await page.getByRole('link', { name: 'Clean-bot' }).click();
    await page.getByLabel('Chat messages, one per line').fill('안녕하세요, 반가워요!\n씨발 꺼져');
    await page.getByRole('button', { name: 'Check messages' }).click();
    const rows = page.locator('[data-testid=moderation] tbody tr');
    await rows.nth(1).waitFor();
    assert.match(await rows.nth(0).innerText(), /clean/);
    assert.match(await rows.nth(1).innerText(), /toxic/);
  });

  test('usable at phone width: nothing overflows sideways, and the main actions work from the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(albumUrl);
    await page.locator('[data-testid=highlights] img').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await loadAllImages();
    await shot('album-phone.png');

    // Keyboard only: Tab to a highlight, Enter opens it large, Escape closes it.
    await page.locator('[data-testid=highlights] .tile-open').first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.goto(`${stack.baseUrl}/console/`);
    await page.getByLabel('New album').focus();
    await page.keyboard.type('Typed album');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/albums\/alb_/);
    await page.getByRole('heading', { name: 'Typed album' }).waitFor();
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  });
});

describe('console APIs', () => {
  test("GET /v1/albums and /v1/jobs page through the tenant's albums and GPU jobs, newest first, by cursor; another tenant sees none of them", async () => {
    const A = (p: string) => call(stack.baseUrl, TENANT_A.key, 'GET', p);
    // Visibility is eventually consistent: both albums the browser made are listed once it catches up.
    const first = await waitFor(
      () => A('/v1/albums?limit=1'),
      (r) => r.status === 200 && r.body.albums.length === 1 && r.body.albums[0].title === 'Typed album',
    );
    assert.ok(first.body.nextCursor);
    const second = await A(`/v1/albums?limit=1&cursor=${first.body.nextCursor}`);
    assert.equal(second.status, 200);
    assert.equal(second.body.albums[0].title, 'Harbour trip');
    assert.equal(second.body.albums[0].status, 'completed');
    assert.match(second.body.albums[0].workflowId, /^album-acme-alb_/);
    const other = await call(stack.baseUrl, TENANT_B.key, 'GET', '/v1/albums');
    assert.deepEqual(other.body.albums, []);
    const bad = await A('/v1/albums?limit=1000');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
    const styles = await A('/v1/jobs?kind=style');
    assert.equal(styles.status, 200);
    assert.deepEqual(
      styles.body.jobs.map((j: any) => [j.kind, j.status, j.links.self.startsWith('/v1/styles/sty_')]),
      [['style', 'done', true]],
    );
    assert.ok(styles.body.queues.some((q: any) => q.queue === 'lightbox-gpu-diffusion' && q.pollers >= 1));
    assert.equal((await call(stack.baseUrl, TENANT_B.key, 'GET', '/v1/jobs')).body.jobs.length, 0);
    assert.equal((await A('/v1/jobs?kind=album')).status, 400);
    const config = await A('/v1/console-config');
    assert.deepEqual(config.body, { temporal: { namespace: stack.config.temporal.namespace, webUiUrl: uiUrl } });
  });
});

describe('console serving', () => {
  test('with no build, /console answers CONSOLE_NOT_BUILT instead of a blank page; deep links get the app', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'console-none-'));
    const app = express()
      .use(consoleRoutes(loadConfig({ NODE_ENV: 'test' }), empty))
      .use(errorHandler);
    const srv = http.createServer(app);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/console/albums/alb_12345678`);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'CONSOLE_NOT_BUILT');
    } finally {
      srv.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
    const deep = await fetch(`${stack.baseUrl}/console/albums/alb_12345678`);
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /<div id="app">/);
    const asset = await fetch(`${stack.baseUrl}/console/assets/missing-abc123.js`);
    assert.equal(asset.status, 404);
  });
});
