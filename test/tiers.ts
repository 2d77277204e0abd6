/**
 * The test tiers. `npm test` runs every test file (vitest's default include finds any new
 * *.test.ts file) with each long sweep cut to a representative slice, so the whole run
 * stays near a minute on two cores. The full sweeps are their own npm scripts, which set
 * these variables (and .ci/run runs them all):
 *
 *   npm run test:lossless   SPACE_LOSSLESS_PROMPTS=1000   every suite prompt x every drafter, k and tree,
 *                           SPACE_LOSSLESS_TOKENS=64      64 new tokens a decode (fast tier: 32),
 *                           SPACE_EXACT_SEEDS=2           exact-enumeration tables from 2 seeds (fast tier: 1)
 *   npm run test:soak       SPACE_SOAK_STEPS=10000        the memory soak
 *   npm run test:cli        SPACE_CLI=all                 every spawned-CLI check
 */

function count(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${name} expects a whole number >= 1, got '${raw}'; unset it for the fast tier's ${fallback}`);
  return n;
}

/** Prompts of each suite every drafter config decodes (fast tier: one each, a different one per config). */
export const LOSSLESS_PROMPTS = count('SPACE_LOSSLESS_PROMPTS', 1);
/** New tokens per lossless decode. */
export const LOSSLESS_TOKENS = count('SPACE_LOSSLESS_TOKENS', 32);
/** Seeds of the random logits tables the exact-enumeration checks run through the real loop. */
export const EXACT_SEEDS = Array.from({ length: count('SPACE_EXACT_SEEDS', 1) }, (_, i) => i + 1);
/** Decode steps of the memory check (fast tier: enough to catch a leaked KV tensor, not a leaked row). */
export const SOAK_STEPS = count('SPACE_SOAK_STEPS', 2000);

const cli = process.env.SPACE_CLI ?? '';
if (cli !== '' && cli !== 'all') throw new Error(`SPACE_CLI expects 'all' (every spawned-CLI check) or nothing, got '${cli}'`);
/** Every spawned-CLI check, not just the smoke run. */
export const CLI_ALL = cli === 'all';
