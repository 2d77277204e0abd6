/**
 * The statistical half of "sampling is lossless" (the exact, enumerated half is
 * test/verify-e2e.test.ts): on the real model, N seeded samples of the first two emitted
 * tokens from each drafter must fit the EXACT autoregressive law of those tokens (chi-square,
 * p > 0.001), at temperature 1.0, at 0.7 with top-p 0.9, and at 1.0 after repetition_penalty 1.3
 * (processors.ts); Medusa's lossy typical acceptance
 * must be shown to differ (p < 0.001, from fewer samples by default: see LOSSY_SAMPLES).
 * Too long for `npm test`, so it is its own script:
 *
 *   npm run test:stats [-- --samples 20000 --json --out stats.json]
 *
 * Configurations run in parallel child processes (sampling-worker.ts), in chunks of seeds;
 * the reference law is computed here meanwhile (first-two.ts), pooled into bins that each
 * expect at least 5 samples (src/engine/bench/chi-square.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

import { intFlag, parseFlags, runMain, type FlagSpecs } from '../../src/cli/args.ts';
import { REPO_ROOT, resolveModelDir } from '../../src/cli/model-arg.ts';
import type { DrafterSettings } from '../../src/engine/drafters/index.ts';
import { loadModel } from '../../src/engine/runtime/model.ts';
import { nodeFiles } from '../../src/engine/runtime/node-files.ts';
import { preparePrompt } from '../../src/engine/decoding/prompt.ts';
import type { Acceptance } from '../../src/engine/decoding/speculative.ts';
import { chiSquareTest, poolCells } from '../../src/engine/bench/chi-square.ts';
import { exactFirstTwo, type DraftedStats, type SamplingSetting, type FirstTwoReference, type FirstTwoTally, type SampleJob } from './first-two.ts';
import type { WorkerReply, WorkerRequest } from './sampling-worker.ts';

/** Significance level: lossless configurations need p above it, the lossy contrast below it. */
const ALPHA = 0.001;
/** Cochran's rule: every bin expects at least this many samples. */
const MIN_EXPECTED = 5;
/** Seeds per job handed to a worker: small enough to balance the workers, big enough to amortise a message. */
const CHUNK = 1000;
/**
 * Samples for the lossy contrast, unless --lossy-samples says otherwise: its bias is gross
 * (TV ~0.4 on the first two tokens; p ~ 1e-200 from 1 000 samples), so 20 000 would only
 * spend a fifth of the run proving it again.
 */
const LOSSY_SAMPLES = 2000;

/**
 * Chosen on the real model (toy) so that every drafter is exercised on the first decode step.
 * t1 is most often " pass" (p 0.49 at T=1; 0.96, with " the" 0.04, at T=0.7/top-p 0.9), which
 * the prompt already holds, so prompt lookup drafts ", it came to". The heads read the hidden
 * state before t1 is known and guess "," first: right after " pass", so the first draft is
 * accepted with probability ~0.19 at T=1 and ~0.70 at T=0.7, and drafts are both accepted and
 * rejected. Typical acceptance takes that "," outright where speculative sampling keeps it
 * with probability p(","): the bias the lossy contrast must show. Only 7 ids with BOS, since
 * every sample pays its own prefill (~0.45 ms per prompt token).
 * Earlier tries: "for ever. for ever. for" made the heads guess " Lord" (p ~ 0) after every
 * t1, so nothing was accepted and typical acceptance could not differ; " pass; it came to"
 * made lookup draft ";" where the model wants ",", never accepted at T=0.7.
 */
const PROMPT = 'to pass, it came to';

interface Setting {
  label: string;
  sampling: SamplingSetting;
}

const SETTINGS: Setting[] = [
  { label: 'T=1.0', sampling: { temperature: 1, topK: 0, topP: 1 } },
  { label: 'T=0.7 top-p=0.9', sampling: { temperature: 0.7, topK: 0, topP: 0.9 } },
  // a processor on both sides: the target's per node prefix, the draft model's per draft. Not
  // no_repeat_ngram_size here: on this prompt it bans the "," that lookup and the heads draft
  // after " pass", so they would never be accepted (test/processors-lossless.test.ts has it exactly).
  { label: 'T=1.0 repetition-penalty=1.3', sampling: { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1.3 } },
];

interface Config {
  label: string;
  drafter: DrafterSettings;
  acceptance: Acceptance;
  /** 'same': lossless, must fit the reference; 'differs': the lossy contrast, must not. */
  expect: 'same' | 'differs';
}

