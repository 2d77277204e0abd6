/**
 * The Compare view: its settings (configuration rows, suite, prompts, max tokens), the
 * comparison in progress (prompt i of n, run j of m) and its results, which grow one
 * prompt at a time as the worker finishes them, or results imported from a file. The
 * settings a comparison was started with travel inside its results, so editing the rows
 * afterwards does not relabel them. Not in the link: only the Decode view's settings are.
 */
import type { StateCreator } from 'zustand';
import type { CompareConfig, CompareSettings, WorkerResponse } from '../../worker/protocol.ts';
import { COMPARE_PRESETS, DEFAULT_COMPARE, MAX_CONFIGS, nextConfig } from '../compare/configs.ts';
import { RESULTS_FORMAT, RESULTS_VERSION, type BenchResults } from '../../engine/bench/results-file.ts';
import type { UiState } from './index.ts';

export type CompareStatus = 'idle' | 'running' | 'done' | 'stopped' | 'error';

export interface CompareProgress {
  /** 1-based; 0 while warming up. */
  prompt: number;
  prompts: number;
  run: number;
  runs: number;
  label: string;
}

export interface CompareState {
  settings: CompareSettings;
  status: CompareStatus;
  requestId: number;
  progress: CompareProgress | null;
  results: BenchResults | null;
  /** Where the results on show come from: this page's comparison, or a file. */
  source: { kind: 'run' } | { kind: 'import'; name: string } | null;
  stepsAfterStop: number | null;
  error: string | null;
  importError: string | null;
}

export interface CompareSlice {
  compare: CompareState;
  setCompareSettings: (patch: Partial<Omit<CompareSettings, 'configs'>>) => void;
  setConfig: (index: number, patch: Partial<CompareConfig>) => void;
  addConfig: () => void;
  removeConfig: (index: number) => void;
  applyPreset: (id: string) => void;
  /** Clears the last results and returns the id and settings to send with the `compare` message. */
  startCompare: () => { requestId: number; settings: CompareSettings };
  failCompare: (message: string) => void;
  showResults: (results: BenchResults, fileName: string) => void;
  setCompareImportError: (message: string | null) => void;
}

export const INITIAL_COMPARE: CompareState = {
  settings: DEFAULT_COMPARE,
  status: 'idle',
  requestId: 0,
  progress: null,
  results: null,
  source: null,
  stepsAfterStop: null,
  error: null,
  importError: null,
};

const numHeadsOf = (s: UiState) => s.model.info?.numHeads ?? 4;

export const createCompareSlice: StateCreator<UiState, [], [], CompareSlice> = (set, get) => {
  const patch = (p: Partial<CompareState>) => set((s) => ({ compare: { ...s.compare, ...p } }));
  const setRows = (f: (rows: CompareConfig[]) => CompareConfig[]) =>
    set((s) => ({ compare: { ...s.compare, settings: { ...s.compare.settings, configs: f(s.compare.settings.configs) } } }));
  return {
    compare: INITIAL_COMPARE,
    setCompareSettings: (p) => set((s) => ({ compare: { ...s.compare, settings: { ...s.compare.settings, ...p } } })),
    setConfig: (i, p) => setRows((rows) => rows.map((r, j) => (j === i ? { ...r, ...p } : r))),
    addConfig: () => setRows((rows) => (rows.length >= MAX_CONFIGS ? rows : [...rows, nextConfig(rows, numHeadsOf(get()))])),
    removeConfig: (i) => setRows((rows) => rows.filter((_, j) => j !== i)),
    applyPreset: (id) => {
      const preset = COMPARE_PRESETS.find((p) => p.id === id);
      if (preset) setRows(() => preset.configs(numHeadsOf(get())));
    },
    startCompare: () => {
      const s = get();
      const requestId = s.compare.requestId + 1;
      const settings = s.compare.settings;
      const results: BenchResults = {
        format: RESULTS_FORMAT,
        version: RESULTS_VERSION,
        created: new Date().toISOString(),
        model: { id: s.model.info?.id ?? s.model.modelId, threads: s.model.threads },
        suite: settings.suite,
        max_tokens: settings.maxTokens,
        configs: settings.configs,
        prompts: [],
      };
      patch({ status: 'running', requestId, progress: null, results, source: { kind: 'run' }, stepsAfterStop: null, error: null, importError: null });
      return { requestId, settings };
    },
    failCompare: (message) => patch({ status: 'error', progress: null, error: message }),
    showResults: (results, name) => patch({ results, source: { kind: 'import', name }, importError: null, status: get().compare.status === 'running' ? 'running' : 'idle' }),
    setCompareImportError: (importError) => patch({ importError }),
  };
};

/** Folds a comparison's messages into the state; null for messages that are not a comparison's. */
export function receiveCompare(s: UiState, msg: WorkerResponse): Partial<UiState> | null {
  const c = s.compare;
  const mine = 'requestId' in msg && msg.requestId === c.requestId && c.source?.kind === 'run';
  switch (msg.status) {
    case 'compare-progress':
      if (!mine) return {};
      return { compare: { ...c, progress: { prompt: msg.prompt, prompts: msg.prompts, run: msg.run, runs: msg.runs, label: msg.label } } };
    case 'compare-prompt':
      if (!mine || !c.results) return {};
      return { compare: { ...c, results: { ...c.results, prompts: [...c.results.prompts, msg.prompt] } } };
    case 'compare-complete':
      if (msg.requestId !== c.requestId) return {};
      return {
        compare: {
          ...c,
          status: msg.stopped ? 'stopped' : 'done',
          progress: null,
          stepsAfterStop: msg.stepsAfterStop,
          results: c.results && mine ? { ...c.results, created: new Date().toISOString() } : c.results,
        },
      };
    case 'error':
      if (msg.phase !== 'compare' || (msg.requestId !== undefined && msg.requestId !== c.requestId)) return null;
      return { compare: { ...c, status: 'error', progress: null, error: msg.message } };
    default:
      return null;
  }
}
