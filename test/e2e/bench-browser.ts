/**
 * The bench in headless Chromium: builds and serves the site as the e2e test does
 * (harness.ts: `vite preview`, COOP/COEP), then
 *
 *   1. cold loads (fresh browser, empty cache): open -> ready, Run pressed -> first token,
 *      and open -> first token with ?autorun=1 (performance target 5: at most 1.5 s), with where a load's
 *      time goes (the engine worker's downloads and its space:* performance marks);
 *   2. the interleaved benchmark of `npm run bench` in the page's engine worker, by filling
 *      in and running the Compare view (per prompt: the AR baseline per temperature, then
 *      each configuration, after one warm-up), read back through its JSON export, and
 *      printed as the Node bench's table (medians, min–max).
 *
 *   npm run bench:browser -- --suite prose --prompts 8 --max-tokens 128 --configs heads:k=4,prompt-lookup:k=4 --out build/bench-browser
 *
 * Not part of `npm test`. The site is built into build/bench-site/, so dist/ (the e2e
 * test's) is left alone.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page, Worker } from 'playwright-core';
import { choiceFlag, intFlag, parseFlags, runMain, UsageError, type FlagSpecs } from '../../src/cli/args.ts';
import { checkWritableDir } from '../../src/cli/input-files.ts';
import { parseConfigList } from '../../src/cli/bench-configs.ts';
import { environment, textTable } from '../../src/cli/bench-report.ts';
import { SUITE_NAMES, type SuiteName } from '../../src/engine/bench/suites.ts';
import { MAX_COMPARE_PROMPTS, MAX_COMPARE_TOKENS, MAX_CONFIGS } from '../../src/ui/compare/configs.ts';
import { parseBenchResults, type BenchResults } from '../../src/engine/bench/results-file.ts';
import { summariseBench } from '../../src/engine/bench/summary.ts';
import type { CompareConfig } from '../../src/worker/protocol.ts';
import { coldSummary, coldTable, compareConfigOf, type ColdLoad, type LoadPhase } from './bench-browser-report.ts';
import { launchChromium, ROOT, serveSite, watchErrors } from './harness.ts';

const USAGE = `Usage: npm run bench:browser -- [flags]

Measures the page in headless Chromium: cold loads (first-token latency), then the Compare
view's interleaved benchmark with the same figures as npm run bench. --configs takes the
bench's syntax (DRAFTER[:k=N|:tree=NAME][:t=T], comma-separated); the page's rows set
drafter, k or tree, and temperature only.`;

const FLAGS = {
  suite: { type: 'string', value: 'NAME', help: `${SUITE_NAMES.join(' | ')} (default prose)` },
  prompts: { type: 'string', value: 'N', help: `first N prompts of the suite, 1 to ${MAX_COMPARE_PROMPTS} (default 8)` },
  'max-tokens': { type: 'string', value: 'N', help: `new tokens per run at most, 1 to ${MAX_COMPARE_TOKENS} (default 64)` },
  configs: { type: 'string', value: 'LIST', help: 'configurations (default heads:k=4,heads-tree:tree=tree-8,draft-model:k=4,prompt-lookup:k=4)' },
  cold: { type: 'string', value: 'N', help: 'cold loads of each kind (Run pressed, ?autorun=1) for the first-token latency (default 5; 0 skips)' },
  'cold-only': { type: 'boolean', help: 'only the cold loads, no comparison' },
  query: { type: 'string', value: 'PARAMS', help: "more page URL parameters, e.g. 'backend=webgpu'" },
  json: { type: 'boolean', help: 'print every figure as one JSON object instead of the tables' },
  out: { type: 'string', value: 'DIR', help: 'also write DIR/bench-browser.json and DIR/bench-browser.md' },
  'no-build': { type: 'boolean', help: 'serve build/bench-site/ as it is' },
} satisfies FlagSpecs;

const SITE_DIR = resolve(ROOT, 'build/bench-site');
const LOAD_TIMEOUT_MS = 120_000;
const COMPARE_TIMEOUT_MS = 60 * 60_000;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** The browser's name and version, for the report (set by the first launch). */
let browserName = 'chromium';
async function launch(): Promise<Browser> {
  const b = await launchChromium();
  browserName = `chromium ${b.version()}`;
  return b;
}

