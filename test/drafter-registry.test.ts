/**
 * The drafter registry and DecodeConfig: every drafter round-trips through the page's link,
 * the CLI's flags and the trace's config; the registry's names and parts are what every
 * front end reports; one label function names a config the same in Compare and the CLI.
 * No model: the factories are reached only through their refusals.
 */
import { describe, expect, it } from 'vitest';

import { parseRunConfig, rawConfigOf } from '../src/cli/run-config.ts';
import { parseConfigSpec } from '../src/cli/bench-configs.ts';
import { configLabel, decodeConfig, drafterSettingsOf, specOptionsOf, type DecodeConfig } from '../src/engine/decoding/decode-config.ts';
import { createDrafter } from '../src/engine/drafters/index.ts';
import { DRAFTER_NAMES, DRAFTERS, MAX_DEPTH, maxK, partsFor, usesKnob, type DrafterModel } from '../src/engine/drafters/registry.ts';
import type { DrafterName } from '../src/engine/drafters/types.ts';
import { fromTraceConfig, toTraceConfig } from '../src/engine/trace/trace.ts';
import type { LoadedModel } from '../src/engine/runtime/model.ts';
import { DEFAULT_SETTINGS, settingsFromQuery, settingsProblem, settingsToQuery, type Settings } from '../src/ui/store/settings.ts';
import { COMPARE_DRAFTERS, configProblem } from '../src/ui/compare/configs.ts';
import { decodeConfigOf } from '../src/worker/compare-config.ts';
import { usesLater } from '../src/worker/staged-load.ts';
import type { CompareConfig } from '../src/worker/protocol.ts';

const HEADS = 3;
/** A model's config without its graphs: enough for defaults, limits and the parts' file names. */
const config = {
  heads: { file: 'onnx/heads-file.onnx', num_heads: HEADS },
  draft_model: { file: 'onnx/draft-file.onnx' },
  eagle: { file: 'onnx/eagle-file.onnx' },
} as unknown as LoadedModel['config'];
const bare: DrafterModel = { config };

/** A config for `drafter` whose every knob it takes is off its default, so a lost knob shows. */
function unusual(drafter: DrafterName): DecodeConfig {
  return decodeConfig({
    drafter,
    ...(usesKnob(drafter, 'k') ? { k: 2 } : {}),
    ...(usesKnob(drafter, 'tree') ? { tree: 'tree-12' as const, treeLabel: 'tree-12' } : {}),
    ...(usesKnob(drafter, 'pMin') ? { pMin: 0.25 } : {}),
    ...(usesKnob(drafter, 'adaptive') ? { adaptive: true } : {}),
    ...(usesKnob(drafter, 'branch') ? { branch: 3 } : {}),
    ...(usesKnob(drafter, 'draftTokens') ? { draftTokens: 9 } : {}),
    ...(usesKnob(drafter, 'sampleDrafts') ? { sampleDrafts: true } : {}),
    temperature: 0.7,
    topP: 0.9,
    seed: 5,
    maxTokens: 40,
    acceptance: 'typical',
  });
}

describe('the registry', () => {
  it('has one entry per drafter name, keyed by its own name, chains taking k and trees a tree', () => {
    expect(Object.keys(DRAFTERS)).toEqual([...DRAFTER_NAMES]);
    for (const d of DRAFTER_NAMES) {
      const e = DRAFTERS[d];
      expect(e.name).toBe(d);
      expect(usesKnob(d, 'k'), d).toBe(e.shape === 'chain' || e.shape === 'dynamic-tree');
      expect(usesKnob(d, 'branch') && usesKnob(d, 'draftTokens'), d).toBe(e.shape === 'dynamic-tree');
      expect(usesKnob(d, 'tree'), d).toBe(e.shape === 'tree');
      expect(e.help.length, d).toBeGreaterThan(10);
    }
  });

  it('limits k to the heads for the heads drafter and to MAX_DEPTH for the others', () => {
    expect(maxK('heads', { numHeads: HEADS })).toBe(HEADS);
    expect(maxK('draft-model', { numHeads: HEADS })).toBe(MAX_DEPTH);
    expect(maxK('heads', null)).toBe(MAX_DEPTH);
    expect(usageMessage(() => parseRunConfig({ drafter: 'prompt-lookup', k: String(MAX_DEPTH + 1) }))).toMatch(new RegExp(`\\[1, ${MAX_DEPTH}\\]`));
    expect(configProblem({ drafter: 'heads', k: HEADS + 1, tree: 'tree-8', temperature: 0 }, HEADS)).toMatch(`from 1 to ${HEADS}`);
    expect(settingsProblem({ ...DEFAULT_SETTINGS, drafter: 'heads', k: HEADS + 1 }, { numHeads: HEADS })).toMatch(`${HEADS} draft heads`);
    expect(settingsProblem({ ...DEFAULT_SETTINGS, drafter: 'prompt-lookup', k: HEADS + 1 }, { numHeads: HEADS })).toBeNull();
  });

  it('an unknown drafter is refused by the engine, the CLI and the link, each listing the registry names', () => {
    const names = DRAFTER_NAMES.join(', ');
    expect(() => createDrafter(bare, { drafter: 'eagle3' as DrafterName })).toThrow(`unknown drafter 'eagle3'; choose one of ${names}`);
    expect(usageMessage(() => parseRunConfig({ drafter: 'eagle3' }))).toMatch(`expects one of ${names}, got 'eagle3'`);
    const { settings, problems } = settingsFromQuery('?drafter=eagle3');
    expect(settings.drafter).toBe(DEFAULT_SETTINGS.drafter);
    expect(problems).toEqual([`drafter="eagle3" in the link is not one of ${names}; using "${DEFAULT_SETTINGS.drafter}".`]);
  });

  it('a drafter whose model parts are not loaded says which graph and file it needs', () => {
    expect(() => createDrafter(bare, { drafter: 'heads' })).toThrow(/'heads' drafter needs the Medusa heads \(onnx\/heads-file\.onnx\)/);
    expect(() => createDrafter(bare, { drafter: 'heads-tree' })).toThrow(/'heads-tree' drafter needs the Medusa heads \(onnx\/heads-file\.onnx\)/);
    expect(() => createDrafter(bare, { drafter: 'draft-model' })).toThrow(/'draft-model' drafter needs the draft model \(onnx\/draft-file\.onnx\)/);
    expect(() => createDrafter(bare, { drafter: 'eagle-tree' })).toThrow(/'eagle-tree' drafter needs the EAGLE head \(onnx\/eagle-file\.onnx\)/);
    expect(createDrafter(bare, { drafter: 'none' })).toBeNull();
    expect(createDrafter(bare, { drafter: 'prompt-lookup', k: 3 })?.maxDepth).toBe(3);
  });

  it('the parts a config needs are its drafters’, for the CLI and the worker’s staged load alike', () => {
    expect(partsFor(['none', 'prompt-lookup'])).toEqual([]);
    expect(partsFor(['heads', 'heads-tree', 'draft-model']).sort()).toEqual(['draft_model', 'heads']);
    for (const d of DRAFTER_NAMES) {
      const run = { type: 'run' as const, requestId: 1, settings: { ...DEFAULT_SETTINGS, drafter: d } };
      expect(usesLater(run, ['draft_model']), d).toBe(DRAFTERS[d].parts.includes('draft_model'));
      expect(usesLater(run, ['heads']), d).toBe(DRAFTERS[d].parts.includes('heads'));
    }
  });
});

