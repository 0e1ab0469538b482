/** Headless Chromium (Debian's, through playwright-core) for the console tests: one 1280×900 page that reports what goes wrong. */
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Every script error and console error (a CSP violation is one) lands in `problems`. A failed
 * resource load counts only with `requests: true`, then with each failed request's URL: a page
 * that may show a missing photo's placeholder passes without it.
 */
export async function openConsolePage(opts: { requests?: boolean } = {}): Promise<{ browser: Browser; page: Page; problems: string[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && (opts.requests || !/Failed to load resource/.test(m.text()))) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  if (opts.requests) page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  return { browser, page, problems };
}
