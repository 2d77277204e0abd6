/**
 * Vite config for the web front. The app is a static site with a relative base, so `dist/`
 * works from any folder of any static host. onnxruntime-web's runtime (.mjs glue + .wasm) is
 * served by us under `ort/` (see ortRuntime below) rather than bundled, and the worker points
 * `ort.env.wasm.wasmPaths` there. Model folders are plain static files under public/models/<id>/.
 *
 * In the browser the bare `onnxruntime-web` is the wasm-only build (ORT_WASM_ENTRY), not the
 * default bundle with WebGPU/WebNN (JSEP) and its 28 MB runtime. Vitest runs the engine in Node
 * through this config too, and there `onnxruntime-web` must stay the node entry: no alias.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Headers that make the page cross-origin isolated, so ORT may use SharedArrayBuffer threads. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** URL folder (relative to the site root) holding the ORT runtime; src/ui/useEngine.ts names it too. */
const ORT_DIR = 'ort';

/**
 * The runtime files onnxruntime-web loads at run time: the plain (CPU-only) wasm pair, which
 * ORT_WASM_ENTRY imports from `ort/`, and the WebGPU build's pair (asyncify, 27 MB), which
 * only a worker that tries WebGPU fetches.
 */
const ORT_FILES = [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
];

const ortDist = fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/', import.meta.url));

/**
 * What the browser gets for `import 'onnxruntime-web'`: the wasm-only ESM build without an
 * embedded copy of the glue (`onnxruntime-web/wasm` under the `onnxruntime-web-use-extern-wasm`
 * condition). The embedded copy would be dead weight: with wasmPaths set, ORT imports the glue
 * from there anyway. A file path, because the package's exports name it only under that condition.
 */
const ORT_WASM_ENTRY = ortDist + 'ort.wasm.min.mjs';
/** The same for `onnxruntime-web/webgpu`, which the worker imports dynamically when WebGPU is tried. */
const ORT_WEBGPU_ENTRY = ortDist + 'ort.webgpu.min.mjs';

/** Serves ORT's runtime files at /ort/ in dev and copies them to dist/ort/ at build time. */
function ortRuntime(): Plugin {
  return {
    name: 'space:ort-runtime',
    configureServer(server) {
      // Runs before Vite's own middlewares, so these files are never transformed (Vite would
      // otherwise rewrite the Emscripten glue and add ?import to it).
      server.middlewares.use(`/${ORT_DIR}`, (req, res, next) => {
        const name = (req.url ?? '').split('?')[0]!.replace(/^\//, '');
        if (!ORT_FILES.includes(name)) return next();
        const path = ortDist + name;
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.setHeader('Content-Length', statSync(path).size);
        res.setHeader('Cache-Control', 'no-cache');
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        createReadStream(path).pipe(res);
      });
    },
    generateBundle() {
      for (const name of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `${ORT_DIR}/${name}`, source: readFileSync(ortDist + name) });
      }
    },
  };
}

/**
 * `vite preview` gzips every response whose type it does not know, .onnx included: 17 MB
 * compressed on the fly cost about a second of CPU per cold load (and the download lost its
 * Content-Length, so its progress). Model graphs barely compress; serve them as they are.
 */
function uncompressedGraphs(): Plugin {
  return {
    name: 'space:uncompressed-graphs',
    configurePreviewServer(server) {
      // Runs before the preview's compression middleware, which reads Accept-Encoding.
      server.middlewares.use((req, _res, next) => {
        if ((req.url ?? '').split('?')[0]!.endsWith('.onnx')) req.headers['accept-encoding'] = 'identity';
        next();
      });
    },
  };
}

export default defineConfig({
  base: './',
  // No SPA fallback: a missing model file must be a 404, not index.html served as JSON.
  appType: 'mpa',
  plugins: [react(), ortRuntime(), uncompressedGraphs()],
  resolve: {
    // Exact matches: other deep imports resolve as the package says.
    alias: process.env.VITEST
      ? []
      : [
          { find: /^onnxruntime-web$/, replacement: ORT_WASM_ENTRY },
          { find: /^onnxruntime-web\/webgpu$/, replacement: ORT_WEBGPU_ENTRY },
        ],
  },
  // Pre-bundling would move ORT away from its runtime files and break its import.meta.url lookups.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // Crawl the worker too, so its dependencies are pre-bundled up front instead of being
    // discovered on first load (which makes Vite reload the page).
    entries: ['index.html', 'src/worker/*.worker.ts'],
  },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022' },
});
