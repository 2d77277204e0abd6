/**
 * A small, strict flag parser for the CLIs (node:util parseArgs underneath): unknown flags,
 * repeated flags, stray positionals and missing values are errors that name the flag and
 * point at --help, and runMain turns any error into one stderr line and a non-zero exit
 * instead of a stack trace.
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** One line for --help. */
  help: string;
  /** Placeholder for the value in --help, e.g. 'N' or 'FILE'. */
  value?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type Flags<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** A mistake in the command line: reported with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Levenshtein distance, for "did you mean" on a mistyped flag. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

function suggest(name: string, known: string[]): string {
  const best = known.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? ` (did you mean --${best[0]}?)` : '';
}

export function helpText(usage: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => [`--${name}${s.value ? ` ${s.value}` : ''}`, s.help] as const);
  const width = Math.max(...rows.map((r) => r[0].length), 6);
  const lines = rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
  return `${usage}\n\nFlags:\n${lines.join('\n')}\n  ${'--help'.padEnd(width)}  show this help\n`;
}

/**
 * Parse argv (without node and the script) against `specs`. Prints help and exits 0 on
 * --help; throws UsageError on anything it does not expect.
 */
export function parseFlags<S extends FlagSpecs>(argv: string[], specs: S, usage: string): Flags<S> {
  const known = Object.keys(specs);
  for (const arg of argv) {
    if (arg === '--') break;
    const m = /^--([^=]+)/.exec(arg);
    if (m && m[1] !== 'help' && !known.includes(m[1]!)) {
      throw new UsageError(`unknown flag --${m[1]}${suggest(m[1]!, known)}; expected one of ${known.map((k) => `--${k}`).join(', ')}`);
    }
    if (/^-[^-]/.test(arg) && !/^-\d/.test(arg)) throw new UsageError(`unknown flag ${arg}: flags are long, e.g. --max-tokens`);
  }
  const options = Object.fromEntries([
    ...Object.entries(specs).map(([name, s]) => [name, { type: s.type }]),
    ['help', { type: 'boolean' }],
  ]) as Record<string, { type: 'string' | 'boolean' }>;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const flag = /'(--?[\w-]+)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /'([^']*)'/.exec(err.message)?.[1] ?? '';
      throw new UsageError(`unexpected argument '${word}': every value follows its flag (quote text with spaces, e.g. --prompt "two words")`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const spec = specs[flag.replace(/^--/, '')];
      if (spec?.type === 'boolean') throw new UsageError(`${flag} is a switch and takes no value`);
      throw new UsageError(`${flag} needs a value (${spec?.value ?? 'VALUE'}); for a value starting with '-' write ${flag}=VALUE`);
    }
    throw new UsageError(err.message);
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(usage, specs));
    process.exit(0);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} is given twice; give it once`);
    seen.add(t.name);
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) out[name] = parsed.values[name] ?? (s.type === 'boolean' ? false : undefined);
  return out as Flags<S>;
}

/** An integer flag in [min, max], or `fallback` when absent. */
export function intFlag(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new UsageError(`--${name} expects an integer ${range}, got '${raw}'`);
  }
  return v;
}

/** A number flag with lo <= v (or lo < v when loOpen) and v <= hi (or v < hi when hiOpen). */
export function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  range: { lo: number; hi: number; loOpen?: boolean; hiOpen?: boolean },
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const ok = raw.trim() !== '' && Number.isFinite(v) &&
    (range.loOpen ? v > range.lo : v >= range.lo) && (range.hiOpen ? v < range.hi : v <= range.hi);
  if (!ok) {
    const interval = range.hi === Infinity
      ? `${range.loOpen ? '>' : '>='} ${range.lo}`
      : `in ${range.loOpen ? '(' : '['}${range.lo}, ${range.hi}${range.hiOpen ? ')' : ']'}`;
    throw new UsageError(`--${name} expects a number ${interval}, got '${raw}'`);
  }
  return v;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceFlag<T extends string>(name: string, raw: string | undefined, fallback: T, choices: readonly T[]): T {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} expects one of ${choices.join(', ')}, got '${raw}'`);
  }
  return raw as T;
}

/**
 * Run a CLI's main. Errors become `<program>: error: <message>` on stderr: exit 2 for
 * usage errors, 1 otherwise. Only errors that look like bugs (TypeError, RangeError, ...)
 * keep their stack, as does everything under SPACE_DEBUG=1.
 */
export function runMain(program: string, main: () => Promise<void>): void {
  // `... | head` closes stdout early; that ends the run, it is not an error worth a stack.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main().catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    const bug = !['Error', 'UsageError', 'MissingModelFileError'].includes(err.name);
    const hint = err instanceof UsageError ? `\nRun \`npm run ${program} -- --help\` for usage.` : '';
    const detail = bug || process.env.SPACE_DEBUG === '1' ? `\n${err.stack ?? ''}` : '';
    process.stderr.write(`${program}: error: ${err.message}${hint}${detail}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  });
}
