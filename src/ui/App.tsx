/**
 * The page shell: title, the model's load status (byte progress, then ready), a load error
 * or worker crash with Retry, notes on link values that fell back, and the views as tabs
 * (routes.ts). The recorded example trace is on show from the start, so the page is useful
 * while the model downloads. The Compare view and the Speedup simulator load on first visit
 * (they bring the chart library). All model text is rendered as React text, never as HTML.
 */
import { lazy, Suspense } from 'react';
import { useStore, totalProgress } from './store/index.ts';
import { useExampleTrace, usePlayback, useStepKeys } from './hooks/useStepper.ts';
import { hrefOf, ROUTES, useRoute } from './routes.ts';
import { runtimeLabel, stepMs } from '../worker/runtime-choice.ts';
import { modelIdFromPage, useEngine } from './useEngine.ts';
import { DecodeView } from './views/DecodeView.tsx';
import { TraceView } from './views/TraceView.tsx';

const CompareView = lazy(() => import('./views/CompareView.tsx'));
const SimulatorView = lazy(() => import('./views/SimulatorView.tsx'));

const modelId = modelIdFromPage();

export function App() {
  const engine = useEngine(modelId);
  const route = useRoute();
  const phase = useStore((s) => s.model.phase);
  const runStatus = useStore((s) => s.run.status);
  const requestId = useStore((s) => s.run.requestId);
  useExampleTrace();
  usePlayback();
  useStepKeys();
  return (
    <main data-phase={phase} data-run={runStatus} data-request={requestId}>
      <header className="page-header">
        <h1>Speculative decoding simulator</h1>
        <p className="muted">
          A toy language model and its drafters running in your browser (onnxruntime-web, in a worker). Model: <code>{modelId}</code>
        </p>
        <ModelStatus />
        <ModelError retry={engine.reload} />
        <UrlProblems />
      </header>
      <nav className="tabs" aria-label="Views">
        {ROUTES.map((r) => (
          <a key={r.id} href={hrefOf(r.id)} aria-current={r.id === route ? 'page' : undefined} title={r.title}>
            {r.label}
          </a>
        ))}
      </nav>
      {route === 'decode' && <DecodeView engine={engine} />}
      {route === 'trace' && <TraceView />}
      <Suspense fallback={<p className="muted">Loading the view…</p>}>
        {route === 'compare' && <CompareView engine={engine} />}
        {route === 'simulator' && <SimulatorView engine={engine} />}
      </Suspense>
    </main>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function ModelStatus() {
  const phase = useStore((s) => s.model.phase);
  const files = useStore((s) => s.model.files);
  const threads = useStore((s) => s.model.threads);
  const backend = useStore((s) => s.model.backend);
  const isolated = useStore((s) => s.model.crossOriginIsolated);
  if (phase === 'loading' || phase === 'idle') {
    const { loaded, total } = totalProgress(files);
    return (
      <div className="model-status" role="status">
        <progress value={loaded} max={total ?? undefined} aria-label="Model download" />
        <p className="muted">
          Loading the model: {formatBytes(loaded)}
          {total !== null && total > 0 ? ` of ${formatBytes(total)}` : ''}. Meanwhile, step through a recorded example below.
        </p>
      </div>
    );
  }
  if (phase !== 'ready' || threads === null) return null;
  return (
    <p className="muted" data-testid="runtime" data-backend={backend ?? ''} data-threads={threads}>
      Ready: {threads} thread{threads === 1 ? '' : 's'}, {backend === 'webgpu' ? 'webgpu (KV cache on the GPU)' : backend}
      {isolated ? '' : ' (the page is not cross-origin isolated, so ORT runs single-threaded)'}.{' '}
      <RuntimeProbeLine />
    </p>
  );
}

/** What the engine worker's runtime measurement found (src/worker/runtime-probe.ts), next to the runtime in use. */
function RuntimeProbeLine() {
  const probe = useStore((s) => s.model.runtimeProbe);
  const choice = probe.chosen ? `${probe.chosen.backend}-${probe.chosen.threads}` : '';
  const figures = probe.measured.map((t) => {
    const ms = stepMs(t);
    return `${runtimeLabel(t.runtime)} ${ms === null ? `failed (${t.error})` : `${ms.toFixed(2)} ms`}`;
  });
  let text: string;
  if (probe.status === 'measuring') text = `Measuring other runtimes while the engine is idle (a Run goes first)${figures.length ? `: ${figures.join(', ')}` : probe.note ? `, ${probe.note}` : ''}…`;
  else if (probe.status === 'off') text = probe.note ? `No runtime measurement: ${probe.note}.` : '';
  else {
    const when = probe.status === 'remembered' && probe.at ? `, measured on ${probe.at.slice(0, 10)}` : '';
    text = `Start-up measurement per decode step (mean of a 1- and a 5-token forward): ${figures.join(', ')}; using ${probe.chosen ? runtimeLabel(probe.chosen) : '?'}${when}.`;
  }
  return (
    <span data-testid="runtime-probe" data-probe={probe.status} data-choice={choice}>
      {text}
    </span>
  );
}

function ModelError({ retry }: { retry: () => void }) {
  const error = useStore((s) => s.model.error);
  if (!error) return null;
  return (
    <div className="alert" role="alert" data-testid="model-error">
      <p>{error.message}</p>
      <button type="button" onClick={retry}>
        Retry
      </button>
    </div>
  );
}

function UrlProblems() {
  const problems = useStore((s) => s.urlProblems);
  const dismiss = useStore((s) => s.dismissUrlProblems);
  if (problems.length === 0) return null;
  return (
    <div className="note" role="status" data-testid="url-problems">
      <p>Some values in this link could not be used:</p>
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
