/**
 * The run settings as the page holds them: defaults, the checks a control can violate, and
 * the round trip through the address bar's query string, so a shared link reproduces a run.
 *
 *   ?drafter=heads&k=3&temperature=0.7&seed=7&prompt=In+the+beginning
 *
 * Parsing is defensive: a value that is missing keeps its default; one that is present but
 * wrong also falls back to the default and adds a problem saying what was expected
 * ("k=abc in the link is not a whole number from 1 to 32; using 4"), so a hand-edited or
 * truncated link never breaks the page. Pure functions: no window, testable in Node.
 *
 * The UI imports engine modules that are plain data (drafters/types.ts, tree.ts,
 * processors.ts), never engine/index.ts, which would pull onnxruntime-web into the page's bundle.
 */
import { ACCEPTANCES, DECODE_DEFAULTS, MAX_TEMPERATURE } from '../../engine/decoding/decode-config.ts';
import { DEFAULT_DRAFTER, DRAFTER_NAMES, MAX_DEPTH, maxK, usesKnob, type DrafterLimits } from '../../engine/drafters/registry.ts';
import { DEFAULT_TREE } from '../../engine/drafters/settings.ts';
import type { DrafterName } from '../../engine/drafters/types.ts';
import { MAX_NO_REPEAT_NGRAM_SIZE, MAX_REPETITION_PENALTY, MIN_REPETITION_PENALTY } from '../../engine/decoding/processors.ts';
import { DEFAULT_TREES, type DefaultTreeName } from '../../engine/decoding/tree.ts';
import type { RunSettings } from '../../worker/protocol.ts';

export type Settings = RunSettings;

export const DEFAULT_PROMPT = 'In the beginning God created the heaven and the earth.';
export const MAX_TOKENS_LIMIT = 1024;
export const MAX_PROMPT_CHARS = 8000;
export { MAX_TEMPERATURE };
export const TREE_NAMES = Object.keys(DEFAULT_TREES) as DefaultTreeName[];

/**
 * The page's first Run. repetition_penalty 1.2: on the prose suite greedy decoding without it
 * loops (median distinct-4 0.34, 29 of 32 outputs collapsed), with it reads like the corpus
 * (0.91, 1 of 32), by `npm run bench -- --suite prose --prompts 32 --max-tokens 128` (docs/bench/prose-128).
 */
export const DEFAULT_SETTINGS: Settings = {
  ...DECODE_DEFAULTS,
  drafter: DEFAULT_DRAFTER,
  k: 4,
  tree: DEFAULT_TREE,
  repetitionPenalty: 1.2,
  prompt: DEFAULT_PROMPT,
};

/** The settings a link carries: every control's (typical acceptance's parameters and stopAtEos stay at their defaults). */
type LinkKey = Exclude<keyof Settings, 'typical' | 'treeLabel' | 'stopAtEos'>;

/** Query-string key of each setting, in the order links are written. */
export const QUERY_KEYS: Record<LinkKey, string> = {
  drafter: 'drafter',
  k: 'k',
  tree: 'tree',
  branch: 'branch',
  draftTokens: 'draft_tokens',
  sampleDrafts: 'sample_drafts',
  adaptive: 'adaptive',
  pMin: 'p_min',
  acceptance: 'acceptance',
  repetitionPenalty: 'repetition_penalty',
  noRepeatNgramSize: 'no_repeat_ngram_size',
  temperature: 'temperature',
  topK: 'top_k',
  topP: 'top_p',
  seed: 'seed',
  maxTokens: 'max_tokens',
  prompt: 'prompt',
};

/** Which drafters use which knobs, from the registry (the engine refuses the rest, so the page disables them). */
export const usesK = (d: DrafterName) => usesKnob(d, 'k');
export const usesTree = (d: DrafterName) => usesKnob(d, 'tree');
export const usesAdaptive = (d: DrafterName) => usesKnob(d, 'adaptive');
export const usesPMin = (d: DrafterName) => usesKnob(d, 'pMin');

type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const int = (lo: number, hi: number) => (raw: string): Parsed<number> => {
  const n = Number(raw);
  return /^\s*\d+\s*$/.test(raw) && n >= lo && n <= hi ? { ok: true, value: n } : { ok: false, expected: `a whole number from ${lo} to ${hi}` };
};

const num = (ok: (n: number) => boolean, expected: string) => (raw: string): Parsed<number> => {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(n) && ok(n) ? { ok: true, value: n } : { ok: false, expected };
};

const oneOf = <T extends string>(names: readonly T[]) => (raw: string): Parsed<T> =>
  (names as readonly string[]).includes(raw) ? { ok: true, value: raw as T } : { ok: false, expected: `one of ${names.join(', ')}` };

const bool = (raw: string): Parsed<boolean> => {
  if (raw === '1' || raw === 'true') return { ok: true, value: true };
  if (raw === '0' || raw === 'false') return { ok: true, value: false };
  return { ok: false, expected: '1 or 0' };
};

const text = (raw: string): Parsed<string> =>
  raw.length === 0
    ? { ok: false, expected: 'some text' }
    : raw.length > MAX_PROMPT_CHARS
      ? { ok: false, expected: `at most ${MAX_PROMPT_CHARS} characters` }
      : { ok: true, value: raw };

