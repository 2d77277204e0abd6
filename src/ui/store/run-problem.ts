/**
 * Whether Run can go now: the settings' own checks (settings.ts), then whether the prompt
 * fits the model's context, counted with the page's tokenizer once model-info is in (the
 * engine's rule, prompt.ts: BOS plus at most n_positions - 1 prompt tokens, and room for
 * n_positions - n new ones). Run, Step and Retry all ask this, so a prompt that cannot fit
 * is refused with its count before the worker is asked, and never asked again unchanged.
 */
import type { ModelInfo } from '../../worker/protocol.ts';
import { promptTokenCount } from '../page-tokenizer.ts';
import type { UiState } from './index.ts';
import { settingsProblem, type Settings } from './settings.ts';

/** The prompt's tokens (after BOS) against a context of `context` positions. */
export interface PromptFit {
  tokens: number;
  context: number;
  /** New tokens there is room for after this prompt (negative: the prompt itself does not fit). */
  room: number;
}

export function promptFit(tokens: number, context: number): PromptFit {
  return { tokens, context, room: context - tokens };
}

/** Why a prompt of this fit cannot be decoded at all, or null. */
export function promptFitProblem(fit: PromptFit): string | null {
  if (fit.tokens <= fit.context - 1) return null;
  const over = fit.tokens - (fit.context - 1);
  return (
    `The prompt is ${fit.tokens} tokens, but the model's context is ${fit.context} positions: at most ${fit.context - 1} prompt tokens fit ` +
    `(one position is the start token), and each new token needs one more. Shorten the prompt by at least ${over} token${over === 1 ? '' : 's'}.`
  );
}

/** What a fitting prompt leaves for Max tokens, when that is less than asked; null otherwise. */
export function promptFitNote(fit: PromptFit, maxTokens: number): string | null {
  if (promptFitProblem(fit) || fit.room >= maxTokens) return null;
  return `Room for ${fit.room} new tokens after this prompt, fewer than the ${maxTokens} asked: the decode stops when the context is full.`;
}

/** Both checks for these settings and this model (info null: only the settings' own). */
export function runProblem(settings: Settings, info: ModelInfo | null): string | null {
  const own = settingsProblem(settings, info);
  if (own || !info) return own;
  const tokens = promptTokenCount(info, settings.prompt);
  return tokens === null ? null : promptFitProblem(promptFit(tokens, info.contextLength));
}

export const selectRunProblem = (s: UiState): string | null => runProblem(s.settings, s.model.info);
