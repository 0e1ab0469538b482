/**
 * The console opened at another host than the API's configured one (issue 18): with no
 * LIGHTBOX_PUBLIC_URL the local store signs relative URLs, so a console opened at 127.0.0.1 (a
 * LAN name, a port map) loads every photo and face crop through its own origin, within its
 * self-only CSP. Real photos with people, the real stack, Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoPhotoFiles } from '../../src/dev/registry-photos';
import { photosForm } from '../../src/dev/demo-photos';
import { call, startStack, TENANT_A, waitFor, type Stack } from '../helpers/stack';
import { startTestDevServer } from '../helpers/temporal';
import { openConsolePage } from '../helpers/browser';
import { loadConfig } from '../../src/config';

declare const document: any, window: any;
type HTMLImageElement = { complete: boolean; naturalWidth: number; getAttribute(n: string): string | null };

let server: Awaited<ReturnType<typeof startTestDevServer>>;
let stack: Stack;
let browser: Browser;
let page: Page;
let problems: string[] = [];

before(async () => {
  server = await startTestDevServer();
  // No public URL: what a first `npm start` or a container behind a port map has.
  // The installed real models (npm run models:build), so the photos' faces are found and cropped.
  stack = await startStack(server.address, { LIGHTBOX_PUBLIC_URL: undefined as unknown as string, LIGHTBOX_MODELS_DIR: loadConfig().models.dir });
  ({ browser, page, problems } = await openConsolePage({ requests: true }));
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await server?.stop();
});

test('the console opened at 127.0.0.1 with no public URL configured shows every photo and face crop', async () => {
  const files = await demoPhotoFiles(stack.config.models.cacheDir);
  const A = (m: string, p: string, b?: unknown) => call(stack.baseUrl, TENANT_A.key, m, p, b);
  const album = (await A('POST', '/v1/albums', { title: 'Any host' })).body;
  assert.equal((await A('POST', `/v1/albums/${album.albumId}/photos`, photosForm(files))).status, 202);
  await A('POST', `/v1/albums/${album.albumId}/close`);
  await waitFor(
    () => A('GET', `/v1/albums/${album.albumId}`),
    (r) => r.body.status === 'completed',
    180_000,
  );
  const photo = (await A('GET', `/v1/albums/${album.albumId}/results?limit=1`)).body;
  const signed = (await A('GET', `/v1/albums/${album.albumId}/photos/${Object.keys(photo.photos)[0]}`)).body;
  assert.match(signed.url, /^\/v1\/blobs\//, `a relative signed URL: ${JSON.stringify(signed)}`);

  const origin = stack.baseUrl.replace('localhost', '127.0.0.1');
  assert.match(origin, /^http:\/\/127\.0\.0\.1:/);
  await page.goto(`${origin}/console/`);
  await page.getByLabel('API key').fill(TENANT_A.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Through the album list, as a person would: a goto here would cancel the list's own request.
  await page.getByRole('link', { name: 'Any host' }).click();
  await page.getByRole('heading', { name: 'Any host' }).waitFor();
  await page.locator('.face-crop img').first().waitFor();
  // Thumbnails load near the viewport: scroll through, then every one must have pixels.
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 400) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await page.waitForFunction(() =>
    [...(document.querySelectorAll('img[data-photo-id]') as HTMLImageElement[])].every((i) => i.complete && i.naturalWidth > 0 && i.getAttribute('src')),
  );
  const shown = await page.evaluate(() =>
    [...(document.querySelectorAll('img[data-photo-id]') as HTMLImageElement[])].map((i) => ({
      src: i.getAttribute('src'),
      face: !!(i as any).closest('.face-crop'),
    })),
  );
  const faces = shown.filter((s) => s.face);
  assert.ok(faces.length > 0, 'face crops are shown');
  assert.ok(shown.length >= files.length, `${shown.length} images for ${files.length} photos`);
  for (const s of shown) assert.match(s.src ?? '', /^\/v1\/blobs\/|^http:\/\/127\.0\.0\.1:\d+\/v1\/blobs\//);
  assert.deepEqual(problems, [], 'no failed image loads, script errors or CSP violations');
});
