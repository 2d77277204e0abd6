/**
 * What the browser end-to-end test needs around it: build the site, copy a model folder
 * into it, serve it with `vite preview` on a free localhost port, launch Debian's chromium
 * through playwright-core, collect console errors, and report `N passed, N failed`.
 * serveSite and launchChromium are the same steps for other scripts (the browser bench).
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = resolve(ROOT, 'dist');
/** Where screenshots go; SPACE_SCREENSHOTS_DIR keeps a test of another model from replacing the shipped ones. */
export const SCREENSHOTS = resolve(ROOT, process.env.SPACE_SCREENSHOTS_DIR ?? 'docs/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TIMEOUT_MS = 120_000;

interface Result {
  name: string;
  error?: string;
}
const results: Result[] = [];

export async function check(name: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    results.push({ name });
    console.log(`  ok    ${name}`);
    return true;
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results.push({ name, error });
    console.log(`  FAIL  ${name}\n        ${error.split('\n').join('\n        ')}`);
    return false;
  }
}

export function expect(cond: boolean, message: string): asserts cond {
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

/** Which model the page opens, after making sure the built site (in `dist`) has it. */
function prepareModel(dist: string): string {
  const dir = process.env.SPACE_MODEL_DIR;
  if (!dir) {
    const id = 'toy';
    expect(
      existsSync(resolve(dist, 'models', id, 'config.json')),
      `dist/models/${id}/config.json is missing: train the model with \`npm run train\` (it writes public/models/${id}/), ` +
        'or test another model folder with SPACE_MODEL_DIR=build/smoke/models/toy-smoke npm run test:e2e',
    );
    return id;
  }
  const src = resolve(ROOT, dir);
  expect(existsSync(resolve(src, 'config.json')), `SPACE_MODEL_DIR=${dir} has no config.json: expected a model folder written by train/export.py`);
  const id = basename(src);
  const dest = resolve(dist, 'models', id);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, { recursive: true });
  return id;
}

/** Console errors and uncaught exceptions of a page, from the page and its workers. */
export function watchErrors(page: Page, errors: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker console.error: ${m.text()}`)));
}

export interface Site {
  browser: Browser;
  /** http://127.0.0.1:PORT/ */
  origin: string;
  modelId: string;
}

export interface ServedSite {
  /** http://127.0.0.1:PORT/ */
  origin: string;
  modelId: string;
  server: PreviewServer;
}

/**
 * Builds the site into `outDir` (unless `build` is false), copies the model in, and serves
 * it with `vite preview` (COOP/COEP headers) on a free localhost port.
 */
export async function serveSite({ outDir = DIST, build: doBuild = true, log = 'e2e' }: { outDir?: string; build?: boolean; log?: string } = {}): Promise<ServedSite> {
  const custom = outDir !== DIST;
  if (doBuild) {
    console.log(`${log}: building the site${custom ? ` into ${outDir}` : ''}`);
    await build({ root: ROOT, logLevel: 'warn', ...(custom ? { build: { outDir, emptyOutDir: true } } : {}) });
  }
  expect(existsSync(resolve(outDir, 'index.html')), `${outDir}/index.html is missing: run without --no-build`);
  const modelId = prepareModel(outDir);
  const port = await freePort();
  const server = await preview({ root: ROOT, logLevel: 'warn', ...(custom ? { build: { outDir } } : {}), preview: { host: '127.0.0.1', port, strictPort: true } });
  return { origin: `http://127.0.0.1:${port}/`, modelId, server };
}

/** Chromium flags for a quiet headless run (no sandbox in containers, no GPU, no background traffic). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Debian's chromium (CHROMIUM_PATH overrides), headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Builds (unless --no-build), serves and launches; runs `body`; always cleans up and prints the summary. */
export async function withSite(body: (site: Site) => Promise<void>): Promise<void> {
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  try {
    const site = await serveSite({ build: !process.argv.includes('--no-build') });
    server = site.server;
    const { origin, modelId } = site;
    console.log(`e2e: ${origin}?model=${modelId} in ${CHROMIUM}`);
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await body({ browser, origin, modelId });
  } catch (e) {
    results.push({ name: 'setup', error: e instanceof Error ? e.message : String(e) });
    console.log(`  FAIL  setup\n        ${String(e instanceof Error ? e.message : e)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    const failed = results.filter((r) => r.error !== undefined).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  }
}
