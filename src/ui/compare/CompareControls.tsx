/**
 * The Compare view's inputs: configuration rows (drafter, k or tree, temperature; add,
 * remove, or take a preset), the prompt suite, how many prompts and tokens, and Run /
 * Cancel with the progress of the comparison in progress.
 */
import { useId, useState } from 'react';
import { SUITE_NAMES, type SuiteName } from '../../engine/bench/suites.ts';
import { DEFAULT_TREES, type DefaultTreeName } from '../../engine/decoding/tree.ts';
import { DRAFTERS, maxK, usesKnob } from '../../engine/drafters/registry.ts';
import type { CompareConfig } from '../../worker/protocol.ts';
import { NumberField } from '../components/NumberField.tsx';
import { selectEngineBusy, useStore } from '../store/index.ts';
import { MAX_TEMPERATURE, TREE_NAMES } from '../store/settings.ts';
import { limitsOf, type EngineHandle } from '../useEngine.ts';
import { COMPARE_DRAFTERS, COMPARE_PRESETS, compareProblem, configProblem, MAX_COMPARE_PROMPTS, MAX_COMPARE_TOKENS, MAX_CONFIGS } from './configs.ts';

function ConfigRow({ index, config, numHeads }: { index: number; config: CompareConfig; numHeads: number | null }) {
  const id = useId();
  const setConfig = useStore((s) => s.setConfig);
  const removeConfig = useStore((s) => s.removeConfig);
  const rows = useStore((s) => s.compare.settings.configs.length);
  const isTree = usesKnob(config.drafter, 'tree');
  const kMax = maxK(config.drafter, numHeads !== null ? { numHeads } : null);
  const problem = configProblem(config, numHeads);
  const n = index + 1;
  return (
    <fieldset className="config-row" data-testid="config-row">
      <legend>Configuration {n}</legend>
      <div className="field">
        <label htmlFor={`${id}-drafter`}>Drafter</label>
        <select id={`${id}-drafter`} name={`drafter-${n}`} value={config.drafter} onChange={(e) => setConfig(index, { drafter: e.target.value as CompareConfig['drafter'] })}>
          {COMPARE_DRAFTERS.map((d) => (
            <option key={d} value={d}>
              {DRAFTERS[d].label}
            </option>
          ))}
        </select>
      </div>
      {isTree ? (
        <div className="field">
          <label htmlFor={`${id}-tree`}>Tree</label>
          <select id={`${id}-tree`} name={`tree-${n}`} value={config.tree} onChange={(e) => setConfig(index, { tree: e.target.value as DefaultTreeName })}>
            {TREE_NAMES.map((t) => (
              <option key={t} value={t}>
                {t} ({DEFAULT_TREES[t].spec.length + 1} tokens)
              </option>
            ))}
          </select>
        </div>
      ) : (
        <NumberField name={`k-${n}`} label="k" value={config.k} min={1} max={kMax} integer onCommit={(v) => setConfig(index, { k: v })} hint={`1 to ${kMax}`} />
      )}
      <NumberField name={`temperature-${n}`} label="Temperature" value={config.temperature} min={0} max={MAX_TEMPERATURE} step={0.1} onCommit={(v) => setConfig(index, { temperature: v })} hint="0 = greedy" />
      <button type="button" className="remove" onClick={() => removeConfig(index)} disabled={rows <= 1} aria-label={`Remove configuration ${n}`}>
        Remove
      </button>
      {problem && <p className="field-problem">{problem}</p>}
    </fieldset>
  );
}

function Presets() {
  const id = useId();
  const [preset, setPreset] = useState(COMPARE_PRESETS[0]!.id);
  const applyPreset = useStore((s) => s.applyPreset);
  return (
    <div className="inline preset-row">
      <label htmlFor={id}>Preset</label>
      <select id={id} name="compare-preset" value={preset} onChange={(e) => setPreset(e.target.value)}>
        {COMPARE_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => applyPreset(preset)} data-testid="apply-preset">
        Use preset
      </button>
    </div>
  );
}

