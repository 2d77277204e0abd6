/**
 * The distribution check: are two samplers' outputs drawn from one law? Given the tokens
 * the speculative decode and the autoregressive baseline emitted at one position over N
 * seeds each, a chi-square two-sample test of homogeneity over the most frequent tokens plus
 * "the rest", and the total variation distance between the two empirical histograms. The
 * page's losslessness check under sampling (src/worker/dist-check-run.ts); against an exact
 * reference law instead of a second sample, see chi-square.ts and `npm run test:stats`.
 */
import { chiSquareSurvival } from './chi-square.ts';

/** Below it a position's two samples are declared to differ (the test:stats level). */
export const DIST_ALPHA = 0.001;
/** Cochran's rule: every cell of the 2 x bins table expects at least this many samples. */
export const DIST_MIN_EXPECTED = 5;
/** Tokens kept by name: the most frequent in either sample. */
export const DIST_TOP = 8;

/** token -> how many samples emitted it at the position. */
export type TokenCounts = ReadonlyMap<number, number>;

export interface HistogramBin {
  /** The token, or null for "the rest" (every token not kept by name). */
  token: number | null;
  spec: number;
  baseline: number;
}

export interface Homogeneity {
  /** Pearson's statistic sum (O - E)^2 / E over the pooled 2 x bins table. */
  statistic: number;
  /** pooled bins - 1 (two rows: (2 - 1) * (bins - 1)). */
  df: number;
  pValue: number;
  /** How many columns the test used after pooling. */
  bins: number;
}

export interface PositionCheck extends Homogeneity {
  /** 1-based position after the prompt. */
  position: number;
  /** The top tokens (by their count in both samples), then the rest if it is not empty. */
  histogram: HistogramBin[];
  /** 0.5 * sum over tokens |spec/nSpec - baseline/nBaseline|, over every token (not the pooled bins). */
  tvd: number;
}

/**
 * Pearson's chi-square test of homogeneity for two rows of counts over the same columns,
 * e.g. [30, 10] against [10, 30]: every cell expects 20, so (4 * 10^2) / 20 = 20 on 1 df,
 * p = 7.74e-6. A column whose smaller expected cell is under minExpected pools into the last
 * column ("the rest", which the caller puts last) and a rest still too small joins the
 * smallest column; one column left means nothing to test (df 0, p = 1).
 */
export function homogeneityTest(a: readonly number[], b: readonly number[], minExpected = DIST_MIN_EXPECTED): Homogeneity {
  if (a.length !== b.length || a.length === 0) {
    throw new Error(`homogeneityTest: expected two equally long, non-empty rows of counts, got ${a.length} and ${b.length}`);
  }
  const na = a.reduce((x, y) => x + y, 0);
  const nb = b.reduce((x, y) => x + y, 0);
  if (na === 0 || nb === 0) throw new Error(`homogeneityTest: each row needs at least one sample, got ${na} and ${nb}`);
  const n = na + nb;
  const smallRow = Math.min(na, nb);
  const cols: Array<[number, number]> = [];
  let rest: [number, number] = [0, 0];
  const last = a.length - 1;
  for (let j = 0; j < a.length; j++) {
    const col: [number, number] = [a[j]!, b[j]!];
    if (col[0] + col[1] === 0) continue;
    if (j !== last && ((col[0] + col[1]) * smallRow) / n >= minExpected) cols.push(col);
    else rest = [rest[0] + col[0], rest[1] + col[1]];
  }
  if (rest[0] + rest[1] > 0) {
    if (((rest[0] + rest[1]) * smallRow) / n >= minExpected || cols.length === 0) {
      cols.push(rest);
    } else {
      let s = 0;
      for (let j = 1; j < cols.length; j++) if (cols[j]![0] + cols[j]![1] < cols[s]![0] + cols[s]![1]) s = j;
      cols[s] = [cols[s]![0] + rest[0], cols[s]![1] + rest[1]];
    }
  }
  let statistic = 0;
  for (const [ca, cb] of cols) {
    const col = ca + cb;
    const ea = (col * na) / n;
    const eb = (col * nb) / n;
    statistic += (ca - ea) ** 2 / ea + (cb - eb) ** 2 / eb;
  }
  const df = cols.length - 1;
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1, bins: cols.length };
}

/** Total variation between two empirical histograms: 0.5 * sum |a/na - b/nb| over every token. */
export function totalVariation(a: TokenCounts, b: TokenCounts): number {
  const sum = (m: TokenCounts) => [...m.values()].reduce((x, y) => x + y, 0);
  const na = sum(a);
  const nb = sum(b);
  if (na === 0 || nb === 0) throw new Error(`totalVariation: each histogram needs at least one sample, got ${na} and ${nb}`);
  let tv = 0;
  for (const t of new Set([...a.keys(), ...b.keys()])) tv += Math.abs((a.get(t) ?? 0) / na - (b.get(t) ?? 0) / nb);
  return tv / 2;
}

/**
 * One position's check: the `top` most frequent tokens of either sample, ordered by their
 * count in both, plus the rest; the homogeneity test over those columns; the TVD over all.
 */
export function checkPosition(position: number, spec: TokenCounts, baseline: TokenCounts, top = DIST_TOP): PositionCheck {
  const both = (t: number) => (spec.get(t) ?? 0) + (baseline.get(t) ?? 0);
  const topOf = (m: TokenCounts) => [...m.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, top).map(([t]) => t);
  const kept = [...new Set([...topOf(spec), ...topOf(baseline)])].sort((x, y) => both(y) - both(x) || x - y);
  const keptSet = new Set(kept);
  const histogram: HistogramBin[] = kept.map((t) => ({ token: t, spec: spec.get(t) ?? 0, baseline: baseline.get(t) ?? 0 }));
  const rest: HistogramBin = { token: null, spec: 0, baseline: 0 };
  for (const [t, c] of spec) if (!keptSet.has(t)) rest.spec += c;
  for (const [t, c] of baseline) if (!keptSet.has(t)) rest.baseline += c;
  if (rest.spec + rest.baseline > 0) histogram.push(rest);
  // The rest goes last, so the test pools small columns into it; without one, an empty last column.
  const cols = rest.spec + rest.baseline > 0 ? histogram : [...histogram, rest];
  const fit = homogeneityTest(cols.map((h) => h.spec), cols.map((h) => h.baseline));
  return { position, histogram, tvd: totalVariation(spec, baseline), ...fit };
}

/** PASS when every position's p exceeds alpha; else the first position that does not. */
export function distVerdict(positions: readonly Pick<PositionCheck, 'position' | 'pValue'>[], alpha = DIST_ALPHA): { pass: boolean; failedPosition: number | null } {
  const failed = positions.find((p) => !(p.pValue > alpha));
  return { pass: failed === undefined, failedPosition: failed?.position ?? null };
}
