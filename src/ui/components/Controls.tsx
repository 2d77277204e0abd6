/**
 * The decode view's inputs: the prompt (with presets from the model's prompt suites), the
 * drafter and its shape, acceptance, sampling, and the Run / Step / Pause / Stop buttons.
 * Controls a drafter does not use are disabled, not hidden, so the layout stays put.
 */
import { useId } from 'react';
import { DRAFTER_NAMES, DRAFTERS, drafterNamesWith, maxK, usesKnob } from '../../engine/drafters/registry.ts';
import type { DrafterName } from '../../engine/drafters/types.ts';
import { MAX_NO_REPEAT_NGRAM_SIZE, MAX_REPETITION_PENALTY, MIN_REPETITION_PENALTY } from '../../engine/decoding/processors.ts';
import { DEFAULT_TREES } from '../../engine/decoding/tree.ts';
import { selectEngineBusy, useStore } from '../store/index.ts';
import {
  MAX_TEMPERATURE,
  MAX_TOKENS_LIMIT,
  TREE_NAMES,
  usesAdaptive,
  usesK,
  usesPMin,
  usesTree,
} from '../store/settings.ts';
import { selectRunProblem } from '../store/run-problem.ts';
import { selectPosition, selectSteps } from '../store/stepper-slice.ts';
import type { EngineHandle } from '../useEngine.ts';
import { NumberField } from './NumberField.tsx';
import { PromptNotes } from './PromptNotes.tsx';

