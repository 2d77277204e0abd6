/**
 * Browser end-to-end test of the first page: builds the site, serves it with `vite preview`
 * on a free localhost port, drives Debian's chromium through playwright-core, and checks
 * that the model loads, a prompt generates streamed text, Stop and errors behave, and the
 * console stays clean. Saves a screenshot to docs/screenshots/first-page.png.
 *
 * Run: `npm run test:e2e` (model `toy` from public/models/toy), or with
 * `SPACE_MODEL_DIR=build/smoke/models/toy-smoke` to copy that folder into the built site
 * and test it instead. `--no-build` reuses an existing dist/. Not part of `npm test`
 * (the file name does not match vitest's *.test.ts pattern).
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = resolve(ROOT, 'dist');
const SCREENSHOT = resolve(ROOT, 'docs/screenshots/first-page.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = 120_000;

interface Result {
  name: string;
  error?: string;
}
const results: Result[] = [];

async function check(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    results.push({ name });
    console.log(`  ok    ${name}`);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results.push({ name, error });
    console.log(`  FAIL  ${name}\n        ${error.split('\n').join('\n        ')}`);
  }
}

function expect(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** Which model the page opens, after making sure the built site has it. */
function prepareModel(): string {
  const dir = process.env.SPACE_MODEL_DIR;
  if (!dir) {
    const id = 'toy';
    expect(
      existsSync(resolve(DIST, 'models', id, 'config.json')),
      `dist/models/${id}/config.json is missing: train the model with \`npm run train\` (it writes public/models/${id}/), ` +
        'or test another model folder with SPACE_MODEL_DIR=build/smoke/models/toy-smoke npm run test:e2e',
    );
    return id;
  }
  const src = resolve(ROOT, dir);
  expect(existsSync(resolve(src, 'config.json')), `SPACE_MODEL_DIR=${dir} has no config.json: expected a model folder written by train/export.py`);
  const id = basename(src);
  const dest = resolve(DIST, 'models', id);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, { recursive: true });
  return id;
}

/** Console errors and uncaught exceptions of a page, from the page and its workers. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker console.error: ${m.text()}`)));
  return errors;
}

const phaseIs = (page: Page, phase: string) => page.waitForSelector(`main[data-phase="${phase}"]`, { timeout: TIMEOUT_MS });

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    console.log('e2e: building the site');
    await build({ root: ROOT, logLevel: 'warn' });
  }
  expect(existsSync(resolve(DIST, 'index.html')), 'dist/index.html is missing: run without --no-build');
  const modelId = prepareModel();
  const port = await freePort();
  const server = await preview({ root: ROOT, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } });
  const url = `http://127.0.0.1:${port}/?model=${encodeURIComponent(modelId)}`;
  console.log(`e2e: ${url} in ${CHROMIUM}`);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const errors = watchErrors(page);
    await page.goto(url);

    await check('the page is cross-origin isolated (COOP/COEP headers)', async () => {
      expect(await page.evaluate(() => self.crossOriginIsolated), 'crossOriginIsolated is false: check the preview headers in vite.config.ts');
    });

    await check(`model '${modelId}' loads and the worker reports ready`, async () => {
      await page.waitForSelector('main[data-phase="ready"], main[data-phase="error"]', { timeout: TIMEOUT_MS });
      const alert = await page.locator('[role="alert"]').textContent({ timeout: 100 }).catch(() => null);
      expect(alert === null, `the page shows an error instead: ${alert}`);
      const runtime = (await page.getByTestId('runtime').textContent()) ?? '';
      expect(/Ready: \d+ thread/.test(runtime), `expected "Ready: N threads", found "${runtime}"`);
    });

    await check('a prompt generates text (greedy)', async () => {
      await page.fill('#prompt', 'In the beginning God');
      await page.fill('input[type="number"]', '24');
      await page.click('button[type="submit"]');
      await page.waitForSelector('[data-testid="stats"]', { timeout: TIMEOUT_MS });
      const generated = (await page.getByTestId('generated').textContent()) ?? '';
      const stats = (await page.getByTestId('stats').textContent()) ?? '';
      expect(generated.length > 0, `no generated text; stats say: ${stats}`);
      expect(/^\d+ new tokens/.test(stats) && !stats.startsWith('0 '), `expected new tokens in the stats, found "${stats}"`);
      console.log(`        generated: ${JSON.stringify(generated.slice(0, 80))}\n        ${stats}`);
      mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    await check('Stop interrupts a long generation', async () => {
      await page.fill('input[type="number"]', '1024');
      await page.click('button[type="submit"]');
      await phaseIs(page, 'generating');
      await page.click('button:has-text("Stop")');
      await page.waitForSelector('[data-testid="stats"]', { timeout: TIMEOUT_MS });
      const stats = (await page.getByTestId('stats').textContent()) ?? '';
      expect(/stopped by (aborted|context_full|eos)/.test(stats), `expected the run to stop, found "${stats}"`);
      if (!stats.includes('aborted')) console.log(`        note: the run ended before Stop arrived: ${stats}`);
    });

    await check('no console errors or uncaught exceptions', async () => {
      expect(errors.length === 0, errors.join('\n'));
    });

    await check('a missing model shows an error with Retry, not a blank page', async () => {
      const p = await browser!.newPage();
      await p.goto(`http://127.0.0.1:${port}/?model=no-such-model`);
      await phaseIs(p, 'error');
      const text = (await p.locator('[role="alert"]').textContent()) ?? '';
      expect(text.includes('no-such-model') && text.includes('not found'), `unexpected error text: "${text}"`);
      expect(await p.locator('[role="alert"] button:has-text("Retry")').isVisible(), 'no Retry button');
      await p.close();
    });

    await check('a crashed worker shows an error, and Retry starts a working one', async () => {
      const p = await browser!.newPage();
      const workerScript = /\/assets\/engine\.worker-[^/]*\.js$/;
      await p.route(workerScript, (route) =>
        route.fulfill({ contentType: 'text/javascript', body: "throw new Error('simulated worker crash');" }),
      );
      await p.goto(url);
      await phaseIs(p, 'error');
      const text = (await p.locator('[role="alert"]').textContent()) ?? '';
      expect(text.includes('engine worker stopped unexpectedly'), `unexpected error text: "${text}"`);
      await p.unroute(workerScript);
      await p.click('[role="alert"] button:has-text("Retry")');
      await phaseIs(p, 'ready');
      await p.close();
    });

    await check('an empty prompt shows an error with Retry', async () => {
      await page.fill('#prompt', '');
      await page.click('button[type="submit"]');
      await phaseIs(page, 'error');
      const text = (await page.locator('[role="alert"]').textContent()) ?? '';
      expect(text.includes('prompt is empty'), `unexpected error text: "${text}"`);
    });
  } finally {
    await browser?.close();
    await server.close();
  }
}

main()
  .catch((e: unknown) => {
    results.push({ name: 'setup', error: e instanceof Error ? e.message : String(e) });
    console.log(`  FAIL  setup\n        ${String(e instanceof Error ? e.message : e)}`);
  })
  .finally(() => {
    const failed = results.filter((r) => r.error !== undefined).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  });
