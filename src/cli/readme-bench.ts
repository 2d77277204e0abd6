/**
 * Copies bench reports (DIR/bench.md written by `npm run bench -- --out DIR`, or
 * DIR/bench-browser.md by `npm run bench:browser -- --out DIR`) into README.md
 * between <!-- bench:start --> and <!-- bench:end -->, so the README's table is always a
 * bench run's own output, with its command line, never typed in.
 *
 *   npx tsx src/cli/readme-bench.ts docs/bench/prose [docs/bench/code ...]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: npx tsx src/cli/readme-bench.ts DIR [DIR ...] (folders holding bench.md)\n');
  process.exit(2);
}
const readme = readFileSync('README.md', 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  process.stderr.write(`README.md has no ${START} ... ${END} markers: add them where the bench table belongs\n`);
  process.exit(1);
}
// each report's own title becomes a level-3 heading under the README's "Benchmark"
const report = (d: string) => {
  const file = ['bench.md', 'bench-browser.md'].map((f) => join(d, f)).find((f) => existsSync(f));
  if (!file) {
    process.stderr.write(`${d} holds neither bench.md nor bench-browser.md: run the bench with --out ${d} first\n`);
    process.exit(1);
  }
  return readFileSync(file, 'utf8');
};
const body = dirs.map((d) => report(d).trim().replace(/^# /, '### ')).join('\n\n');
writeFileSync('README.md', `${readme.slice(0, a + START.length)}\n${body}\n${readme.slice(b)}`);
process.stdout.write(`README.md: bench tables from ${dirs.join(', ')}\n`);
