/**
 * The Decode view's distribution check, for sampling (temperature > 0), where lossless means
 * the same law rather than the same tokens: N seeded samples of the next few tokens after the
 * prompt, speculatively and autoregressively, and per position the two histograms side by
 * side with their total variation distance, the chi-square p-value and PASS/FAIL. The charts
 * load with their library only when a result arrives.
 */
import { lazy, Suspense } from 'react';
import { DIST_POSITIONS, DIST_SAMPLES, type DistCheckResult } from '../../worker/protocol.ts';
import { selectEngineBusy, selectVocab, useStore } from '../store/index.ts';
import { selectRunProblem } from '../store/run-problem.ts';
import { tokenText } from '../tokens.ts';
import type { EngineHandle } from '../useEngine.ts';
import { NumberField } from './NumberField.tsx';

const DistCheckCharts = lazy(() => import('./DistCheckCharts.tsx'));

export const fmtP = (p: number) => (p === 0 ? '< 1e-300' : p >= 1e-3 ? p.toFixed(3) : p.toExponential(1));

function Verdict({ result }: { result: DistCheckResult }) {
  const worst = result.positions.reduce((a, b) => (b.pValue < a.pValue ? b : a));
  return result.pass ? (
    <p className="verdict verdict-pass" data-testid="dist-verdict" data-pass="true">
      ✓ PASS — same distribution: at every position the speculative and autoregressive samples are consistent with one law (smallest p ={' '}
      {fmtP(worst.pValue)} &gt; {result.alpha}, {result.samples} samples each).
    </p>
  ) : (
    <p className="verdict verdict-fail" data-testid="dist-verdict" data-pass="false" data-failed-position={result.failedPosition ?? ''}>
      ✗ FAIL — the distributions differ at position {result.failedPosition} (p = {fmtP(result.positions[result.failedPosition! - 1]!.pValue)} ≤{' '}
      {result.alpha}, {result.samples} samples each).{' '}
      {result.lossy ? 'Expected: typical acceptance is lossy.' : 'Lossless speculative sampling must not fail this: a bug worth reporting.'}
    </p>
  );
}

export function DistResult({ result }: { result: DistCheckResult }) {
  const vocab = useStore(selectVocab);
  const label = (t: number | null) => (t === null ? 'the rest' : tokenText(vocab, t));
  return (
    <div data-testid="dist-result">
      <Verdict result={result} />
      <table className="dist-table" data-testid="dist-table">
        <thead>
          <tr>
            <th>position</th>
            <th title="total variation distance between the two empirical histograms, over every token">TVD</th>
            <th title="chi-square test of homogeneity over the top tokens and the rest (small bins pooled)">χ² (df)</th>
            <th>p</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {result.positions.map((p) => (
            <tr key={p.position} data-position={p.position} data-p={p.pValue}>
              <td>{p.position}</td>
              <td>{p.tvd.toFixed(3)}</td>
              <td>
                {p.statistic.toFixed(1)} ({p.df})
              </td>
              <td>{fmtP(p.pValue)}</td>
              <td>{p.pValue > result.alpha ? 'pass' : 'FAIL'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Suspense fallback={<p className="muted">Loading the histograms…</p>}>
        <DistCheckCharts result={result} label={label} />
      </Suspense>
    </div>
  );
}

export function DistCheck({ engine }: { engine: EngineHandle }) {
  const temperature = useStore((s) => s.settings.temperature);
  const acceptance = useStore((s) => s.settings.acceptance);
  const d = useStore((s) => s.distCheck);
  const setDistCheck = useStore((s) => s.setDistCheck);
  const ready = useStore((s) => s.model.phase === 'ready');
  const busy = useStore(selectEngineBusy);
  const problem = useStore(selectRunProblem);
  if (!(temperature > 0)) return null;
  const running = d.status === 'running';
  return (
    <section className="dist-check" data-testid="dist-check" aria-label="Distribution check">
      <h3>Distribution check</h3>
      <p className="muted">
        Decodes the next {d.positions} tokens after the prompt {d.samples} times speculatively
        {acceptance === 'typical' ? ' with typical acceptance' : ''} (seeds 0..{d.samples - 1}) and {d.samples} times autoregressively
        (seeds {d.samples}..{2 * d.samples - 1}), at the current settings, and tests per position whether
        the two samples share one law (chi-square, p &gt; 0.001 passes).
      </p>
      <div className="dist-controls">
        <NumberField label="samples" name="dist-samples" value={d.samples} min={DIST_SAMPLES.min} max={DIST_SAMPLES.max} integer disabled={running}
          onCommit={(samples) => setDistCheck({ samples })} />
        <NumberField label="positions" name="dist-positions" value={d.positions} min={DIST_POSITIONS.min} max={DIST_POSITIONS.max} integer disabled={running}
          onCommit={(positions) => setDistCheck({ positions })} />
        <button type="button" data-testid="dist-check-start" disabled={!ready || busy || problem !== null}
          title={problem ?? undefined} onClick={engine.checkDistribution}>
          Check the distribution
        </button>
        {running && (
          <button type="button" data-testid="dist-check-cancel" onClick={engine.stop}>
            Cancel
          </button>
        )}
      </div>
      {running && (
        <p data-testid="dist-progress">
          <progress max={d.total || 1} value={d.done} /> {d.done} / {d.total} samples
        </p>
      )}
      {d.status === 'stopped' && <p data-testid="dist-stopped">Cancelled: no verdict from a part of the samples.</p>}
      {d.status === 'error' && (
        <p className="field-problem" role="alert" data-testid="dist-error">
          {d.error}
        </p>
      )}
      {d.status === 'done' && d.result && (
        <>
          {d.settings && (
            <p className="muted" data-testid="dist-settings">
              Measured with drafter {d.settings.drafter}, {d.settings.acceptance} acceptance, temperature {d.settings.temperature}, top-k{' '}
              {d.settings.topK}, top-p {d.settings.topP}.
            </p>
          )}
          <DistResult result={d.result} />
        </>
      )}
    </section>
  );
}
