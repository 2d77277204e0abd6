/**
 * The decode view: settings and prompt on one side; on the other the speculative output
 * beside the autoregressive baseline with counters, the identical-output check and the
 * speedup, for sampling the distribution check, where a step's time went in both runs, then
 * the step under the stepper's position in full.
 */
import { ChipLegend } from '../components/TokenStream.tsx';
import { Controls } from '../components/Controls.tsx';
import { RunPanel } from '../components/RunPanel.tsx';
import { CurrentStep } from '../components/CurrentStep.tsx';
import { DistCheck } from '../components/DistCheck.tsx';
import { RunProfile } from '../components/RunProfile.tsx';
import { RunStatus } from '../components/RunStatus.tsx';
import { useAutorun } from '../hooks/useAutorun.ts';
import type { EngineHandle } from '../useEngine.ts';

export function DecodeView({ engine }: { engine: EngineHandle }) {
  useAutorun(engine);
  return (
    <div className="decode-view">
      <Controls engine={engine} />
      <div className="results">
        <RunStatus onRetry={engine.run} />
        <RunPanel />
        <DistCheck engine={engine} />
        <ChipLegend />
        <RunProfile />
        <CurrentStep compact />
      </div>
    </div>
  );
}
