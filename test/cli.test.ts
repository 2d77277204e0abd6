/**
 * The CLIs as a user runs them: child processes (tsx) against the test model, with tiny
 * settings. Checks the output contracts (one JSON line per sample, the bench's keys), that
 * greedy drafting changes nothing but speed, and that user mistakes end in one clear
 * stderr line and a non-zero exit, never a stack trace. Each spawn loads the model (~1-2 s),
 * so the fast tier spawns one decode; `npm run test:cli` spawns them all (tiers.ts). The
 * argument parsing behind those mistakes, and the pure parsers, are checked in-process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { parseFlags, UsageError, type FlagSpecs } from '../src/cli/args.ts';
import { parseConfigList, parseConfigSpec } from '../src/cli/bench-configs.ts';
import { resolveModelDir } from '../src/cli/model-arg.ts';
import { parseRunConfig } from '../src/cli/run-config.ts';
import { parseBenchResults } from '../src/engine/bench/results-file.ts';
import { summariseBench } from '../src/engine/bench/summary.ts';
import { parsePromptSuites, suitePrompts } from '../src/engine/bench/suites.ts';
import { DRAFTER_NAMES } from '../src/engine/drafters/registry.ts';
import { parseTrace } from '../src/engine/trace/trace.ts';
import { MODEL_DIR, ROOT } from './model-paths.ts';
import { CLI_ALL } from './tiers.ts';

/** What an unknown drafter name gets: every name the registry has. */
const UNKNOWN_DRAFTER = new RegExp(`--drafter expects one of ${DRAFTER_NAMES.join(', ')}, got 'medusa'`);