/**
 * Records, in the page's clock, when it says ready and when the first token of run 1 is on
 * screen. A string, not a function: tsx would wrap named inner functions in a helper the
 * page does not have.
 */
const BENCH_OBSERVER = `(() => {
  const b = (window.__bench = { ready: null, tokenInPage: null, token: null, click: null });
  new MutationObserver(() => {
    if (b.ready === null && document.querySelector('main[data-phase="ready"]')) b.ready = performance.now();
    if (b.tokenInPage === null && document.querySelector('main[data-request="1"] [data-testid="spec-output"] .chip')) {
      b.tokenInPage = performance.now();
      requestAnimationFrame(() => { b.token = performance.now(); }); // the frame that paints it
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
})();`;

type BenchTimes = { ready: number | null; tokenInPage: number | null; token: number | null; click: number | null };
const times = (page: Page) => page.evaluate(() => (window as unknown as { __bench: BenchTimes }).__bench);

/** The engine worker's downloads and space:* marks, shifted to the page's clock. */
async function workerPhases(page: Page, worker: Worker | null): Promise<LoadPhase[]> {
  if (!worker) return [];
  const pageOrigin = await page.evaluate(() => performance.timeOrigin);
  const w = await worker.evaluate(() => ({
    origin: performance.timeOrigin,
    marks: performance.getEntriesByType('mark').map((m) => ({ name: m.name, t: m.startTime })),
    files: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => ({ name: r.name, start: r.startTime, end: r.responseEnd })),
  }));
  const shift = w.origin - pageOrigin;
  const phases: LoadPhase[] = [{ name: 'engine worker starts', start_ms: shift, end_ms: shift }];
  for (const f of w.files) {
    const file = new URL(f.name).pathname.split('/').pop() ?? f.name;
    phases.push({ name: `fetch ${file}`, start_ms: f.start + shift, end_ms: f.end + shift });
  }
  for (const m of w.marks.filter((x) => x.name.startsWith('space:'))) phases.push({ name: m.name, start_ms: m.t + shift, end_ms: m.t + shift });
  return phases;
}

/** The speedup the Decode view settled on for the first Run (src/worker/speedup-repeats.ts). */
interface FirstSpeedup {
  mode: ColdLoad['mode'];
  median: number;
  min: number;
  max: number;
  pairs: number;
  decode_median: number | null;
}

/** The largest first-Run speedup may be at most this times the smallest (issue: five fresh loads agree). */
const FIRST_SPEEDUP_SPREAD = 1.25;

/**
 * Whether the first Runs' speedups hold: the largest within FIRST_SPEEDUP_SPREAD of the
 * smallest and, where their median (the configuration's, as the loads measured it) is above 1,
 * every one at least 1.
 */
function firstSpeedupCheck(figures: readonly FirstSpeedup[]): { ratio: number; spread_ok: boolean; all_at_least_1: boolean; median_above_1: boolean } {
  const xs = figures.map((f) => f.median).sort((a, b) => a - b);
  const mid = xs.length % 2 ? xs[xs.length >> 1]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
  const ratio = xs[xs.length - 1]! / xs[0]!;
  return { ratio, spread_ok: ratio <= FIRST_SPEEDUP_SPREAD, all_at_least_1: xs[0]! >= 1, median_above_1: mid > 1 };
}

