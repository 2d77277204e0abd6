/**
 * Decode one prompt through the speculative loop and report what the drafter bought:
 *
 *   npm run decode -- --prompt "In the beginning" --drafter heads --k 3
 *   npm run decode -- --prompt-file p.txt --drafter heads-tree --tree tree-12 --json --samples 4
 *
 * With --json, one JSON line per sample (seeds S .. S+N-1): {seed, tokens, text, metrics}.
 * Without, the text (streamed as it is accepted) and a metrics summary. Timings follow one
 * short untimed warm-up run.
 */
import { writeFileSync } from 'node:fs';
import { parse as parsePath, join } from 'node:path';

import { computeMetrics, type Metrics } from '../engine/trace/metrics.ts';
import { loadModel, type LoadedModel } from '../engine/runtime/model.ts';
import { nodeFiles } from '../engine/runtime/node-files.ts';
import { preparePrompt } from '../engine/decoding/prompt.ts';
import { speculativeGenerate, type SpecResult } from '../engine/decoding/speculative.ts';
import { buildTrace, traceToJson } from '../engine/trace/trace.ts';
import { DEFAULT_TREES } from '../engine/decoding/tree.ts';
import { intFlag, parseFlags, runMain, UsageError, type FlagSpecs } from './args.ts';
import { checkWritableFile, readPromptArg } from './input-files.ts';
import { resolveModelDir } from './model-arg.ts';
import { configLabel, specOptionsOf, type DecodeConfig } from '../engine/decoding/decode-config.ts';
import { DEFAULT_DRAFTER, DRAFTER_NAMES, DRAFTERS, drafterNamesWith, type DrafterKnobs } from '../engine/drafters/registry.ts';
import { makeDrafter, neededParts, parseRunConfig } from './run-config.ts';

const USAGE = `Usage: npm run decode -- --prompt TEXT [flags]

Continues TEXT with the toy model, drafting with --drafter and verifying every draft with
one target forward. Greedy by default; --temperature > 0 samples (lossless unless
--acceptance typical).`;

/** 'heads (1..K, default K), draft-model (1..32, default 4)': each drafter that takes the knob, from the registry. */
function knobHelp<N extends keyof DrafterKnobs>(knob: N, describe: (k: NonNullable<DrafterKnobs[N]>) => string): string {
  return DRAFTER_NAMES.flatMap((d) => {
    const k = DRAFTERS[d].knobs[knob];
    return k ? [`${d} (${describe(k as NonNullable<DrafterKnobs[N]>)})`] : [];
  }).join(', ');
}

const FLAGS = {
  prompt: { type: 'string', value: 'TEXT', help: 'the text to continue' },
  'prompt-file': { type: 'string', value: 'FILE', help: 'read the prompt from FILE instead (UTF-8, used as is)' },
  model: { type: 'string', value: 'ID|DIR', help: 'model id under public/models/ or a model folder (default toy, else the smoke model)' },
  drafter: { type: 'string', value: 'NAME', help: `${DRAFTER_NAMES.join(' | ')} (default ${DEFAULT_DRAFTER})` },
  k: { type: 'string', value: 'N', help: `drafts per step for ${knobHelp('k', (k) => k.help)}` },
  tree: { type: 'string', value: 'NAME|FILE', help: `${knobHelp('tree', (t) => `default ${t.default}`)} shape: ${Object.keys(DEFAULT_TREES).join(', ')}, or a JSON file of index paths` },
  branch: { type: 'string', value: 'N', help: `children per expanded node of a dynamic tree: ${knobHelp('branch', (b) => `1..${b.max}, default ${b.default}`)}` },
  'draft-tokens': { type: 'string', value: 'N', help: `draft tokens a dynamic tree keeps: ${knobHelp('draftTokens', (b) => `1..${b.max}, default ${b.default}`)}` },
  'sample-drafts': { type: 'boolean', help: `sampling: draw each draft from the drafter's own softmax, not its top-1 (${drafterNamesWith('sampleDrafts').join(', ')})` },
  adaptive: { type: 'boolean', help: 'adapt the chain length: +2 after a fully accepted step, -1 otherwise' },
  'p-min': { type: 'string', value: 'P', help: `stop drafting when the drafter's top probability falls below P (${drafterNamesWith('pMin').join(', ')}; default 0 = off)` },
  acceptance: { type: 'string', value: 'NAME', help: 'lossless (default) | typical (Medusa\'s, LOSSY, needs --temperature > 0)' },
  'repetition-penalty': { type: 'string', value: 'P', help: 'Hugging Face\'s repetition_penalty, before temperature (default 1 = off; 1.3 discourages repeats)' },
  'no-repeat-ngram-size': { type: 'string', value: 'N', help: 'Hugging Face\'s no_repeat_ngram_size: never repeat an N-gram (default 0 = off)' },
  temperature: { type: 'string', value: 'T', help: '0 = greedy (default)' },
  'top-k': { type: 'string', value: 'N', help: 'sample from the N most likely tokens (default 0 = off)' },
  'top-p': { type: 'string', value: 'P', help: 'nucleus sampling (default 1 = off)' },
  seed: { type: 'string', value: 'S', help: 'seed of the first sample (default 0)' },
  samples: { type: 'string', value: 'N', help: 'decode N times, with seeds S .. S+N-1 (default 1)' },
  'max-tokens': { type: 'string', value: 'N', help: 'new tokens at most (default 64)' },
  trace: { type: 'string', value: 'FILE', help: 'write the step-by-step trace as JSON (with --samples > 1: FILE-<seed>.json)' },
  json: { type: 'boolean', help: 'one JSON line per sample: {seed, tokens, text, metrics}' },
} satisfies FlagSpecs;

