/**
 * The last decode's per-step profile in the Decode view: where a step of the speculative run
 * and of its autoregressive baseline goes (ProfileBars), and the figures the performance
 * targets (the bench's `targets` list) are set for: the baseline's overhead over bare session.run, and the decode-phase speedup against
 * the bound the runtime's forward times allow (efficiency = speedup / bound).
 */
import { useMemo } from 'react';
import { useStore } from '../store/index.ts';
import { AR_OVERHEAD_TARGET, decodeFigures, EFFICIENCY_TARGET } from '../profile.ts';
import { fmtMs } from './Bars.tsx';
import { outputDistinct4, RepeatsNote } from './RepeatsNote.tsx';
import { ProfileBars } from './ProfileBars.tsx';

const x2 = (v: number) => `${v.toFixed(2)}×`;

export function RunProfile() {
  const spec = useStore((s) => s.run.spec.result?.cost ?? null);
  const baseline = useStore((s) => s.run.baseline.result?.cost ?? null);
  const drafter = useStore((s) => s.run.settings?.drafter ?? null);
  const result = useStore((s) => s.run.spec.result);
  const d4 = useMemo(() => outputDistinct4(result), [result]);
  const f = useMemo(() => decodeFigures(spec, baseline), [spec, baseline]);
  if (!f.spec && !f.baseline) return null;
  const rows = [
    { key: 'spec', label: `speculative (${drafter ?? '?'})`, profile: f.spec },
    { key: 'baseline', label: 'autoregressive', profile: f.baseline },
  ];
  const p = f.pair;
  return (
    <section className="run-profile" aria-label="Where a decode step's time goes">
      <h3>Where a step's time goes (last decode)</h3>
      <ProfileBars
        rows={rows}
        testId="run-profile"
        caption="Mean time per decode step after the prefill. Solid: inside onnxruntime's session.run; hatched: our code around it."
      />
      <dl className="counters" data-testid="run-figures">
        {f.arOverhead !== null && (
          <>
            <dt title="the autoregressive run's wall time per step over its bare session.run per step">AR overhead</dt>
            <dd data-figure="ar-overhead">
              {x2(f.arOverhead)} <span className="muted">(target ≤ {AR_OVERHEAD_TARGET})</span>
            </dd>
          </>
        )}
        {p && (
          <>
            <dt title="ms per token of the decode phase, autoregressive over speculative">decode speedup</dt>
            <dd data-figure="speedup-decode">
              {x2(p.speedup_decode)} <RepeatsNote d4={d4} short />
            </dd>
            <dt title="tokens per step · t(1) / (t_draft + t_verify): what the runtime's bare forward times allow at these tokens per step">bound</dt>
            <dd data-figure="speedup-bound">{x2(p.speedup_bound)}</dd>
            <dt title="decode speedup / bound">efficiency</dt>
            <dd data-figure="efficiency">
              {p.efficiency.toFixed(2)} <span className="muted">(target ≥ {EFFICIENCY_TARGET})</span>
            </dd>
            <dt title="tokens per step: emitted tokens / decode steps, undrafted steps included; t(1): the baseline's bare forward; t_draft, t_verify: this run's bare forwards per step">tokens per step, t(1), t_draft, t_verify</dt>
            <dd>
              {p.tokens_per_step.toFixed(2)}, {fmtMs(p.t1_ms)}, {fmtMs(p.t_draft_ms)}, {fmtMs(p.t_verify_ms)} ms
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