function configs(K: number): Config[] {
  return [
    { label: `heads k=${K}`, drafter: { drafter: 'heads', k: K }, acceptance: 'lossless', expect: 'same' },
    { label: 'heads-tree tree-8', drafter: { drafter: 'heads-tree', tree: 'tree-8' }, acceptance: 'lossless', expect: 'same' },
    { label: `heads k=${K} sampled drafts`, drafter: { drafter: 'heads', k: K, sampleDrafts: true }, acceptance: 'lossless', expect: 'same' },
    { label: 'eagle k=3', drafter: { drafter: 'eagle', k: 3 }, acceptance: 'lossless', expect: 'same' },
    { label: 'eagle-tree k=4 branch=2 draft-tokens=6', drafter: { drafter: 'eagle-tree', k: 4, branch: 2, draftTokens: 6 }, acceptance: 'lossless', expect: 'same' },
    { label: 'draft-model k=4', drafter: { drafter: 'draft-model', k: 4 }, acceptance: 'lossless', expect: 'same' },
    { label: 'prompt-lookup k=4', drafter: { drafter: 'prompt-lookup', k: 4 }, acceptance: 'lossless', expect: 'same' },
    { label: `heads k=${K} typical (lossy)`, drafter: { drafter: 'heads', k: K }, acceptance: 'typical', expect: 'differs' },
  ];
}

const USAGE = `Usage: npm run test:stats -- [flags]

Samples the first two tokens of a decode with every drafter (seeds 0..N-1) at T=1.0, at
T=0.7 with top-p 0.9 and at T=1.0 with repetition-penalty 1.3, and tests them against the
exact autoregressive law (chi-square).
Lossless configurations pass when p > ${ALPHA} and their drafts were both accepted and
rejected; the lossy contrast (typical acceptance) passes when p < ${ALPHA}.
Exits non-zero when any configuration fails.`;

const FLAGS = {
  model: { type: 'string', value: 'ID|DIR', help: 'model id under public/models/ or a model folder (default toy, else the smoke model)' },
  samples: { type: 'string', value: 'N', help: 'samples per lossless configuration and setting (default 20000)' },
  'lossy-samples': { type: 'string', value: 'N', help: `samples per setting for the lossy contrast (default min(N, ${LOSSY_SAMPLES}))` },
  workers: { type: 'string', value: 'N', help: `parallel worker processes (default min(2, CPUs) = ${Math.min(2, cpus().length)})` },
  only: { type: 'string', value: 'TEXT', help: 'run only the configurations whose label contains TEXT (e.g. heads-tree)' },
  prompt: { type: 'string', value: 'TEXT', help: `the prompt (default ${JSON.stringify(PROMPT)})` },
  json: { type: 'boolean', help: 'print the results as one JSON object instead of the table' },
  out: { type: 'string', value: 'FILE', help: 'also write the JSON results to FILE' },
} satisfies FlagSpecs;

interface Row extends DraftedStats {
  config: string;
  setting: string;
  expect: Config['expect'];
  samples: number;
  bins: number;
  statistic: number;
  df: number;
  pValue: number;
  tv: number;
  /** Samples whose pair has exact probability 0 (a lossless decoder emits none). */
  zeroProb: number;
  msPerSample: number;
  pass: boolean;
  /** Why it failed; empty when it passed. */
  reasons: string[];
}

/** Worker processes that run sample jobs, each job on the first idle worker. */
class WorkerPool {
  private readonly idle: ChildProcess[] = [];
  private readonly waiting: Array<{ id: number; job: SampleJob }> = [];
  private readonly pending = new Map<number, { resolve: (r: { tally: FirstTwoTally; ms: number }) => void; reject: (e: Error) => void }>();
  private readonly children: ChildProcess[] = [];
  private nextId = 0;
  private closing = false;

  constructor(modelDir: string, size: number) {
    const script = fileURLToPath(new URL('./sampling-worker.ts', import.meta.url));
    for (let i = 0; i < size; i++) {
      const child = fork(script, [modelDir], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.children.push(child);
      child.on('message', (m: WorkerReply) => this.onReply(child, m));
      child.on('exit', (code) => {
        if (!this.closing) this.failAll(new Error(`a sampling worker exited unexpectedly (code ${code}); run with --workers 1 to see its error alone`));
      });
    }
  }

  run(job: SampleJob): Promise<{ tally: FirstTwoTally; ms: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.waiting.push({ id, job });
      this.dispatch();
    });
  }

  close(): void {
    this.closing = true;
    for (const c of this.children) if (c.connected) c.send({ type: 'exit' } satisfies WorkerRequest);
  }

  private onReply(child: ChildProcess, m: WorkerReply): void {
    if (m.status === 'ready') {
      this.idle.push(child);
    } else if (m.status === 'complete') {
      this.pending.get(m.id)?.resolve({ tally: m.tally, ms: m.ms });
      this.pending.delete(m.id);
      this.idle.push(child);
    } else {
      const err = new Error(`sampling worker: ${m.message}`);
      if (m.id === null) return this.failAll(err);
      this.pending.get(m.id)?.reject(err);
      this.pending.delete(m.id);
      this.idle.push(child);
    }
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length && this.waiting.length) {
      const { id, job } = this.waiting.shift()!;
      this.idle.shift()!.send({ type: 'sample', id, job } satisfies WorkerRequest);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.waiting.length = 0;
  }
}