/** out.json -> out-7.json when several samples each need their own trace. */
function tracePathFor(path: string, seed: number, samples: number): string {
  if (samples === 1) return path;
  const p = parsePath(path);
  return join(p.dir, `${p.name}-${seed}${p.ext}`);
}

/** The trace keeps its timings: a CLI run is a measurement (traceToJson can drop them for golden files). */
function writeTrace(path: string, cfg: DecodeConfig, model: LoadedModel, result: SpecResult): void {
  const json = traceToJson(buildTrace(result, cfg, model), { timings: true });
  try {
    writeFileSync(path, json);
  } catch (e) {
    throw new UsageError(`--trace ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const fmt = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));

function summary(result: SpecResult, m: Metrics): string {
  const decodeSteps = result.steps.length - 1;
  const lines = [
    `${result.tokens.length} tokens in prefill + ${decodeSteps} decode steps, stop: ${result.stopReason}${result.lossy ? ' (LOSSY acceptance)' : ''}`,
    `drafts ${m.num_drafts}: ${m.num_accepted_tokens}/${m.num_draft_tokens} drafted tokens accepted (draft acceptance rate ${fmt(m.draft_acceptance_rate)}), ` +
      `mean acceptance length τ ${fmt(m.mean_acceptance_length)}, system efficiency ${fmt(m.system_efficiency)}`,
    `acceptance rate per position ${m.acceptance_rate_per_position.length ? m.acceptance_rate_per_position.map((x) => fmt(x)).join(' ') : 'n/a'}`,
    `target forwards/token ${fmt(m.target_forwards_per_token)} · ${fmt(m.tokens_per_second, 0)} tokens/s · ${fmt(result.elapsedMs, 0)} ms` +
      (m.predicted_speedup != null ? ` · Leviathan's predicted speedup ${fmt(m.predicted_speedup)}` : ''),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2), FLAGS, USAGE);
  const cfg = parseRunConfig(f);
  const { seed, maxTokens } = cfg;
  const samples = intFlag('samples', f.samples, 1, 1, 10_000);
  const prompt = readPromptArg(f.prompt, f['prompt-file']);
  // Before the model loads and the decode runs: an unwritable path found after them wastes the run.
  if (f.trace) for (let i = 0; i < samples; i++) checkWritableFile('trace', tracePathFor(f.trace, seed + i, samples));
  const { dir, note } = resolveModelDir(f.model);
  if (note) process.stderr.write(`${note}\n`);

  const model = await loadModel(nodeFiles(dir), { parts: neededParts([cfg]) });
  try {
    const drafter = makeDrafter(model, cfg);
    try {
      preparePrompt(model.tokenizer, model.config.n_positions, prompt);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    // Untimed: the first forwards of a session pay for kernel setup and allocation, which
    // would otherwise land in the first sample's tokens/s.
    await speculativeGenerate(model, drafter, prompt, specOptionsOf({ ...cfg, maxTokens: Math.min(maxTokens, 8) }));
    const color = !f.json && process.stdout.isTTY && !process.env.NO_COLOR;
    const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
    if (!f.json) process.stdout.write(dim(`${model.id} · ${configLabel(cfg, model)} · ${dir}`) + '\n');
    for (let i = 0; i < samples; i++) {
      const s = seed + i;
      if (!f.json) process.stdout.write(`${samples > 1 || cfg.temperature > 0 ? dim(`── seed ${s} ──`) + '\n' : ''}${dim(prompt)}`);
      const result = await speculativeGenerate(model, drafter, prompt, {
        ...specOptionsOf({ ...cfg, seed: s }),
        ...(f.json ? {} : { onToken: (_t: number, piece: string) => process.stdout.write(piece) }),
      });
      const metrics = computeMetrics(result);
      if (f.trace) writeTrace(tracePathFor(f.trace, s, samples), { ...cfg, seed: s }, model, result);
      if (f.json) {
        process.stdout.write(JSON.stringify({ seed: s, tokens: result.tokens, text: result.text, stop_reason: result.stopReason, metrics }) + '\n');
      } else {
        process.stdout.write(`\n${dim(summary(result, metrics))}\n`);
      }
    }
  } finally {
    await model.release();
  }
}

runMain('decode', main);
