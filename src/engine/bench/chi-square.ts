/**
 * Pearson's chi-square goodness of fit against an exact discrete distribution, with the
 * pooling that keeps it valid: every bin should expect at least 5 samples (Cochran's rule).
 * Outcomes come in groups (here: the first token t1, with the pairs (t1, t2) as its cells);
 * a cell that expects fewer than 5 pools into its group's remainder bin, a group remainder
 * that still expects fewer than 5 pools into one global remainder bin, and a global remainder
 * that is still too small joins the smallest bin. The p-value is the chi-square survival
 * function, from @stdlib's regularized upper incomplete gamma (precise far into the tail).
 */
import gammainc from '@stdlib/math-base-special-gammainc';

/** Outcomes of a group that are not listed share its remaining mass (prob minus the listed cells). */
export interface Group {
  name: string;
  prob: number;
  cells: readonly { key: string; prob: number }[];
}

export interface Bin {
  label: string;
  prob: number;
}

export interface Pooling {
  bins: Bin[];
  /** The bin an outcome falls in; outcomes of unknown groups (or unlisted in a group without a
   *  remainder bin) fall in the global remainder. */
  binOf(group: string, key: string): number;
}

/**
 * Bins for n samples from `groups` (whose probabilities sum to at most 1; the missing mass is
 * outcomes no group names). e.g. one group, a fair die, n = 60: six bins of 1/6 each, nothing pooled;
 * n = 24: each face expects 4 < 5, so all six pool into the group's remainder, the only bin.
 */
export function poolCells(groups: readonly Group[], n: number, minExpected = 5): Pooling {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`poolCells: expected a positive sample count, got ${n}`);
  const bins: Bin[] = [];
  const cellBin = new Map<string, Map<string, number>>(); // group -> key -> bin
  const groupBin = new Map<string, number>(); // group -> its remainder bin
  let total = 0;
  let globalRest = 0;
  for (const g of groups) {
    if (cellBin.has(g.name)) throw new Error(`poolCells: group '${g.name}' is given twice; merge its cells into one group`);
    const own = new Map<string, number>();
    cellBin.set(g.name, own);
    total += g.prob;
    let rest = g.prob;
    for (const c of g.cells) {
      if (own.has(c.key)) throw new Error(`poolCells: cell '${c.key}' of group '${g.name}' is given twice`);
      if (n * c.prob >= minExpected) {
        own.set(c.key, bins.length);
        bins.push({ label: `${g.name} ${c.key}`, prob: c.prob });
        rest -= c.prob;
      }
    }
    rest = Math.max(0, rest); // float rounding of prob - sum(cells)
    if (n * rest >= minExpected) {
      groupBin.set(g.name, bins.length);
      bins.push({ label: `${g.name} rest`, prob: rest });
    } else {
      globalRest += rest;
    }
  }
  if (total > 1 + 1e-9) throw new Error(`poolCells: the groups' probabilities sum to ${total}, more than 1; expected a distribution`);
  globalRest += Math.max(0, 1 - total);
  let restBin: number;
  if (n * globalRest >= minExpected || bins.length === 0) {
    restBin = bins.length;
    bins.push({ label: 'rest', prob: globalRest });
  } else {
    restBin = 0;
    for (let b = 1; b < bins.length; b++) if (bins[b]!.prob < bins[restBin]!.prob) restBin = b;
    // (1 - total can be float dust, e.g. 1 - 6 * (1/6); not worth a label)
    if (globalRest > 1e-12) bins[restBin] = { label: `${bins[restBin]!.label} + rest`, prob: bins[restBin]!.prob + globalRest };
  }
  return {
    bins,
    binOf: (group, key) => cellBin.get(group)?.get(key) ?? groupBin.get(group) ?? restBin,
  };
}

export interface GoodnessOfFit {
  /** Pearson's statistic sum (O - E)^2 / E over the bins. */
  statistic: number;
  /** bins - 1: the reference is exact, no parameter was fitted. */
  df: number;
  pValue: number;
  /** Total variation 0.5 * sum |O/n - p| over the bins (sampling noise included). */
  tv: number;
}

/** The chi-square survival function P(X >= x) for X ~ chi-square(df) = Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw new Error(`chi-square needs df > 0, got ${df}`);
  if (x <= 0) return 1;
  return x === Infinity ? 0 : gammainc(x / 2, df / 2, true, true);
}

/**
 * Observed counts per bin against the bins' exact probabilities, e.g. a die thrown 60 times
 * with counts [5, 8, 9, 8, 10, 20]: statistic (25 + 4 + 1 + 4 + 0 + 100) / 10 = 13.4, df 5, p = 0.0199.
 */
export function chiSquareTest(observed: readonly number[], bins: readonly Bin[]): GoodnessOfFit {
  if (observed.length !== bins.length) {
    throw new Error(`chiSquareTest: ${observed.length} observed counts for ${bins.length} bins; give one count per bin`);
  }
  const n = observed.reduce((a, b) => a + b, 0);
  if (n === 0) throw new Error('chiSquareTest: no samples; expected at least one count');
  let statistic = 0;
  let tv = 0;
  for (let b = 0; b < bins.length; b++) {
    const e = n * bins[b]!.prob;
    const o = observed[b]!;
    // A sample in a bin of probability 0 refutes the reference outright.
    statistic += e > 0 ? (o - e) ** 2 / e : o > 0 ? Infinity : 0;
    tv += Math.abs(o / n - bins[b]!.prob);
  }
  const df = bins.length - 1;
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1, tv: tv / 2 };
}
