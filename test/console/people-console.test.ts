/**
 * The People page and the search box in a real browser (Debian's Chromium via playwright-core)
 * against the real stack on the real built models: the demo album's player is named inline on
 * the People page, a second album with the same face shows that name, and the header's search
 * box finds the cat by "고양이". The screenshots go to test-output/screenshots; docs/ keeps one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { demoPhotoFiles, ensureEvalPhotos } from '../../src/dev/registry-photos';
import { loadConfig } from '../../src/config';
import { photosForm } from '../../src/dev/demo-photos';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';
import { openConsolePage } from '../helpers/browser';

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const base = loadConfig({ ...process.env, LIGHTBOX_MODEL_SET: 'production', LIGHTBOX_MODEL_ROLES: '' });
const skip = base.models.skipBuild
  ? 'LIGHTBOX_SKIP_MODEL_BUILD is set: no built models'
  : !fs.existsSync(path.join(ROOT, 'dist', 'console', 'index.html'))
    ? 'console not built'
    : false;

let server: Awaited<ReturnType<typeof startTestDevServer>>;
let stack: Stack;
let browser: Browser;
let page: Page;
let problems: string[] = [];
const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);

async function album(title: string, files: Array<{ name: string; contentType: string; data: Buffer }>): Promise<string> {
  const id = (await A('POST', '/v1/albums', { title })).body.albumId as string;
  await A('POST', `/v1/albums/${id}/photos`, photosForm(files));
  await A('POST', `/v1/albums/${id}/close`);
  await waitFor(
    () => A('GET', `/v1/albums/${id}`),
    (r) => r.body.status === 'completed',
    600_000,
  );
  return id;
}

before(async () => {
  if (skip) return;
  server = await startTestDevServer();
  stack = await startStack(server.address, {
    LIGHTBOX_MODEL_SET: 'production',
    LIGHTBOX_MODEL_ROLES: '',
    LIGHTBOX_MODELS_DIR: process.env.LIGHTBOX_MODELS_DIR ?? path.join(ROOT, '.lightbox', 'models'),
    LIGHTBOX_MODEL_CACHE_DIR: base.models.cacheDir,
  });
  ({ browser, page, problems } = await openConsolePage());
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await server?.stop();
});

describe('people and search in the console', { skip }, () => {
  test('name the demo album\'s person inline; a second album shows the name; the search box finds "고양이"', { timeout: 900_000 }, async () => {
    await album('Demo', await demoPhotoFiles(base.models.cacheDir));
    await page.goto(`${stack.baseUrl}/console/`);
    await page.getByLabel('API key').fill(TENANT_A.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { name: 'People' }).waitFor();
    const name = page.getByRole('textbox', { name: /^Name of Unnamed/ }).first();
    await name.fill('서연');
    await name.press('Enter');
    await waitFor(
      () => A('GET', '/v1/people'),
      (r) => r.body.items.some((p: { name: string | null }) => p.name === '서연'),
    );
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'people.png'), fullPage: true });

    const roots = await ensureEvalPhotos(base.models.cacheDir, undefined, ['opencv']);
    const again = await sharp(fs.readFileSync(path.join(roots.opencv, 'basketball1.png')))
      .flop()
      .resize(560)
      .jpeg()
      .toBuffer();
    const second = await album('Rematch', [{ name: 'rematch.jpg', contentType: 'image/jpeg', data: again }]);
    const results = await A('GET', `/v1/albums/${second}/results`);
    assert.ok(
      results.body.people.some((p: { name: string | null }) => p.name === '서연'),
      JSON.stringify(results.body.people),
    );

    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('img', { name: '서연' }).click();
    await page.getByRole('heading', { name: '서연' }).waitFor();
    await page.getByRole('img', { name: 'rematch.jpg' }).waitFor();

    await page.getByLabel('Search photos').fill('고양이');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Photos for “고양이”' }).waitFor();
    // The first search in a process embeds the label vocabulary (tens of seconds on a busy CPU).
    await page.getByRole('img', { name: 'cat.png' }).waitFor({ timeout: 300_000 });
    await page.screenshot({ path: path.join(SHOTS, 'search.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