/** 'heads and draft-model only': the drafters that take a knob, from the registry. */
const onlyFor = (names: readonly string[]) => `${names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`} only`;

function PromptBox() {
  const id = useId();
  const prompt = useStore((s) => s.settings.prompt);
  const suites = useStore((s) => s.model.info?.suites ?? null);
  const setSetting = useStore((s) => s.setSetting);
  return (
    <div className="field prompt-field">
      <label htmlFor={id}>Prompt</label>
      <textarea id={id} name="prompt" rows={4} value={prompt} onChange={(e) => setSetting('prompt', e.target.value)} />
      <PromptNotes />
      <label className="inline">
        Presets{' '}
        <select
          name="preset"
          value=""
          disabled={!suites}
          onChange={(e) => {
            const p = suites && Object.values(suites).flat().find((x) => x.id === e.target.value);
            if (p) setSetting('prompt', p.text);
          }}
        >
          <option value="">{suites ? 'choose a prompt…' : 'presets load with the model…'}</option>
          {suites &&
            Object.entries(suites).map(([suite, prompts]) => (
              <optgroup key={suite} label={suite}>
                {prompts.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.id}: {p.text.slice(0, 48).replace(/\s+/g, ' ')}
                  </option>
                ))}
              </optgroup>
            ))}
        </select>
      </label>
    </div>
  );
}

function SettingsForm() {
  const s = useStore((st) => st.settings);
  const numHeads = useStore((st) => st.model.info?.numHeads ?? null);
  const contextLength = useStore((st) => st.model.info?.contextLength ?? MAX_TOKENS_LIMIT);
  const setSetting = useStore((st) => st.setSetting);
  const kMax = maxK(s.drafter, numHeads !== null ? { numHeads } : null);
  const knobs = DRAFTERS[s.drafter].knobs;
  return (
    <fieldset className="settings">
      <legend>Decoding</legend>
      <div className="field">
        <label htmlFor="drafter">Drafter</label>
        <select id="drafter" name="drafter" value={s.drafter} onChange={(e) => setSetting('drafter', e.target.value as DrafterName)}>
          {DRAFTER_NAMES.map((d) => (
            <option key={d} value={d}>
              {DRAFTERS[d].label}
            </option>
          ))}
        </select>
        <small className="muted">{DRAFTERS[s.drafter].help}</small>
      </div>
      <NumberField name="k" label="k (drafts per step)" value={s.k} min={1} max={kMax} integer disabled={!usesK(s.drafter)} onCommit={(v) => setSetting('k', v)} hint={usesK(s.drafter) ? `1 to ${kMax}` : 'not used by this drafter'} />
      <div className="field">
        <label htmlFor="tree">Tree</label>
        <select id="tree" name="tree" value={s.tree} disabled={!usesTree(s.drafter)} onChange={(e) => setSetting('tree', e.target.value as typeof s.tree)}>
          {TREE_NAMES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <small className="muted">{usesTree(s.drafter) ? DEFAULT_TREES[s.tree].why : onlyFor(drafterNamesWith('tree'))}</small>
      </div>
      <NumberField name="branch" label="Branch (children per node)" value={s.branch ?? knobs.branch?.default ?? 2} min={1} max={knobs.branch?.max ?? 8} integer disabled={!knobs.branch} onCommit={(v) => setSetting('branch', v)} hint={knobs.branch ? 'dynamic tree: best nodes expanded per depth, each into its best children' : onlyFor(drafterNamesWith('branch'))} />
      <NumberField name="draft_tokens" label="Draft tokens (dynamic tree)" value={s.draftTokens ?? knobs.draftTokens?.default ?? 6} min={1} max={knobs.draftTokens?.max ?? 63} integer disabled={!knobs.draftTokens} onCommit={(v) => setSetting('draftTokens', v)} hint={knobs.draftTokens ? 'nodes kept after reranking, root excluded' : onlyFor(drafterNamesWith('draftTokens'))} />
      <label className="check">
        <input type="checkbox" name="sample_drafts" checked={!!s.sampleDrafts} disabled={!usesKnob(s.drafter, 'sampleDrafts')} onChange={(e) => setSetting('sampleDrafts', e.target.checked)} />
        Sampled drafts (sampling: draw each head’s draft from its softmax, not its top-1)
      </label>
      <label className="check">
        <input type="checkbox" name="adaptive" checked={s.adaptive} disabled={!usesAdaptive(s.drafter)} onChange={(e) => setSetting('adaptive', e.target.checked)} />
        Adaptive k (+2 after a fully accepted step, −1 otherwise)
      </label>
      <NumberField name="p_min" label="p-min (stop drafting below)" value={s.pMin} min={0} max={0.99} step={0.05} disabled={!usesPMin(s.drafter)} onCommit={(v) => setSetting('pMin', v)} hint={usesPMin(s.drafter) ? '0 = off' : onlyFor(drafterNamesWith('pMin'))} />
      <fieldset className="radios">
        <legend>Acceptance</legend>
        <label>
          <input type="radio" name="acceptance" value="lossless" checked={s.acceptance === 'lossless'} onChange={() => setSetting('acceptance', 'lossless')} /> lossless
        </label>
        <label>
          <input type="radio" name="acceptance" value="typical" checked={s.acceptance === 'typical'} onChange={() => setSetting('acceptance', 'typical')} />{' '}
          typical <strong className="lossy">LOSSY</strong>
        </label>
      </fieldset>
      <NumberField name="repetition_penalty" label="Repetition penalty" value={s.repetitionPenalty} min={MIN_REPETITION_PENALTY} max={MAX_REPETITION_PENALTY} step={0.05} onCommit={(v) => setSetting('repetitionPenalty', v)} hint="1 = off; applied before temperature" />
      <NumberField name="no_repeat_ngram_size" label="No-repeat n-gram size" value={s.noRepeatNgramSize} min={0} max={MAX_NO_REPEAT_NGRAM_SIZE} integer onCommit={(v) => setSetting('noRepeatNgramSize', v)} hint="0 = off" />
      <NumberField name="temperature" label="Temperature" value={s.temperature} min={0} max={MAX_TEMPERATURE} step={0.1} onCommit={(v) => setSetting('temperature', v)} hint="0 = greedy" />
      <NumberField name="top_k" label="Top-k" value={s.topK} min={0} max={100000} integer onCommit={(v) => setSetting('topK', v)} hint="0 = off" />
      <NumberField name="top_p" label="Top-p" value={s.topP} min={0.05} max={1} step={0.05} onCommit={(v) => setSetting('topP', v)} hint="1 = off" />
      <NumberField name="seed" label="Seed" value={s.seed} min={0} max={2 ** 31 - 1} integer onCommit={(v) => setSetting('seed', v)} hint="fixes every random draw" />
      <NumberField name="max_tokens" label="Max tokens" value={s.maxTokens} min={1} max={Math.min(MAX_TOKENS_LIMIT, contextLength)} integer onCommit={(v) => setSetting('maxTokens', v)} hint={`up to ${Math.min(MAX_TOKENS_LIMIT, contextLength)}`} />
    </fieldset>
  );
}

function RunButtons({ engine }: { engine: EngineHandle }) {
  const ready = useStore((s) => s.model.phase === 'ready');
  const running = useStore((s) => s.run.status === 'running');
  const busy = useStore(selectEngineBusy);
  const problem = useStore(selectRunProblem);
  const onRun = useStore((s) => s.stepper.source?.kind === 'run');
  const follow = useStore((s) => s.stepper.follow);
  const playing = useStore((s) => s.stepper.playing);
  const atEnd = useStore((s) => selectPosition(s) >= selectSteps(s).length - 1);
  const setFollow = useStore((s) => s.setFollow);
  const setPlaying = useStore((s) => s.setPlaying);
  // Pause freezes the view of a live run (or stops playback); Resume follows the run again,
  // or, once it has finished, plays the remaining steps at the stepper's speed.
  const live = (follow && running) || playing;
  const canPause = onRun && (live || running || !atEnd);
  const pause = () => {
    if (live) {
      setFollow(false);
      setPlaying(false);
    } else if (running) setFollow(true);
    else setPlaying(true);
  };
  return (
    <div className="buttons">
      <button type="submit" data-testid="run" disabled={!ready || busy || problem !== null}>
        Run
      </button>
      <button type="button" data-testid="step" disabled={!ready || (busy && !running) || problem !== null} onClick={engine.step} title="Show the next decode step (starts a run paused at its prefill when there is none)">
        Step
      </button>
      <button type="button" data-testid="pause" disabled={!canPause} onClick={pause}>
        {live || !canPause ? 'Pause' : 'Resume'}
      </button>
      <button type="button" data-testid="stop" disabled={!running} onClick={engine.stop}>
        Stop
      </button>
      <small className="muted buttons-note">
        Step and Pause move through the steps already decoded; the worker decodes each run to its end (the seed fixes every draw, so
        pausing changes nothing). Stop ends the decoding itself.
      </small>
      {busy && !running && <p className="muted buttons-note">The engine is busy with a comparison or a cost measurement in another view.</p>}
      {problem && (
        <p className="field-problem" role="status" data-testid="settings-problem">
          {problem}
        </p>
      )}
    </div>
  );
}

export function Controls({ engine }: { engine: EngineHandle }) {
  return (
    <form
      className="controls"
      aria-label="Decode settings"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        engine.run();
      }}
    >
      <PromptBox />
      <RunButtons engine={engine} />
      <SettingsForm />
    </form>
  );
}
