/**
 * vLLM's speculative decoding counters, read from the text of its Prometheus `/metrics`
 * endpoint (one scrape, or two whose difference is taken), or a plain list of per-position
 * acceptance rates, turned into the acceptance profile the Speedup simulator projects from.
 *
 *   vllm:spec_decode_num_drafts_total{engine="0",model_name="m"} 100
 *   vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="m"} 300
 *   vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="m"} 180
 *   vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="m",position="0"} 80   (1: 60, 2: 40)
 *   -> a = 0.8, 0.6, 0.4; acceptance rate 180 / 300 = 0.6; τ = 1 + 180 / 100 = 2.8; k = 3
 *
 * vLLM counts position i (from 0) when the first i + 1 drafted tokens were all accepted, so
 * count_i / drafts is our a_(i+1). Only the sample lines of these four counters are parsed
 * (by hand: the one npm parser, parse-prometheus-text-format, has had no release or
 * maintainer answer since 2019); every other line, `# HELP`/`# TYPE` and `_created`
 * companions are skipped. Label sets other than `position` (engine, model_name) are summed,
 * or one is chosen. Per-position counts that rise with the position are impossible from one
 * vLLM run but are kept, with a warning: the projection then uses them as given.
 * Pure: no DOM, testable in Node.
 */
import { MAX_DEPTH } from '../../engine/drafters/registry.ts';

/** Input caps, checked before parsing: a real scrape is 50-300 kB and a few thousand lines. */
export const MAX_METRICS_CHARS = 2_000_000;
export const MAX_METRICS_LINES = 50_000;
export const MAX_POSITIONS = MAX_DEPTH;
/** The choice that sums every label set. */
export const SUMMED = 'sum';

const PREFIX = 'vllm:spec_decode_';
const COUNTERS = {
  drafts: `${PREFIX}num_drafts`,
  draftTokens: `${PREFIX}num_draft_tokens`,
  accepted: `${PREFIX}num_accepted_tokens`,
  perPosition: `${PREFIX}num_accepted_tokens_per_pos`,
} as const;
type CounterKey = keyof typeof COUNTERS;
const BY_NAME = new Map<string, CounterKey>(Object.entries(COUNTERS).map(([k, n]) => [n, k as CounterKey]));
/** One label set's samples as read, positions keyed by their label. */
type RawSet = { totals: Partial<Record<Exclude<CounterKey, 'perPosition'>, number>>; positions: Map<number, number> };

/** One label set's counters; perPosition[i] is vLLM's position i. */
export interface SpecDecodeCounts {
  drafts: number;
  draftTokens: number;
  accepted: number;
  perPosition: number[];
}

export interface MetricsReading {
  /** Distinct label sets (without `position`), as `engine="0",model_name="m"`; '' for none. */
  labelSets: string[];
  counts: Record<string, SpecDecodeCounts>;
  /** Two snapshots were given and these are their difference. */
  difference: boolean;
}

/** What the simulator takes: a_1..a_k and the headline figures. */
export interface AcceptanceFigures {
  perPosition: number[];
  /** accepted draft tokens / draft tokens. */
  acceptanceRate: number;
  /** 1 + accepted / drafts (vLLM's mean acceptance length). */
  tau: number;
  /** Leviathan's alpha: accepted / verified draft decisions = accepted / (accepted + drafts with a rejection). */
  alpha: number;
  /** num_speculative_tokens: the number of positions. */
  k: number;
  warnings: string[];
}

const fail = (msg: string): never => {
  throw new Error(msg);
};

function checkSize(text: string, what: string): void {
  if (text.length > MAX_METRICS_CHARS) {
    fail(`${what} is ${(text.length / 1e6).toFixed(1)} MB; a vLLM /metrics scrape is well under ${MAX_METRICS_CHARS / 1e6} MB. Paste one scrape of one server.`);
  }
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  if (lines > MAX_METRICS_LINES) fail(`${what} has ${lines} lines; the limit is ${MAX_METRICS_LINES}. Paste one scrape of one server.`);
}

/** `{a="x",b="y\"z"}` from index `i` (at '{'); returns the labels and the index after '}'. */
function parseLabels(line: string, i: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return [labels, i + 1];
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!m || line[i + m[0].length] !== '=' || line[i + m[0].length + 1] !== '"') fail(`${where}: expected label="value" at column ${i + 1}.`);
    const name = m![0];
    i += name.length + 2;
    let value = '';
    for (;;) {
      const ch = line[i];
      if (ch === undefined) fail(`${where}: the value of label '${name}' has no closing quote.`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : fail(`${where}: unknown escape '\\${next ?? ''}' in label '${name}' (Prometheus allows \\\\, \\" and \\n).`);
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    if (name in labels) fail(`${where}: label '${name}' appears twice.`);
    labels[name] = value;
    i++;
  }
}

