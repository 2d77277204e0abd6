/**
 * `npm run size`: what a cold visit of the page downloads, measured in headless Chromium
 * (harness.ts builds the site and serves it with `vite preview`): every file fetched until
 * the model is ready, its size in dist/ and gzipped, per part, as the README's Download
 * paragraph quotes it. Fails if the visit fetched an onnxruntime-web runtime other than the
 * wasm-only pair. `--no-build` reuses dist/.
 */
import { check, expect, withSite } from './harness.ts';
import { PARTS, recordVisit, sumParts } from './visit.ts';

/** The wasm-only runtime (vite.config.ts ORT_FILES): a visit that uses wasm fetches exactly these. */
export const WASM_RUNTIME = ['ort/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.wasm'];

const fmt = (n: number) => n.toLocaleString('en-US');

await withSite(async ({ browser, origin, modelId }) => {
  await check('a cold visit downloads the page, the worker, the wasm-only runtime and the model', async () => {
    const visit = await recordVisit(browser, origin, `${origin}?model=${encodeURIComponent(modelId)}`);
    const runtime = visit.files.filter((f) => f.part === 'runtime').map((f) => f.path);
    expect(
      JSON.stringify(runtime) === JSON.stringify(WASM_RUNTIME),
      `expected the runtime files ${WASM_RUNTIME.join(', ')}, found ${runtime.join(', ') || 'none'}: check the onnxruntime-web alias in vite.config.ts`,
    );
    console.log(`\nmodel ${modelId}, ready ${visit.readyMs} ms after navigation (localhost, cold cache)\n`);
    console.log('| part | files | bytes | gzip |\n|---|---:|---:|---:|');
    for (const r of sumParts(visit.files)) {
      const name = r.part === 'total' ? '**total**' : PARTS[r.part];
      console.log(`| ${name} | ${r.files} | ${fmt(r.bytes)} | ${fmt(r.gzipBytes)} |`);
    }
    console.log('\nfiles:');
    for (const f of visit.files) console.log(`  ${fmt(f.bytes).padStart(12)}  ${f.path}`);
    const later = visit.notFetched.reduce((a, f) => a + f.bytes, 0);
    console.log(`not fetched by this visit (views on first use, the WebGPU build of onnxruntime-web): ${fmt(later)} bytes in ${visit.notFetched.map((f) => f.path).join(', ')}\n`);
  });
});
