/**
 * `node --import tsx scripts/style/console-screenshot.ts [out.png]`: the console's style by
 * example, driven in Debian's Chromium (playwright-core) against the real stack (API, every worker,
 * a Temporal dev server) with the built style networks: an album of three registry photos, the
 * photo dialog's reference picker, then the job page with the photo, the reference and the result.
 * Writes docs/style-by-example-console.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ensureEvalPhotos } from '../../src/dev/registry-photos';
import { loadConfig } from '../../src/config';
import { photosForm } from '../../src/dev/demo-photos';
import { call, startStack, TENANT_A } from '../../test/helpers/stack';
import { startTestDevServer } from '../../test/helpers/temporal';

async function main(out: string): Promise<void> {
  const config = loadConfig();
  const roots = await ensureEvalPhotos(config.models.cacheDir, undefined, ['skimage', 'mate']);
  const server = await startTestDevServer();
  const stack = await startStack(server.address, { LIGHTBOX_MODELS_DIR: config.models.dir }, undefined, {
    api: { gpuTimeouts: { heartbeatTimeoutMs: 10_000 } },
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const A = (method: string, p: string, body?: unknown) => call(stack.baseUrl, TENANT_A.key, method, p, body);
    const albumId = (await A('POST', '/v1/albums', { title: 'Style by example' })).body.albumId as string;
    const files = [
      { name: 'astronaut.png', file: path.join(roots.skimage, 'astronaut.png'), type: 'image/png' },
      { name: 'garden.jpg', file: path.join(roots.mate, 'nature/Garden.jpg'), type: 'image/jpeg' },
      { name: 'coffee.png', file: path.join(roots.skimage, 'coffee.png'), type: 'image/png' },
    ];
    await A('POST', `/v1/albums/${albumId}/photos`, photosForm(files.map((f) => ({ name: f.name, contentType: f.type, data: fs.readFileSync(f.file) }))));
    await A('POST', `/v1/albums/${albumId}/close`);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(240_000);
    await page.goto(`${stack.baseUrl}/console/`);
    await page.getByLabel('API key').fill(TENANT_A.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${stack.baseUrl}/console/albums/${albumId}`);
    await page.locator('[data-testid=album-status]', { hasText: 'completed' }).waitFor();
    await page.locator('#all-h + .grid .tile', { hasText: 'astronaut.png' }).getByRole('button').first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Style by example: in the style of').selectOption({ label: 'garden.jpg' });
    await dialog.getByRole('button', { name: 'Paint in that style' }).click();
    await page.waitForURL(/\/console\/styles\/sty_/);
    await page.locator('[data-testid=job-state]', { hasText: 'done' }).waitFor();
    await page.waitForFunction(() => {
      const imgs = [
        ...(globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document.querySelectorAll('.before-after img'),
      ] as Array<{ complete: boolean; naturalWidth: number }>;
      return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`${out}: ${(fs.statSync(out).size / 1e3).toFixed(0)} kB`);
  } finally {
    await browser.close();
    await stack.stop();
    await server.stop();
  }
}

main(process.argv[2] ?? 'docs/style-by-example-console.png').then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