function mergeTallies(tallies: FirstTwoTally[]): FirstTwoTally {
  const out: FirstTwoTally = { counts: {}, drafted: 0, accepted: 0, rejected: 0, both: 0 };
  for (const t of tallies) {
    for (const [k, c] of Object.entries(t.counts)) out.counts[k] = (out.counts[k] ?? 0) + c;
    out.drafted += t.drafted;
    out.accepted += t.accepted;
    out.rejected += t.rejected;
    out.both += t.both;
  }
  return out;
}

/** The chi-square test of one configuration's samples against the reference, and its verdict. */
function evaluate(cfg: Config, setting: Setting, ref: FirstTwoReference, tally: FirstTwoTally, n: number, ms: number): Row {
  const { bins, binOf } = poolCells(ref.groups, n, MIN_EXPECTED);
  const observed = new Array<number>(bins.length).fill(0);
  let zeroProb = 0;
  for (const [key, c] of Object.entries(tally.counts)) {
    const [t1, t2] = key.split(' ').map(Number) as [number, number];
    observed[binOf(String(t1), String(t2))]! += c;
    if (ref.impossible(t1, t2)) zeroProb += c;
  }
  const fit = chiSquareTest(observed, bins);
  const reasons: string[] = [];
  if (cfg.expect === 'same') {
    if (!(fit.pValue > ALPHA)) reasons.push(`p = ${fmtP(fit.pValue)} <= ${ALPHA}: the samples do not fit the autoregressive law`);
    if (tally.both === 0) {
      reasons.push('no sample had a drafted step with drafts both accepted and rejected, so the verifier was not exercised; choose a prompt where this drafter drafts');
    }
    if (zeroProb > 0) reasons.push(`${zeroProb} samples emitted a pair of exact probability 0`);
  } else if (!(fit.pValue < ALPHA)) {
    reasons.push(`p = ${fmtP(fit.pValue)} >= ${ALPHA}: the lossy mode did not differ detectably; choose a prompt where its drafts are accepted more often`);
  }
  return {
    config: cfg.label, setting: setting.label, expect: cfg.expect, samples: n, bins: bins.length,
    statistic: fit.statistic, df: fit.df, pValue: fit.pValue, tv: fit.tv,
    drafted: tally.drafted, accepted: tally.accepted, rejected: tally.rejected, both: tally.both,
    zeroProb, msPerSample: ms / n, pass: reasons.length === 0, reasons,
  };
}

function fmtP(p: number): string {
  if (p === 0) return '<1e-300';
  return p >= 1e-3 ? p.toFixed(4) : p.toExponential(1);
}

