/**
 * The comparison's table, one row per baseline and configuration: the outputs' distinct-4
 * and how many collapsed (repeat themselves), then over the natural outputs only, since a
 * loop is easy to draft: acceptance rate, τ, per-position acceptance, target forwards per
 * token, tokens/s, the measured speedup over autoregressive decoding and Leviathan's
 * predicted one; then over every prompt the step time, the baseline's overhead over bare
 * session.run, and the decode-phase speedup bound and efficiency; each the median over
 * prompts with the min–max under it. The collapsed outputs' τ and speedup are given under
 * the row's label. Scrolls sideways on a narrow screen (and with the keyboard).
 */
import type { ReactNode } from 'react';
import { COLLAPSED_BELOW, mostlyCollapsed } from '../../engine/bench/text-quality.ts';
import { AR_OVERHEAD_TARGET, EFFICIENCY_TARGET } from '../profile.ts';
import { CLAIM } from '../simulator/speedup-model.ts';
import type { BenchRow, Spread } from '../../engine/bench/summary.ts';

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const fix = (d: number) => (x: number) => x.toFixed(d);

function Cell({ s, f = fix(2), unit = '' }: { s: Spread | null; f?: (x: number) => string; unit?: string }) {
  if (!s) return <td className="num">–</td>;
  const range = s.min !== s.max ? `${f(s.min)}–${f(s.max)}` : null;
  return (
    <td className="num">
      {f(s.median)}
      {unit}
      {range && <small className="range">{range}</small>}
    </td>
  );
}

function SpeedupCell({ row }: { row: BenchRow }) {
  if (row.drafter === 'none') return <td className="num muted">1× (baseline)</td>;
  const s = row.natural.speedup;
  const loops = row.collapsed.speedup;
  if (!s && loops) {
    // no natural output to state it for: the loops' speedup, said to be only that
    return (
      <td className="num muted" data-speedup={loops.median.toFixed(3)} data-outputs="collapsed">
        –<small className="range">every output collapsed; {loops.median.toFixed(2)}× on those</small>
      </td>
    );
  }
  if (!s) return <td className="num">–</td>;
  const verdict: ReactNode = s.median >= CLAIM ? <span className="badge-ok">≥ {CLAIM}×</span> : s.median >= 1 ? null : <span className="badge-slow">slower</span>;
  return (
    <td className="num" data-speedup={s.median.toFixed(3)} data-outputs="natural">
      <strong>{s.median.toFixed(2)}×</strong> {verdict}
      {s.min !== s.max && <small className="range">{`${s.min.toFixed(2)}–${s.max.toFixed(2)}`}</small>}
    </td>
  );
}

/** Under a row's label: how its collapsed outputs did, and a plain warning when they are most of them. */
function CollapsedNote({ row }: { row: BenchRow }) {
  const c = row.collapsed;
  if (c.prompts === 0) return null;
  const tau = c.mean_acceptance_length ? `, τ ${c.mean_acceptance_length.median.toFixed(2)}` : '';
  const speedup = row.drafter !== 'none' && c.speedup ? `, speedup ${c.speedup.median.toFixed(2)}×` : '';
  return (
    <small className="range" data-testid="collapsed-note">
      {mostlyCollapsed(row.quality) && (
        <>
          <span className="badge-slow" data-mostly-collapsed="true">
            mostly repeats itself
          </span>{' '}
        </>
      )}
      collapsed: {c.prompts} of {row.prompts} prompts{tau}
      {speedup} (not in the figures of this row)
    </small>
  );
}

export function CompareTable({ rows }: { rows: readonly BenchRow[] }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Comparison table (scrolls sideways)">
      <table className="compare-table" data-testid="compare-table" data-rows={rows.length}>
        <caption>
          Medians over {rows[0]?.prompts ?? 0} prompts; min–max below each. Acceptance, τ, tokens/s and the speedups are over natural outputs
          only: an output with distinct-4 below {COLLAPSED_BELOW} repeats itself, which makes drafts easy to accept, so it is counted apart.
        </caption>
        <thead>
          <tr>
            <th scope="col">Configuration</th>
            <th scope="col" title="Unique / all token 4-grams of each output, median over every prompt (1: nothing repeats)">distinct-4</th>
            <th scope="col" title={`Outputs with distinct-4 below ${COLLAPSED_BELOW}: they repeat themselves`}>collapsed</th>
            <th scope="col" title="Accepted drafted tokens / drafted tokens">accept rate</th>
            <th scope="col" title="Mean acceptance length: tokens per drafted step, the bonus or correction included">τ</th>
            <th scope="col" title="Share of drafted steps whose i-th draft was accepted">accept by position</th>
            <th scope="col" title="Target forwards per new token (1 for autoregressive decoding)">fwd / token</th>
            <th scope="col">tokens/s</th>
            <th scope="col" title="Tokens/s over the autoregressive baseline's on the same prompt and temperature">speedup</th>
            <th scope="col" title="Leviathan et al.'s (1 − α^(γ+1)) / ((1 − α)(cγ + 1)) from the measured α, γ and c (chains only)">predicted</th>
            <th scope="col" title="Wall time per decode step after the prefill">ms / step</th>
            <th scope="col" title={`Autoregressive wall time per step over its bare session.run per step (target ≤ ${AR_OVERHEAD_TARGET})`}>AR overhead</th>
            <th scope="col" title="tokens per step · t(1) / (t_draft + t_verify): the decode speedup the runtime's bare forward times allow at these tokens per step">bound</th>
            <th scope="col" title={`Decode-phase speedup over the bound (target ≥ ${EFFICIENCY_TARGET})`}>efficiency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-row={r.key} className={r.drafter === 'none' ? 'baseline-row' : undefined}>
              <th scope="row">
                {r.label}
                {r.mismatches ? <> <span className="badge-slow" data-mismatches={r.mismatches}>⚠ {r.mismatches} prompt{r.mismatches === 1 ? '' : 's'} differ from autoregressive</span></> : null}
                <CollapsedNote row={r} />
              </th>
              <Cell s={r.distinct4} />
              <td className="num" data-collapsed={r.quality.collapsed}>
                {r.quality.outputs ? `${r.quality.collapsed} of ${r.quality.outputs}` : '–'}
              </td>
              <Cell s={r.natural.draft_acceptance_rate} f={pct} />
              <Cell s={r.natural.mean_acceptance_length} />
              <td className="positions">
                {r.natural.acceptance_rate_per_position.length ? r.natural.acceptance_rate_per_position.map((s, i) => <span key={i}>{s ? pct(s.median) : '–'}</span>) : '–'}
              </td>
              <Cell s={r.natural.target_forwards_per_token} />
              <Cell s={r.natural.tokens_per_second} f={fix(0)} />
              <SpeedupCell row={r} />
              <Cell s={r.natural.predicted_speedup} unit="×" />
              <Cell s={r.profile.step_ms} />
              <Cell s={r.ar_overhead} unit="×" />
              <Cell s={r.speedup_bound} unit="×" />
              <Cell s={r.efficiency} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
