/**
 * Browser end-to-end test of the demo page (harness.ts builds, serves and launches):
 * the recorded example on show while the model downloads; a greedy decode with the default
 * drafter (heads) whose output is identical to the baseline, with a speedup; stepping the
 * trace with the keyboard; export, import, and a clear error for a corrupt file; Stop
 * within one decode step; a shared link reproducing the same tokens; the distribution check
 * at temperature 0.7 (PASS for lossless heads, FAIL for typical acceptance); link values that
 * fall back; a small comparison in the Compare view (table, charts, CSV and JSON export,
 * import, a bad file, Cancel); the Speedup simulator (a chart, an optimum k, the measured
 * cost curve, machines); load errors and worker crashes with Retry; a clean console; the
 * wasm-only runtime files and the start-up measurement of 1 against N threads; and, in a
 * second chromium with SwiftShader's software WebGPU adapter, a WebGPU decode identical to
 * wasm's and the automatic choice keeping wasm when WebGPU measures slower.
 * Screenshots of each view go to docs/screenshots/.
 *
 * Run: `npm run test:e2e` (model `toy` from public/models/toy), or with
 * `SPACE_MODEL_DIR=build/smoke/models/toy-smoke` to test that folder instead; `--no-build`
 * reuses dist/. Not part of `npm test` (the name does not match vitest's *.test.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { check, CHROMIUM, expect, SCREENSHOTS, TIMEOUT_MS, watchErrors, withSite } from './harness.ts';

const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SCREENSHOTS, name), fullPage: true });
const attr = async (page: Page, sel: string, name: string) => (await page.locator(sel).first().getAttribute(name)) ?? '';
const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';
const phaseIs = (page: Page, phase: string) => page.waitForSelector(`main[data-phase="${phase}"]`, { timeout: TIMEOUT_MS });

/** Clicks Run and waits for that run (by its request id) to finish, stop or fail; returns its status. */
async function run(page: Page, button = '[data-testid="run"]'): Promise<string> {
  const before = Number(await attr(page, 'main', 'data-request'));
  await page.click(button);
  const done = await page.waitForSelector(
    `main[data-request="${before + 1}"]:is([data-run="done"], [data-run="stopped"], [data-run="error"])`,
    { timeout: TIMEOUT_MS },
  );
  return (await done.getAttribute('data-run')) ?? '';
}

const stepLabel = (page: Page) => text(page, '[data-testid="step-position"]');

/** Chromium's software WebGPU: SwiftShader through Vulkan, no GPU needed (harness.ts launches with --disable-gpu). */
const WEBGPU_ARGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-background-networking', '--no-first-run'];

/** Opens `url` in a fresh context, waits for ready, runs once; returns the runtime line and both token streams. */
async function decodeIn(browser: Browser, url: string, errors: string[]): Promise<{ runtime: string; backend: string; spec: string; baseline: string }> {
  const context = await browser.newContext();
  const p = await context.newPage();
  watchErrors(p, errors);
  try {
    await p.goto(url);
    await p.waitForSelector('main[data-phase="ready"], main[data-phase="error"]', { timeout: TIMEOUT_MS });
    const alert = await p.locator('[data-testid="model-error"]').textContent({ timeout: 100 }).catch(() => null);
    expect(alert === null, `${url}: the page shows an error: ${alert}`);
    const status = await run(p);
    expect(status === 'done', `${url}: the run ended ${status}`);
    expect((await attr(p, '[data-testid="identical"]', 'data-pass')) === 'true', `${url}: speculative and baseline outputs differ`);
    return {
      runtime: await text(p, '[data-testid="runtime"]'),
      backend: await attr(p, '[data-testid="runtime"]', 'data-backend'),
      spec: await attr(p, '[data-testid="spec-output"]', 'data-tokens'),
      baseline: await attr(p, '[data-testid="baseline-output"]', 'data-tokens'),
    };
  } finally {
    await context.close();
  }
}

