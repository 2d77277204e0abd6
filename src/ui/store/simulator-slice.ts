/**
 * The Speedup simulator: which acceptance profile it projects from (the last Decode run, a
 * Compare row, figures pasted from vLLM, or a chosen alpha), the drafting cost c, which machine prices a forward
 * (measured here, flat, a preset roofline, custom numbers), and the cost curve t(n) the
 * worker measured in this page. Not in the link.
 */
import type { StateCreator } from 'zustand';
import type { CostPoint, WorkerResponse } from '../../worker/protocol.ts';
import { DEFAULT_CUSTOM, type MachineId, type Roofline } from '../simulator/cost-model.ts';
import type { VllmImport } from '../simulator/vllm-metrics.ts';
import type { UiState } from './index.ts';

export interface CostCurve {
  /** Tokens in the KV cache before each timed forward. */
  context: number;
  reps: number;
  points: CostPoint[];
  headsMs: number | null;
  draftModelMs: number | null;
}

export interface CostMeasurement {
  status: 'idle' | 'measuring' | 'done' | 'stopped' | 'error';
  requestId: number;
  done: number;
  total: number;
  curve: CostCurve | null;
  error: string | null;
}

export interface SimulatorState {
  /** 'decode' (the last Decode run), 'compare:<row key>', 'vllm' (pasted vLLM figures), or 'alpha' (i.i.d. acceptance at `alpha`). */
  source: string;
  /** vLLM figures pasted in the simulator (its /metrics counters or a list of rates), or null. */
  vllm: VllmImport | null;
  alpha: number;
  /** Drafting cost per drafted token in plain steps; null = the profile's measured c. */
  c: number | null;
  machine: MachineId;
  custom: Roofline;
  cost: CostMeasurement;
}

export interface SimulatorSlice {
  simulator: SimulatorState;
  setSimulator: (patch: Partial<Omit<SimulatorState, 'cost'>>) => void;
  setCustomRoofline: (patch: Partial<Roofline>) => void;
  /** Returns the id to send with the `measure-cost` message. */
  startMeasure: () => number;
  failMeasure: (message: string) => void;
}

export const INITIAL_SIMULATOR: SimulatorState = {
  source: 'decode',
  vllm: null,
  alpha: 0.7,
  c: null,
  machine: 'measured',
  custom: DEFAULT_CUSTOM,
  cost: { status: 'idle', requestId: 0, done: 0, total: 0, curve: null, error: null },
};

export const createSimulatorSlice: StateCreator<UiState, [], [], SimulatorSlice> = (set, get) => {
  const patchCost = (p: Partial<CostMeasurement>) => set((s) => ({ simulator: { ...s.simulator, cost: { ...s.simulator.cost, ...p } } }));
  return {
    simulator: INITIAL_SIMULATOR,
    setSimulator: (p) => set((s) => ({ simulator: { ...s.simulator, ...p } })),
    setCustomRoofline: (p) => set((s) => ({ simulator: { ...s.simulator, custom: { ...s.simulator.custom, ...p } } })),
    startMeasure: () => {
      const requestId = get().simulator.cost.requestId + 1;
      patchCost({ status: 'measuring', requestId, done: 0, total: 0, error: null });
      return requestId;
    },
    failMeasure: (error) => patchCost({ status: 'error', error }),
  };
};

/** Folds a cost measurement's messages into the state; null for messages that are not one's. */
export function receiveCost(s: UiState, msg: WorkerResponse): Partial<UiState> | null {
  const cost = s.simulator.cost;
  const with_ = (p: Partial<CostMeasurement>) => ({ simulator: { ...s.simulator, cost: { ...cost, ...p } } });
  switch (msg.status) {
    case 'cost-progress':
      return msg.requestId === cost.requestId ? with_({ done: msg.done, total: msg.total }) : {};
    case 'cost-curve':
      if (msg.requestId !== cost.requestId) return {};
      return with_({
        status: 'done',
        curve: { context: msg.context, reps: msg.reps, points: msg.points, headsMs: msg.headsMs, draftModelMs: msg.draftModelMs },
      });
    case 'cost-stopped':
      return msg.requestId === cost.requestId ? with_({ status: 'stopped' }) : {};
    case 'error':
      if (msg.phase !== 'cost' || (msg.requestId !== undefined && msg.requestId !== cost.requestId)) return null;
      return with_({ status: 'error', error: msg.message });
    default:
      return null;
  }
}
