/**
 * Small horizontal bars for probabilities and times, always with the number written next
 * to them (the bar is an aid, the number is the value), and a threshold bar that marks
 * the uniform draw u against min(1, p/q).
 */
import type { TopEntry } from '../../engine/verify/chain.ts';
import { tokenText } from '../tokens.ts';

export const fmtP = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x < 0.001 && x > 0 ? x.toExponential(1) : x.toFixed(3));
export const fmtMs = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));

export function ProbBar({ value, kind, label }: { value: number | null; kind: 'p' | 'q' | 'r' | 'ms'; label: string }) {
  const pct = value === null ? 0 : Math.max(0, Math.min(1, value)) * 100;
  return (
    <span className="bar-cell">
      <span className={`bar bar-${kind}`} role="img" aria-label={`${label} ${fmtP(value)}`}>
        <span className="bar-fill" style={{ width: `${pct}%` }} />
      </span>
      <span className="bar-num">{fmtP(value)}</span>
    </span>
  );
}

/** [0, 1] with the accept region [0, threshold) filled and a tick at u. */
export function ThresholdBar({ u, threshold, accepted }: { u: number | null; threshold: number; accepted: boolean }) {
  return (
    <span className="bar-cell">
      <span
        className="bar bar-threshold"
        role="img"
        aria-label={`u = ${fmtP(u)} against min(1, p/q) = ${fmtP(threshold)}: ${accepted ? 'accepted' : 'rejected'}`}
      >
        <span className="bar-fill" style={{ width: `${Math.min(1, threshold) * 100}%` }} />
        {u !== null && <span className={`bar-tick ${accepted ? 'tick-in' : 'tick-out'}`} style={{ left: `${u * 100}%` }} />}
      </span>
      <span className="bar-num">
        u {fmtP(u)} {accepted ? '<' : '≥'} {fmtP(threshold)}
      </span>
    </span>
  );
}

export function TopList({ entries, vocab, label, mark }: { entries: readonly TopEntry[]; vocab: readonly string[] | null; label: string; mark?: number }) {
  return (
    <table className="top-list" aria-label={label}>
      <tbody>
        {entries.map((e) => (
          <tr key={e.token} className={e.token === mark ? 'marked' : undefined}>
            <td className="tok">{tokenText(vocab, e.token)}</td>
            <td>
              <ProbBar value={e.prob} kind="r" label={`probability of ${tokenText(vocab, e.token)}`} />
            </td>
            <td className="muted">{e.token === mark ? '← chosen' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
