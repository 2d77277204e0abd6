/**
 * The Speedup simulator's numbers: per k the acceptance, τ, step cost, projected speedup
 * and the alpha a 1.5× claim needs (Leviathan's, and under this machine's cost); the
 * default trees; and the optimum k on every machine, to watch it move with the cost model.
 */
import { useStore } from '../store/index.ts';
import { MACHINE_PRESETS, rooflineMs, type MachineId } from './cost-model.ts';
import { costChoice } from './profiles.ts';
import { acceptanceProfile, CLAIM, MAX_SIM_K, optimum, project } from './speedup-model.ts';
import type { Simulation } from './useSimulation.ts';

const f2 = (x: number) => x.toFixed(2);
const alphaText = (a: number | null) => (a === null ? 'out of reach' : a.toFixed(3));

export function KTable({ sim }: { sim: Simulation }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Projection by k (scrolls sideways)">
      <table className="compare-table" data-testid="k-table">
        <caption>
          Projection by k ({sim.choice.label}, c = {sim.c.toFixed(3)}). α for {CLAIM}×: the i.i.d. acceptance rate that reaches the claim.
        </caption>
        <thead>
          <tr>
            <th scope="col">k</th>
            <th scope="col" title="P(the first k drafts are all accepted)">a_k</th>
            <th scope="col" title="mean acceptance length: 1 + a_1 + … + a_k">τ(k)</th>
            <th scope="col" title="t(k+1)/t(1) + c·k, in plain steps">step cost</th>
            <th scope="col">speedup</th>
            <th scope="col" title="Leviathan's formula (flat t) solved for α">α for {CLAIM}× (Leviathan)</th>
            <th scope="col" title="the same with this machine's t(k+1)">α for {CLAIM}× (here)</th>
          </tr>
        </thead>
        <tbody>
          {sim.rows.map((r) => {
            const best = sim.best?.k === r.k;
            return (
              <tr key={r.k} className={best ? 'best-row' : undefined} data-k={r.k}>
                <th scope="row">
                  {r.k}
                  {best ? ' ★ optimum' : ''}
                </th>
                <td className="num">
                  {f2(r.ak)}
                  {r.extrapolated ? ' (continued)' : ''}
                </td>
                <td className="num">{f2(r.tau)}</td>
                <td className="num">{f2(r.cost)}</td>
                <td className="num">
                  <strong>{f2(r.speedup)}×</strong>
                </td>
                <td className="num">{alphaText(r.alphaFlat)}</td>
                <td className="num">{alphaText(r.alphaHere)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function TreeTable({ sim }: { sim: Simulation }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Default trees (scrolls sideways)">
      <table className="compare-table" data-testid="tree-table">
        <caption>Default trees: a tree of N tokens verifies N − 1 drafts in one forward. τ comes from a measured run of that tree (Compare or Decode).</caption>
        <thead>
          <tr>
            <th scope="col">tree</th>
            <th scope="col">tokens N</th>
            <th scope="col" title="t(N)/t(1) + c·(N − 1)">step cost</th>
            <th scope="col">τ measured</th>
            <th scope="col">speedup</th>
            <th scope="col">τ needed for {CLAIM}×</th>
          </tr>
        </thead>
        <tbody>
          {sim.trees.map((t) => (
            <tr key={t.tree}>
              <th scope="row">{t.tree}</th>
              <td className="num">{t.nodes}</td>
              <td className="num">{f2(t.cost)}</td>
              <td className="num">{t.tau ? `${f2(t.tau.tau)} (${t.tau.from})` : 'not measured: run it in Compare'}</td>
              <td className="num">{t.speedup === null ? '–' : `${f2(t.speedup)}×`}</td>
              <td className="num">{f2(t.tauNeeded)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MachinesTable({ sim }: { sim: Simulation }) {
  const custom = useStore((s) => s.simulator.custom);
  const points = useStore((s) => s.simulator.cost.curve?.points ?? null);
  const machine = useStore((s) => s.simulator.machine);
  const a = acceptanceProfile(sim.profile.perPosition, sim.profile.alpha ?? 0, MAX_SIM_K);
  const ids: MachineId[] = [...(points ? (['measured'] as const) : []), 'flat', ...MACHINE_PRESETS.map((p) => p.id), ...(machine === 'custom' ? (['custom'] as const) : [])];
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Optimum k by machine (scrolls sideways)">
      <table className="compare-table" data-testid="machine-table">
        <caption>The same profile and c on every machine: where verifying more tokens costs more, the best k is shorter.</caption>
        <thead>
          <tr>
            <th scope="col">machine</th>
            <th scope="col">t(1)</th>
            <th scope="col">t(9) / t(1)</th>
            <th scope="col">optimum k</th>
            <th scope="col">speedup there</th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const choice = costChoice(id, custom, points);
            const best = optimum(project(a, sim.profile.perPosition.length, choice.cost, sim.c));
            const preset = MACHINE_PRESETS.find((p) => p.id === id);
            const t1 = id === 'flat' ? null : preset ? rooflineMs(preset.roofline, 1) : id === 'custom' ? rooflineMs(custom, 1) : choice.cost(1);
            return (
              <tr key={id} className={id === machine ? 'best-row' : undefined} data-machine={id} data-optimum={best?.k ?? ''}>
                <th scope="row">
                  {choice.label}
                  {id === machine ? ' (chosen)' : ''}
                </th>
                <td className="num">{t1 === null ? '–' : `${t1.toFixed(t1 < 10 ? 2 : 1)} ms`}</td>
                <td className="num">{f2(choice.cost(9) / choice.cost(1))}×</td>
                <td className="num">{best ? best.k : '–'}</td>
                <td className="num">{best ? `${f2(best.speedup)}×` : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
