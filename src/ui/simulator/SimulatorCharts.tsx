/**
 * The Speedup simulator's charts: the cost curve t(n) / t(1) (measured here, and the chosen
 * machine's), and the projected speedup for k = 1..8 from the chosen profile beside the
 * curves for a few i.i.d. alphas, against the 1.5× SPACE claim, with the optimum marked.
 */
import { CartesianGrid, ErrorBar, Line, LineChart, ReferenceDot, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFigure, markerDot, SeriesLegend, type LegendItem } from '../charts/ChartParts.tsx';
import { CLAIM_COLOUR, seriesStyle } from '../charts/palette.ts';
import { useStore } from '../store/index.ts';
import { CLAIM } from './speedup-model.ts';
import type { Simulation } from './useSimulation.ts';

const NO_ANIMATION = { isAnimationActive: false } as const;
const x2 = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(2)}×` : String(v));
/** Axis ticks: 1.5× not 1.5000000000000002×. */
const tickX = (v: number) => `${Number(v.toFixed(2))}×`;

export function CostChart({ sim }: { sim: Simulation }) {
  const curve = useStore((s) => s.simulator.cost.curve);
  const machine = useStore((s) => s.simulator.machine);
  const showMachine = machine !== 'measured' && machine !== 'flat';
  const measuredT1 = curve?.points[0]?.ms ?? null;
  const machineT1 = sim.choice.cost(1);
  const maxN = curve?.points.length ?? 20;
  const data = Array.from({ length: maxN }, (_, i) => {
    const n = i + 1;
    const p = curve?.points[i];
    return {
      n,
      measured: p && measuredT1 ? p.ms / measuredT1 : null,
      spread: p && measuredT1 ? [(p.ms - p.minMs) / measuredT1, (p.maxMs - p.ms) / measuredT1] : [0, 0],
      machine: showMachine ? sim.choice.cost(n) / machineT1 : null,
    };
  });
  const items: LegendItem[] = [];
  if (curve) items.push({ label: `measured here (t(1) = ${measuredT1?.toFixed(2)} ms, ${curve.context} tokens of context, median of ${curve.reps}; whiskers: min–max)`, style: seriesStyle(0), kind: 'line', index: 0 });
  if (showMachine) items.push({ label: `${sim.choice.label} (t(1) = ${machineT1.toFixed(1)} ms)`, style: seriesStyle(1), kind: 'line', index: 1 });
  return (
    <ChartFigure
      title="Cost of a forward over n tokens"
      testId="chart-cost"
      caption="t(n) / t(1): what verifying n − 1 drafts costs, in plain decoding steps. Flat means drafts are verified for free (memory-bound); a rising curve eats into the speedup."
    >
      {items.length === 0 ? (
        <p className="muted">Measure the cost curve, or choose a machine, to see t(n).</p>
      ) : (
        <>
          <LineChart responsive style={{ width: '100%', height: 240 }} data={data} margin={{ top: 10, right: 16, bottom: 18, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
            <XAxis dataKey="n" label={{ value: 'n (tokens in the forward)', position: 'insideBottom', offset: -10 }} />
            <YAxis width={52} tickFormatter={tickX} domain={[0, 'auto']} />
            <Tooltip formatter={x2} labelFormatter={(l) => `n = ${String(l)}`} />
            <ReferenceLine y={1} stroke="#777" strokeDasharray="2 2" />
            {curve && (
              <Line dataKey="measured" name="measured here" stroke={seriesStyle(0).colour} strokeWidth={2.5} dot={markerDot(seriesStyle(0))} {...NO_ANIMATION}>
                <ErrorBar dataKey="spread" direction="y" width={4} stroke="#666" {...NO_ANIMATION} />
              </Line>
            )}
            {showMachine && (
              <Line dataKey="machine" name={sim.choice.label} stroke={seriesStyle(1).colour} strokeWidth={2.5} strokeDasharray={seriesStyle(1).dash} dot={markerDot(seriesStyle(1))} {...NO_ANIMATION} />
            )}
          </LineChart>
          <SeriesLegend chartId="cost" items={items} />
        </>
      )}
    </ChartFigure>
  );
}

export function ProjectionChart({ sim }: { sim: Simulation }) {
  const data = sim.rows.map((r, i) => {
    const point: Record<string, number | boolean> = { k: r.k, profile: r.speedup, extrapolated: r.extrapolated };
    sim.curves.forEach((c, j) => (point[`a${j}`] = c.points[i]!.speedup));
    return point;
  });
  const main = seriesStyle(0);
  const top = Math.max(2, ...sim.rows.map((r) => r.speedup), ...sim.curves.flatMap((c) => c.points.map((p) => p.speedup)));
  const items: LegendItem[] = [
    { label: `${sim.profile.label}${sim.rows.some((r) => r.extrapolated) ? ' (hollow: continued past what was measured)' : ''}`, style: main, kind: 'line', index: 0 },
    ...sim.curves.map((c, j) => ({ label: `α = ${c.alpha}`, style: seriesStyle(j + 1), kind: 'line' as const, index: j + 1 })),
  ];
  return (
    <ChartFigure
      title="Expected speedup by draft length k"
      testId="chart-projection"
      caption={`speedup(k) = τ(k) / (t(k+1)/t(1) + c·k) with c = ${sim.c.toFixed(3)} and the cost of “${sim.choice.label}”. The thin lines take every draft accepted with probability α; with the flat cost they are Leviathan et al.'s speedup(α, k, c). The dashed line is the ${CLAIM}× SPACE claim.`}
    >
      <LineChart responsive style={{ width: '100%', height: 300 }} data={data} margin={{ top: 18, right: 24, bottom: 18, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
        <XAxis dataKey="k" label={{ value: 'k (drafts per step)', position: 'insideBottom', offset: -10 }} />
        <YAxis width={52} domain={[0, Math.ceil(top * 2) / 2]} tickFormatter={tickX} />
        <Tooltip formatter={x2} labelFormatter={(l) => `k = ${String(l)}`} />
        <ReferenceLine y={1} stroke="#777" label={{ value: 'autoregressive 1×', position: 'insideBottomRight', fontSize: 11 }} />
        <ReferenceLine y={CLAIM} stroke={CLAIM_COLOUR} strokeWidth={2} strokeDasharray="6 3" label={{ value: `SPACE claim ${CLAIM}×`, position: 'insideTopRight', fontSize: 11, fill: CLAIM_COLOUR }} />
        {sim.curves.map((c, j) => {
          const st = seriesStyle(j + 1);
          return <Line key={c.alpha} dataKey={`a${j}`} name={`α = ${c.alpha}`} stroke={st.colour} strokeWidth={1.5} strokeDasharray={st.dash || '4 3'} dot={markerDot(st)} {...NO_ANIMATION} />;
        })}
        <Line dataKey="profile" name="this profile" stroke={main.colour} strokeWidth={4} dot={markerDot(main, (p) => !!(p as { extrapolated?: boolean }).extrapolated)} {...NO_ANIMATION} />
        {sim.best && (
          <ReferenceDot x={sim.best.k} y={sim.best.speedup} r={9} fill="none" stroke="#000" strokeWidth={2} label={{ value: `optimum k = ${sim.best.k}`, position: 'top', fontSize: 12, fontWeight: 700 }} />
        )}
      </LineChart>
      <SeriesLegend chartId="projection" items={items} note="ringed: the optimum k" />
    </ChartFigure>
  );
}
