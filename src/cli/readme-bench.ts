/**
 * Copies bench reports (DIR/bench.md written by `npm run bench -- --out DIR`, or
 * DIR/bench-browser.md by `npm run bench:browser -- --out DIR`) into README.md
 * between <!-- bench:start --> and <!-- bench:end -->, so the README's table is always a
 * bench run's own output, with its command line, never typed in. A report from before the
 * distinct-4 and collapsed columns is refused: its speedups would not say whether the
 * outputs read as text.
 *
 *   npx tsx src/cli/readme-bench.ts docs/bench/prose [docs/bench/code ...]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';
const USAGE = `usage: npx tsx src/cli/readme-bench.ts DIR [DIR ...]

Copies each DIR/bench.md (npm run bench -- --out DIR) or DIR/bench-browser.md
(npm run bench:browser -- --out DIR) into README.md between ${START} and
${END}: the tables with every output's distinct-4, how many collapsed
(repeat themselves), the headline figures over the natural outputs and the collapsed ones apart.
`;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const dirs = args;
if (dirs.length === 0 || dirs.some((d) => d.startsWith('-'))) {
  process.stderr.write(dirs.length ? `unknown flag ${dirs.find((d) => d.startsWith('-'))}\n${USAGE}` : USAGE);
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
  const text = readFileSync(file, 'utf8');
  if (!text.includes('distinct-4') || !text.includes('collapsed')) {
    process.stderr.write(`${file} has no distinct-4 and collapsed columns (an older bench wrote it): run the bench again with --out ${d}\n`);
    process.exit(1);
  }
  return text;
};
const body = dirs.map((d) => report(d).trim().replace(/^# /, '### ')).join('\n\n');
writeFileSync('README.md', `${readme.slice(0, a + START.length)}\n${body}\n${readme.slice(b)}`);
process.stdout.write(`README.md: bench tables from ${dirs.join(', ')}\n`);
