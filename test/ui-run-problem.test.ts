/**
 * Run's checks in the page (store/run-problem.ts): a prompt is counted with the model's own
 * tokenizer (page-tokenizer.ts, from model-info's tokenizer.json) and refused with its count
 * when it cannot fit the context, before the worker is asked; an empty prompt is refused
 * too; a prompt that fits but leaves less room than Max tokens gets a note, not a refusal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import { createTokenizer } from '../src/engine/runtime/tokenizer.ts';
import { promptTokenCount } from '../src/ui/page-tokenizer.ts';
import { useStore } from '../src/ui/store/index.ts';
import { promptFit, promptFitNote, runProblem, selectRunProblem } from '../src/ui/store/run-problem.ts';
import { DEFAULT_SETTINGS } from '../src/ui/store/settings.ts';
import type { ModelInfo } from '../src/worker/protocol.ts';
import { MODEL_DIR } from './model-paths.ts';

const config = JSON.parse(readFileSync(join(MODEL_DIR, 'config.json'), 'utf8')) as {
  id: string; vocab_size: number; n_positions: number; bos_token_id: number; eos_token_id: number; heads: { num_heads: number };
};
const tokenizerJson = readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8');
const info: ModelInfo = {
  id: config.id,
  vocabSize: config.vocab_size,
  contextLength: config.n_positions,
  eosId: config.eos_token_id,
  bosId: config.bos_token_id,
  numHeads: config.heads.num_heads,
  vocab: [],
  tokenizerJson,
  suites: null,
};
/** The engine's own tokenizer, to check the page's count against. */
const engineTok = createTokenizer(tokenizerJson, { vocabSize: config.vocab_size, bosId: config.bos_token_id, eosId: config.eos_token_id });
const P = config.n_positions;

/** A prompt of exactly n tokens: the word repeated, trimmed from the end until the count is n. */
function promptOf(n: number): string {
  let text = ' and'.repeat(n * 2);
  while (engineTok.encode(text).length > n) text = text.slice(0, -4);
  expect(engineTok.encode(text).length).toBe(n);
  return text;
}

describe('the page counts prompt tokens as the engine does', () => {
  it('matches the engine tokenizer on plain, multi-byte and special text', () => {
    for (const text of ['In the beginning', 'Naïve café ☃ 日本', ' and'.repeat(50), 'a<|endoftext|>b']) {
      expect(promptTokenCount(info, text), text).toBe(engineTok.encode(text).length);
    }
    expect(promptTokenCount(null, 'x')).toBeNull();
  });
});

describe('runProblem', () => {
  it('lets the longest prompt that fits go, and refuses one token more with the counts', () => {
    expect(runProblem({ ...DEFAULT_SETTINGS, prompt: promptOf(P - 1) }, info)).toBeNull();
    const problem = runProblem({ ...DEFAULT_SETTINGS, prompt: promptOf(P) }, info);
    expect(problem).toBe(
      `The prompt is ${P} tokens, but the model's context is ${P} positions: at most ${P - 1} prompt tokens fit ` +
        '(one position is the start token), and each new token needs one more. Shorten the prompt by at least 1 token.',
    );
  });

  it('refuses an empty prompt, and before model-info applies only the settings checks', () => {
    expect(runProblem({ ...DEFAULT_SETTINGS, prompt: '' }, info)).toMatch(/prompt is empty/);
    expect(runProblem({ ...DEFAULT_SETTINGS, prompt: promptOf(P) }, null)).toBeNull();
  });

  it('notes, without refusing, a prompt that leaves less room than Max tokens', () => {
    const fit = promptFit(P - 10, P);
    expect(promptFitNote(fit, 64)).toBe('Room for 10 new tokens after this prompt, fewer than the 64 asked: the decode stops when the context is full.');
    expect(promptFitNote(fit, 10)).toBeNull();
    expect(promptFitNote(promptFit(P, P), 64)).toBeNull();
  });
});

describe('the store', () => {
  const initial = useStore.getState();
  beforeEach(() => useStore.setState(initial, true));

  it('selectRunProblem follows the typed prompt once model-info is in', () => {
    const s = useStore.getState();
    s.setSetting('prompt', promptOf(P + 5));
    expect(selectRunProblem(useStore.getState())).toBeNull();
    s.receive({ status: 'model-info', info });
    expect(selectRunProblem(useStore.getState())).toMatch(new RegExp(`^The prompt is ${P + 5} tokens`));
    s.setSetting('prompt', 'In the beginning');
    expect(selectRunProblem(useStore.getState())).toBeNull();
  });
});