const quote = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelKey = (labels: Record<string, string>) =>
  Object.keys(labels)
    .filter((k) => k !== 'position')
    .sort()
    .map((k) => `${k}="${quote(labels[k]!)}"`)
    .join(',');

/** One scrape: every spec-decode sample by label set. */
function readSnapshot(text: string, what: string): Map<string, RawSet> {
  checkSize(text, what);
  const out = new Map<string, RawSet>();
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line.startsWith(PREFIX)) continue;
    const where = `${what}, line ${n + 1}`;
    const nameEnd = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0].length;
    let name = line.slice(0, nameEnd);
    if (name.endsWith('_created')) continue;
    if (name.endsWith('_total')) name = name.slice(0, -'_total'.length);
    const key = BY_NAME.get(name);
    if (!key) continue;
    const [labels, i]: [Record<string, string>, number] = line[nameEnd] === '{' ? parseLabels(line, nameEnd, where) : [{}, nameEnd];
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') fail(`${where}: expected a value (and an optional timestamp) after the name and labels, found '${line.slice(i).trim()}'.`);
    const raw = rest[0]!;
    const value = /^[+-]?inf$/i.test(raw) ? Number(raw.replace(/inf/i, 'Infinity')) : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw)) fail(`${where}: '${raw}' is not a number.`);
    if (!Number.isFinite(value) || value < 0) fail(`${where}: ${name} is ${raw}; a counter is a finite count of 0 or more. Is the scrape complete?`);
    const sampleId = `${name}{${labelKey(labels)}${labels.position !== undefined ? `,position=${labels.position}` : ''}}`;
    if (seen.has(sampleId)) fail(`${where}: ${sampleId} already appeared on line ${seen.get(sampleId)! + 1}; paste one scrape (the earlier one goes in the second box).`);
    seen.set(sampleId, n);
    const set = labelKey(labels);
    if (!out.has(set)) out.set(set, { totals: {}, positions: new Map() });
    const entry = out.get(set)!;
    if (key === 'perPosition') {
      const pos = labels.position;
      if (pos === undefined || !/^\d+$/.test(pos)) fail(`${where}: ${name} needs a position label with a whole number (0, 1, …), found ${pos === undefined ? 'none' : `'${pos}'`}.`);
      const p = Number(pos);
      if (p >= MAX_POSITIONS) fail(`${where}: position ${p}; the simulator takes at most ${MAX_POSITIONS} speculative tokens (positions 0 to ${MAX_POSITIONS - 1}).`);
      entry.positions.set(p, value);
    } else {
      entry.totals[key] = value;
    }
  }
  if (out.size === 0) {
    fail(`${what} has no vLLM speculative decoding counters (${COUNTERS.drafts}_total and the others). Paste the text of /metrics from a vLLM server started with --speculative-config, after it has served some requests.`);
  }
  return out;
}

/** Checks one label set's counters are complete, and makes positions a dense list. */
function complete(entry: RawSet, set: string, what: string): SpecDecodeCounts {
  const who = `${what}${set ? ` {${set}}` : ''}`;
  for (const k of ['drafts', 'draftTokens', 'accepted'] as const) {
    if (entry.totals[k] === undefined) fail(`${who}: ${COUNTERS[k]}_total is missing; paste the whole /metrics text.`);
  }
  if (entry.positions.size === 0) fail(`${who}: no ${COUNTERS.perPosition}_total{position="…"} counters; they came with vLLM's V1 engine: upgrade, or give the per-position rates as a list.`);
  const K = Math.max(...entry.positions.keys()) + 1;
  const missing = Array.from({ length: K }, (_, i) => i).filter((i) => !entry.positions.has(i));
  if (missing.length > 0) fail(`${who}: positions ${[...entry.positions.keys()].sort((a, b) => a - b).join(', ')} found, but position ${missing.join(', ')} is missing; every position from 0 to ${K - 1} is needed.`);
  return {
    drafts: entry.totals.drafts!,
    draftTokens: entry.totals.draftTokens!,
    accepted: entry.totals.accepted!,
    perPosition: Array.from({ length: K }, (_, i) => entry.positions.get(i)!),
  };
}

