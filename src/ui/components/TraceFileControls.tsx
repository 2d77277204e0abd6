/**
 * Import a decode trace from a file (checked and replayed before it is shown; a broken one
 * gives an error naming the file and the problem, and the trace on show stays) and export
 * the trace on show as a file.
 */
import { useId, useRef } from 'react';
import { useStore } from '../store/index.ts';
import { downloadText, readTraceFile, traceFileName } from '../trace-file.ts';

export function TraceFileControls() {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const trace = useStore((s) => s.stepper.trace);
  const json = useStore((s) => s.stepper.traceJson);
  const importError = useStore((s) => s.stepper.importError);
  const { showTrace, setImportError } = useStore.getState();

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const { trace: t, text } = await readTraceFile(file);
      showTrace('import', file.name, t, text);
    } catch (e) {
      setImportError((e as Error).message);
    } finally {
      if (input.current) input.current.value = '';
    }
  };

  return (
    <div className="trace-files">
      <div className="buttons">
        <button type="button" onClick={() => input.current?.click()}>
          Import trace…
        </button>
        <input
          ref={input}
          id={id}
          hidden
          aria-label="Trace file to import"
          type="file"
          accept=".json,application/json"
          data-testid="import"
          onChange={(e) => void onFile(e.target.files?.[0])}
        />
        <button type="button" data-testid="export" disabled={!trace || !json} onClick={() => trace && json && downloadText(json, traceFileName(trace))}>
          Export trace
        </button>
      </div>
      {importError && (
        <div className="alert" role="alert" data-testid="import-error">
          <p>{importError}</p>
          <button type="button" onClick={() => setImportError(null)}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
