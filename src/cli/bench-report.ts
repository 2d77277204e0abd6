/**
 * The bench's figures and how they are shown: per-prompt figures summarised as median and
 * min-max over prompts (medians, because one prompt that hits EOS early or a GC pause
 * should not move the headline), rendered as an aligned text table or Markdown, plus
 * the environment a reader needs to trust or reproduce the numbers.
 */
import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';

import { spread, type Spread } from '../engine/metrics.ts';
import { REPO_ROOT } from './model-arg.ts';

export { spread, type Spread };

/** One table row: what ran and its figures over prompts. */
export interface BenchRow {
  label: string;
  drafter: string;
  shape: string;
  sampling: string;
  lossy: boolean;
  draft_acceptance_rate: Spread | null;
  mean_acceptance_length: Spread | null;
  acceptance_rate_per_position: (Spread | null)[];
  target_forwards_per_token: Spread | null;
  tokens_per_second: Spread | null;
  speedup: Spread | null;
  /** Leviathan et al.'s predicted speedup from alpha, gamma and the measured cost ratio c (chains only). */
  predicted_speedup: Spread | null;
  /** Per decode step, ms: drafting, the target forward, verification, KV cache + emit, and the rest (records, yields). */
  profile: { draft_ms: Spread | null; forward_ms: Spread | null; verify_ms: Spread | null; accept_ms: Spread | null; bookkeeping_ms: Spread | null };
  /** Greedy lossless configs only: prompts whose tokens differ from autoregressive decoding (should be 0). */
  mismatches?: number;
}

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

const HEADERS = [
  'drafter', 'k / tree', 'sampling', 'accept rate', 'τ', 'accept per position', 'fwd/token', 'tokens/s',
  'speedup (min–max)', 'predicted', 'draft ms', 'forward ms', 'verify ms', 'accept ms', 'other ms',
];

function cells(r: BenchRow): string[] {
  const pos = r.acceptance_rate_per_position.map((s) => med(s)).join(' ');
  const flag = (r.mismatches ? ` ⚠ ${r.mismatches} prompt(s) differ from AR` : '') + (r.lossy ? ' (lossy)' : '');
  return [
    r.drafter + flag, r.shape || '–', r.sampling, med(r.draft_acceptance_rate), med(r.mean_acceptance_length), pos || '–',
    med(r.target_forwards_per_token), med(r.tokens_per_second, 0), withRange(r.speedup), med(r.predicted_speedup),
    med(r.profile.draft_ms), med(r.profile.forward_ms), med(r.profile.verify_ms), med(r.profile.accept_ms), med(r.profile.bookkeeping_ms),
  ];
}

const NOTES = [
  'Medians over prompts; speedup is tokens/s against autoregressive decoding (drafter none, same sampling) on the same prompt.',
  'accept rate: accepted / drafted tokens; τ: mean acceptance length, 1 + accepted / drafts (tokens per drafted step);',
  'accept per position: share of drafts whose i-th drafted token was accepted; fwd/token: target forwards per new token.',
  'predicted: Leviathan et al.\'s speedup from alpha, gamma and the measured draft/verify cost ratio c (chains only).',
  'Per decode step: draft ms (drafter), forward ms (the target forward), verify ms (verification), accept ms',
  '(KV cache + emit), other ms (the rest of the run per step: records, probabilities for the trace, yields).',
];

export function textTable(rows: BenchRow[]): string {
  const all = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, c) => Math.max(...all.map((r) => [...r[c]!].length)));
  const line = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd();
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cells(r))), '', ...NOTES].join('\n');
}

export function markdownReport(
  rows: BenchRow[],
  env: Environment,
  setup: { model: string; suite: string; prompts: number; maxTokens: number },
): string {
  const row = (c: string[]) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `# Speculative decoding bench: ${setup.model}`,
    '',
    `Suite \`${setup.suite}\`, ${setup.prompts} prompts, up to ${setup.maxTokens} new tokens each; configurations interleaved per prompt after one warm-up run each.`,
    '',
    row(HEADERS),
    row(HEADERS.map(() => '---')),
    ...rows.map((r) => row(cells(r))),
    '',
    ...NOTES.map((n) => `${n}  `),
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