/** Reads a scrape, or the difference of two (`before` is the earlier one; empty: none). */
export function readMetrics(after: string, before = ''): MetricsReading {
  const a = readSnapshot(after, before.trim() ? 'The later snapshot' : 'The pasted metrics');
  const counts: Record<string, SpecDecodeCounts> = {};
  for (const [set, e] of a) counts[set] = complete(e, set, 'The later snapshot');
  if (!before.trim()) return { labelSets: [...a.keys()].sort(), counts, difference: false };
  const b = readSnapshot(before, 'The earlier snapshot');
  for (const [set, e] of b) {
    const then = complete(e, set, 'The earlier snapshot');
    const now = counts[set];
    const who = set ? ` {${set}}` : '';
    if (!now) fail(`The earlier snapshot has counters for${who || ' no labels'} that the later one lacks: the server restarted or they are from different servers. Take both snapshots from one server run.`);
    const reset = (name: string, x: number, y: number) =>
      fail(`Counter reset: ${name}${who} is ${y} in the later snapshot, below the earlier ${x}. The server restarted between them (or the boxes are swapped); take both snapshots from one server run, the earlier one in the second box.`);
    if (then.perPosition.length !== now!.perPosition.length) fail(`The snapshots have ${then.perPosition.length} and ${now!.perPosition.length} positions${who}: the server was restarted with another num_speculative_tokens. Take both from one server run.`);
    for (const k of ['drafts', 'draftTokens', 'accepted'] as const) if (now![k] < then[k]) reset(`${COUNTERS[k]}_total`, then[k], now![k]);
    then.perPosition.forEach((x, i) => {
      if (now!.perPosition[i]! < x) reset(`${COUNTERS.perPosition}_total{position="${i}"}`, x, now!.perPosition[i]!);
    });
    counts[set] = {
      drafts: now!.drafts - then.drafts,
      draftTokens: now!.draftTokens - then.draftTokens,
      accepted: now!.accepted - then.accepted,
      perPosition: now!.perPosition.map((x, i) => x - then.perPosition[i]!),
    };
  }
  return { labelSets: [...a.keys()].sort(), counts, difference: true };
}

/** The counters of one label set, or (SUMMED) of all of them added up. */
export function countsFor(reading: MetricsReading, choice: string = SUMMED): SpecDecodeCounts {
  if (choice !== SUMMED) {
    return reading.counts[choice] ?? fail(`No label set {${choice}} in the metrics; choose one of: ${reading.labelSets.map((s) => `{${s}}`).join(', ')}.`);
  }
  const all = reading.labelSets.map((s) => reading.counts[s]!);
  const ks = [...new Set(all.map((c) => c.perPosition.length))];
  if (ks.length > 1) fail(`The label sets have different numbers of positions (${ks.join(' and ')}): they ran different num_speculative_tokens, so their sum is no one profile. Choose one label set.`);
  return all.reduce((s, c) => ({
    drafts: s.drafts + c.drafts,
    draftTokens: s.draftTokens + c.draftTokens,
    accepted: s.accepted + c.accepted,
    perPosition: s.perPosition.map((x, i) => x + c.perPosition[i]!),
  }));
}

function risingWarning(a: readonly number[]): string[] {
  const i = a.findIndex((x, j) => j > 0 && x > a[j - 1]! + 1e-12);
  return i === -1
    ? []
    : [`Acceptance rises from a${i} = ${a[i - 1]!.toFixed(3)} to a${i + 1} = ${a[i]!.toFixed(3)}; one vLLM run cannot do that (a token counts only when every earlier one was accepted), so these figures may be mixed or edited. The projection uses them as given.`];
}

