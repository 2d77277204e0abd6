/**
 * The comparison's charts: per-position acceptance curves, the histogram of drafts
 * accepted per step, and the measured speedup of each configuration over its natural
 * outputs (min–max over prompts as error bars; outputs that repeat themselves are left out,
 * since a loop is easy to draft) beside Leviathan's prediction, against the 1.5× SPACE claim. Every series
 * has a colour, a dash or hatch and a marker, and a written legend; the table has the numbers.
 */
import { Bar, BarChart, CartesianGrid, ErrorBar, LabelList, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFigure, ChartPatterns, markerDot, SeriesLegend } from '../charts/ChartParts.tsx';
import { CLAIM_COLOUR, patternId, seriesStyle } from '../charts/palette.ts';
import { CLAIM } from '../simulator/speedup-model.ts';
import type { BenchRow } from '../../engine/bench/summary.ts';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const NO_ANIMATION = { isAnimationActive: false } as const;

function AcceptanceCurves({ rows }: { rows: readonly BenchRow[] }) {
  const depth = Math.max(0, ...rows.map((r) => r.acceptance_rate_per_position.length));
  const data = Array.from({ length: depth }, (_, i) => {
    const point: Record<string, number | null> = { position: i + 1 };
    rows.forEach((r, j) => (point[`s${j}`] = r.acceptance_rate_per_position[i]?.median ?? null));
    return point;
  });
  return (
    <ChartFigure
      title="Acceptance by draft position"
      testId="chart-acceptance"
      caption="Share of drafted steps whose i-th draft was accepted (median over prompts). A chain's curve falls with depth: a draft counts only if every draft before it was accepted."
    >
      <LineChart responsive style={{ width: '100%', height: 260 }} data={data} margin={{ top: 10, right: 16, bottom: 18, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
        <XAxis dataKey="position" label={{ value: 'draft position', position: 'insideBottom', offset: -10 }} />
        <YAxis domain={[0, 1]} tickFormatter={pct} width={52} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v) : String(v))} labelFormatter={(l) => `position ${String(l)}`} />
        {rows.map((r, j) => {
          const st = seriesStyle(j);
          return <Line key={r.key} dataKey={`s${j}`} name={r.label} stroke={st.colour} strokeWidth={2.5} strokeDasharray={st.dash || undefined} dot={markerDot(st)} connectNulls {...NO_ANIMATION} />;
        })}
      </LineChart>
      <SeriesLegend chartId="acceptance" items={rows.map((r, j) => ({ label: r.label, style: seriesStyle(j), kind: 'line', index: j }))} />
    </ChartFigure>
  );
}

function AcceptHistogram({ rows }: { rows: readonly BenchRow[] }) {
  const width = Math.max(0, ...rows.map((r) => r.accept_length_histogram.length));
  const data = Array.from({ length: width }, (_, a) => {
    const point: Record<string, number> = { accepted: a };
    rows.forEach((r, j) => {
      const total = r.accept_length_histogram.reduce((x, y) => x + y, 0);
      point[`s${j}`] = total > 0 ? (r.accept_length_histogram[a] ?? 0) / total : 0;
    });
    return point;
  });
  return (
    <ChartFigure
      title="Drafts accepted per step"
      testId="chart-histogram"
      caption="Share of decode steps that accepted 0, 1, 2, … drafted tokens (pooled over prompts). Each step also emits one token of the target's own, so a step yields accepted + 1 tokens."
    >
      <BarChart responsive style={{ width: '100%', height: 260 }} data={data} margin={{ top: 10, right: 16, bottom: 18, left: 0 }}>
        <ChartPatterns chartId="histogram" count={rows.length} />
        <CartesianGrid strokeDasharray="3 3" stroke="#ddd" vertical={false} />
        <XAxis dataKey="accepted" label={{ value: 'drafts accepted in the step', position: 'insideBottom', offset: -10 }} />
        <YAxis tickFormatter={pct} width={52} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v) : String(v))} labelFormatter={(l) => `${String(l)} accepted`} />
        {rows.map((r, j) => (
          <Bar key={r.key} dataKey={`s${j}`} name={r.label} fill={`url(#${patternId('histogram', j)})`} stroke={seriesStyle(j).colour} {...NO_ANIMATION} />
        ))}
      </BarChart>
      <SeriesLegend chartId="histogram" items={rows.map((r, j) => ({ label: r.label, style: seriesStyle(j), kind: 'bar', index: j }))} />
    </ChartFigure>
  );
}

