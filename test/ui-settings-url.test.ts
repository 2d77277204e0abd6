/** The page's settings in the link (src/ui/store/settings.ts): round trip, defensive parsing, run checks. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, pageOptionsFromQuery, settingsFromQuery, settingsProblem, settingsToQuery, type Settings } from '../src/ui/store/settings.ts';

const custom: Settings = {
  drafter: 'draft-model',
  k: 7,
  tree: 'tree-12',
  adaptive: true,
  pMin: 0.35,
  acceptance: 'typical',
  repetitionPenalty: 1.3,
  noRepeatNgramSize: 3,
  temperature: 0.7,
  topK: 40,
  topP: 0.9,
  seed: 123456,
  maxTokens: 200,
  prompt: 'def f(x):\n    return x & 1 == 0  # 50% + "quotes" = ü ✓ 🙂?',
};

describe('settings <-> query string', () => {
  it('round-trips every setting exactly, odd prompt characters included', () => {
    for (const s of [DEFAULT_SETTINGS, custom]) {
      const { settings, problems } = settingsFromQuery(settingsToQuery(s));
      expect(problems).toEqual([]);
      expect(settings).toEqual(s);
    }
  });

  it('keeps other parameters (the model) and replaces old settings', () => {
    const q = settingsToQuery(custom, '?model=toy-smoke&k=2&seed=9');
    const params = new URLSearchParams(q);
    expect(params.get('model')).toBe('toy-smoke');
    expect(params.get('k')).toBe('7');
    expect(params.get('seed')).toBe('123456');
    expect(params.getAll('k')).toHaveLength(1);
  });

  it('takes defaults for missing values, silently', () => {
    expect(settingsFromQuery('')).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
    expect(settingsFromQuery('?model=toy&temperature=0.5')).toEqual({ settings: { ...DEFAULT_SETTINGS, temperature: 0.5 }, problems: [] });
  });

  it('falls back to the default for each bad value and says what was expected', () => {
    const { settings, problems } = settingsFromQuery(
      '?drafter=medusa&k=abc&temperature=-1&top_p=0&adaptive=maybe&max_tokens=99999&prompt=&seed=1.5&p_min=1&tree=tree-99&acceptance=LOSSY&top_k=1e3',
    );
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems).toHaveLength(12);
    expect(problems).toContain('k="abc" in the link is not a whole number from 1 to 32; using 4.');
    expect(problems).toContain('drafter="medusa" in the link is not one of none, heads, heads-tree, eagle, eagle-tree, draft-model, prompt-lookup; using "heads".');
    expect(problems.find((p) => p.startsWith('temperature='))).toMatch(/a number from 0 \(greedy\) to 5/);
    expect(problems.find((p) => p.startsWith('prompt='))).toMatch(/not some text/);
    expect(problems.find((p) => p.startsWith('max_tokens='))).toMatch(/1 to 1024/);
  });

  it('refuses values JavaScript would read loosely', () => {
    for (const bad of ['k=', 'k=%20', 'k=0x10', 'k=1e1', 'temperature=Infinity', 'temperature=NaN', 'top_p=', 'seed=-0']) {
      expect(settingsFromQuery(`?${bad}`).problems, bad).toHaveLength(1);
    }
  });

  it('keeps a long prompt out of the problem text', () => {
    const { problems } = settingsFromQuery(`?drafter=${'x'.repeat(500)}`);
    expect(problems[0]!.length).toBeLessThan(200);
  });
});

describe('settingsProblem', () => {
  const limits = { numHeads: 4 };
  it('accepts the defaults', () => expect(settingsProblem(DEFAULT_SETTINGS, limits)).toBeNull());
  it('refuses typical acceptance when greedy', () =>
    expect(settingsProblem({ ...DEFAULT_SETTINGS, acceptance: 'typical' }, limits)).toMatch(/temperature above 0/));
  it('refuses more head drafts than heads, once the model is known', () => {
    expect(settingsProblem({ ...DEFAULT_SETTINGS, k: 5 }, limits)).toMatch(/4 draft heads/);
    expect(settingsProblem({ ...DEFAULT_SETTINGS, k: 5 }, null)).toBeNull();
    expect(settingsProblem({ ...DEFAULT_SETTINGS, drafter: 'draft-model', k: 5 }, limits)).toBeNull();
  });
  it('refuses a tree deeper than the heads', () =>
    expect(settingsProblem({ ...DEFAULT_SETTINGS, drafter: 'heads-tree', tree: 'tree-12' }, { numHeads: 3 })).toMatch(/4 deep/));
  it('refuses an empty prompt', () => expect(settingsProblem({ ...DEFAULT_SETTINGS, prompt: '' }, limits)).toMatch(/empty/));
});

describe('page options in the link', () => {
  it('reads autorun=1 or 0, and falls back with a note for anything else', () => {
    expect(pageOptionsFromQuery('?model=toy')).toEqual({ options: { autorun: false }, problems: [] });
    expect(pageOptionsFromQuery('?autorun=1&k=2')).toEqual({ options: { autorun: true }, problems: [] });
    expect(pageOptionsFromQuery('?autorun=yes')).toEqual({ options: { autorun: false }, problems: ['autorun="yes" in the link is not 1 or 0; using false.'] });
  });

  it('is not a run setting: writing the settings keeps it as it was and never sends it to the worker', () => {
    const q = settingsToQuery(DEFAULT_SETTINGS, '?autorun=1');
    expect(new URLSearchParams(q).get('autorun')).toBe('1');
    expect(settingsFromQuery(q).settings).toEqual(DEFAULT_SETTINGS);
    expect('autorun' in settingsFromQuery(q).settings).toBe(false);
  });
});
