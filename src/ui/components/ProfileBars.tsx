/**
 * Where a decode step's time goes, one stacked bar per run or configuration (profile.ts
 * segments: draft and verify forward split into bare session.run and the rest, verify
 * decisions, accept split into KV cache and the rest, other), all on one ms scale, with a
 * written legend and the numbers in a table. Plain HTML, so the Decode view needs no chart
 * library; labels are rendered as text.
 */
import type { StepProfile } from '../../engine/bench/figures.ts';
import { profileSegments, SEGMENTS, type SegmentInfo } from '../profile.ts';
import { fmtMs } from './Bars.tsx';

export interface ProfileRow {
  key: string;
  label: string;
  profile: StepProfile | null;
}

const fill = (s: SegmentInfo) =>
  s.hatched ? `repeating-linear-gradient(45deg, ${s.colour} 0 3px, #fff 3px 6px)` : s.colour;

function Bar({ row, scale }: { row: ProfileRow; scale: number }) {
  const p = row.profile;
  if (!p) return <span className="muted profile-none">no decode steps</span>;
  const segs = profileSegments(p);
  const words = segs.filter((s) => s.ms > 0).map((s) => `${s.label} ${fmtMs(s.ms)} ms`).join(', ');
  return (
    <>
      <span className="profile-track">
        <span className="profile-bar" role="img" aria-label={`${row.label}: ${fmtMs(p.step_ms)} ms per step: ${words}`} style={{ width: `${(p.step_ms / scale) * 100}%` }}>
          {segs.map((s, i) => (
            <span key={s.key} title={`${s.label}: ${fmtMs(s.ms)} ms`} style={{ flexGrow: s.ms, background: fill(SEGMENTS[i]!) }} />
          ))}
        </span>
      </span>
      <span className="bar-num">{fmtMs(p.step_ms)} ms</span>
    </>
  );
}

export function ProfileLegend() {
  return (
    <ul className="profile-legend">
      {SEGMENTS.map((s) => (
        <li key={s.key} title={s.title}>
          <span className="swatch" style={{ background: fill(s) }} aria-hidden="true" />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

export function ProfileBars({ rows, testId, caption }: { rows: readonly ProfileRow[]; testId: string; caption: string }) {
  const scale = Math.max(1e-9, ...rows.map((r) => r.profile?.step_ms ?? 0));
  return (
    <figure className="profile" data-testid={testId}>
      <div className="profile-rows">
        {rows.map((r) => (
          <div key={r.key} className="profile-row" data-row={r.key} data-step-ms={r.profile?.step_ms.toFixed(3) ?? ''}>
            <span className="profile-label">{r.label}</span>
            <Bar row={r} scale={scale} />
          </div>
        ))}
      </div>
      <ProfileLegend />
      <figcaption className="muted">{caption}</figcaption>
      <details>
        <summary>Numbers (ms per decode step)</summary>
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Step profile numbers (scrolls sideways)">
          <table className="profile-table">
            <thead>
              <tr>
                <th scope="col">run</th>
                {SEGMENTS.map((s) => (
                  <th key={s.key} scope="col" title={s.title}>
                    {s.label}
                  </th>
                ))}
                <th scope="col">step</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key}>
                  <th scope="row">{r.label}</th>
                  {r.profile ? profileSegments(r.profile).map((s) => <td key={s.key} className="num">{fmtMs(s.ms)}</td>) : SEGMENTS.map((s) => <td key={s.key} className="num">–</td>)}
                  <td className="num">{r.profile ? fmtMs(r.profile.step_ms) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
