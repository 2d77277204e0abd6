/**
 * The bench's rows (engine/bench/summary.ts: medians and min-max over prompts) rendered as
 * an aligned text table or Markdown, for `npm run bench` and `npm run bench:browser`, plus
 * the environment a reader needs to trust or reproduce the numbers. The headline table
 * is over natural outputs; outputs that repeat themselves (collapsed, distinct-4 < 0.5,
 * engine/text-quality.ts) are counted in it and their figures given apart, because
 * acceptance on a loop is easy.
 */
import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';

import type { BenchRow, Spread } from '../engine/bench/summary.ts';
import type { CostCurve, KvKeepCost } from '../engine/runtime/cost-probe.ts';
import { COLLAPSED_BELOW, mostlyCollapsed, type QualityFigures } from '../engine/bench/text-quality.ts';
import { REPO_ROOT } from './model-arg.ts';

export interface Environment {
  date: string;
  command: string;
  machine: { cpu: string; cores: number; os: string };
  node: string;
  onnxruntime_web: string;
}

export function environment(argv: string[]): Environment {
  const cpu = cpus();
  let ort = 'unknown';
  try {
    ort = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // Only the report's provenance line loses the version; the bench itself ran.
  }
  const quote = (a: string) => (/^[\w./:=,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return {
    date: new Date().toISOString(),
    command: ['npm run bench --', ...argv.map(quote)].join(' '),
    machine: { cpu: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, os: `${platform()} ${release()}` },
    node: process.version,
    onnxruntime_web: ort,
  };
}

const num = (x: number, d: number) => x.toFixed(d);
const med = (s: Spread | null, d = 2) => (s ? num(s.median, d) : '–');
const withRange = (s: Spread | null, d = 2) => (s ? `${num(s.median, d)} (${num(s.min, d)}–${num(s.max, d)})` : '–');
const part = (all: Spread | null, run: Spread | null) => (all ? `${med(all)}${run && run.median > 0 ? ` (${med(run)})` : ''}` : '–');

const HEADERS = [
  'drafter', 'k / tree', 'sampling', 'distinct-4', 'collapsed', 'accept rate', 'τ', 'accept per position', 'fwd/token', 'tokens/s',
  'end-to-end speedup (min–max)', 'decode speedup (min–max)', 'predicted',
];

/** '2 of 16'; '–' when no output's distinct-4 is known. */
const collapsedCount = (q: QualityFigures) => (q.outputs ? `${q.collapsed} of ${q.outputs}` : '–');

/** The headline row: the quality figures over every prompt, then the natural outputs' figures. */
function cells(r: BenchRow): string[] {
  const n = r.natural;
  const pos = n.acceptance_rate_per_position.map((s) => med(s)).join(' ');
  const flag =
    (r.mismatches ? ` ⚠ ${r.mismatches} prompt(s) differ from AR` : '') +
    (r.lossy ? ' (lossy)' : '') +
    (mostlyCollapsed(r.quality) ? ' ⚠ mostly collapsed' : '');
  return [
    r.drafter + flag, r.shape || '–', r.sampling, med(r.distinct4), collapsedCount(r.quality), med(n.draft_acceptance_rate), med(n.mean_acceptance_length), pos || '–',
    med(n.target_forwards_per_token), med(n.tokens_per_second, 0), withRange(n.speedup), withRange(n.speedup_decode), med(n.predicted_speedup),
  ];
}

const COLLAPSED_HEADERS = ['drafter', 'k / tree', 'sampling', 'collapsed', 'distinct-4', 'accept rate', 'τ', 'end-to-end speedup (min–max)', 'decode speedup (min–max)'];

/** The collapsed outputs' figures, for the rows that have any. */
function collapsedCells(r: BenchRow): string[] {
  const c = r.collapsed;
  return [
    r.drafter, r.shape || '–', r.sampling, collapsedCount(r.quality), med(c.distinct4), med(c.draft_acceptance_rate), med(c.mean_acceptance_length),
    withRange(c.speedup), withRange(c.speedup_decode),
  ];
}

/** The collapsed outputs apart: a table of the rows that have any, or one line saying there are none. */
function collapsedPart(rows: readonly BenchRow[]): { body: string[][]; lines: string[] } {
  const body = rows.filter((r) => r.collapsed.prompts > 0).map(collapsedCells);
  const mostly = rows.filter((r) => mostlyCollapsed(r.quality)).map((r) => `${r.drafter} ${r.shape} ${r.sampling}`.replace(/\s+/g, ' ').trim());
  const lines = body.length
    ? [
        `Collapsed outputs (distinct-4 < ${COLLAPSED_BELOW}: the text repeats itself, so drafts are easy to accept), apart from the table above;`,
        'medians over those prompts only.',
        ...(mostly.length ? [`Mostly collapsed (over half the outputs): ${mostly.join('; ')}; their figures above are over the few natural outputs.`] : []),
      ]
    : [`Collapsed outputs (distinct-4 < ${COLLAPSED_BELOW}): none; every output's 4-grams are at least half unique.`];
  return { body, lines };
}

const PROFILE_HEADERS = [
  'drafter', 'k / tree', 'sampling', 'step ms', 'draft ms (run)', 'verify forward ms (run)', 'verify decisions ms', 'accept ms (KV)', 'other ms',
  'AR overhead (min–max)', 'bound', 'efficiency (min–max)',
];

function profileCells(r: BenchRow): string[] {
  const p = r.profile;
  return [
    r.drafter, r.shape || '–', r.sampling, med(p.step_ms), part(p.draft_ms, p.draft_run_ms), part(p.verify_forward_ms, p.verify_forward_run_ms),
    med(p.verify_decisions_ms), part(p.accept_ms, p.kv_ms), med(p.other_ms), withRange(r.ar_overhead), med(r.speedup_bound), withRange(r.efficiency),
  ];
}

const NOTES = [
  'distinct-4: unique / all token 4-grams of each output, median over every prompt; collapsed: outputs with distinct-4 < 0.5',
  '(they repeat themselves), of all prompts. The other columns (and the speedup targets) are over the natural outputs only;',
  'the collapsed ones are given apart below.',
  'Medians over prompts. end-to-end speedup: tokens/s against autoregressive decoding (drafter none, same sampling) on the same prompt,',
  'prefill included; decode speedup: the same after the prefill step (ms per token of the decode phase).',
  'accept rate: accepted / drafted tokens; τ: mean acceptance length, 1 + accepted / drafts (tokens per drafted step);',
  'accept per position: share of drafts whose i-th drafted token was accepted; fwd/token: target forwards per new token.',
  'predicted: Leviathan et al.\'s speedup from alpha, gamma and the measured draft/verify cost ratio c (chains only).',
];

const PROFILE_NOTES = [
  'Per decode step, ms: draft (of which inside session.run), the verify forward (of which the bare session.run), the',
  'verify decisions, accept (of which the KV cache truncate/gather), other (records, yields: the rest of the step).',
  'AR overhead: an autoregressive step\'s wall time / its bare session.run. bound: tokens per step · t(1) / (t_draft + t_verify), with',
  'tokens per step = emitted tokens / decode steps, t(1) the baseline\'s bare forward, t_draft and t_verify this run\'s bare forwards;',
  'efficiency: decode speedup / bound, per prompt.',
];

/** One performance target and the figure this run measured for it. */
export interface TargetFigure {
  target: string;
  /** Which row the figure comes from. */
  config: string;
  figure: Spread | null;
  limit: { atMost?: number; atLeast?: number };
  met: boolean | null;
}

function target(name: string, row: BenchRow | undefined, figure: Spread | null, limit: TargetFigure['limit']): TargetFigure {
  const v = figure?.median;
  const met = v === undefined ? null : (limit.atMost === undefined || v <= limit.atMost) && (limit.atLeast === undefined || v >= limit.atLeast);
  return { target: name, config: row ? `${row.drafter} ${row.shape} ${row.sampling}`.replace(/\s+/g, ' ').trim() : '–', figure, limit, met };
}

/** The performance targets that one bench run can measure; speedups are decode-phase speedups. */
export function targetFigures(rows: BenchRow[], kv: KvKeepCost, suite: string): TargetFigure[] {
  const out: TargetFigure[] = [];
  for (const r of rows.filter((x) => x.drafter === 'none')) out.push(target('1. AR overhead ≤ 1.15', r, r.ar_overhead, { atMost: 1.15 }));
  for (const r of rows.filter((x) => x.drafter !== 'none' && !x.lossy)) out.push(target('2. efficiency ≥ 0.90', r, r.efficiency, { atLeast: 0.9 }));
  // speedup targets are for text that reads naturally: a loop is easy to draft
  const best = (xs: BenchRow[]) => xs.reduce<BenchRow | undefined>((a, b) => ((b.natural.speedup_decode?.median ?? -1) > (a?.natural.speedup_decode?.median ?? -1) ? b : a), undefined);
  const lossless = rows.filter((x) => x.drafter !== 'none' && !x.lossy);
  if (suite === 'prose') {
    const heads = best(lossless.filter((x) => x.drafter === 'heads' && x.sampling === 'greedy'));
    if (heads) out.push(target('3a. heads greedy (prose) ≥ 2.0', heads, heads.natural.speedup_decode, { atLeast: 2 }));
    const sampled = best(lossless.filter((x) => x.sampling.startsWith('t=0.7')));
    if (sampled) out.push(target('3b. best at t=0.7 (prose) ≥ 1.6', sampled, sampled.natural.speedup_decode, { atLeast: 1.6 }));
  }
  if (suite === 'code') {
    const b = best(lossless);
    if (b) out.push(target('3c. best on code ≥ 2.5', b, b.natural.speedup_decode, { atLeast: 2.5 }));
  }
  const one = (x: number): Spread => ({ median: x, min: x, max: x });
  out.push(target(`4. KV truncate at context ${kv.context} ≤ 5% of a step`, undefined, one(kv.truncate_share), { atMost: 0.05 }));
  out.push(target(`4. KV tree gather at context ${kv.context} ≤ 5% of a step`, undefined, one(kv.gather_share), { atMost: 0.05 }));
  return out;
}

function targetCells(t: TargetFigure): string[] {
  const lim = t.limit.atMost !== undefined ? `≤ ${t.limit.atMost}` : `≥ ${t.limit.atLeast}`;
  const pct = t.target.startsWith('4.');
  const fig = t.figure ? (pct ? `${(t.figure.median * 100).toFixed(1)}%` : withRange(t.figure)) : '–';
  return [t.target, t.config, fig, pct ? lim.replace(/0\.05/, '5%') : lim, t.met === null ? '–' : t.met ? 'met' : 'NOT met'];
}
const TARGET_HEADERS = ['target', 'configuration', 'measured (min–max)', 'limit', ''];

function aligned(headers: string[], body: string[][]): string[] {
  const all = [headers, ...body];
  const widths = headers.map((_, c) => Math.max(...all.map((r) => [...r[c]!].length)));
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** The cost curve as a table: n, t(n), t(n) / t(1), and n * t(1) / t(n). */
function curveBody(c: CostCurve): { headers: string[]; body: string[][]; note: string } {
  const ns = Object.keys(c.ms).map(Number).sort((a, b) => a - b);
  const t1 = c.ms[ns[0]!]!;
  return {
    headers: ['n new tokens', ...ns.map(String)],
    body: [
      ['t(n) ms', ...ns.map((n) => num(c.ms[n]!, 2))],
      ['t(n) / t(1)', ...ns.map((n) => num(c.ms[n]! / t1, 2))],
      ['n · t(1) / t(n)', ...ns.map((n) => num(c.ideal_speedup[n]!, 2))],
    ],
    note:
      `Cost curve: bare session.run of a target forward over n new tokens after ${c.context} cached (median of ${c.reps}); ` +
      `each token beyond the first costs ${num(c.marginal_ms, 2)} ms. n · t(1) / t(n) is the speedup of n - 1 drafts ` +
      'if every one were accepted and drafting were free: the ceiling this runtime puts on speculation.',
  };
}

export function textTable(rows: BenchRow[], targets: TargetFigure[] = [], curve?: CostCurve): string {
  const c = curve ? curveBody(curve) : null;
  const k = collapsedPart(rows);
  return [
    ...aligned(HEADERS, rows.map(cells)), '', ...NOTES, '',
    ...k.lines, ...(k.body.length ? ['', ...aligned(COLLAPSED_HEADERS, k.body)] : []), '',
    ...aligned(PROFILE_HEADERS, rows.map(profileCells)), '', ...PROFILE_NOTES,
    ...(c ? ['', ...aligned(c.headers, c.body), '', c.note] : []),
    ...(targets.length ? ['', ...aligned(TARGET_HEADERS, targets.map(targetCells))] : []),
  ].join('\n');
}

export function markdownReport(
  rows: BenchRow[],
  targets: TargetFigure[],
  curve: CostCurve,
  env: Environment,
  setup: { model: string; suite: string; prompts: number; maxTokens: number },
): string {
  const row = (c: string[]) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  const table = (h: string[], body: string[][]) => [row(h), row(h.map(() => '---')), ...body.map(row)];
  return [
    `# Speculative decoding bench: ${setup.model}, ${setup.suite}`,
    '',
    `Suite \`${setup.suite}\`, ${setup.prompts} prompts, up to ${setup.maxTokens} new tokens each; configurations interleaved per prompt after one warm-up run each.`,
    '',
    ...table(HEADERS, rows.map(cells)),
    '',
    ...NOTES.map((n) => `${n}  `),
    '',
    ...(() => {
      const k = collapsedPart(rows);
      return [...k.lines.map((n) => `${n}  `), '', ...(k.body.length ? [...table(COLLAPSED_HEADERS, k.body), ''] : [])];
    })(),
    ...table(PROFILE_HEADERS, rows.map(profileCells)),
    '',
    ...PROFILE_NOTES.map((n) => `${n}  `),
    '',
    ...(() => {
      const c = curveBody(curve);
      return [...table(c.headers, c.body), '', c.note, ''];
    })(),
    ...table(TARGET_HEADERS, targets.map(targetCells)),
    '',
    '```',
    env.command,
    '```',
    '',
    `- date: ${env.date}`,
    `- machine: ${env.machine.cpu}, ${env.machine.cores} cores, ${env.machine.os}`,
    `- node ${env.node}, onnxruntime-web ${env.onnxruntime_web}`,
    '',
  ].join('\n');
}
