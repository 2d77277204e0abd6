/**
 * The decode view's results: the speculative output (the run on show, up to the stepper's
 * position) beside the autoregressive baseline, each with its counters, then the verdict:
 * for greedy decoding the identical-output check, for sampling what lossless means there,
 * and the speedup over repeated pairs; beside τ and the speedup, a note when the output repeats itself.
 */
import { useMemo, type ReactNode } from 'react';
import type { TraceStep } from '../../engine/trace/trace.ts';
import type { Spread } from '../../engine/trace/metrics.ts';
import { MAX_PAIRS, REPEAT_BUDGET_MS, SPREAD_TOLERANCE, type SpeedupFigures } from '../../worker/speedup-repeats.ts';
import { countersOf, type Counters } from '../counters.ts';
import { selectPosition, selectSteps, selectTextNote, selectVocab, useStore } from '../store/index.ts';
import { compareOutputs, outputChips } from '../tokens.ts';
import { BackToRun } from './BackToRun.tsx';
import { outputDistinct4, RepeatsNote } from './RepeatsNote.tsx';
import { TokenStream } from './TokenStream.tsx';

const fmt = (x: number | null, digits = 0) => (x === null ? '…' : x.toFixed(digits));

function CounterList({ c, drafter, testId, d4 = null }: { c: Counters; drafter: boolean; testId: string; d4?: number | null }) {
  return (
    <dl className="counters" data-testid={testId}>
      <dt>tokens</dt>
      <dd data-counter="tokens">{c.tokens}</dd>
      <dt>target forwards</dt>
      <dd data-counter="forwards">{c.targetForwards}</dd>
      <dt>elapsed</dt>
      <dd>{fmt(c.elapsedMs)} ms</dd>
      <dt>tokens/s</dt>
      <dd>{fmt(c.tokensPerSecond)}</dd>
      {drafter && (
        <>
          <dt>drafter forwards</dt>
          <dd>{c.draftForwards}</dd>
          <dt title="mean acceptance length: tokens per drafted step, the bonus or correction included">τ</dt>
          <dd>
            {fmt(c.meanAcceptanceLength, 2)} <RepeatsNote d4={d4} short />
          </dd>
          <dt>drafts accepted</dt>
          <dd>{c.draftAcceptanceRate === null ? '…' : `${(c.draftAcceptanceRate * 100).toFixed(0)}%`}</dd>
        </>
      )}
    </dl>
  );
}

const NO_STEPS: readonly TraceStep[] = [];

function SpecColumn() {
  const steps = useStore(selectSteps);
  const position = useStore(selectPosition);
  const vocab = useStore(selectVocab);
  const source = useStore((s) => s.stepper.source);
  const trace = useStore((s) => s.stepper.trace);
  const textNote = useStore(selectTextNote);
  const runResult = useStore((s) => s.run.spec.result);
  const drafter = useStore((s) => (s.stepper.source?.kind === 'run' ? s.run.settings?.drafter : s.stepper.trace?.config.drafter) ?? 'none');
  const chips = useMemo(() => outputChips(steps, position), [steps, position]);
  const totals = trace ? { ...trace.result, metrics: trace.metrics } : source?.kind === 'run' ? runResult : null;
  const shown = position >= steps.length - 1;
  const counters = countersOf(shown ? steps : steps.slice(0, position + 1), shown ? totals : null);
  const d4 = shown ? outputDistinct4(totals) : null;
  const title = source?.kind === 'run' || !source ? `Speculative (${drafter})` : `${source.kind === 'example' ? 'Recorded example' : `Imported: ${source.label}`} (${drafter})`;
  return (
    <div className="col">
      <h3>{title}</h3>
      <BackToRun />
      {trace && source?.kind !== 'run' && !textNote && (
        <p className="muted prompt-tail">
          Prompt: <q className="tok">{trace.prompt.text.length > 160 ? `…${trace.prompt.text.slice(-160)}` : trace.prompt.text}</q>
        </p>
      )}
      <TokenStream chips={chips} vocab={vocab} currentStep={position} label="speculative output" testId="spec-output" />
      <CounterList c={counters} drafter={drafter !== 'none'} testId="spec-counters" d4={d4} />
      {!shown && <p className="muted">Counted up to step {position} of {steps.length - 1}; the totals show at the last step.</p>}
    </div>
  );
}

function BaselineColumn() {
  const onRun = useStore((s) => s.stepper.source?.kind === 'run');
  const steps = useStore((s) => (onRun ? s.run.baseline.steps : NO_STEPS));
  const result = useStore((s) => s.run.baseline.result);
  const vocab = useStore((s) => s.model.info?.vocab ?? null);
  const chips = useMemo(() => outputChips(steps), [steps]);
  return (
    <div className="col">
      <h3>Autoregressive baseline (none)</h3>
      {onRun ? (
        <>
          <TokenStream chips={chips} vocab={vocab} label="baseline output" testId="baseline-output" />
          <CounterList c={countersOf(steps, result)} drafter={false} testId="baseline-counters" />
        </>
      ) : (
        <p className="muted">Press Run: the same prompt is then decoded one token per target forward, for comparison.</p>
      )}
    </div>
  );
}

