/**
 * What one cold page visit downloads: opens the page in a fresh browser context (empty
 * cache), waits for the model to be ready, and lists every file fetched with its size on
 * disk in dist/ and gzipped, grouped into the parts the README's Download paragraph names.
 * Used by download-size.ts (`npm run size`) and by the e2e check on the runtime files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { DIST, TIMEOUT_MS } from './harness.ts';

export type Part = 'page' | 'worker' | 'runtime' | 'model';

export const PARTS: Record<Part, string> = {
  page: 'page (HTML, JS, CSS, example trace)',
  worker: 'engine worker JS (with onnxruntime-web)',
  runtime: 'onnxruntime-web runtime (ort/)',
  model: 'model folder (config, tokenizer, prompts, ONNX)',
};

export interface VisitFile {
  /** Path under dist/, e.g. "ort/ort-wasm-simd-threaded.wasm". */
  path: string;
  part: Part;
  bytes: number;
  gzipBytes: number;
}

export interface Visit {
  files: VisitFile[];
  /** Files in dist/assets/ the visit did not fetch (the views that load on first use). */
  notFetched: VisitFile[];
  /** From navigation to the page saying the model is ready. */
  readyMs: number;
}

function partOf(path: string): Part {
  if (path.startsWith('ort/')) return 'runtime';
  if (path.startsWith('models/')) return 'model';
  if (/^assets\/[^/]*\.worker-[^/]*\.js$/.test(path)) return 'worker';
  return 'page';
}

function fileOf(path: string): VisitFile {
  const full = join(DIST, path);
  if (!existsSync(full) || !statSync(full).isFile()) {
    throw new Error(`the page fetched ${path}, but dist/${path} is not a file: build the site first (npm run build)`);
  }
  const data = readFileSync(full);
  return { path, part: partOf(path), bytes: data.length, gzipBytes: gzipSync(data).length };
}

/** Opens `url` (under `origin`) cold and returns what it downloaded until ready, plus 1 s for late requests. */
export async function recordVisit(browser: Browser, origin: string, url: string): Promise<Visit> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const paths = new Set<string>();
  page.on('requestfinished', (r) => {
    if (!r.url().startsWith(origin)) return;
    const path = decodeURIComponent(new URL(r.url()).pathname.slice(1)) || 'index.html';
    paths.add(path);
  });
  try {
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForSelector('main[data-phase="ready"]', { timeout: TIMEOUT_MS });
    const readyMs = Date.now() - t0;
    await page.waitForTimeout(1000);
    const files = [...paths].sort().map(fileOf);
    const assets = readdirSync(join(DIST, 'assets')).map((f) => relative(DIST, join(DIST, 'assets', f)));
    const notFetched = assets.filter((a) => !paths.has(a)).sort().map(fileOf);
    return { files, notFetched, readyMs };
  } finally {
    await context.close();
  }
}

/** Bytes and gzipped bytes per part, in PARTS order, and the total. */
export function sumParts(files: readonly VisitFile[]): { part: Part | 'total'; bytes: number; gzipBytes: number; files: number }[] {
  const rows = (Object.keys(PARTS) as Part[]).map((part) => {
    const of = files.filter((f) => f.part === part);
    return { part, bytes: of.reduce((a, f) => a + f.bytes, 0), gzipBytes: of.reduce((a, f) => a + f.gzipBytes, 0), files: of.length };
  });
  const total = { part: 'total' as const, bytes: 0, gzipBytes: 0, files: 0 };
  for (const r of rows) {
    total.bytes += r.bytes;
    total.gzipBytes += r.gzipBytes;
    total.files += r.files;
  }
  return [...rows, total];
}