describe('DecodeConfig', () => {
  it.each(DRAFTER_NAMES.filter((d) => d !== 'none'))('%s round-trips through the CLI flags and a bench spec', (d) => {
    const c = unusual(d);
    expect(parseRunConfig(rawConfigOf(c))).toEqual(c);
    const { seed: _s, maxTokens: _m, ...rest } = c;
    const spec = [d, ...Object.entries(rawConfigOf({ ...c, seed: 0, maxTokens: 64 })).filter(([k]) => k !== 'drafter')
      .map(([k, v]) => (v === true ? k : `${k}=${v}`))].join(':');
    expect(parseConfigSpec(spec)).toMatchObject(rest);
  });

  it.each(DRAFTER_NAMES)('%s round-trips through the page link', (d) => {
    const s: Settings = { ...DEFAULT_SETTINGS, ...unusual(d), k: 2, tree: 'tree-12', prompt: 'x' };
    delete s.treeLabel;
    const back = settingsFromQuery(settingsToQuery(s));
    expect(back.problems).toEqual([]);
    expect(back.settings).toEqual(s);
  });

  it.each(DRAFTER_NAMES)('%s round-trips through the trace config, knobs it does not take recorded null or off', (d) => {
    const t = toTraceConfig({ ...unusual(d), k: 2, tree: 'tree-12', pMin: 0.25, adaptive: true }, { config });
    expect(t.k).toBe(usesKnob(d, 'k') ? 2 : null);
    expect(t.tree).toBe(usesKnob(d, 'tree') ? 'tree-12' : null);
    expect(t.pMin).toBe(usesKnob(d, 'pMin') ? 0.25 : 0);
    expect(t.adaptive).toBe(usesKnob(d, 'adaptive'));
    expect(t.maxTokens).toBe(40);
    expect(toTraceConfig(fromTraceConfig(t), { config })).toEqual(t);
  });

  it('a chain left at its default k is recorded with the registry default', () => {
    expect(toTraceConfig(decodeConfig({ drafter: 'heads' }), { config }).k).toBe(HEADS);
    expect(toTraceConfig(decodeConfig({ drafter: 'draft-model' }), { config }).k).toBe(4);
  });

  it('passes the loop only the knobs its drafter takes', () => {
    const page = { ...DEFAULT_SETTINGS, drafter: 'heads-tree' as const, adaptive: true, pMin: 0.5 };
    expect(specOptionsOf(page).adaptive).toBe(false);
    expect(drafterSettingsOf(page)).toEqual({ drafter: 'heads-tree', tree: page.tree, pMin: 0 });
    expect(specOptionsOf({ ...page, drafter: 'heads' })).toMatchObject({ adaptive: true, maxTokens: page.maxTokens });
  });

  it('one label function: a Compare row and the config it stands for read the same', () => {
    for (const d of COMPARE_DRAFTERS) {
      for (const temperature of [0, 0.7]) {
        const row: CompareConfig = { drafter: d, k: 2, tree: 'tree-12', temperature };
        expect(configLabel(decodeConfigOf(row))).toBe(configLabel(row));
      }
    }
    expect(configLabel({ drafter: 'heads', k: 2, tree: 'tree-8', temperature: 0 })).toBe('heads k=2, greedy');
    expect(configLabel(parseRunConfig({ drafter: 'heads-tree', tree: 'tree-12', temperature: '0.7' }))).toBe('heads-tree tree-12, t=0.7');
    expect(configLabel(parseRunConfig({ drafter: 'heads' }))).toBe('heads k=default, greedy');
    expect(configLabel(parseRunConfig({ drafter: 'heads' }), { config })).toBe(`heads k=${HEADS}, greedy`);
  });
});

function usageMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}
