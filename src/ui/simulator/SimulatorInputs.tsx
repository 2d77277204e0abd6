/**
 * The Speedup simulator's inputs: the acceptance profile (the last Decode run, a Compare
 * row, figures pasted from vLLM, or an alpha), the drafting cost c, the machine that prices a forward (measured here,
 * flat, a preset roofline, custom numbers), and the button that measures the cost curve.
 */
import { useId } from 'react';
import { NumberField } from '../components/NumberField.tsx';
import { selectEngineBusy, useStore } from '../store/index.ts';
import type { EngineHandle } from '../useEngine.ts';
import { MACHINE_PRESETS, ridgeTokens, type MachineId, type Roofline } from './cost-model.ts';
import type { Simulation } from './useSimulation.ts';
import { VllmInput } from './VllmInput.tsx';

const fmt = (x: number, d = 2) => x.toFixed(d);

function ProfilePicker({ sim }: { sim: Simulation }) {
  const id = useId();
  const setSimulator = useStore((s) => s.setSimulator);
  const alpha = useStore((s) => s.simulator.alpha);
  const p = sim.profile;
  return (
    <fieldset className="settings">
      <legend>Acceptance</legend>
      <div className="field">
        <label htmlFor={id}>Profile</label>
        <select id={id} name="profile" value={p.id} onChange={(e) => setSimulator({ source: e.target.value, c: null })}>
          {sim.profiles.map((q) => (
            <option key={q.id} value={q.id}>
              {q.label}
            </option>
          ))}
        </select>
        <small className="muted">
          {p.perPosition.length
            ? `a₁…a${p.perPosition.length} = ${p.perPosition.map((x) => fmt(x)).join(', ')}; α = ${p.alpha === null ? 'n/a' : fmt(p.alpha)}; τ = ${p.tau === null ? 'n/a' : fmt(p.tau)}. Past k = ${p.perPosition.length} the profile is continued (hollow markers).`
            : 'Run a decode with a chain drafter (heads, draft-model, prompt-lookup) or a comparison, or paste figures from vLLM below, to project from measured acceptance.'}
        </small>
      </div>
      <NumberField name="alpha" label="α (i.i.d. profile)" value={alpha} min={0} max={0.99} step={0.05} disabled={p.id !== 'alpha'} onCommit={(v) => setSimulator({ alpha: v })} hint="chance each draft is accepted" />
    </fieldset>
  );
}

function DraftCost({ sim }: { sim: Simulation }) {
  const setSimulator = useStore((s) => s.setSimulator);
  const override = useStore((s) => s.simulator.c);
  const curve = useStore((s) => s.simulator.cost.curve);
  const t1 = curve?.points[0]?.ms ?? null;
  const measuredC = sim.profile.c;
  return (
    <fieldset className="settings">
      <legend>Drafting cost</legend>
      <NumberField name="c" label="c (per drafted token)" value={Number(sim.c.toFixed(4))} min={0} max={2} step={0.01} onCommit={(v) => setSimulator({ c: v })} hint="in plain target steps t(1)" />
      <div className="field wide">
        <button type="button" disabled={override === null} onClick={() => setSimulator({ c: null })}>
          {measuredC === null ? 'Reset to 0' : `Use measured c (${fmt(measuredC, 3)})`}
        </button>
        {t1 !== null && (
          <small className="muted">
            Here: a heads forward is {curve?.headsMs != null ? `${fmt(curve.headsMs / t1)} × t(1)` : 'n/a'}; a draft-model step is{' '}
            {curve?.draftModelMs != null ? `${fmt(curve.draftModelMs / t1)} × t(1)` : 'n/a'}.
          </small>
        )}
      </div>
    </fieldset>
  );
}

const CUSTOM_FIELDS: { key: keyof Roofline; label: string; scale: number; unit: string; max: number; step: number }[] = [
  { key: 'weightBytes', label: 'Weights', scale: 1e9, unit: 'GB', max: 2000, step: 0.1 },
  { key: 'params', label: 'Parameters', scale: 1e9, unit: 'billion', max: 2000, step: 0.1 },
  { key: 'bandwidth', label: 'Memory bandwidth', scale: 1e9, unit: 'GB/s', max: 100000, step: 10 },
  { key: 'flops', label: 'Compute', scale: 1e12, unit: 'TFLOP/s', max: 100000, step: 0.1 },
  { key: 'overheadMs', label: 'Overhead', scale: 1, unit: 'ms per forward', max: 1000, step: 0.1 },
];

function Machine() {
  const id = useId();
  const machine = useStore((s) => s.simulator.machine);
  const custom = useStore((s) => s.simulator.custom);
  const setSimulator = useStore((s) => s.setSimulator);
  const setCustomRoofline = useStore((s) => s.setCustomRoofline);
  const preset = MACHINE_PRESETS.find((p) => p.id === machine);
  return (
    <fieldset className="settings">
      <legend>Cost of a forward</legend>
      <div className="field">
        <label htmlFor={id}>Machine</label>
        <select id={id} name="machine" value={machine} onChange={(e) => setSimulator({ machine: e.target.value as MachineId })}>
          <option value="measured">This page, measured t(n)</option>
          <option value="flat">Flat: t(n) = t(1) (Leviathan)</option>
          {MACHINE_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label} (roofline)
            </option>
          ))}
          <option value="custom">Custom roofline…</option>
        </select>
        <small className="muted">
          {preset ? `${preset.note}; ridge at ${fmt(ridgeTokens(preset.roofline), 1)} tokens.` : machine === 'custom' ? `Ridge at ${fmt(ridgeTokens(custom), 1)} tokens.` : ''}
        </small>
      </div>
      {machine === 'custom' &&
        CUSTOM_FIELDS.map((f) => (
          <NumberField
            key={f.key}
            name={`roofline-${f.key}`}
            label={`${f.label} (${f.unit})`}
            value={Number((custom[f.key] / f.scale).toPrecision(6))}
            min={f.key === 'overheadMs' ? 0 : 0.001}
            max={f.max}
            step={f.step}
            onCommit={(v) => setCustomRoofline({ [f.key]: v * f.scale })}
          />
        ))}
    </fieldset>
  );
}

function Measure({ engine }: { engine: EngineHandle }) {
  const cost = useStore((s) => s.simulator.cost);
  const ready = useStore((s) => s.model.phase === 'ready');
  const busy = useStore(selectEngineBusy);
  const measuring = cost.status === 'measuring';
  return (
    <div className="buttons">
      <button type="button" data-testid="measure-cost" disabled={!ready || busy} onClick={engine.measureCost}>
        {cost.curve ? 'Measure again' : 'Measure cost curve'}
      </button>
      <button type="button" disabled={!measuring} onClick={engine.stop}>
        Cancel
      </button>
      {measuring && (
        <span role="status" className="inline">
          <progress value={cost.done} max={cost.total || 1} aria-label="Cost measurement" /> {cost.done} of {cost.total || '…'} forwards
        </span>
      )}
      {cost.status === 'error' && cost.error && (
        <p className="field-problem" role="alert" data-testid="measure-error">
          {cost.error}
        </p>
      )}
      {busy && !measuring && <p className="muted buttons-note">The engine is busy with another job.</p>}
    </div>
  );
}

export function SimulatorInputs({ sim, engine }: { sim: Simulation; engine: EngineHandle }) {
  return (
    <div className="controls simulator-controls">
      <ProfilePicker sim={sim} />
      <VllmInput />
      <DraftCost sim={sim} />
      <Machine />
      <Measure engine={engine} />
    </div>
  );
}
