/**
 * The distribution check's histograms (loaded lazily with recharts): per position, each top
 * token's share of the speculative samples beside its share of the autoregressive ones, and
 * the rest. Token text goes into SVG text nodes, never into HTML.
 */
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { DistCheckResult } from '../../worker/protocol.ts';
import { ChartFigure, ChartPatterns, SeriesLegend } from '../charts/ChartParts.tsx';
import { patternId, seriesStyle } from '../charts/palette.ts';
import { fmtP } from './DistCheck.tsx';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const SERIES = ['speculative', 'autoregressive'] as const;

export default function DistCheckCharts({ result, label }: { result: DistCheckResult; label: (token: number | null) => string }) {
  return (
    <div className="dist-charts">
      {result.positions.map((p) => {
        const chartId = `dist-${p.position}`;
        const data = p.histogram.map((h) => ({ token: label(h.token), s0: h.spec / result.samples, s1: h.baseline / result.samples }));
        return (
          <ChartFigure
            key={p.position}
            title={`Token ${p.position}`}
            testId={`dist-chart-${p.position}`}
            caption={`Share of ${result.samples} samples per token: TVD ${p.tvd.toFixed(3)}, p = ${fmtP(p.pValue)}.`}
          >
            <BarChart responsive style={{ width: '100%', height: 220 }} data={data} margin={{ top: 8, right: 8, bottom: 24, left: 0 }}>
              <ChartPatterns chartId={chartId} count={2} />
              <CartesianGrid strokeDasharray="3 3" stroke="#ddd" />
              <XAxis dataKey="token" interval={0} angle={-30} textAnchor="end" height={48} tick={{ fontSize: 11 }} />
              <YAxis domain={[0, 1]} tickFormatter={pct} width={52} />
              <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v) : String(v))} />
              {SERIES.map((name, j) => {
                const st = seriesStyle(j);
                return <Bar key={name} dataKey={`s${j}`} name={name} fill={`url(#${patternId(chartId, j)})`} stroke={st.colour} isAnimationActive={false} />;
              })}
            </BarChart>
            <SeriesLegend chartId={chartId} items={SERIES.map((name, j) => ({ label: name, style: seriesStyle(j), kind: 'bar', index: j }))} />
          </ChartFigure>
        );
      })}
    </div>
  );
}