function Verdict() {
  const run = useStore((s) => s.run);
  const onRun = useStore((s) => s.stepper.source?.kind === 'run');
  if (!onRun || !run.settings) return null;
  const { spec, baseline, settings } = run;
  const parts: ReactNode[] = [];
  if (run.status === 'stopped') {
    parts.push(
      <p key="stopped" data-testid="stopped" data-steps-after-stop={run.stepsAfterStop ?? ''}>
        Stopped{run.stepsAfterStop !== null ? `: the loop finished ${run.stepsAfterStop} step${run.stepsAfterStop === 1 ? '' : 's'} after Stop arrived` : ''}.
        {spec.result ? ` The speculative run has ${spec.result.tokens.length} tokens.` : ''}
      </p>,
    );
  }
  const finished = spec.result?.stopReason !== 'aborted' && baseline.result !== null && baseline.result.stopReason !== 'aborted';
  if (spec.result && baseline.result && finished) {
    if (settings.acceptance === 'typical') {
      parts.push(
        <p key="lossy" className="verdict verdict-lossy" data-testid="lossy">
          <strong>LOSSY:</strong> typical acceptance keeps drafts the target finds plausible enough, so the output is no longer
          distributed as the target's. Compare with lossless acceptance at the same temperature.
        </p>,
      );
    } else if (settings.temperature === 0) {
      const cmp = compareOutputs(spec.result.tokens, baseline.result.tokens);
      parts.push(
        cmp.identical ? (
          <p key="same" className="verdict verdict-pass" data-testid="identical" data-pass="true">
            ✓ PASS — identical output: the speculative decode emitted the same {cmp.lengths[0]} tokens as the autoregressive baseline.
          </p>
        ) : (
          <p key="same" className="verdict verdict-fail" data-testid="identical" data-pass="false">
            ✗ FAIL — the outputs differ at token {cmp.firstDiff} ({cmp.lengths[0]} vs {cmp.lengths[1]} tokens). Greedy speculative decoding must
            match the baseline exactly: this is a bug.
          </p>
        ),
      );
    } else {
      parts.push(
        <p key="dist" className="verdict" data-testid="lossless-sampling">
          Sampling at temperature {settings.temperature}: lossless means the same <em>distribution</em>, not the same sample. Each draft is
          accepted with probability min(1, p/q) and a rejection is replaced from the residual, so every token is distributed exactly as the
          target alone would draw it; the two runs use their random numbers differently, so their texts differ. The distribution
          check below tests it on many samples; greedy decoding (temperature 0) shows token-for-token identity.
        </p>,
      );
    }
  }
  if (run.speedup !== null && spec.result && baseline.result) {
    parts.push(<SpeedupLine key="speedup" figures={run.speedup} forwards={[spec.result.forwards.target, baseline.result.forwards.target]} d4={outputDistinct4(spec.result)} />);
  }
  return parts.length ? <div className="verdicts">{parts}</div> : null;
}

const range = (s: Spread) => `${s.min.toFixed(2)}–${s.max.toFixed(2)}×`;

/**
 * The end-to-end speedup (tokens/s, prefill included) as the median of interleaved pairs,
 * with its range and count, "measuring…" until the pairs agree or reach the cap; the
 * decode speedup (prefill excluded) beside it.
 */
function SpeedupLine({ figures: f, forwards, d4 }: { figures: SpeedupFigures; forwards: [number, number]; d4: number | null }) {
  const pairs = `${f.pairs} pair${f.pairs === 1 ? '' : 's'}`;
  return (
    <p
      className="speedup"
      data-testid="speedup"
      data-settled={f.settled}
      data-median={f.endToEnd.median}
      data-min={f.endToEnd.min}
      data-max={f.endToEnd.max}
      data-pairs={f.pairs}
      data-decode-median={f.decode?.median ?? ''}
    >
      {f.settled ? (
        <>
          End-to-end speedup <strong>{f.endToEnd.median.toFixed(2)}×</strong> (median of {pairs}, range {range(f.endToEnd)}
          {f.agreed ? '' : `; the pairs still disagreed by more than ${Math.round(SPREAD_TOLERANCE * 100)}% when timing stopped`})
        </>
      ) : (
        <>
          End-to-end speedup <strong>measuring…</strong> ({pairs} so far, {range(f.endToEnd)})
        </>
      )}
      {f.decode && (
        <>
          ; decode speedup (prefill excluded) <span data-figure="decode-speedup">{f.decode.median.toFixed(2)}×</span> ({range(f.decode)})
        </>
      )}
      . Tokens/s of the speculative run over the autoregressive one, timed in pairs (speculative, autoregressive, …) at the same settings
      and seed until the pairs agree within {Math.round(SPREAD_TOLERANCE * 100)}%, or {MAX_PAIRS} pairs, or {REPEAT_BUDGET_MS / 1000} s of repeats; the outputs above are the first
      pair's. Target forward passes {forwards[0]} vs {forwards[1]}. <RepeatsNote d4={d4} />
    </p>
  );
}

export function RunPanel() {
  return (
    <section className="run-panel" aria-label="Results">
      <div className="cols">
        <SpecColumn />
        <BaselineColumn />
      </div>
      <Verdict />
    </section>
  );
}
