/**
 * The Speedup simulator: explains and projects. From a measured acceptance profile (the
 * last Decode run, a Compare row, or figures pasted from vLLM's /metrics) and a cost curve t(n) (measured in this page, or a
 * roofline of another machine) it draws the expected speedup for k = 1..8 and the default
 * trees, marks the optimum k, says which acceptance rate a 1.5× claim needs, and exports the
 * choice as vLLM's speculative_config.
 * Loaded on first visit, with the chart library.
 */
import { CLAIM } from '../simulator/speedup-model.ts';
import { useStore } from '../store/index.ts';
import { CostChart, ProjectionChart } from '../simulator/SimulatorCharts.tsx';
import { SimulatorInputs } from '../simulator/SimulatorInputs.tsx';
import { SpeculativeConfigExport } from '../simulator/SpeculativeConfigExport.tsx';
import { KTable, MachinesTable, TreeTable } from '../simulator/SimulatorTables.tsx';
import { useSimulation } from '../simulator/useSimulation.ts';
import type { EngineHandle } from '../useEngine.ts';

function HowToRead() {
  return (
    <section className="note explain" aria-label="How to read the simulator">
      <h3>How to read this</h3>
      <p>
        A speculative step drafts <em>k</em> tokens cheaply, then runs the target model once over all of them. <strong>α</strong> is the
        chance a draft is accepted; <strong>a<sub>i</sub></strong>, the chance the first <em>i</em> drafts all are (measured per position).{' '}
        <strong>τ</strong> = 1 + a<sub>1</sub> + … + a<sub>k</sub> is the tokens a step yields: the accepted drafts plus the target's own next token.
      </p>
      <p>
        A step costs the verify forward <em>t(k+1)</em> plus drafting, <strong>c</strong> per drafted token in units of one plain step <em>t(1)</em>,
        so <strong>speedup = τ / (t(k+1)/t(1) + c·k)</strong>. Leviathan et al. take t(k+1) = t(1), which holds while a forward is bound by
        reading the weights (a GPU at batch 1): then speedup = (1 − α<sup>k+1</sup>) / ((1 − α)(1 + c·k)). Each extra draft adds less to τ
        (a<sub>i</sub> shrinks) but costs more, so there is a best k; where extra tokens are expensive (a CPU, a phone) it is short.
        A {CLAIM}× claim needs the acceptance rates in the α column of the table.
      </p>
    </section>
  );
}

export default function SimulatorView({ engine }: { engine: EngineHandle }) {
  const sim = useSimulation();
  const cost = useStore((s) => s.simulator.cost.status);
  return (
    <div className="decode-view simulator-view" data-testid="simulator-view" data-optimum-k={sim.best?.k ?? ''} data-cost={cost}>
      <SimulatorInputs sim={sim} engine={engine} />
      <div className="results">
        <HowToRead />
        {sim.choice.note && (
          <p className="note" role="status">
            {sim.choice.note}
          </p>
        )}
        {sim.best && (
          <p className="speedup" data-testid="optimum-k">
            Optimum: <strong>k = {sim.best.k}</strong>, {sim.best.speedup.toFixed(2)}× expected on “{sim.choice.label}”
            {sim.best.speedup >= CLAIM ? ` (meets the ${CLAIM}× claim)` : ` (short of the ${CLAIM}× claim)`}.
          </p>
        )}
        <div className="charts">
          <ProjectionChart sim={sim} />
          <CostChart sim={sim} />
        </div>
        <KTable sim={sim} />
        <MachinesTable sim={sim} />
        <TreeTable sim={sim} />
        <SpeculativeConfigExport sim={sim} />
      </div>
    </div>
  );
}
