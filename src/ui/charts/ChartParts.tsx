/**
 * Pieces every chart of the Compare view and the Speedup simulator shares: the figure
 * with its caption, a written legend that repeats each series' colour, dash and marker
 * (or hatch), marker shapes for line points, and the hatch patterns for bars.
 */
import type { ReactNode } from 'react';
import { HATCHES, patternId, seriesStyle, type MarkerShape, type SeriesStyle } from './palette.ts';

export function ChartFigure({ title, caption, testId, children }: { title: string; caption: ReactNode; testId: string; children: ReactNode }) {
  return (
    <figure className="chart" data-testid={testId}>
      <h4>{title}</h4>
      <div className="chart-box">{children}</div>
      <figcaption className="muted">{caption}</figcaption>
    </figure>
  );
}

/** A marker of `shape` at (cx, cy); hollow for projected (not measured) points. */
export function Marker({ cx, cy, shape, colour, hollow = false, size = 4.5 }: { cx: number; cy: number; shape: MarkerShape; colour: string; hollow?: boolean; size?: number }) {
  const paint = { fill: hollow ? '#fff' : colour, stroke: colour, strokeWidth: 1.8 };
  const s = size;
  switch (shape) {
    case 'square':
      return <rect x={cx - s} y={cy - s} width={2 * s} height={2 * s} {...paint} />;
    case 'triangle':
      return <polygon points={`${cx},${cy - s * 1.2} ${cx + s * 1.1},${cy + s * 0.9} ${cx - s * 1.1},${cy + s * 0.9}`} {...paint} />;
    case 'diamond':
      return <polygon points={`${cx},${cy - s * 1.3} ${cx + s * 1.1},${cy} ${cx},${cy + s * 1.3} ${cx - s * 1.1},${cy}`} {...paint} />;
    case 'cross':
      return <path d={`M${cx - s},${cy - s}L${cx + s},${cy + s}M${cx - s},${cy + s}L${cx + s},${cy - s}`} stroke={colour} strokeWidth={2.5} />;
    case 'star': {
      const pts = Array.from({ length: 10 }, (_, i) => {
        const r = i % 2 ? s * 0.55 : s * 1.3;
        const a = (Math.PI / 5) * i - Math.PI / 2;
        return `${cx + r * Math.cos(a)},${cy + r * Math.sin(a)}`;
      });
      return <polygon points={pts.join(' ')} {...paint} />;
    }
    case 'ring':
      return <circle cx={cx} cy={cy} r={s} fill="#fff" stroke={colour} strokeWidth={2.5} />;
    default:
      return <circle cx={cx} cy={cy} r={s} {...paint} />;
  }
}

/** A `dot` renderer for a recharts Line: series i's marker, hollow where `isHollow(payload)`. */
export function markerDot(style: SeriesStyle, isHollow: (payload: unknown) => boolean = () => false) {
  return function Dot(props: { cx?: number | undefined; cy?: number | undefined; index: number; payload: unknown }) {
    if (props.cx === undefined || props.cy === undefined || !Number.isFinite(props.cy)) return <g key={props.index} />;
    return <Marker key={props.index} cx={props.cx} cy={props.cy} shape={style.marker} colour={style.colour} hollow={isHollow(props.payload)} />;
  };
}

/** Series i's hatch as an SVG <pattern> with the given id. */
export function HatchPattern({ id, i }: { id: string; i: number }) {
  const { colour, hatch } = seriesStyle(i);
  return (
    <pattern id={id} width={8} height={8} patternUnits="userSpaceOnUse">
      <rect width={8} height={8} fill={colour} opacity={hatch === 'solid' ? 1 : 0.35} />
      {hatchLines(hatch, colour)}
    </pattern>
  );
}

/** <defs> with a hatch pattern per series, for bar fills: url(#patternId(chartId, i)). */
export function ChartPatterns({ chartId, count }: { chartId: string; count: number }) {
  return (
    <defs>
      {Array.from({ length: count }, (_, i) => (
        <HatchPattern key={i} id={patternId(chartId, i)} i={i} />
      ))}
    </defs>
  );
}

function hatchLines(hatch: (typeof HATCHES)[number], colour: string): ReactNode {
  const p = { stroke: colour, strokeWidth: 2 };
  switch (hatch) {
    case 'diagonal':
      return <path d="M-2,2L2,-2M0,8L8,0M6,10L10,6" {...p} />;
    case 'back-diagonal':
      return <path d="M-2,6L2,10M0,0L8,8M6,-2L10,2" {...p} />;
    case 'cross-hatch':
      return <path d="M0,0L8,8M8,0L0,8" {...p} strokeWidth={1.5} />;
    case 'dots':
      return <circle cx={4} cy={4} r={2.2} fill={colour} />;
    case 'horizontal':
      return <path d="M0,4L8,4" {...p} />;
    case 'vertical':
      return <path d="M4,0L4,8" {...p} />;
    default:
      return null;
  }
}

export interface LegendItem {
  label: string;
  style: SeriesStyle;
  kind: 'line' | 'bar';
  /** The series' index in its chart, for the bar pattern. */
  index: number;
}

/** The legend as a list: a small drawing of each series (its colour and its dash, marker or hatch) and its name. */
export function SeriesLegend({ items, chartId, note }: { items: readonly LegendItem[]; chartId: string; note?: ReactNode }) {
  return (
    <ul className="legend chart-legend">
      {items.map((it) => (
        <li key={`${it.index}-${it.label}`}>
          <svg width={34} height={16} aria-hidden="true">
            {it.kind === 'bar' ? (
              <>
                <defs>
                  <HatchPattern id={`${chartId}-legend-${it.index}`} i={it.index} />
                </defs>
                <rect x={4} y={2} width={26} height={12} fill={`url(#${chartId}-legend-${it.index})`} stroke={it.style.colour} />
              </>
            ) : (
              <>
                <line x1={1} y1={8} x2={33} y2={8} stroke={it.style.colour} strokeWidth={2.5} strokeDasharray={it.style.dash || undefined} />
                <Marker cx={17} cy={8} shape={it.style.marker} colour={it.style.colour} size={3.5} />
              </>
            )}
          </svg>
          {it.label}
        </li>
      ))}
      {note && <li className="muted">{note}</li>}
    </ul>
  );
}
