/**
 * The Compare view: configurations against the autoregressive baseline over a prompt
 * suite, run in the worker as the bench does (src/cli/bench.ts), with a table, the per-step
 * profile and charts that fill in prompt by prompt; results export as CSV and JSON, and a
 * JSON file imports back (checked, with a clear error for a bad file). Loaded on first
 * visit (with the chart library), so the Decode view does not wait for it.
 */
import { useMemo, useRef } from 'react';
import { CompareCharts } from '../compare/CompareCharts.tsx';
import { CompareControls } from '../compare/CompareControls.tsx';
import { CompareTable } from '../compare/CompareTable.tsx';
import { ProfileBars } from '../components/ProfileBars.tsx';
import { medianProfile } from '../profile.ts';
import { readResultsFile, resultsFileName, resultsToJson } from '../../engine/bench/results-file.ts';
import { rowsToCsv } from '../../engine/bench/results-csv.ts';
import { summariseBench } from '../../engine/bench/summary.ts';
import { useStore } from '../store/index.ts';
import { downloadText } from '../trace-file.ts';
import type { EngineHandle } from '../useEngine.ts';

function ResultFiles() {
  const input = useRef<HTMLInputElement>(null);
  const results = useStore((s) => s.compare.results);
  const running = useStore((s) => s.compare.status === 'running');
  const importError = useStore((s) => s.compare.importError);
  const rows = useMemo(() => (results ? summariseBench(results) : []), [results]);
  const { showResults, setCompareImportError } = useStore.getState();
  const has = !!results && results.prompts.length > 0;
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      showResults(await readResultsFile(file), file.name);
    } catch (e) {
      setCompareImportError((e as Error).message);
    } finally {
      if (input.current) input.current.value = '';
    }
  };
  return (
    <div className="trace-files">
      <div className="buttons">
        <button type="button" data-testid="compare-export-csv" disabled={!has || running} onClick={() => results && downloadText(rowsToCsv(rows), resultsFileName(results, 'csv'), 'text/csv')}>
          Export CSV
        </button>
        <button type="button" data-testid="compare-export-json" disabled={!has || running} onClick={() => results && downloadText(resultsToJson(results), resultsFileName(results, 'json'))}>
          Export JSON
        </button>
        <button type="button" disabled={running} onClick={() => input.current?.click()}>
          Import results…
        </button>
        <input
          ref={input}
          hidden
          aria-label="Comparison results file to import"
          type="file"
          accept=".json,application/json"
          data-testid="compare-import"
          onChange={(e) => void onFile(e.target.files?.[0])}
        />
      </div>
      {importError && (
        <div className="alert" role="alert" data-testid="compare-import-error">
          <p>{importError}</p>
          <button type="button" onClick={() => setCompareImportError(null)}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

function ResultsHeader() {
  const results = useStore((s) => s.compare.results);
  const source = useStore((s) => s.compare.source);
  const status = useStore((s) => s.compare.status);
  const stepsAfterStop = useStore((s) => s.compare.stepsAfterStop);
  if (!results) return <p className="muted">No results yet: choose configurations and press Run comparison, or import a results file.</p>;
  const from = source?.kind === 'import' ? `Imported: ${source.name}` : status === 'running' ? 'This comparison (running)' : 'This comparison';
  const threads = results.model.threads ? `, ${results.model.threads} thread${results.model.threads === 1 ? '' : 's'}` : '';
  return (
    <div data-testid="compare-source" data-kind={source?.kind ?? ''}>
      <p>
        <strong>{from}</strong> · model {results.model.id}
        {threads} · suite {results.suite}, {results.prompts.length} prompt{results.prompts.length === 1 ? '' : 's'}, up to {results.max_tokens} new tokens
      </p>
      {source?.kind === 'run' && status === 'stopped' && (
        <p data-testid="compare-stopped" data-steps-after-stop={stepsAfterStop ?? ''}>
          Cancelled
          {stepsAfterStop !== null ? `: the loop finished ${stepsAfterStop} step${stepsAfterStop === 1 ? '' : 's'} after Cancel arrived` : ''}. The table
          keeps the prompts that finished.
        </p>
      )}
    </div>
  );
}

function CompareError() {
  const error = useStore((s) => s.compare.error);
  const status = useStore((s) => s.compare.status);
  if (status !== 'error' || !error) return null;
  return (
    <div className="alert" role="alert" data-testid="compare-error">
      <p>{error}</p>
    </div>
  );
}

function Results() {
  const results = useStore((s) => s.compare.results);
  const rows = useMemo(() => (results ? summariseBench(results) : []), [results]);
  if (!results || results.prompts.length === 0) return null;
  return (
    <>
      <CompareTable rows={rows} />
      <h4>Where a decode step's time goes</h4>
      <ProfileBars
        rows={rows.map((r) => ({ key: r.key, label: r.label, profile: medianProfile(r.profile) }))}
        testId="compare-profile"
        caption="Mean time per decode step after the prefill, each part the median over prompts. Solid: inside onnxruntime's session.run; hatched: our code around it."
      />
      <CompareCharts rows={rows} />
    </>
  );
}

export default function CompareView({ engine }: { engine: EngineHandle }) {
  const status = useStore((s) => s.compare.status);
  const prompts = useStore((s) => s.compare.results?.prompts.length ?? 0);
  return (
    <div className="decode-view compare-view" data-testid="compare-view" data-status={status} data-prompts={prompts}>
      <CompareControls engine={engine} />
      <div className="results">
        <CompareError />
        <ResultsHeader />
        <ResultFiles />
        <Results />
      </div>
    </div>
  );
}