/** One cold load in a fresh browser: open the page, then press Run at ready (or let ?autorun=1 start), until the first token shows, and until the speedup settles. */
async function coldLoad(url: string, mode: ColdLoad['mode']): Promise<ColdLoad & { speedup: FirstSpeedup }> {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    watchErrors(page, errors);
    let worker: Worker | null = null;
    page.on('worker', (w) => {
      if (!worker && w.url().includes('engine.worker')) worker = w;
    });
    await page.addInitScript(BENCH_OBSERVER);
    await page.goto(mode === 'autorun' ? `${url}&autorun=1` : url);
    await page.waitForFunction(() => (window as unknown as { __bench: BenchTimes }).__bench.ready !== null, null, { timeout: LOAD_TIMEOUT_MS });
    if (mode === 'click') {
      await page.evaluate(() => {
        const b = (window as unknown as { __bench: BenchTimes }).__bench;
        b.click = performance.now();
        (document.querySelector('[data-testid="run"]') as HTMLButtonElement).click();
      });
    }
    await page.waitForFunction(() => (window as unknown as { __bench: BenchTimes }).__bench.token !== null, null, { timeout: LOAD_TIMEOUT_MS });
    const t = await times(page);
    const phases = await workerPhases(page, worker);
    const shown = page.locator('[data-testid="speedup"][data-settled="true"]');
    await shown.waitFor({ timeout: LOAD_TIMEOUT_MS });
    const num = async (name: string) => Number(await shown.getAttribute(name));
    const decode = await shown.getAttribute('data-decode-median');
    const speedup: FirstSpeedup = { mode, median: await num('data-median'), min: await num('data-min'), max: await num('data-max'), pairs: await num('data-pairs'), decode_median: decode ? Number(decode) : null };
    if (errors.length) throw new Error(`the page reported errors during a cold load:\n${errors.join('\n')}`);
    return { mode, ready_ms: t.ready!, click_ms: t.click, first_token_ms: t.token!, phases, speedup };
  } finally {
    await browser.close();
  }
}

/** Fills the Compare view's form with these rows and prompt settings. */
async function fillCompare(page: Page, configs: readonly CompareConfig[], suite: SuiteName, prompts: number, maxTokens: number): Promise<void> {
  const rows = () => page.locator('[data-testid="config-row"]').count();
  while ((await rows()) < configs.length) await page.click('[data-testid="add-config"]');
  for (let n = await rows(); n > configs.length; n--) await page.click(`button[aria-label="Remove configuration ${n}"]`);
  for (const [i, c] of configs.entries()) {
    const n = i + 1;
    await page.selectOption(`select[name="drafter-${n}"]`, c.drafter);
    if (c.drafter === 'heads-tree') await page.selectOption(`select[name="tree-${n}"]`, c.tree);
    else await page.fill(`input[name="k-${n}"]`, String(c.k));
    await page.fill(`input[name="temperature-${n}"]`, String(c.temperature));
  }
  await page.selectOption('select[name="suite"]', suite);
  await page.fill('input[name="compare-prompts"]', String(prompts));
  await page.fill('input[name="compare-max-tokens"]', String(maxTokens));
  const problem = await page.locator('[data-testid="compare-problem"]').textContent({ timeout: 200 }).catch(() => null);
  if (problem) throw new UsageError(`the Compare view refuses these settings: ${problem}`);
}

/** Checks the page ran what was asked (the form is the only way in, so a mismatch is a bug here). */
function checkRan(r: BenchResults, configs: readonly CompareConfig[], suite: SuiteName, prompts: number, maxTokens: number): void {
  const want = JSON.stringify({ configs, suite, prompts, maxTokens });
  const got = JSON.stringify({ configs: r.configs, suite: r.suite, prompts: r.prompts.length, maxTokens: r.max_tokens });
  if (want !== got) throw new Error(`the page ran something else than asked:\n  asked ${want}\n  ran   ${got}\nThe Compare view's form and bench-browser.ts fillCompare disagree; fix fillCompare.`);
}

interface Runtime {
  backend: string;
  threads: number;
  /** The page's own line, e.g. 'Ready: wasm, 2 threads ...' and its start-up measurement. */
  text: string;
}

