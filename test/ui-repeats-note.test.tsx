/**
 * The Decode view's note beside τ and the speedup (src/ui/components/RepeatsNote.tsx): shown
 * when the speculative output's distinct-4 is below 0.5, with the figure, and not otherwise.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { outputDistinct4, RepeatsNote } from '../src/ui/components/RepeatsNote.tsx';

describe('repeats note', () => {
  it('says the output repeats itself, with its distinct-4, when that is below 0.5', () => {
    // 7 7 7 7 7 7 7 7 and the end-of-text it stopped at: one 4-gram five times, distinct-4 0.2
    const d4 = outputDistinct4({ tokens: [7, 7, 7, 7, 7, 7, 7, 7, 0], stopReason: 'eos' });
    expect(d4).toBe(0.2);
    const html = renderToStaticMarkup(<RepeatsNote d4={d4} />);
    expect(html).toContain('this output repeats itself (distinct-4 0.20): acceptance on repeated text is easy');
    expect(html).toContain('data-distinct4="0.20"');
    expect(renderToStaticMarkup(<RepeatsNote d4={d4} short />)).toContain('>repeats itself (distinct-4 0.20)<');
  });

  it('says nothing for text that reads naturally, at exactly 0.5, or before the run ends', () => {
    expect(renderToStaticMarkup(<RepeatsNote d4={outputDistinct4({ tokens: [1, 2, 3, 4, 5, 6], stopReason: 'max_tokens' })} />)).toBe('');
    expect(renderToStaticMarkup(<RepeatsNote d4={0.5} />)).toBe('');
    expect(renderToStaticMarkup(<RepeatsNote d4={outputDistinct4(null)} />)).toBe('');
  });
});
