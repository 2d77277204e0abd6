/**
 * The browser bench's figures (pure: bench-browser.ts drives the page, this turns what it
 * measured into tables): --configs specs as the Compare view's rows, and the cold loads'
 * first-token latency as medians with min–max. The comparison's rows are the Node bench's
 * (engine/bench/summary.ts), so both print the same table.
 */
import { UsageError } from '../../src/cli/args.ts';
import type { DecodeConfig } from '../../src/engine/decoding/decode-config.ts';
import { spread, type Spread } from '../../src/engine/trace/metrics.ts';
import type { CompareConfig } from '../../src/worker/protocol.ts';

/** Performance target 5: the first generated token within this long of opening the page. */
export const FIRST_TOKEN_TARGET_MS = 1500;

/**
 * A --configs entry as a Compare view row. The page's rows are drafter x k or tree x
 * temperature; anything else (top-p, top-k, p-min, adaptive, typical acceptance) is refused.
 */
export function compareConfigOf(cfg: DecodeConfig, numHeads: number): CompareConfig {
  const spec = `${cfg.drafter}${cfg.k !== undefined ? `:k=${cfg.k}` : ''}`;
  if (cfg.drafter === 'none') throw new UsageError("--configs: 'none' is the baseline, which the page runs anyway; list drafters only");
  const extra = [
    cfg.topP < 1 ? 'top-p' : '',
    cfg.topK > 0 ? 'top-k' : '',
    cfg.pMin > 0 ? 'p-min' : '',
    cfg.adaptive ? 'adaptive' : '',
    cfg.acceptance !== 'lossless' ? 'acceptance' : '',
  ].filter(Boolean);
  if (extra.length) {
    throw new UsageError(`--configs ${spec}: the page's Compare view sets drafter, k or tree, and t only, not ${extra.join(', ')}; use npm run bench for those`);
  }
  if (typeof cfg.tree === 'object') throw new UsageError(`--configs ${spec}: the page runs the default trees only (tree=tree-8 etc.), not a tree from a file`);
  return {
    drafter: cfg.drafter,
    k: cfg.k ?? (cfg.drafter === 'heads' ? numHeads : 4),
    tree: cfg.tree ?? 'tree-8',
    temperature: cfg.temperature,
  };
}

/** One cold page load: times in ms from navigation start (the page's performance.timeOrigin). */
export interface ColdLoad {
  /** 'click': Run pressed as soon as the page says ready; 'autorun': ?autorun=1 starts the decode itself. */
  mode: 'click' | 'autorun';
  ready_ms: number;
  /** click only: when Run was pressed. */
  click_ms: number | null;
  /** The first generated token's chip on screen (the frame after it entered the page). */
  first_token_ms: number;
  /** Where the load went: named instants and spans (download, runtime, sessions, warm-up), ms from navigation start. */
  phases: LoadPhase[];
}

export interface LoadPhase {
  name: string;
  start_ms: number;
  end_ms: number;
}

export interface ColdSummary {
  loads: number;
  /** navigation -> ready, over every load. */
  ready_ms: Spread | null;
  /** click loads: Run pressed -> first token on screen. */
  click_to_token_ms: Spread | null;
  /** autorun loads: navigation -> first token on screen. */
  first_token_ms: Spread | null;
  /** Each phase's end, median over loads, in order of that median. */
  phases: { name: string; start_ms: Spread; end_ms: Spread }[];
  target_ms: number;
  met: boolean | null;
}

export function coldSummary(loads: readonly ColdLoad[]): ColdSummary {
  const click = loads.filter((l) => l.mode === 'click');
  const auto = loads.filter((l) => l.mode === 'autorun');
  const names = [...new Set(loads.flatMap((l) => l.phases.map((p) => p.name)))];
  const phases = names
    .map((name) => {
      const of = loads.flatMap((l) => l.phases.filter((p) => p.name === name));
      return { name, start_ms: spread(of.map((p) => p.start_ms))!, end_ms: spread(of.map((p) => p.end_ms))! };
    })
    .sort((a, b) => a.end_ms.median - b.end_ms.median);
  const first = spread(auto.map((l) => l.first_token_ms));
  return {
    loads: loads.length,
    ready_ms: spread(loads.map((l) => l.ready_ms)),
    click_to_token_ms: spread(click.map((l) => (l.click_ms === null ? null : l.first_token_ms - l.click_ms))),
    first_token_ms: first,
    phases,
    target_ms: FIRST_TOKEN_TARGET_MS,
    met: first ? first.median <= FIRST_TOKEN_TARGET_MS : null,
  };
}

const ms = (s: Spread | null) => (s ? `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : '–');

/** The cold loads as text: the three spans of target 5, then where a load's time went. */
export function coldTable(c: ColdSummary): string {
  const verdict = c.met === null ? '' : c.met ? '  met' : '  NOT met';
  const lines = [
    `Cold loads (fresh browser, empty cache): ${c.loads}; medians (min–max), ms from opening the page`,
    `  (a) open -> ready                     ${ms(c.ready_ms)}`,
    `  (b) Run pressed -> first token        ${ms(c.click_to_token_ms)}`,
    `  (c) open -> first token (?autorun=1)  ${ms(c.first_token_ms)}   target ≤ ${c.target_ms} ms${verdict}`,
  ];
  if (c.phases.length) {
    const width = Math.max(...c.phases.map((p) => p.name.length));
    lines.push('', 'Where a cold load goes (median start – end over loads, ms from opening the page):');
    for (const p of c.phases) {
      const span = p.start_ms.median === p.end_ms.median ? `${p.end_ms.median.toFixed(0)}` : `${p.start_ms.median.toFixed(0)} – ${p.end_ms.median.toFixed(0)}`;
      lines.push(`  ${p.name.padEnd(width)}  ${span}`);
    }
  }
  return lines.join('\n');
}