await withSite(async ({ browser, origin, modelId }) => {
  const url = `${origin}?model=${encodeURIComponent(modelId)}`;
  const errors: string[] = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  watchErrors(page, errors);
  const runtimeFiles = new Set<string>();
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.includes('/ort/')) runtimeFiles.add(path.slice(path.lastIndexOf('/') + 1));
  });

  // Hold the graphs back so the first screen (example trace, progress bar) can be seen and photographed.
  let release = () => {};
  const held = new Promise<void>((ok) => (release = ok));
  await page.route('**/*.onnx', async (route) => {
    await held;
    await route.continue().catch(() => undefined);
  });
  await page.goto(url);

  await check('the page is cross-origin isolated (COOP/COEP headers)', async () => {
    expect(await page.evaluate(() => self.crossOriginIsolated), 'crossOriginIsolated is false: check the preview headers in vite.config.ts');
  });

  await check('while the model downloads, the recorded example trace is on show and steppable', async () => {
    await page.waitForSelector('[data-testid="trace-output"], [data-testid="spec-output"] .chip', { timeout: TIMEOUT_MS });
    expect((await attr(page, 'main', 'data-phase')) === 'loading', `expected the model still loading, found ${await attr(page, 'main', 'data-phase')}`);
    const label = await stepLabel(page);
    expect(/^Step 0 of \d+/.test(label), `expected "Step 0 of N", found "${label}"`);
    await page.keyboard.press('ArrowRight');
    expect((await stepLabel(page)).startsWith('Step 1 of'), `ArrowRight did not move the example: ${await stepLabel(page)}`);
    await shot(page, 'first-screen.png');
  });
  release();

  await check(`model '${modelId}' loads and the worker reports ready`, async () => {
    await page.waitForSelector('main[data-phase="ready"], main[data-phase="error"]', { timeout: TIMEOUT_MS });
    const alert = await page.locator('[data-testid="model-error"]').textContent({ timeout: 100 }).catch(() => null);
    expect(alert === null, `the page shows an error instead: ${alert}`);
    expect(/Ready: \d+ thread/.test(await text(page, '[data-testid="runtime"]')), 'no "Ready: N threads" line');
  });

  await check('with COOP/COEP the page measures 1 thread against N and decodes on the faster', async () => {
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(cores >= 2, `this machine reports ${cores} core(s): the thread measurement needs 2 or more`);
    const probe = await page.waitForSelector('[data-testid="runtime-probe"]:is([data-probe="done"], [data-probe="off"])', { timeout: TIMEOUT_MS });
    const line = await text(page, '[data-testid="runtime"]');
    expect((await probe.getAttribute('data-probe')) === 'done', `no measurement: "${line}"`);
    const n = Math.min(4, cores);
    const ms = (label: string) => new RegExp(`${label} (\\d+\\.\\d+) ms`).exec(line)?.[1];
    expect(!!ms('wasm 1 thread') && !!ms(`wasm ${n} threads`), `expected figures for wasm 1 thread and wasm ${n} threads: "${line}"`);
    const choice = (await probe.getAttribute('data-choice')) ?? '';
    expect(choice === 'wasm-1' || choice === `wasm-${n}`, `unexpected choice "${choice}"`);
    await page.waitForSelector(`[data-testid="runtime"][data-threads="${choice.slice(5)}"]`, { timeout: TIMEOUT_MS });
    expect([...runtimeFiles].sort().join(' ') === 'ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm', `runtime files fetched: ${[...runtimeFiles].join(', ')}`);
    console.log(`        ${line}`);
  });

  await check('a greedy decode with heads: identical output to the baseline, and a speedup', async () => {
    expect((await page.inputValue('#drafter')) === 'heads', 'the default drafter is not heads');
    const status = await run(page);
    expect(status === 'done', `the run ended ${status}: ${await text(page, '[data-testid="run-error"]').catch(() => '')}`);
    const verdict = page.locator('[data-testid="identical"]');
    expect((await verdict.getAttribute('data-pass')) === 'true', `identical-output check: ${await verdict.textContent()}`);
    const speedup = await text(page, '[data-testid="speedup"]');
    expect(/End-to-end speedup \d+\.\d\d× \(median of \d+ pairs?, range/.test(speedup), `no settled speedup shown: "${speedup}"`);
    const spec = await attr(page, '[data-testid="spec-output"]', 'data-tokens');
    expect(spec.length > 0 && spec === (await attr(page, '[data-testid="baseline-output"]', 'data-tokens')), 'token streams differ');
    console.log(`        ${speedup.replace(/\s+/g, ' ')}`);
    await shot(page, 'decode.png');
  });

  await check("the Decode view shows where the last decode's steps went, and the figures the performance targets are set for", async () => {
    const steps = await page.locator('[data-testid="run-profile"] .profile-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-step-ms'))));
    expect(steps.length === 2 && steps.every((x) => x > 0), `per-step times of the two runs: ${steps.join(', ')}`);
    for (const figure of ['ar-overhead', 'speedup-bound', 'efficiency']) {
      const shown = await text(page, `[data-testid="run-figures"] [data-figure="${figure}"]`);
      expect(/\d\.\d\d/.test(shown), `no ${figure} figure: "${shown}"`);
    }
  });

  await check('the trace stepper steps through the run with the keyboard', async () => {
    await page.click('nav.tabs a[href="#/trace"]');
    await page.waitForSelector('[data-testid="trace-source"][data-kind="run"]');
    await page.locator('body').press('Home');
    const last = Number(/of (\d+)/.exec(await stepLabel(page))?.[1]);
    expect(last >= 2, `expected several steps, found "${await stepLabel(page)}"`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect((await stepLabel(page)).startsWith('Step 2 of'), `after → →: ${await stepLabel(page)}`);
    await page.keyboard.press('ArrowLeft');
    expect((await stepLabel(page)).startsWith('Step 1 of'), `after ←: ${await stepLabel(page)}`);
    expect((await attr(page, '[data-testid="step-detail"]', 'data-step')) === '1', 'the detail does not show step 1');
    expect((await text(page, '[data-testid="kv"]')).includes('→'), 'no KV cache line');
    await page.keyboard.press('End');
    expect((await stepLabel(page)).startsWith(`Step ${last} of`), `after End: ${await stepLabel(page)}`);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await shot(page, 'trace.png');
  });

  const dir = mkdtempSync(join(tmpdir(), 'space-e2e-'));
  let resultsJson = '';
  await check('export the trace, then import the file', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export"]')]);
    const saved = join(dir, download.suggestedFilename());
    await download.saveAs(saved);
    const steps = JSON.parse(readFileSync(saved, 'utf8')).steps.length as number;
    await page.setInputFiles('[data-testid="import"]', saved);
    await page.waitForSelector('[data-testid="trace-source"][data-kind="import"]');
    expect((await text(page, '[data-testid="trace-source"]')).includes(download.suggestedFilename()), 'the imported file is not named');
    expect((await stepLabel(page)) === `Step 0 of ${steps - 1} (prefill)`, `imported trace: ${await stepLabel(page)}`);
  });

  await check('a corrupt trace file gives a clear error and the page stays usable', async () => {
    const corrupt = JSON.stringify({ format: 'space-decode-trace', version: 1, model: { id: 'x', vocab_size: 'many' } });
    await page.setInputFiles('[data-testid="import"]', { name: 'corrupt.json', mimeType: 'application/json', buffer: Buffer.from(corrupt) });
    const err = await (await page.waitForSelector('[data-testid="import-error"]')).textContent();
    expect(!!err && err.includes('corrupt.json') && err.includes('model.vocab_size'), `unclear error: "${err}"`);
    expect((await attr(page, '[data-testid="trace-source"]', 'data-kind')) === 'import', 'the previous trace is gone');
    await page.locator('body').press('ArrowRight');
    expect((await stepLabel(page)).startsWith('Step 1 of'), 'the stepper stopped working');
    await page.setInputFiles('[data-testid="import"]', { name: 'not-json.json', mimeType: 'application/json', buffer: Buffer.from('{"format": ') });
    await page.waitForFunction(() => document.querySelector('[data-testid="import-error"]')?.textContent?.includes('"not-json.json" is not valid JSON'));
    await shot(page, 'import-error.png');
    await page.click('[data-testid="show-run"]');
    await page.waitForSelector('[data-testid="trace-source"][data-kind="run"]');
  });

  await check('Stop ends a long decode within one step', async () => {
    await page.click('nav.tabs a[href="#/decode"]');
    await page.selectOption('#drafter', 'draft-model');
    await page.fill('input[name="k"]', '1');
    await page.fill('input[name="temperature"]', '1');
    await page.fill('input[name="max_tokens"]', (await attr(page, 'input[name="max_tokens"]', 'max')) || '256');
    for (let attempt = 1; ; attempt++) {
      await page.click('[data-testid="run"]');
      await page.waitForSelector('main[data-run="running"]', { timeout: TIMEOUT_MS });
      await page.click('[data-testid="stop"]');
      await page.waitForSelector('main:is([data-run="stopped"], [data-run="done"])', { timeout: TIMEOUT_MS });
      if ((await attr(page, 'main', 'data-run')) === 'stopped') break;
      expect(attempt < 3, 'three runs finished before Stop arrived: make the run longer');
      await page.fill('input[name="seed"]', String(attempt));
    }
    const after = await attr(page, '[data-testid="stopped"]', 'data-steps-after-stop');
    expect(after === '0' || after === '1', `the loop ran ${after} steps after Stop arrived`);
    console.log(`        ${(await text(page, '[data-testid="stopped"]')).trim()}`);
    expect((await page.locator('[data-testid="stop"]').isDisabled()) && (await page.locator('[data-testid="run"]').isEnabled()), 'buttons not reset');
  });

  await check('the same settings from a shared link reproduce the same tokens', async () => {
    await page.fill('input[name="max_tokens"]', '40');
    await page.fill('input[name="temperature"]', '0.8');
    await page.fill('input[name="seed"]', '7');
    await page.fill('input[name="k"]', '3');
    expect((await run(page)) === 'done', 'the first run did not finish');
    const shared = page.url();
    expect(shared.includes('temperature=0.8') && shared.includes('seed=7') && shared.includes('drafter=draft-model'), `the link lacks the settings: ${shared}`);
    const tokens = await attr(page, '[data-testid="spec-output"]', 'data-tokens');
    const baseline = await attr(page, '[data-testid="baseline-output"]', 'data-tokens');
    const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
    watchErrors(p, errors);
    await p.goto(shared);
    await phaseIs(p, 'ready');
    expect((await p.inputValue('input[name="seed"]')) === '7' && (await p.inputValue('#drafter')) === 'draft-model', 'the link did not set the controls');
    expect((await run(p)) === 'done', 'the second run did not finish');
    expect((await attr(p, '[data-testid="spec-output"]', 'data-tokens')) === tokens, 'the speculative tokens differ');
    expect((await attr(p, '[data-testid="baseline-output"]', 'data-tokens')) === baseline, 'the baseline tokens differ');
    expect((await p.locator('[data-testid="lossless-sampling"]').count()) === 1, 'no note on what lossless means for sampling');
    await shot(p, 'phone-decode.png');
    await p.click('nav.tabs a[href="#/trace"]');
    await p.locator('body').press('ArrowRight');
    await shot(p, 'phone-trace.png');
    await p.close();
  });

  await check('the distribution check at temperature 0.7: PASS for lossless heads, FAIL (a position named) for typical acceptance', async () => {
    const DIST_TIMEOUT_MS = 600_000;
    await page.selectOption('#drafter', 'heads');
    await page.fill('input[name="k"]', '4');
    await page.fill('input[name="temperature"]', '0.7');
    await page.fill('textarea[name="prompt"]', 'In the beginning God created the heaven and the earth.');
    await page.fill('input[name="dist-samples"]', '100');
    await page.fill('input[name="dist-positions"]', '3');
    const verdictOf = async (acceptance: 'lossless' | 'typical') => {
      await page.check(`input[name="acceptance"][value="${acceptance}"]`);
      await page.click('[data-testid="dist-check-start"]');
      await page.waitForSelector('[data-testid="dist-progress"]', { timeout: TIMEOUT_MS });
      await page.waitForSelector('[data-testid="dist-verdict"]', { timeout: DIST_TIMEOUT_MS });
      await page.waitForSelector('[data-testid="dist-chart-3"] svg', { timeout: TIMEOUT_MS });
      const verdict = page.locator('[data-testid="dist-verdict"]');
      return { pass: await verdict.getAttribute('data-pass'), failed: await verdict.getAttribute('data-failed-position'), text: (await verdict.textContent()) ?? '' };
    };
    const lossless = await verdictOf('lossless');
    expect(lossless.pass === 'true', `lossless heads failed the distribution check: ${lossless.text}`);
    console.log(`        lossless: ${lossless.text.trim()}`);
    const rows = await page.locator('[data-testid="dist-table"] tbody tr').count();
    expect(rows === 3, `expected one row per position, got ${rows}`);
    const typical = await verdictOf('typical');
    expect(typical.pass === 'false' && /^[1-3]$/.test(typical.failed ?? ''), `typical acceptance did not fail the check: ${typical.text}`);
    console.log(`        typical: ${typical.text.trim()}`);
    await page.check('input[name="acceptance"][value="lossless"]');
  });

  await check('bad values in a link fall back with a note, and the page works', async () => {
    const p = await browser.newPage();
    watchErrors(p, errors);
    await p.goto(`${url}&k=abc&temperature=-1&drafter=heads`);
    const note = await (await p.waitForSelector('[data-testid="url-problems"]')).textContent();
    expect(!!note && note.includes('k="abc"') && note.includes('temperature="-1"'), `unclear note: "${note}"`);
    await phaseIs(p, 'ready');
    expect((await run(p)) === 'done', 'a run with the fallback values did not finish');
    await p.close();
  });

  await check('an empty prompt disables Run and says why', async () => {
    await page.fill('textarea[name="prompt"]', '');
    expect(await page.locator('[data-testid="run"]').isDisabled(), 'Run is enabled with an empty prompt');
    expect((await text(page, '[data-testid="settings-problem"]')).includes('prompt is empty'), 'no reason shown');
  });

  await check('a prompt longer than the context: Run off with its token count, no Retry; the link leaves it out and a reload keeps it', async () => {
    const p = await browser.newPage();
    watchErrors(p, errors);
    const long = 'And it came to pass in those days. '.repeat(170);
    // autorun asks for a run the page's check refuses: the error must not offer a Retry that would fail the same way
    await p.goto(`${url}&autorun=1&prompt=${encodeURIComponent(long)}`);
    await phaseIs(p, 'ready');
    const err = await (await p.waitForSelector('[data-testid="run-error"]', { timeout: TIMEOUT_MS })).textContent();
    expect(/The prompt is \d+ tokens, but the model's context is \d+ positions/.test(err ?? ''), `unclear error: "${err}"`);
    expect((await p.locator('[data-testid="run-error"] button', { hasText: 'Retry' }).count()) === 0, 'Retry is offered for a prompt that cannot fit');
    expect(await p.locator('[data-testid="run"]').isDisabled(), 'Run is enabled with a prompt longer than the context');
    expect(/prompt tokens of a \d+-position context/.test(await text(p, '[data-testid="prompt-fit"]')), 'no token count under the prompt');
    await p.locator('textarea[name="prompt"]').press('Control+End');
    await p.keyboard.type('!');
    await p.waitForFunction(() => !new URLSearchParams(location.search).has('prompt'), null, { timeout: TIMEOUT_MS });
    expect(p.url().length < 2500, `the link is ${p.url().length} characters`);
    expect(await p.locator('[data-testid="prompt-not-in-link"]').isVisible(), 'no note that the link lacks the prompt');
    const response = await p.reload();
    expect(response?.ok() === true, `the reload got HTTP ${response?.status()}`);
    await phaseIs(p, 'ready');
    expect((await p.inputValue('textarea[name="prompt"]')) === `${long}!`, 'the reload lost the prompt');
    await p.fill('textarea[name="prompt"]', 'In the beginning');
    expect(!(await p.locator('[data-testid="run"]').isDisabled()), 'Run stays disabled for a short prompt');
    await p.close();
  });

  await check('Compare: a small comparison (2 prompts, 2 configurations) fills the table and the charts', async () => {
    await page.click('nav.tabs a[href="#/compare"]');
    await page.waitForSelector('[data-testid="compare-view"]', { timeout: TIMEOUT_MS });
    expect((await page.locator('[data-testid="config-row"]').count()) === 2, 'expected the 2 default configuration rows');
    await page.fill('input[name="compare-prompts"]', '2');
    await page.fill('input[name="compare-max-tokens"]', '12');
    // keyboard only: focus the button and press Enter
    await page.focus('[data-testid="compare-run"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="compare-progress"]', { timeout: TIMEOUT_MS }).catch(() => undefined);
    await page.waitForSelector('[data-testid="compare-view"]:is([data-status="done"], [data-status="error"], [data-status="stopped"])', { timeout: TIMEOUT_MS });
    const status = await attr(page, '[data-testid="compare-view"]', 'data-status');
    expect(status === 'done', `the comparison ended ${status}: ${await text(page, '[data-testid="compare-error"]').catch(() => '')}`);
    expect((await attr(page, '[data-testid="compare-view"]', 'data-prompts')) === '2', 'expected 2 prompts of results');
    expect((await attr(page, '[data-testid="compare-table"]', 'data-rows')) === '3', 'expected 3 rows: the baseline and 2 configurations');
    const speedups = await page.locator('[data-testid="compare-table"] td[data-speedup]').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-speedup'))));
    expect(speedups.length === 2 && speedups.every((x) => x > 0), `speedups: ${speedups.join(', ')}`);
    const stepMs = await page.locator('[data-testid="compare-profile"] .profile-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-step-ms'))));
    expect(stepMs.length === 3 && stepMs.every((x) => x > 0), `per-step profile times: ${stepMs.join(', ')}`);
    for (const chart of ['chart-speedup', 'chart-acceptance', 'chart-histogram']) {
      expect((await page.locator(`[data-testid="${chart}"] svg.recharts-surface`).count()) === 1, `${chart} has no chart`);
    }
    expect((await page.locator('[data-testid="chart-speedup"] .recharts-bar-rectangle').count()) >= 2, 'no speedup bars');
    expect((await text(page, '[data-testid="chart-speedup"]')).includes('SPACE claim 1.5×'), 'no 1.5× reference line');
    console.log(`        speedups ${speedups.map((x) => `${x.toFixed(2)}×`).join(', ')}`);
    await shot(page, 'compare.png');
  });

  await check('Compare: export CSV and JSON, import the JSON, and a clear error for a bad file', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="compare-export-csv"]')]);
    const csvPath = join(dir, csv.suggestedFilename());
    await csv.saveAs(csvPath);
    const lines = readFileSync(csvPath, 'utf8').trimEnd().split('\r\n');
    expect(lines.length === 4 && lines[0]!.startsWith('label,drafter,shape,sampling,prompts'), `unexpected CSV: ${lines.slice(0, 2).join(' / ')}`);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="compare-export-json"]')]);
    const jsonPath = join(dir, json.suggestedFilename());
    await json.saveAs(jsonPath);
    resultsJson = jsonPath;
    await page.setInputFiles('[data-testid="compare-import"]', jsonPath);
    await page.waitForSelector('[data-testid="compare-source"][data-kind="import"]');
    expect((await attr(page, '[data-testid="compare-table"]', 'data-rows')) === '3', 'the imported results do not show the same table');
    const bad = JSON.stringify({ format: 'space-compare-results', version: 1, configs: [{ drafter: 'heads', k: 'four' }] });
    await page.setInputFiles('[data-testid="compare-import"]', { name: 'bad-results.json', mimeType: 'application/json', buffer: Buffer.from(bad) });
    const err = await (await page.waitForSelector('[data-testid="compare-import-error"]')).textContent();
    expect(!!err && err.includes('bad-results.json') && err.includes('configs.0.k'), `unclear error: "${err}"`);
    expect((await attr(page, '[data-testid="compare-source"]', 'data-kind')) === 'import', 'the previous results are gone');
  });

  await check('Compare: Cancel stops a long comparison within one decode step', async () => {
    await page.fill('input[name="compare-max-tokens"]', '200');
    await page.click('[data-testid="compare-run"]');
    await page.waitForSelector('[data-testid="compare-progress"]', { timeout: TIMEOUT_MS });
    await page.click('[data-testid="compare-cancel"]');
    await page.waitForSelector('[data-testid="compare-view"]:is([data-status="stopped"], [data-status="done"])', { timeout: TIMEOUT_MS });
    expect((await attr(page, '[data-testid="compare-view"]', 'data-status')) === 'stopped', 'the comparison was not stopped');
    const after = await attr(page, '[data-testid="compare-stopped"]', 'data-steps-after-stop');
    expect(after === '0' || after === '1', `the loop ran ${after} steps after Cancel arrived`);
    expect(await page.locator('[data-testid="compare-run"]').isEnabled(), 'Run comparison is not enabled again');
  });

  await check('Speedup simulator: a chart, an optimum k, the measured cost curve, and the optimum moving with the machine', async () => {
    await page.click('nav.tabs a[href="#/simulator"]');
    await page.waitForSelector('[data-testid="chart-projection"] svg.recharts-surface', { timeout: TIMEOUT_MS });
    expect(/k = \d/.test(await text(page, '[data-testid="optimum-k"]')), `no optimum k: "${await text(page, '[data-testid="optimum-k"]')}"`);
    await page.click('[data-testid="measure-cost"]');
    await page.waitForSelector('[data-testid="simulator-view"]:is([data-cost="done"], [data-cost="error"])', { timeout: TIMEOUT_MS });
    expect((await attr(page, '[data-testid="simulator-view"]', 'data-cost')) === 'done', `measuring failed: ${await text(page, '[data-testid="measure-error"]').catch(() => '')}`);
    expect((await page.locator('[data-testid="chart-cost"] .recharts-line').count()) >= 1, 'no cost curve drawn');
    const gpu = Number(await attr(page, '[data-testid="machine-table"] tr[data-machine="gpu-7b"]', 'data-optimum'));
    const phone = Number(await attr(page, '[data-testid="machine-table"] tr[data-machine="phone-3b"]', 'data-optimum'));
    expect(gpu >= 1 && phone >= 1 && phone <= gpu, `optimum k: GPU ${gpu}, phone ${phone}`);
    await page.selectOption('select[name="machine"]', 'phone-3b');
    await page.waitForFunction(() => document.querySelector('[data-testid="optimum-k"]')?.textContent?.includes('Phone'));
    console.log(`        ${(await text(page, '[data-testid="optimum-k"]')).trim()} (GPU preset: k = ${gpu})`);
    await page.selectOption('select[name="machine"]', 'measured');
    await shot(page, 'simulator.png');
  });

  await check("Speedup simulator: vLLM's /metrics pasted become the profile, a bad paste is refused, the speculative_config export shows the optimum k", async () => {
    const counters = (engine: string, drafts: number, tokens: number, accepted: number, perPos: number[]) =>
      [`vllm:spec_decode_num_drafts_total{engine="${engine}",model_name="m"} ${drafts}`, `vllm:spec_decode_num_draft_tokens_total{engine="${engine}",model_name="m"} ${tokens}`,
        `vllm:spec_decode_num_accepted_tokens_total{engine="${engine}",model_name="m"} ${accepted}`,
        ...perPos.map((x, i) => `vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="${engine}",model_name="m",position="${i}"} ${x}`)].join('\n');
    await page.fill('textarea[name="vllm-metrics"]', '# HELP vllm:num_requests_running x\nvllm:num_requests_running 1');
    await page.click('[data-testid="vllm-use"]');
    expect(/no vLLM speculative decoding counters/.test(await text(page, '[data-testid="vllm-error"]')), 'a paste without counters was not refused');
    await page.fill('textarea[name="vllm-metrics"]', `${counters('0', 100, 300, 180, [80, 60, 40])}\n${counters('1', 100, 300, 180, [80, 60, 40])}`);
    await page.click('[data-testid="vllm-use"]');
    await page.waitForSelector('[data-testid="vllm-summary"]');
    const summary = await text(page, '[data-testid="vllm-summary"]');
    expect(summary.includes('a₁…a3 = 0.80, 0.60, 0.40') && summary.includes('τ = 2.80') && summary.includes('200 drafts'), `summary: ${summary}`);
    expect((await page.inputValue('select[name="profile"]')) === 'vllm', 'the pasted figures are not the chosen profile');
    expect((await page.locator('select[name="vllm-label-set"] option').count()) === 3, 'two engines should offer the sum and each');
    const k = /k = (\d+)/.exec(await text(page, '[data-testid="optimum-k"]'))?.[1];
    const config = JSON.parse(await text(page, '[data-testid="speculative-config"]')) as { num_speculative_tokens: number; method: string };
    expect(config.num_speculative_tokens === Number(k) && config.method === 'eagle', `exported ${JSON.stringify(config)}, optimum k = ${k}`);
  });

  await check('Compare and the simulator fit a 390 px screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const view of ['simulator', 'compare']) {
      await page.click(`nav.tabs a[href="#/${view}"]`);
      await page.waitForSelector(`[data-testid="${view}-view"]`);
      if (view === 'compare' && resultsJson) {
        await page.setInputFiles('[data-testid="compare-import"]', resultsJson);
        await page.waitForSelector('[data-testid="chart-speedup"] svg.recharts-surface');
      }
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width <= 390, `#/${view} is ${width} px wide at a 390 px viewport`);
      await page.screenshot({ path: join(dir, `phone-${view}.png`), fullPage: true });
    }
    console.log(`        phone screenshots in ${dir}`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await check('WebGPU (SwiftShader): greedy tokens identical to wasm, KV cache on the GPU; the automatic choice keeps wasm when WebGPU is slower', async () => {
    const gpuBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: WEBGPU_ARGS });
    try {
      const probe = await gpuBrowser.newPage();
      await probe.goto(origin);
      const adapter = await probe.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return gpu ? (await gpu.requestAdapter()) !== null : false;
      });
      await probe.close();
      expect(adapter, `chromium gave no WebGPU adapter with ${WEBGPU_ARGS.join(' ')}: the WebGPU path cannot be tested on this machine`);
      // heads-tree: verification gathers the accepted path out of the GPU cache
      const link = `${url}&drafter=heads-tree&max_tokens=8`;
      const gpu = await decodeIn(gpuBrowser, `${link}&backend=webgpu`, errors);
      expect(gpu.backend === 'webgpu' && gpu.runtime.includes('KV cache on the GPU'), `not on WebGPU: "${gpu.runtime}"`);
      const cpu = await decodeIn(gpuBrowser, `${link}&backend=wasm`, errors);
      expect(cpu.backend === 'wasm', `not on wasm: "${cpu.runtime}"`);
      expect(gpu.spec === cpu.spec && gpu.baseline === cpu.baseline, `WebGPU tokens ${gpu.spec} differ from wasm's ${cpu.spec}`);
      console.log(`        tokens on both: ${gpu.spec}`);

      const context = await gpuBrowser.newContext();
      const p = await context.newPage();
      watchErrors(p, errors);
      await p.goto(url);
      await p.waitForSelector('[data-testid="runtime-probe"]:is([data-probe="done"], [data-probe="off"])', { timeout: 2 * TIMEOUT_MS });
      const line = await text(p, '[data-testid="runtime"]');
      const ms = (label: RegExp) => Number(new RegExp(`${label.source} (\\d+\\.\\d+) ms`).exec(line)?.[1]);
      const gpuMs = ms(/webgpu \d+ threads?/);
      const wasmMs = Math.min(ms(/wasm 1 thread/), ms(/wasm \d+ threads/) || Infinity);
      expect(gpuMs > 0 && wasmMs > 0, `expected wasm and webgpu figures: "${line}"`);
      const choice = await attr(p, '[data-testid="runtime-probe"]', 'data-choice');
      expect(gpuMs > wasmMs ? choice.startsWith('wasm-') : true, `WebGPU measured slower (${gpuMs} > ${wasmMs} ms) but the page chose ${choice}`);
      expect((await attr(p, '[data-testid="runtime"]', 'data-backend')) === choice.split('-')[0], `decoding on ${await attr(p, '[data-testid="runtime"]', 'data-backend')}, chose ${choice}`);
      console.log(`        ${line}`);
      await context.close();
    } finally {
      await gpuBrowser.close();
    }
  });

  await check('no console errors or uncaught exceptions', async () => {
    expect(errors.length === 0, errors.join('\n'));
  });

  await check('a missing model shows an error with Retry, not a blank page', async () => {
    const p = await browser.newPage();
    await p.goto(`${origin}?model=no-such-model`);
    await phaseIs(p, 'error');
    const msg = await text(p, '[data-testid="model-error"]');
    expect(msg.includes('no-such-model') && msg.includes('not found'), `unexpected error text: "${msg}"`);
    expect(await p.locator('[data-testid="model-error"] button:has-text("Retry")').isVisible(), 'no Retry button');
    expect((await p.locator('[data-testid="trace-output"], [data-testid="spec-output"] .chip').count()) > 0, 'the example trace is not on show');
    await p.close();
  });

  await check('a crashed worker shows an error, and Retry starts a working one', async () => {
    const p = await browser.newPage();
    const workerScript = /\/assets\/engine\.worker-[^/]*\.js$/;
    await p.route(workerScript, (route) => route.fulfill({ contentType: 'text/javascript', body: "throw new Error('simulated worker crash');" }));
    await p.goto(url);
    await phaseIs(p, 'error');
    const msg = await text(p, '[data-testid="model-error"]');
    expect(msg.includes('engine worker stopped unexpectedly'), `unexpected error text: "${msg}"`);
    await p.unroute(workerScript);
    await p.click('[data-testid="model-error"] button:has-text("Retry")');
    await phaseIs(p, 'ready');
    await p.close();
  });
});
