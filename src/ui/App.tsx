/**
 * The first page: load the model (with a byte progress bar), type a prompt, and watch the
 * greedy continuation stream in. Deliberately plain; the speculative-decoding views come later.
 * All model text is rendered as React text children, never as HTML.
 */
import { useShallow } from 'zustand/react/shallow';
import { MAX_NEW_TOKENS_LIMIT, totalProgress, useUiStore } from './store.ts';
import { modelIdFromPage, useEngine, type EngineHandle } from './useEngine.ts';

const modelId = modelIdFromPage();

export function App() {
  const engine = useEngine(modelId);
  const phase = useUiStore((s) => s.phase);
  return (
    <main data-phase={phase}>
      <h1>Speculative decoding simulator</h1>
      <p className="muted">
        A toy language model running in your browser with onnxruntime-web. Model: <code>{modelId}</code>
      </p>
      <ModelStatus />
      <ErrorBox retry={engine.retry} />
      <PromptForm engine={engine} />
      <Output />
      <Stats />
    </main>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function ModelStatus() {
  const phase = useUiStore((s) => s.phase);
  const files = useUiStore((s) => s.files);
  const { threads, crossOriginIsolated } = useUiStore(
    useShallow((s) => ({ threads: s.threads, crossOriginIsolated: s.crossOriginIsolated })),
  );
  if (phase === 'loading' || phase === 'idle') {
    const { loaded, total } = totalProgress(files);
    return (
      <div>
        <progress value={loaded} max={total ?? undefined} aria-label="Model download" />
        <p className="muted">
          Loading model: {formatBytes(loaded)}
          {total !== null && total > 0 ? ` of ${formatBytes(total)}` : ''}
        </p>
      </div>
    );
  }
  if (threads === null) return null;
  return (
    <p className="muted" data-testid="runtime">
      Ready: {threads} thread{threads === 1 ? '' : 's'}
      {crossOriginIsolated ? '' : ' (the page is not cross-origin isolated, so ORT runs single-threaded)'}
    </p>
  );
}

function ErrorBox({ retry }: { retry: () => void }) {
  const error = useUiStore((s) => s.error);
  if (!error) return null;
  return (
    <div className="alert" role="alert">
      <p>{error.message}</p>
      <button type="button" onClick={retry}>
        Retry
      </button>
    </div>
  );
}

function PromptForm({ engine }: { engine: EngineHandle }) {
  const { prompt, maxNewTokens, setPrompt, setMaxNewTokens } = useUiStore(
    useShallow((s) => ({
      prompt: s.prompt,
      maxNewTokens: s.maxNewTokens,
      setPrompt: s.setPrompt,
      setMaxNewTokens: s.setMaxNewTokens,
    })),
  );
  const phase = useUiStore((s) => s.phase);
  const canGenerate = useUiStore((s) => s.phase === 'ready' || (s.phase === 'error' && s.error?.phase === 'generate'));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (canGenerate) engine.generate();
      }}
    >
      <label htmlFor="prompt">Prompt</label>
      <textarea id="prompt" rows={3} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      <div className="row">
        <label>
          Max new tokens{' '}
          <input
            type="number"
            min={1}
            max={MAX_NEW_TOKENS_LIMIT}
            value={maxNewTokens}
            onChange={(e) => setMaxNewTokens(e.target.valueAsNumber)}
          />
        </label>
        <button type="submit" disabled={!canGenerate}>
          Generate
        </button>
        <button type="button" disabled={phase !== 'generating'} onClick={engine.stop}>
          Stop
        </button>
        <span className="muted">Greedy decoding</span>
      </div>
    </form>
  );
}

function Output() {
  const { prompt, output, requestId } = useUiStore(
    useShallow((s) => ({ prompt: s.outputPrompt, output: s.output, requestId: s.requestId })),
  );
  if (requestId === 0) return null;
  return (
    <div className="output" data-testid="output" aria-live="polite">
      <span className="prompt">{prompt}</span>
      <span data-testid="generated">{output}</span>
    </div>
  );
}

function Stats() {
  const last = useUiStore((s) => s.last);
  if (!last) return null;
  const perSecond = last.elapsedMs > 0 ? (last.newTokens / last.elapsedMs) * 1000 : 0;
  return (
    <p className="muted" data-testid="stats">
      {last.newTokens} new tokens in {last.elapsedMs.toFixed(0)} ms ({perSecond.toFixed(1)} tokens/s), {last.forwards}{' '}
      forward passes, stopped by {last.stopReason}.
    </p>
  );
}
