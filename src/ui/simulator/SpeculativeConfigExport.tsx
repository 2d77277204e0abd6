/**
 * "Export to vLLM": the simulator's choice (the optimum k on this machine, or a k the user
 * sets) as vLLM's speculative_config JSON, to copy or download. The method follows the
 * profile's drafter when it is known (heads: medusa, draft-model: draft_model,
 * prompt-lookup: ngram) and can be changed.
 */
import { useId, useState } from 'react';
import { NumberField } from '../components/NumberField.tsx';
import { MAX_DEPTH } from '../../engine/drafters/registry.ts';
import { downloadText } from '../trace-file.ts';
import { LOOKUP_NGRAM, methodFor, modelPlaceholder, NEEDS_MODEL, speculativeConfig, speculativeConfigJson, VLLM_METHODS, type VllmMethod } from './speculative-config.ts';
import type { Simulation } from './useSimulation.ts';

/** The JSON for these choices, or the reason there is none. */
export function exportText(method: VllmMethod, k: number, model: string, lookup: { max: number; min: number }): { json: string | null; error: string | null } {
  try {
    return { json: speculativeConfigJson(speculativeConfig(method, k, { model, lookup })), error: null };
  } catch (e) {
    return { json: null, error: (e as Error).message };
  }
}

export function SpeculativeConfigExport({ sim }: { sim: Simulation }) {
  const methodId = useId();
  const modelId = useId();
  const [methodChoice, setMethod] = useState<VllmMethod | null>(null);
  const [kChoice, setK] = useState<number | null>(null);
  const [model, setModel] = useState('');
  const [lookup, setLookup] = useState<{ max: number; min: number }>({ ...LOOKUP_NGRAM });
  const [copied, setCopied] = useState<string | null>(null);
  const method = methodChoice ?? (sim.profile.drafter ? methodFor(sim.profile.drafter) : null) ?? 'eagle';
  const k = kChoice ?? sim.best?.k ?? 1;
  const { json, error } = exportText(method, k, model, lookup);

  const copy = () => {
    if (!json) return;
    navigator.clipboard.writeText(json).then(
      () => setCopied('Copied.'),
      (e: unknown) => setCopied(`Could not copy (${(e as Error).message}); select the text and copy it.`),
    );
  };

  return (
    <section className="vllm-export" aria-label="Export to vLLM" data-testid="vllm-export">
      <h3>Export to vLLM</h3>
      <p className="muted">
        The configuration as vLLM's <code>speculative_config</code>: pass it to <code>vllm serve --speculative-config '…'</code> or{' '}
        <code>LLM(speculative_config=…)</code>. k follows the optimum here (k = {sim.best?.k ?? 'n/a'}) until you set it.
      </p>
      <div className="settings">
        <div className="field">
          <label htmlFor={methodId}>Method</label>
          <select id={methodId} name="vllm-method" value={method} onChange={(e) => setMethod(e.target.value as VllmMethod)}>
            {VLLM_METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <NumberField name="vllm-k" label="num_speculative_tokens" value={k} min={1} max={MAX_DEPTH} integer onCommit={(v) => { setK(v); setCopied(null); }} />
        {method !== 'ngram' && (
          <div className="field wide">
            <label htmlFor={modelId}>model{NEEDS_MODEL.has(method) ? '' : ' (optional)'}</label>
            <input id={modelId} name="vllm-model" type="text" value={model} placeholder={NEEDS_MODEL.has(method) ? modelPlaceholder(method) : 'the target’s own layers'} onChange={(e) => setModel(e.target.value)} />
          </div>
        )}
        {method === 'ngram' && (
          <>
            <NumberField name="vllm-lookup-max" label="prompt_lookup_max" value={lookup.max} min={1} max={MAX_DEPTH} integer onCommit={(v) => setLookup((l) => ({ ...l, max: v }))} />
            <NumberField name="vllm-lookup-min" label="prompt_lookup_min" value={lookup.min} min={1} max={MAX_DEPTH} integer onCommit={(v) => setLookup((l) => ({ ...l, min: v }))} />
          </>
        )}
      </div>
      {error && (
        <p className="field-problem" role="alert">
          {error}
        </p>
      )}
      {json && <pre data-testid="speculative-config">{json}</pre>}
      <div className="buttons">
        <button type="button" data-testid="vllm-copy" disabled={!json} onClick={copy}>
          Copy
        </button>
        <button type="button" data-testid="vllm-download" disabled={!json} onClick={() => json && downloadText(json, 'speculative_config.json')}>
          Download
        </button>
        {copied && (
          <span role="status" className="inline">
            {copied}
          </span>
        )}
      </div>
    </section>
  );
}