const PARSERS: { [K in LinkKey]: (raw: string) => Parsed<Settings[K]> } = {
  drafter: oneOf(DRAFTER_NAMES),
  k: int(1, MAX_DEPTH),
  tree: oneOf(TREE_NAMES),
  branch: int(1, 8),
  draftTokens: int(1, 63),
  sampleDrafts: bool,
  adaptive: bool,
  pMin: num((n) => n >= 0 && n < 1, 'a number from 0 (off) up to, not including, 1'),
  acceptance: oneOf(ACCEPTANCES),
  repetitionPenalty: num(
    (n) => n >= MIN_REPETITION_PENALTY && n <= MAX_REPETITION_PENALTY,
    `a number from ${MIN_REPETITION_PENALTY} to ${MAX_REPETITION_PENALTY} (1 = off)`,
  ),
  noRepeatNgramSize: int(0, MAX_NO_REPEAT_NGRAM_SIZE),
  temperature: num((n) => n >= 0 && n <= MAX_TEMPERATURE, `a number from 0 (greedy) to ${MAX_TEMPERATURE}`),
  topK: int(0, 100_000),
  topP: num((n) => n > 0 && n <= 1, 'a number above 0, up to 1 (off)'),
  seed: int(0, 2 ** 31 - 1),
  maxTokens: int(1, MAX_TOKENS_LIMIT),
  prompt: text,
};

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v) : String(v));

/** Settings from a query string ('?a=1&b=2' or 'a=1&b=2'), with a problem per value that had to fall back. */
export function settingsFromQuery(search: string): { settings: Settings; problems: string[] } {
  const q = new URLSearchParams(search);
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  for (const key of Object.keys(QUERY_KEYS) as LinkKey[]) {
    const raw = q.get(QUERY_KEYS[key]);
    if (raw === null) continue;
    const parsed = PARSERS[key](raw);
    if (parsed.ok) (settings as unknown as Record<string, unknown>)[key] = parsed.value;
    else problems.push(`${QUERY_KEYS[key]}=${show(raw)} in the link is not ${parsed.expected}; using ${show(DEFAULT_SETTINGS[key])}.`);
  }
  return { settings, problems };
}

/**
 * Options of the page in the link that are not run settings (so the worker never sees them):
 * `autorun=1` starts a decode of the link's settings as soon as the model is ready, which is
 * how the first-token latency is measured from opening the page.
 */
export interface PageOptions {
  autorun: boolean;
}

export const DEFAULT_PAGE_OPTIONS: PageOptions = { autorun: false };

const OPTION_PARSERS: { [K in keyof PageOptions]: (raw: string) => Parsed<PageOptions[K]> } = { autorun: bool };

/** Page options from a query string, with a problem per value that had to fall back (as settingsFromQuery). */
export function pageOptionsFromQuery(search: string): { options: PageOptions; problems: string[] } {
  const q = new URLSearchParams(search);
  const options: PageOptions = { ...DEFAULT_PAGE_OPTIONS };
  const problems: string[] = [];
  for (const key of Object.keys(OPTION_PARSERS) as (keyof PageOptions)[]) {
    const raw = q.get(key);
    if (raw === null) continue;
    const parsed = OPTION_PARSERS[key](raw);
    if (parsed.ok) options[key] = parsed.value;
    else problems.push(`${key}=${show(raw)} in the link is not ${parsed.expected}; using ${show(DEFAULT_PAGE_OPTIONS[key])}.`);
  }
  return { options, problems };
}

/**
 * The longest prompt a link carries, in characters of its encoding in the query string: the
 * whole request line must stay far below what servers accept (8 KiB is common; past it they
 * answer 431 and the reload fails), whatever else the link holds. A longer prompt is left out.
 */
export const MAX_LINK_PROMPT_CHARS = 2000;

/** Characters the prompt takes in a link (prompt=... encoded, without the key). */
export const linkPromptChars = (prompt: string) => new URLSearchParams({ [QUERY_KEYS.prompt]: prompt }).toString().length - QUERY_KEYS.prompt.length - 1;

export const promptFitsLink = (prompt: string) => linkPromptChars(prompt) <= MAX_LINK_PROMPT_CHARS;

/** `search` with every setting written in (other parameters, such as model, kept); a prompt too long for a link is left out. */
export function settingsToQuery(settings: Settings, search = ''): string {
  const q = new URLSearchParams(search);
  for (const key of Object.keys(QUERY_KEYS) as LinkKey[]) {
    const v = settings[key];
    // a knob left at its drafter's default (a dynamic tree's branch, draftTokens) stays out of the link
    if ((key === 'prompt' && !promptFitsLink(settings.prompt)) || v === undefined) q.delete(QUERY_KEYS[key]);
    else q.set(QUERY_KEYS[key], typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return `?${q.toString()}`;
}

/** What the model can do, as far as the settings care (null while unknown). */
export type ModelLimits = DrafterLimits;

/** Why Run cannot go with these settings, or null. Checked again by the engine in the worker. */
export function settingsProblem(s: Settings, limits: ModelLimits | null): string | null {
  if (s.prompt.length === 0) return 'The prompt is empty: type some text to continue.';
  if (s.acceptance === 'typical' && s.temperature === 0) {
    return 'Typical acceptance is a sampling method: set a temperature above 0 (greedy verification is already exact).';
  }
  if (limits && usesK(s.drafter) && s.k > maxK(s.drafter, limits)) {
    return `k = ${s.k} drafts, but the model has ${limits.numHeads} draft heads: choose k from 1 to ${limits.numHeads}.`;
  }
  if (limits && usesTree(s.drafter)) {
    const depth = Math.max(...DEFAULT_TREES[s.tree].spec.map((p) => p.length));
    if (depth > limits.numHeads) return `${s.tree} is ${depth} deep, but the model has ${limits.numHeads} draft heads: choose a shallower tree.`;
  }
  return null;
}
