/**
 * Prompt suites for the bench and the page: `prose` and `code` from a model folder's
 * prompts.json (held-out test-split prompts written by train/fixtures.py), plus the
 * `repetitive` suite written for prompt lookup (repetitive-prompts.ts), and `all`.
 */
import { z } from 'zod';

import type { ModelFiles } from '../runtime/files.ts';
import { REPETITIVE_PROMPTS } from './repetitive-prompts.ts';

export type SuiteName = 'prose' | 'code' | 'repetitive';
export const SUITE_NAMES: readonly SuiteName[] = ['prose', 'code', 'repetitive'];
export type SuiteChoice = SuiteName | 'all';
export const SUITE_CHOICES: readonly SuiteChoice[] = [...SUITE_NAMES, 'all'];

export interface SuitePrompt {
  id: string;
  /** Where the text comes from (a held-out document, or 'written for ...'). */
  source: string;
  text: string;
  suite: SuiteName;
}

export type PromptSuites = Record<SuiteName, SuitePrompt[]>;

const promptEntry = z.object({ id: z.string().min(1), source: z.string(), text: z.string().min(1) });
const promptsSchema = z.object({
  format_version: z.literal(1),
  suites: z.object({ prose: z.array(promptEntry).min(1), code: z.array(promptEntry).min(1) }),
});

/** prompts.json text -> all three suites; `where` names the file in errors. */
export function parsePromptSuites(text: string, where = 'prompts.json'): PromptSuites {
  const fix = 'Re-export the model with `npm run train` (train/fixtures.py writes prompts.json).';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}). ${fix}`);
  }
  const parsed = promptsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
    throw new Error(
      `${where} is not a prompt-suite file (expected { format_version: 1, suites: { prose: [{id, source, text}], code: [...] } }):\n${issues}\n${fix}`,
    );
  }
  const { prose, code } = parsed.data.suites;
  const suites: PromptSuites = {
    prose: prose.map((p) => ({ ...p, suite: 'prose' })),
    code: code.map((p) => ({ ...p, suite: 'code' })),
    repetitive: REPETITIVE_PROMPTS.map((p) => ({ ...p, suite: 'repetitive' })),
  };
  const seen = new Set<string>();
  for (const p of Object.values(suites).flat()) {
    if (seen.has(p.id)) throw new Error(`${where}: prompt id '${p.id}' appears twice; ids must be unique across suites. ${fix}`);
    seen.add(p.id);
  }
  return suites;
}

export async function loadPromptSuites(files: ModelFiles): Promise<PromptSuites> {
  return parsePromptSuites(await files.text('prompts.json'), `prompts.json in ${files.where}`);
}

/**
 * The prompts of one suite. 'all' deals the suites out round-robin (prose, code,
 * repetitive, prose, ...), so the first N of it sample every suite, not just prose.
 */
export function suitePrompts(suites: PromptSuites, choice: SuiteChoice): SuitePrompt[] {
  if (choice !== 'all') {
    if (!SUITE_NAMES.includes(choice)) throw new Error(`unknown suite '${String(choice)}'; choose one of ${SUITE_CHOICES.join(', ')}`);
    return suites[choice];
  }
  const out: SuitePrompt[] = [];
  const longest = Math.max(...SUITE_NAMES.map((s) => suites[s].length));
  for (let i = 0; i < longest; i++) for (const s of SUITE_NAMES) if (i < suites[s].length) out.push(suites[s][i]!);
  return out;
}
