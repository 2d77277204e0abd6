/**
 * "From vLLM": paste the text of a vLLM server's /metrics (and, optionally, an earlier
 * scrape to take the difference), or a list of per-position acceptance rates, and the
 * simulator projects from those figures. Everything pasted is shown as text only.
 */
import { useId, useState } from 'react';
import { useStore } from '../store/index.ts';
import { importFigures, labelSetLabel, readVllmInput, SUMMED, type AcceptanceFigures, type VllmImport } from './vllm-metrics.ts';

const f2 = (x: number) => x.toFixed(2);

function figuresOrError(imp: VllmImport | null): { figures: AcceptanceFigures | null; error: string | null } {
  if (!imp) return { figures: null, error: null };
  try {
    return { figures: importFigures(imp), error: null };
  } catch (e) {
    return { figures: null, error: (e as Error).message };
  }
}

export function Summary({ imp, figures }: { imp: VllmImport; figures: AcceptanceFigures }) {
  const counts = imp.kind === 'metrics' ? (imp.labelSet === SUMMED ? null : imp.reading.counts[imp.labelSet]) : null;
  const drafts = imp.kind === 'metrics' ? (counts?.drafts ?? imp.reading.labelSets.reduce((s, k) => s + imp.reading.counts[k]!.drafts, 0)) : null;
  return (
    <small className="muted wide" data-testid="vllm-summary">
      k = {figures.k}; a₁…a{figures.k} = {figures.perPosition.map(f2).join(', ')}; acceptance rate {figures.acceptanceRate.toFixed(3)}; τ = {f2(figures.tau)}; α ={' '}
      {figures.alpha.toFixed(3)}
      {drafts !== null && `; ${drafts} drafts${imp.kind === 'metrics' && imp.reading.difference ? ' between the snapshots' : ''}`}. vLLM does not report the drafting cost:
      set c below.
    </small>
  );
}

/** Sum the label sets (engines, models) or take one. */
export function LabelSetPicker({ imp, onChoose }: { imp: Extract<VllmImport, { kind: 'metrics' }>; onChoose: (labelSet: string) => void }) {
  const id = useId();
  return (
    <div className="field wide">
      <label htmlFor={id}>Label set</label>
      <select id={id} name="vllm-label-set" value={imp.labelSet} onChange={(e) => onChoose(e.target.value)}>
        {[SUMMED, ...imp.reading.labelSets].map((s) => (
          <option key={s} value={s}>
            {labelSetLabel(s, imp.reading.labelSets.length)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function VllmInput() {
  const metricsId = useId();
  const beforeId = useId();
  const imp = useStore((s) => s.simulator.vllm);
  const setSimulator = useStore((s) => s.setSimulator);
  const [text, setText] = useState('');
  const [before, setBefore] = useState('');
  const [readError, setReadError] = useState<string | null>(null);
  const { figures, error } = figuresOrError(imp);

  const use = () => {
    try {
      const next = readVllmInput(text, before);
      const checked = figuresOrError(next);
      if (checked.error && !(next.kind === 'metrics' && next.reading.labelSets.length > 1)) throw new Error(checked.error);
      setReadError(null);
      setSimulator({ vllm: next, source: 'vllm', c: null });
    } catch (e) {
      setReadError((e as Error).message);
    }
  };

  return (
    <fieldset className="settings" data-testid="vllm-input">
      <legend>From vLLM</legend>
      <div className="field wide">
        <label htmlFor={metricsId}>/metrics text, or acceptance rates per position</label>
        <textarea id={metricsId} name="vllm-metrics" rows={4} spellCheck={false} value={text} placeholder={'vllm:spec_decode_num_drafts_total{…} 100\n…  or  0.8, 0.6, 0.45'} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="field wide">
        <label htmlFor={beforeId}>Earlier /metrics snapshot (optional: the difference is used)</label>
        <textarea id={beforeId} name="vllm-metrics-before" rows={2} spellCheck={false} value={before} onChange={(e) => setBefore(e.target.value)} />
      </div>
      <div className="buttons wide">
        <button type="button" data-testid="vllm-use" disabled={!text.trim()} onClick={use}>
          Use these figures
        </button>
      </div>
      {readError && (
        <p className="field-problem wide" role="alert" data-testid="vllm-error">
          {readError}
        </p>
      )}
      {imp?.kind === 'metrics' && imp.reading.labelSets.length > 1 && <LabelSetPicker imp={imp} onChoose={(labelSet) => setSimulator({ vllm: { ...imp, labelSet } })} />}
      {imp && error && (
        <p className="field-problem wide" role="alert" data-testid="vllm-figures-error">
          {error}
        </p>
      )}
      {imp && figures && <Summary imp={imp} figures={figures} />}
      {figures?.warnings.map((w) => (
        <p key={w} className="note wide" role="status">
          {w}
        </p>
      ))}
    </fieldset>
  );
}