function SpeedupBars({ rows }: { rows: readonly BenchRow[] }) {
  const data = rows.map(({ label, natural: { speedup: s, predicted_speedup: p } }) => ({
    label,
    measured: s?.median ?? null,
    range: s ? [s.median - s.min, s.max - s.median] : [0, 0],
    predicted: p?.median ?? null,
  }));
  const top = Math.max(2, ...rows.map((r) => Math.max(r.natural.speedup?.max ?? 0, r.natural.predicted_speedup?.median ?? 0)));
  const measuredStyle = seriesStyle(0);
  const predictedStyle = seriesStyle(1);
  return (
    <ChartFigure
      title="Speedup by configuration"
      testId="chart-speedup"
      caption={`Tokens/s over autoregressive decoding on the same prompts, natural outputs only (median; the whisker is min–max over those prompts; outputs with distinct-4 below 0.5 are in the table), beside Leviathan's prediction from the measured α, γ and c (chains only). The dashed line at ${CLAIM}× is the SPACE claim; 1× is autoregressive speed.`}
    >
      <BarChart responsive layout="vertical" style={{ width: '100%', height: Math.max(160, rows.length * 52 + 60) }} data={data} margin={{ top: 16, right: 40, bottom: 18, left: 8 }}>
        <ChartPatterns chartId="speedup" count={2} />
        <CartesianGrid strokeDasharray="3 3" stroke="#ddd" horizontal={false} />
        <XAxis type="number" domain={[0, Math.ceil(top * 2) / 2]} tickFormatter={(x: number) => `${x}×`} label={{ value: 'speedup', position: 'insideBottom', offset: -10 }} />
        <YAxis type="category" dataKey="label" width={160} tick={{ fontSize: 11 }} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(2)}×` : String(v))} />
        <ReferenceLine x={1} stroke="#777" />
        <ReferenceLine x={CLAIM} stroke={CLAIM_COLOUR} strokeWidth={2} strokeDasharray="6 3" label={{ value: `SPACE claim ${CLAIM}×`, position: 'top', fontSize: 11, fill: CLAIM_COLOUR }} />
        <Bar dataKey="measured" name="measured speedup" fill={`url(#${patternId('speedup', 0)})`} stroke={measuredStyle.colour} {...NO_ANIMATION}>
          <ErrorBar dataKey="range" direction="x" width={6} stroke="#222" strokeWidth={1.5} {...NO_ANIMATION} />
          <LabelList dataKey="measured" position="insideLeft" fill="#fff" fontWeight={700} formatter={(v) => (typeof v === 'number' ? `${v.toFixed(2)}×` : '')} fontSize={11} />
        </Bar>
        <Bar dataKey="predicted" name="Leviathan's prediction" fill={`url(#${patternId('speedup', 1)})`} stroke={predictedStyle.colour} {...NO_ANIMATION} />
      </BarChart>
      <SeriesLegend
        chartId="speedup"
        items={[
          { label: 'measured speedup (median, min–max whisker)', style: measuredStyle, kind: 'bar', index: 0 },
          { label: "Leviathan's prediction", style: predictedStyle, kind: 'bar', index: 1 },
        ]}
        note={`dashed line: the ${CLAIM}× SPACE claim`}
      />
    </ChartFigure>
  );
}

export function CompareCharts({ rows }: { rows: readonly BenchRow[] }) {
  const configs = rows.filter((r) => r.drafter !== 'none');
  if (configs.length === 0) return null;
  return (
    <div className="charts">
      <SpeedupBars rows={configs} />
      <AcceptanceCurves rows={configs} />
      <AcceptHistogram rows={configs} />
    </div>
  );
}