/** Opens the page, waits for ready and for the start-up runtime measurement to settle, and runs the comparison. */
async function compareInPage(browser: Browser, url: string, configs: CompareConfig[], suite: SuiteName, prompts: number, maxTokens: number): Promise<{ results: BenchResults; runtime: Runtime }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  watchErrors(page, errors);
  await page.goto(url);
  await page.waitForSelector('main[data-phase="ready"], main[data-phase="error"]', { timeout: LOAD_TIMEOUT_MS });
  const loadError = await page.locator('[data-testid="model-error"]').textContent({ timeout: 100 }).catch(() => null);
  if (loadError) throw new Error(`the page did not load the model: ${loadError}`);
  // The runtime measurement loads a second worker; timing a comparison beside it would measure both.
  await page.waitForFunction(() => document.querySelector('[data-testid="runtime-probe"]')?.getAttribute('data-probe') !== 'measuring', null, { timeout: 5 * LOAD_TIMEOUT_MS });
  const rt = page.locator('[data-testid="runtime"]');
  const runtime: Runtime = {
    backend: (await rt.getAttribute('data-backend')) ?? 'unknown',
    threads: Number(await rt.getAttribute('data-threads')),
    text: ((await rt.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
  };
  log(`bench:browser: ${runtime.text}`);
  await page.click('nav.tabs a[href="#/compare"]');
  await page.waitForSelector('[data-testid="compare-view"]', { timeout: LOAD_TIMEOUT_MS });
  await fillCompare(page, configs, suite, prompts, maxTokens);
  await page.click('[data-testid="compare-run"]');
  const view = page.locator('[data-testid="compare-view"]');
  const started = Date.now();
  let last = '';
  for (;;) {
    const status = await view.getAttribute('data-status');
    if (status === 'done' || status === 'error' || status === 'stopped') {
      if (status !== 'done') throw new Error(`the comparison ended ${status}: ${await page.locator('[data-testid="compare-error"]').textContent({ timeout: 100 }).catch(() => '')}`);
      break;
    }
    if (Date.now() - started > COMPARE_TIMEOUT_MS) throw new Error(`the comparison took over ${COMPARE_TIMEOUT_MS / 60_000} minutes; try fewer prompts or tokens`);
    const progress = ((await page.locator('[data-testid="compare-progress"] p').textContent({ timeout: 100 }).catch(() => null)) ?? '').trim();
    if (progress && progress !== last) log(`  ${progress}`);
    last = progress || last;
    await page.waitForTimeout(2000);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="compare-export-json"]')]);
  const path = await download.path();
  const results = parseBenchResults(readFileSync(path, 'utf8'), 'The Compare view\'s JSON export');
  checkRan(results, configs, suite, prompts, maxTokens);
  if (errors.length) throw new Error(`the page reported errors during the comparison:\n${errors.join('\n')}`);
  await context.close();
  return { results, runtime };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const f = parseFlags(argv, FLAGS, USAGE);
  const suite = choiceFlag('suite', f.suite, 'prose', SUITE_NAMES);
  const nPrompts = intFlag('prompts', f.prompts, 8, 1, MAX_COMPARE_PROMPTS);
  const maxTokens = intFlag('max-tokens', f['max-tokens'], 64, 1, MAX_COMPARE_TOKENS);
  const cold = intFlag('cold', f.cold, 5, 0, 50);
  const specs = parseConfigList(f.configs ?? 'heads:k=4,heads-tree:tree=tree-8,draft-model:k=4,prompt-lookup:k=4');
  if (specs.length > MAX_CONFIGS) throw new UsageError(`--configs lists ${specs.length} configurations; the page runs at most ${MAX_CONFIGS} at once`);
  const extra = f.query ? new URLSearchParams(f.query.replace(/^\?/, '')) : new URLSearchParams();
  if (extra.has('model') || extra.has('autorun')) throw new UsageError('--query: model and autorun are the bench\'s own parameters; set the model with SPACE_MODEL_DIR');
  if (f.out !== undefined) checkWritableDir('out', f.out, ['bench-browser.json', 'bench-browser.md']);

  const site = await serveSite({ outDir: SITE_DIR, build: !f['no-build'], log: 'bench:browser' });
  try {
    const numHeads = (JSON.parse(readFileSync(join(SITE_DIR, 'models', site.modelId, 'config.json'), 'utf8')) as { heads: { num_heads: number } }).heads.num_heads;
    const configs = specs.map((c) => compareConfigOf(c, numHeads));
    const url = `${site.origin}?${new URLSearchParams([['model', site.modelId], ...extra]).toString()}`;
    log(`bench:browser: ${url}`);

    const loads: ColdLoad[] = [];
    const speedups: FirstSpeedup[] = [];
    for (let i = 0; i < cold; i++) {
      for (const mode of ['click', 'autorun'] as const) {
        const { speedup: sp, ...l } = await coldLoad(url, mode);
        loads.push(l);
        speedups.push(sp);
        log(
          `  cold load ${i + 1}/${cold} (${mode}): ready ${l.ready_ms.toFixed(0)} ms, first token ${l.first_token_ms.toFixed(0)} ms${l.click_ms !== null ? ` (Run at ${l.click_ms.toFixed(0)} ms)` : ''}, ` +
            `first Run's end-to-end speedup ${sp.median.toFixed(2)}× (${sp.min.toFixed(2)}–${sp.max.toFixed(2)}×, ${sp.pairs} pairs)${sp.decode_median !== null ? `, decode speedup ${sp.decode_median.toFixed(2)}×` : ''}`,
        );
      }
    }
    const coldFigures = loads.length ? coldSummary(loads) : null;
    const speedupCheck = speedups.length ? firstSpeedupCheck(speedups) : null;
    if (speedupCheck) {
      log(
        `bench:browser: first Runs' end-to-end speedups ${speedups.map((x) => `${x.median.toFixed(2)}×`).join(', ')}: largest / smallest ${speedupCheck.ratio.toFixed(3)} ` +
          `(${speedupCheck.spread_ok ? 'within' : 'OVER'} ${FIRST_SPEEDUP_SPREAD}); ${speedupCheck.all_at_least_1 ? 'every one at least 1.0×' : speedupCheck.median_above_1 ? 'SOME BELOW 1.0× though their median is above' : 'their median is not above 1.0× on this machine'}`,
      );
    }

    let compare: { results: BenchResults; runtime: Runtime } | null = null;
    if (!f['cold-only']) {
      const browser = await launch();
      try {
        compare = await compareInPage(browser, url, configs, suite, nPrompts, maxTokens);
      } finally {
        await browser.close();
      }
    }
    const rows = compare ? summariseBench(compare.results) : [];
    const env = { ...environment(argv), command: ['npm run bench:browser --', ...argv].join(' '), browser: browserName };
    const report = {
      ...env,
      model: site.modelId,
      runtime: compare?.runtime ?? null,
      suite,
      prompts: nPrompts,
      max_tokens: maxTokens,
      cold: coldFigures ? { ...coldFigures, per_load: loads, first_run_speedups: speedups, first_run_check: speedupCheck } : null,
      configs: rows,
      results: compare?.results ?? null,
    };
    const heading = compare
      ? `${site.modelId} in headless Chromium (${compare.runtime.backend}, ${compare.runtime.threads} thread${compare.runtime.threads === 1 ? '' : 's'}), suite ${suite}, ${nPrompts} prompts, ${maxTokens} new tokens at most`
      : `${site.modelId} in headless Chromium`;
    const text = [heading, '', ...(rows.length ? [textTable(rows), ''] : []), ...(coldFigures ? [coldTable(coldFigures), ''] : [])].join('\n');
    process.stdout.write(f.json ? `${JSON.stringify(report)}\n` : text);
    if (f.out !== undefined) {
      const out = resolve(f.out);
      try {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'bench-browser.json'), `${JSON.stringify(report, null, 2)}\n`);
        const md = [`# Browser bench: ${heading}`, '', '```', text.trimEnd(), '```', '', '```', env.command, '```', '', `- date: ${env.date}`, `- machine: ${env.machine.cpu}, ${env.machine.cores} cores, ${env.machine.os}`, `- ${env.browser}, onnxruntime-web ${env.onnxruntime_web}`, ''];
        writeFileSync(join(out, 'bench-browser.md'), md.join('\n'));
      } catch (e) {
        throw new UsageError(`--out ${f.out}: cannot write the report there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      log(`wrote ${join(out, 'bench-browser.json')} and ${join(out, 'bench-browser.md')}`);
    }
    if (speedupCheck && (!speedupCheck.spread_ok || (speedupCheck.median_above_1 && !speedupCheck.all_at_least_1))) {
      throw new Error(
        `the first Runs' speedups do not hold: largest / smallest ${speedupCheck.ratio.toFixed(3)} (at most ${FIRST_SPEEDUP_SPREAD}), ` +
          `${speedupCheck.all_at_least_1 ? 'all' : 'not all'} at least 1.0× with a median ${speedupCheck.median_above_1 ? 'above' : 'at or below'} 1.0×`,
      );
    }
  } finally {
    await site.server.close();
  }
}

runMain('bench:browser', main);
