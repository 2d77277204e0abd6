/**
 * Vitest's config: the site's (vite.config.ts, which keeps onnxruntime-web on its Node entry
 * under vitest) plus test timeouts. A test that loads the model takes a second or two on two
 * idle cores and many times that on a shared machine; vitest's 5 s default failed such
 * tests for load, not for a bug. Which files run is vitest's default (every *.test.ts), so
 * a new test file joins `npm test`; the slow tiers are sized by test/tiers.ts.
 */
import { defineConfig, mergeConfig } from 'vitest/config';

import viteConfig from './vite.config.ts';

export default mergeConfig(viteConfig, defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } }));
