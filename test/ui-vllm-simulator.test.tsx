/**
 * vLLM figures in the Speedup simulator: pasted /metrics become one more profile to project
 * from (src/ui/simulator/profiles.ts), its summary and label-set choice render pasted text
 * as text, and the export section shows the speculative_config for the chosen k and method.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { profilesOf } from '../src/ui/simulator/profiles.ts';
import { parseSpeculativeConfig } from '../src/ui/simulator/speculative-config.ts';
import { SpeculativeConfigExport } from '../src/ui/simulator/SpeculativeConfigExport.tsx';
import { acceptanceProfile, project } from '../src/ui/simulator/speedup-model.ts';
import type { Simulation } from '../src/ui/simulator/useSimulation.ts';
import { importFigures, readVllmInput, SUMMED, type VllmImport } from '../src/ui/simulator/vllm-metrics.ts';
import { LabelSetPicker, Summary } from '../src/ui/simulator/VllmInput.tsx';

const counters = (labels: string, drafts: number, draftTokens: number, accepted: number, perPos: number[]) =>
  [
    `vllm:spec_decode_num_drafts_total{${labels}} ${drafts}`,
    `vllm:spec_decode_num_draft_tokens_total{${labels}} ${draftTokens}`,
    `vllm:spec_decode_num_accepted_tokens_total{${labels}} ${accepted}`,
    ...perPos.map((x, i) => `vllm:spec_decode_num_accepted_tokens_per_pos_total{${labels},position="${i}"} ${x}`),
  ].join('\n');

const none = { runSettings: null, runResult: null, rows: null, alpha: 0.7 };

describe('vLLM figures as a simulator profile', () => {
  const imp = readVllmInput(counters('engine="0"', 100, 300, 180, [80, 60, 40]));

  it('is offered before the i.i.d. alpha, labelled, with a, τ and α', () => {
    const ps = profilesOf({ ...none, vllm: imp });
    expect(ps.map((p) => p.id)).toEqual(['vllm', 'alpha']);
    const v = ps[0]!;
    expect(v.label).toBe('From vLLM: k = 3, τ 2.80 (one snapshot, engine="0")');
    expect(v.perPosition).toEqual([0.8, 0.6, 0.4]);
    expect(v.tau).toBeCloseTo(2.8, 12);
    expect(v.alpha).toBeCloseTo(0.75, 12);
    expect(v.c).toBeNull();
  });

  it('projects τ(k) from the pasted profile: 1 + a₁ + … + a_k, continued past k = 3', () => {
    const v = profilesOf({ ...none, vllm: imp })[0]!;
    const ps = project(acceptanceProfile(v.perPosition, v.alpha!, 4), v.perPosition.length, () => 1, 0, 4);
    expect(ps.map((p) => p.tau)).toEqual([1.8, 2.4, 2.8, expect.closeTo(2.8 + 0.4 * (0.4 / 0.6), 12)]);
    expect(ps[3]!.extrapolated).toBe(true);
  });

  it('takes a plain list too', () => {
    const v = profilesOf({ ...none, vllm: readVllmInput('0.9\n0.7') })[0]!;
    expect(v.id).toBe('vllm');
    expect(v.perPosition).toEqual([0.9, 0.7]);
    expect(v.label).toContain('rates as listed');
  });

  it('is left out while the chosen label set cannot make a profile', () => {
    const two = readVllmInput(counters('engine="0"', 10, 30, 6, [3, 2, 1]) + '\n' + counters('engine="1"', 0, 0, 0, [0, 0, 0]));
    expect(two.kind === 'metrics' && two.labelSet).toBe(SUMMED);
    expect(profilesOf({ ...none, vllm: two })[0]!.id).toBe('vllm');
    const idle: VllmImport = { ...(two as Extract<VllmImport, { kind: 'metrics' }>), labelSet: 'engine="1"' };
    expect(() => importFigures(idle)).toThrow(/No drafts counted/);
    expect(profilesOf({ ...none, vllm: idle }).map((p) => p.id)).toEqual(['alpha']);
  });
});

describe('vLLM input rendering', () => {
  it('summarises the figures', () => {
    const imp = readVllmInput(counters('engine="0"', 100, 300, 180, [80, 60, 40]));
    const html = renderToStaticMarkup(<Summary imp={imp} figures={importFigures(imp)} />);
    expect(html).toContain('k = 3; a₁…a3 = 0.80, 0.60, 0.40; acceptance rate 0.600; τ = 2.80; α = 0.750; 100 drafts.');
  });

  it('shows label values as text, never as HTML', () => {
    const evil = 'model_name="<img src=x onerror=alert(1)>"';
    const imp = readVllmInput(counters(`engine="0",${evil}`, 10, 30, 6, [3, 2, 1]) + '\n' + counters(`engine="1",${evil}`, 10, 30, 6, [3, 2, 1]));
    if (imp.kind !== 'metrics') throw new Error('expected metrics');
    const html = renderToStaticMarkup(<LabelSetPicker imp={imp} onChoose={() => {}} />);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('all 2 label sets, summed');
  });
});

describe('speculative_config export section', () => {
  const sim = (drafter: 'heads' | 'prompt-lookup' | null, k: number) => ({ profile: { drafter }, best: { k } }) as unknown as Simulation;
  const shown = (html: string) => parseSpeculativeConfig(html.match(/<pre data-testid="speculative-config">([^]*?)<\/pre>/)![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x27;/g, "'"));

  it("writes the optimum k with the profile's drafter as vLLM names it", () => {
    expect(shown(renderToStaticMarkup(<SpeculativeConfigExport sim={sim('prompt-lookup', 5)} />))).toEqual({ method: 'ngram', num_speculative_tokens: 5, prompt_lookup_max: 3, prompt_lookup_min: 1 });
    const medusa = shown(renderToStaticMarkup(<SpeculativeConfigExport sim={sim('heads', 2)} />));
    expect(medusa.method).toBe('medusa');
    expect(medusa.num_speculative_tokens).toBe(2);
    expect(medusa.model).toMatch(/^<path or Hugging Face id of the medusa drafter/);
  });

  it('falls back to eagle when the drafter is unknown (vLLM figures)', () => {
    expect(shown(renderToStaticMarkup(<SpeculativeConfigExport sim={sim(null, 3)} />)).method).toBe('eagle');
  });
});