function table(rows: Row[]): string {
  const headers = ['config', 'setting', 'samples', 'bins', 'chi2', 'df', 'p', 'TV', 'drafted', 'acc&rej', 'p=0', 'verdict'];
  const cells = (r: Row) => [
    r.config, r.setting, String(r.samples), String(r.bins), r.statistic.toFixed(1), String(r.df), fmtP(r.pValue),
    r.tv.toFixed(4), String(r.drafted), String(r.both), String(r.zeroProb),
    r.pass ? (r.expect === 'same' ? 'pass' : 'pass (differs)') : 'FAIL',
  ];
  const all = [headers, ...rows.map(cells)];
  const widths = headers.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cells(r)))].join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  const n = intFlag('samples', flags.samples, 20_000, 1);
  const lossyN = intFlag('lossy-samples', flags['lossy-samples'], Math.min(n, LOSSY_SAMPLES), 1);
  const workers = intFlag('workers', flags.workers, Math.min(2, cpus().length), 1, 64);
  const { dir, note } = resolveModelDir(flags.model);
  if (note) process.stderr.write(`${note}\n`);
  const t0 = performance.now();
  const elapsed = () => `[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
  const log = (msg: string) => process.stderr.write(`${elapsed()} ${msg}\n`);

  const model = await loadModel(nodeFiles(dir));
  const promptText = flags.prompt ?? PROMPT;
  const promptIds = preparePrompt(model.tokenizer, model.config.n_positions, promptText);
  const chosen = configs(model.config.heads.num_heads).filter((c) => !flags.only || c.label.includes(flags.only));
  if (chosen.length === 0) throw new Error(`--only ${flags.only}: no configuration label contains it; labels are ${configs(model.config.heads.num_heads).map((c) => `'${c.label}'`).join(', ')}`);
  const runs = SETTINGS.flatMap((setting) => chosen.map((cfg) => ({ cfg, setting, samples: cfg.expect === 'same' ? n : lossyN })));
  log(`model ${model.id} (${dir}); prompt ${JSON.stringify(promptText)} = ${promptIds.length} ids with BOS; ` +
    `${runs.length} runs (lossless x ${n} samples, lossy x ${lossyN}) on ${workers} workers`);

  const pool = new WorkerPool(dir, workers);
  try {
    const total = runs.reduce((a, r) => a + r.samples, 0);
    let done = 0;
    let lastLog = 0;
    // Queued in order, so the runs finish one after another and progress reads naturally.
    const sampled = runs.map(({ cfg, setting, samples }) => {
      const chunk = Math.max(1, Math.min(CHUNK, Math.ceil(samples / workers)));
      const jobs: Promise<{ tally: FirstTwoTally; ms: number }>[] = [];
      for (let from = 0; from < samples; from += chunk) {
        const to = Math.min(samples, from + chunk);
        const job: SampleJob = { drafter: cfg.drafter, acceptance: cfg.acceptance, sampling: setting.sampling, promptIds, from, to };
        jobs.push(pool.run(job).then((r) => {
          done += to - from;
          if (performance.now() - lastLog > 15_000) {
            lastLog = performance.now();
            log(`${done}/${total} samples (${((100 * done) / total).toFixed(0)}%)`);
          }
          return r;
        }));
      }
      return Promise.all(jobs).then((parts) => {
        const ms = parts.reduce((a, p) => a + p.ms, 0);
        log(`sampled ${cfg.label} @ ${setting.label}: ${(ms / samples).toFixed(1)} ms per sample (worker time)`);
        return { tally: mergeTallies(parts.map((p) => p.tally)), ms };
      });
    });
    // Awaited in order below; until then a failure must not count as unhandled.
    for (const s of sampled) s.catch(() => {});
    // The reference law, computed while the workers sample, detailed for the largest sample count.
    const refs = new Map<string, FirstTwoReference>();
    const references: Record<string, { firstTokens: number; expanded: number }> = {};
    for (const setting of SETTINGS) {
      const ref = await exactFirstTwo(model, promptIds, setting.sampling, Math.max(n, lossyN), MIN_EXPECTED);
      refs.set(setting.label, ref);
      references[setting.label] = { firstTokens: ref.groups.length, expanded: ref.expanded };
      log(`reference @ ${setting.label}: ${ref.groups.length} first tokens with p > 0, p(t2 | t1) computed for ${ref.expanded}`);
    }
    const rows: Row[] = [];
    for (const [i, { cfg, setting, samples }] of runs.entries()) {
      const { tally, ms } = await sampled[i]!;
      rows.push(evaluate(cfg, setting, refs.get(setting.label)!, tally, samples, ms));
    }
    const seconds = (performance.now() - t0) / 1000;
    const passed = rows.filter((r) => r.pass).length;
    const summary = `${passed} passed, ${rows.length - passed} failed`;
    const report = {
      model: model.id, modelDir: dir, prompt: { text: promptText, ids: promptIds }, samples: n, lossySamples: lossyN, alpha: ALPHA,
      minExpected: MIN_EXPECTED, workers, seconds, references, rows, summary,
    };
    if (flags.out) writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`${summary}\n`);
    } else {
      const failures = rows.filter((r) => !r.pass).flatMap((r) => r.reasons.map((why) => `FAIL ${r.config} @ ${r.setting}: ${why}`));
      process.stdout.write(
        `${table(rows)}\n\n` +
          `Model ${model.id}, prompt ${JSON.stringify(promptText)}, seeds 0..samples-1, ${seconds.toFixed(0)} s on ${workers} workers.\n` +
          `bins: pooled so each expects >= ${MIN_EXPECTED}; TV: over the bins, sampling noise included; ` +
          `drafted: samples whose first decode step had drafts; acc&rej: ... with drafts both accepted and rejected; ` +
          `p=0: samples of a pair with exact probability 0.\n` +
          (failures.length ? `\n${failures.join('\n')}\n` : '') +
          `\n${summary}\n`,
      );
    }
    if (passed < rows.length) process.exitCode = 1;
  } finally {
    pool.close();
    await model.release();
  }
}

runMain('test:stats', main);
