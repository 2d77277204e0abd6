/**
 * How the charts tell series apart without relying on colour: each series gets an
 * Okabe–Ito colour (safe for the common colour-vision deficiencies, as styles.css), and
 * also a dash pattern and a marker shape for lines, or a hatch pattern for bars, and every
 * chart has a written legend and a table with its numbers.
 */

/** Okabe–Ito, ordered for contrast on white (yellow left out: too light for lines). */
export const SERIES_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'] as const;

/** SVG stroke-dasharray per series: solid, dashed, dotted, dash-dot, long dash, ... */
export const SERIES_DASHES = ['', '8 4', '2 3', '10 3 2 3', '14 4', '4 2 4 6', '1 2'] as const;

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'star' | 'ring';
export const SERIES_MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star', 'ring'];

/** Bar fills: an id of a <pattern> ChartPatterns defines for each series. */
export const HATCHES = ['solid', 'diagonal', 'dots', 'cross-hatch', 'horizontal', 'vertical', 'back-diagonal'] as const;

export interface SeriesStyle {
  colour: string;
  dash: string;
  marker: MarkerShape;
  hatch: (typeof HATCHES)[number];
}

export function seriesStyle(i: number): SeriesStyle {
  return {
    colour: SERIES_COLOURS[i % SERIES_COLOURS.length]!,
    dash: SERIES_DASHES[i % SERIES_DASHES.length]!,
    marker: SERIES_MARKERS[i % SERIES_MARKERS.length]!,
    hatch: HATCHES[i % HATCHES.length]!,
  };
}

/** The id of series i's bar pattern inside the chart `chartId` (ids must be unique on the page). */
export const patternId = (chartId: string, i: number) => `${chartId}-pattern-${i}`;

/** The line the SPACE claim is read against, and its colour (dark grey: not a series). */
export const CLAIM_COLOUR = '#444444';