// the test model (model-paths.ts): public/models/toy, SPACE_MODEL_DIR, or the smoke model
const MODEL = MODEL_DIR;
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const tmp = mkdtempSync(join(tmpdir(), 'space-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(script: 'decode' | 'bench', args: string[]): Promise<Ran> {
  return new Promise((done) => {
    execFile(TSX, [join(ROOT, `src/cli/${script}.ts`), ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const jsonLines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('decode (spawned smoke)', () => {
  it('--json prints one JSON line per sample, seeds S .. S+N-1; --trace writes FILE-<seed>.json for each', async () => {
    const trace = join(tmp, 'trace.json');
    const r = await cli('decode', ['--model', MODEL, '--prompt', 'And God said', '--json', '--samples', '3', '--seed', '5', '--temperature', '0.8', '--max-tokens', '6', '--trace', trace]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.seed)).toEqual([5, 6, 7]);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['seed', 'tokens', 'text', 'metrics']));
      expect((l.tokens as number[]).length).toBeGreaterThan(0);
      expect(l.metrics).toHaveProperty('mean_acceptance_length');
      expect(l.metrics).toHaveProperty('draft_acceptance_rate');
      const t = parseTrace(readFileSync(join(tmp, `trace-${String(l.seed)}.json`), 'utf8'));
      expect(t.config.seed).toBe(l.seed);
      expect(t.result.tokens).toEqual(l.tokens);
    }
  }, 60_000);
});

describe.runIf(CLI_ALL)('decode (spawned, npm run test:cli)', () => {
  it('greedy: --drafter none and --drafter heads give the same tokens', async () => {
    const args = ['--model', MODEL, '--prompt', 'def main(argv):\n', '--json', '--max-tokens', '24'];
    const [ar, heads, tree] = await Promise.all([
      cli('decode', [...args, '--drafter', 'none']),
      cli('decode', [...args, '--drafter', 'heads', '--k', '3']),
      cli('decode', [...args, '--drafter', 'heads-tree', '--tree', 'tree-8']),
    ]);
    const tokens = (r: Ran) => jsonLines(r.stdout)[0]!.tokens;
    expect(ar.code).toBe(0);
    expect(tokens(heads)).toEqual(tokens(ar));
    expect(tokens(tree)).toEqual(tokens(ar));
  }, 60_000);

  it('prints text and a metrics summary without --json', async () => {
    const r = await cli('decode', ['--model', MODEL, '--prompt', 'In the beginning', '--max-tokens', '8']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('In the beginning');
    expect(r.stdout).toMatch(/draft acceptance rate/);
    expect(r.stdout).toMatch(/tokens\/s/);
  }, 60_000);

  it.each([
    [['--prompt', 'x', '--kk', '3'], /unknown flag --kk \(did you mean --k\?\)/],
    [['--prompt', 'x', '--drafter', 'medusa'], UNKNOWN_DRAFTER],
    [['--prompt', ''], /the prompt is empty/],
    [['--prompt', 'x', '--model', join(tmp, 'no-such-model')], /no-such-model does not exist.*npm run train/],
    [['--prompt', 'x', '--drafter', 'heads-tree', '--tree', 'tree-99'], /--tree 'tree-99' is neither a default tree/],
    [['--prompt', 'x', '--k', '0'], /--k expects an integer in \[1, 32\], got '0'/],
    [['--prompt', 'x', '--drafter', 'none', '--k', '2'], /drop --k/],
  ])('%j fails with a clear message', async (args, message) => {
    const r = await cli('decode', args.includes('--model') ? args : ['--model', MODEL, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
  }, 60_000);

  it('a prompt longer than the context fails after loading, with the limit in the message', async () => {
    const long = join(tmp, 'long.txt');
    writeFileSync(long, 'and the '.repeat(400));
    const r = await cli('decode', ['--model', MODEL, '--prompt-file', long]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/at most \d+ prompt tokens fit/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe.runIf(CLI_ALL)('bench (spawned, npm run test:cli)', () => {
  it('--json on 2 prompts x 2 configs has every figure, --out writes bench.json and bench.md', async () => {
    const out = join(tmp, 'bench');
    const r = await cli('bench', ['--model', MODEL, '--prompts', '2', '--max-tokens', '8', '--configs', 'heads:k=2,prompt-lookup:k=3', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown> & { configs: Array<Record<string, unknown>> };
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['date', 'command', 'machine', 'node', 'onnxruntime_web', 'model', 'suite', 'prompts', 'configs']));
    expect(report.configs.map((c) => c.label)).toEqual(['autoregressive, greedy', 'heads k=2, greedy', 'prompt-lookup k=3, greedy']);
    // the report carries the one results file format, which the Compare view imports and summarises to the same rows
    const results = parseBenchResults(JSON.stringify(report.results), 'the bench report');
    expect(summariseBench(results).map((row) => [row.label, row.speedup_decode?.median])).toEqual(
      report.configs.map((c) => [c.label, (c.speedup_decode as { median: number } | null)?.median]),
    );
    for (const c of report.configs) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining([
        'draft_acceptance_rate', 'mean_acceptance_length', 'acceptance_rate_per_position', 'target_forwards_per_token',
        'tokens_per_second', 'speedup', 'profile', 'per_prompt', 'pooled', 'baseline',
      ]));
      expect(c.per_prompt).toHaveLength(2);
    }
    expect(report.configs[1]!.mismatches).toBe(0);
    expect(existsSync(join(out, 'bench.json'))).toBe(true);
    expect(parseBenchResults(readFileSync(join(out, 'results.json'), 'utf8'), 'results.json')).toEqual(results);
    const md = readFileSync(join(out, 'bench.md'), 'utf8');
    expect(md).toContain('| drafter |');
    expect(md).toContain('npm run bench --');
  }, 60_000);

  it('a bad --configs entry fails before the model loads', async () => {
    const r = await cli('bench', ['--model', MODEL, '--configs', 'heads:q=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/setting 'q=2' is not key=value/);
  }, 60_000);
});

/** The UsageError message `f` throws; fails when it throws nothing or something else. */
function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError, but nothing was thrown');
}

describe('argument parsing (in-process)', () => {
  const flags = {
    prompt: { type: 'string', value: 'TEXT', help: 'the text' },
    k: { type: 'string', value: 'N', help: 'drafts' },
    json: { type: 'boolean', help: 'JSON lines' },
  } satisfies FlagSpecs;

  it('flags: unknown ones get a suggestion, repeats and stray words are refused', () => {
    expect(parseFlags(['--prompt', 'x', '--k', '3', '--json'], flags, 'usage')).toEqual({ prompt: 'x', k: '3', json: true });
    expect(usageError(() => parseFlags(['--prompt', 'x', '--kk', '3'], flags, 'usage'))).toMatch(/unknown flag --kk \(did you mean --k\?\)/);
    expect(usageError(() => parseFlags(['--k', '2', '--k', '3'], flags, 'usage'))).toMatch(/--k is given twice/);
    expect(usageError(() => parseFlags(['--prompt', 'two', 'words'], flags, 'usage'))).toMatch(/unexpected argument 'words'/);
    expect(usageError(() => parseFlags(['--json=yes'], flags, 'usage'))).toMatch(/--json is a switch and takes no value/);
  });

  it.each([
    [{ drafter: 'medusa' }, UNKNOWN_DRAFTER],
    [{ drafter: 'heads-tree', tree: 'tree-99' }, /--tree 'tree-99' is neither a default tree/],
    [{ k: '0' }, /--k expects an integer in \[1, 32\], got '0'/],
    [{ drafter: 'none', k: '2' }, /drop --k/],
    [{ drafter: 'prompt-lookup', tree: 'tree-8' }, /--tree shapes the heads-tree drafter only/],
    [{ acceptance: 'typical' }, /--acceptance typical is a sampling method: add --temperature > 0/],
    [{ drafter: 'heads-tree', adaptive: true }, /drop --adaptive/],
    [{ drafter: 'prompt-lookup', 'p-min': '0.5' }, /drop --p-min/],
  ])('a config of %j is refused with a clear message', (raw, message) => {
    expect(usageError(() => parseRunConfig(raw))).toMatch(message);
  });

  it('a config takes its defaults and the values given', () => {
    expect(parseRunConfig({})).toMatchObject({ drafter: 'heads', adaptive: false, pMin: 0, acceptance: 'lossless', temperature: 0, topK: 0, topP: 1 });
    expect(parseRunConfig({ drafter: 'draft-model', k: '3', adaptive: true, 'p-min': '0.2', temperature: '0.7', 'top-p': '0.9' })).toMatchObject({
      drafter: 'draft-model', k: 3, adaptive: true, pMin: 0.2, temperature: 0.7, topP: 0.9,
    });
  });

  it('a --model that is not a model folder names what it found and how to build one', () => {
    expect(resolveModelDir(MODEL).dir).toBe(MODEL);
    expect(usageError(() => resolveModelDir(join(tmp, 'no-such-model')))).toMatch(/no-such-model does not exist.*npm run train/);
    expect(usageError(() => resolveModelDir(tmp))).toMatch(/has no config\.json/);
  });
});

describe('parsers', () => {
  it('bench config specs carry drafter, shape and sampling', () => {
    const [a, b, c] = parseConfigList('heads:k=3:t=0.7:top-p=0.9,draft-model:k=4:adaptive,heads-tree:tree=tree-12');
    expect(a).toMatchObject({ drafter: 'heads', k: 3, temperature: 0.7, topP: 0.9 });
    expect(b).toMatchObject({ drafter: 'draft-model', k: 4, adaptive: true, temperature: 0 });
    expect(c).toMatchObject({ drafter: 'heads-tree', tree: 'tree-12' });
    expect(() => parseConfigSpec('heads:k=2:k=3')).toThrow(/k is set twice/);
    expect(() => parseConfigSpec('prompt-lookup:tree=tree-8')).toThrow(/tree shapes the heads-tree drafter only/);
  });

  it('prompt suites: validated, repetitive added, all dealt out in turn', () => {
    const text = JSON.stringify({
      format_version: 1,
      suites: { prose: [{ id: 'p0', source: 's', text: 'a' }, { id: 'p1', source: 's', text: 'b' }], code: [{ id: 'c0', source: 's', text: 'c' }] },
    });
    const suites = parsePromptSuites(text);
    expect(suites.repetitive.length).toBeGreaterThanOrEqual(4);
    expect(suitePrompts(suites, 'all').slice(0, 4).map((p) => p.suite)).toEqual(['prose', 'code', 'repetitive', 'prose']);
    expect(() => parsePromptSuites('{"format_version":1,"suites":{"prose":[]}}', 'x.json')).toThrow(/x.json is not a prompt-suite file/);
    expect(() => parsePromptSuites(readFileSync(join(MODEL, 'prompts.json'), 'utf8'))).not.toThrow();
  });
});