/** The acceptance profile and figures of one set of counters, with its consistency checks. */
export function figuresOf(c: SpecDecodeCounts): AcceptanceFigures {
  const K = c.perPosition.length;
  if (c.drafts === 0) fail(`No drafts counted (${COUNTERS.drafts}_total is 0): send the server some requests first, or, with two snapshots, let requests run between them.`);
  if (c.accepted > c.draftTokens) fail(`${c.accepted} accepted tokens but only ${c.draftTokens} draft tokens: more accepted than drafted. Paste the counters of one server as they are.`);
  if (c.draftTokens > c.drafts * K + 1e-9) fail(`${c.draftTokens} draft tokens in ${c.drafts} drafts of at most ${K} positions: more than a draft can hold. Are some per-position counters missing?`);
  const over = c.perPosition.findIndex((x) => x > c.drafts);
  if (over !== -1) fail(`Position ${over} was accepted ${c.perPosition[over]} times in ${c.drafts} drafts: more often than it was drafted.`);
  const perPosition = c.perPosition.map((x) => x / c.drafts);
  const warnings = risingWarning(perPosition);
  const sum = c.perPosition.reduce((s, x) => s + x, 0);
  if (Math.abs(sum - c.accepted) > 1e-6 * Math.max(1, c.accepted)) {
    warnings.push(`The per-position counts add up to ${sum}, not the ${c.accepted} accepted tokens; a₁…a${K} come from the per-position counts, the acceptance rate and τ from the accepted count.`);
  }
  const rejected = c.drafts - c.perPosition[K - 1]!;
  return {
    perPosition,
    acceptanceRate: c.draftTokens > 0 ? c.accepted / c.draftTokens : 0,
    tau: 1 + c.accepted / c.drafts,
    alpha: c.accepted + rejected > 0 ? c.accepted / (c.accepted + rejected) : 0,
    k: K,
    warnings,
  };
}

/**
 * A plain list of per-position acceptance rates ("0.8, 0.6, 0.45", or one per line):
 * a_i, each in [0, 1]. Every draft is taken to have k = the list's length tokens.
 */
export function parseRateList(text: string): AcceptanceFigures {
  if (text.length > 10_000) fail(`The list is ${text.length} characters; a list of at most ${MAX_POSITIONS} rates is far shorter.`);
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  if (parts.length === 0) fail('No rates given: write the per-position acceptance rates, e.g. 0.8, 0.6, 0.45.');
  if (parts.length > MAX_POSITIONS) fail(`${parts.length} rates; the simulator takes at most ${MAX_POSITIONS} positions.`);
  const a = parts.map((p, i) => {
    const x = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(p) ? Number(p) : NaN;
    if (!Number.isFinite(x)) fail(`Rate ${i + 1} is '${p}', not a number; write rates as decimals, e.g. 0.8, 0.6, 0.45.`);
    if (x < 0 || x > 1) fail(`Rate ${i + 1} is ${p}; a rate is a fraction from 0 to 1${x > 1 && x <= 100 ? ` (for ${p} % write ${x / 100})` : ''}.`);
    return x;
  });
  const K = a.length;
  const accepted = a.reduce((s, x) => s + x, 0);
  const rejected = 1 - a[K - 1]!;
  return {
    perPosition: a,
    acceptanceRate: accepted / K,
    tau: 1 + accepted,
    alpha: accepted + rejected > 0 ? accepted / (accepted + rejected) : 0,
    k: K,
    warnings: risingWarning(a),
  };
}

/** Whether pasted text is a plain list of numbers rather than /metrics text. */
export const isRateList = (text: string) => /^[\s\d.,;eE+-]*$/.test(text) && /\d/.test(text);

/** What the simulator keeps of a reading: the counters of every label set (so the choice can change), or the rates. */
export type VllmImport = { kind: 'metrics'; reading: MetricsReading; labelSet: string } | { kind: 'list'; rates: number[] };

/** Reads the pasted text (metrics, or a plain list) and the optional earlier snapshot; importFigures checks the figures. */
export function readVllmInput(text: string, before = ''): VllmImport {
  if (isRateList(text)) {
    if (before.trim()) fail('An earlier snapshot goes with /metrics text, not with a list of rates: empty the second box, or paste the later /metrics text in the first.');
    return { kind: 'list', rates: parseRateList(text).perPosition };
  }
  if (!text.trim()) fail("Nothing pasted: paste the text of vLLM's /metrics endpoint, or per-position acceptance rates such as 0.8, 0.6, 0.45.");
  const reading = readMetrics(text, before);
  return { kind: 'metrics', reading, labelSet: reading.labelSets.length === 1 ? reading.labelSets[0]! : SUMMED };
}

/** The figures of an import with its current label-set choice (throws as figuresOf does). */
export function importFigures(imp: VllmImport): AcceptanceFigures {
  return imp.kind === 'list' ? parseRateList(imp.rates.join(',')) : figuresOf(countsFor(imp.reading, imp.labelSet));
}

/** How a label set reads in a list: `engine="0", model_name="m"`, or the sum. */
export const labelSetLabel = (set: string, count: number) => (set === SUMMED ? `all ${count} label sets, summed` : set === '' ? '(no labels)' : set.replace(/",/g, '", '));
