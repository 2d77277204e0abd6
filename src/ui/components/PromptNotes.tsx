/**
 * Under the prompt: its token count against the model's context (once the page has the
 * tokenizer), what that leaves for Max tokens, and whether the page's link carries the
 * prompt (a long one is left out of it, url-sync.ts).
 */
import { useMemo } from 'react';
import { promptTokenCount } from '../page-tokenizer.ts';
import { useStore } from '../store/index.ts';
import { promptFit, promptFitNote, promptFitProblem } from '../store/run-problem.ts';
import { linkPromptChars, MAX_LINK_PROMPT_CHARS } from '../store/settings.ts';

export function PromptNotes() {
  const tokens = useStore((s) => promptTokenCount(s.model.info, s.settings.prompt));
  const context = useStore((s) => s.model.info?.contextLength ?? null);
  const maxTokens = useStore((s) => s.settings.maxTokens);
  const prompt = useStore((s) => s.settings.prompt);
  const linkChars = useMemo(() => linkPromptChars(prompt), [prompt]);
  const fit = tokens !== null && context !== null ? promptFit(tokens, context) : null;
  const fitNote = fit && promptFitNote(fit, maxTokens);
  return (
    <>
      {fit && (
        <p className={promptFitProblem(fit) ? 'field-problem' : 'muted'} data-testid="prompt-fit" data-tokens={fit.tokens}>
          {fit.tokens} prompt token{fit.tokens === 1 ? '' : 's'} of a {fit.context}-position context.{fitNote ? ` ${fitNote}` : ''}
        </p>
      )}
      {linkChars > MAX_LINK_PROMPT_CHARS && (
        <p className="muted" role="note" data-testid="prompt-not-in-link">
          The page's link does not include this prompt: it would take {linkChars} characters, over the {MAX_LINK_PROMPT_CHARS} a link can
          safely carry. A reload of this tab keeps it; to share the run, send the prompt along with the link.
        </p>
      )}
    </>
  );
}