function Progress() {
  const status = useStore((s) => s.compare.status);
  const progress = useStore((s) => s.compare.progress);
  const done = useStore((s) => s.compare.results?.prompts.length ?? 0);
  if (status !== 'running') return null;
  const text = !progress
    ? 'Starting…'
    : progress.prompt === 0
      ? `Warming up: run ${progress.run} of ${progress.runs} (${progress.label})`
      : `Prompt ${progress.prompt} of ${progress.prompts} · run ${progress.run} of ${progress.runs}: ${progress.label}`;
  const total = progress ? progress.prompts * progress.runs : 1;
  const value = progress && progress.prompt > 0 ? (progress.prompt - 1) * progress.runs + progress.run - 1 : 0;
  return (
    <div className="compare-progress" role="status" data-testid="compare-progress">
      <progress value={value} max={total} aria-label="Comparison progress" />
      <p className="muted">
        {text}. {done} prompt{done === 1 ? '' : 's'} finished.
      </p>
    </div>
  );
}

export function CompareControls({ engine }: { engine: EngineHandle }) {
  const suiteId = useId();
  const settings = useStore((s) => s.compare.settings);
  const info = useStore((s) => s.model.info);
  const ready = useStore((s) => s.model.phase === 'ready');
  const running = useStore((s) => s.compare.status === 'running');
  const busy = useStore(selectEngineBusy);
  const setCompareSettings = useStore((s) => s.setCompareSettings);
  const addConfig = useStore((s) => s.addConfig);
  const limits = limitsOf(info);
  const problem = compareProblem(settings, limits);
  const suiteSize = limits?.suiteSizes?.[settings.suite] ?? MAX_COMPARE_PROMPTS;
  const maxPrompts = Math.min(MAX_COMPARE_PROMPTS, suiteSize);
  return (
    <form
      className="controls compare-controls"
      aria-label="Comparison settings"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        engine.compare();
      }}
    >
      <h3>Configurations</h3>
      <Presets />
      {settings.configs.map((c, i) => (
        <ConfigRow key={i} index={i} config={c} numHeads={info?.numHeads ?? null} />
      ))}
      <button type="button" onClick={addConfig} disabled={settings.configs.length >= MAX_CONFIGS} data-testid="add-config">
        Add configuration
      </button>
      <fieldset className="settings">
        <legend>Prompts</legend>
        <div className="field">
          <label htmlFor={suiteId}>Suite</label>
          <select id={suiteId} name="suite" value={settings.suite} onChange={(e) => setCompareSettings({ suite: e.target.value as SuiteName })}>
            {SUITE_NAMES.map((s) => (
              <option key={s} value={s}>
                {s}
                {info?.suites ? ` (${info.suites[s].length} prompts)` : ''}
              </option>
            ))}
          </select>
        </div>
        <NumberField name="compare-prompts" label="Prompts" value={Math.min(settings.prompts, maxPrompts)} min={1} max={maxPrompts} integer onCommit={(v) => setCompareSettings({ prompts: v })} hint={`the first 1 to ${maxPrompts} of the suite`} />
        <NumberField name="compare-max-tokens" label="Max tokens" value={settings.maxTokens} min={1} max={MAX_COMPARE_TOKENS} integer onCommit={(v) => setCompareSettings({ maxTokens: v })} hint="per decode" />
      </fieldset>
      <div className="buttons">
        <button type="submit" data-testid="compare-run" disabled={!ready || busy || problem !== null}>
          Run comparison
        </button>
        <button type="button" data-testid="compare-cancel" disabled={!running} onClick={engine.stop}>
          Cancel
        </button>
        {busy && !running && <p className="muted buttons-note">The engine is busy with another job (a decode or a cost measurement).</p>}
        {problem && (
          <p className="field-problem" role="status" data-testid="compare-problem">
            {problem}
          </p>
        )}
      </div>
      <Progress />
      <p className="muted">
        For each prompt the autoregressive baseline (one per temperature in use) runs first, then every configuration, with the same seed;
        a short warm-up of each comes first. Cancel stops within one decode step and keeps the prompts already finished.
      </p>
    </form>
  );
}
