/** Prompt lookup's matcher, on cases small enough to check by eye. */
import { describe, expect, it } from 'vitest';

import { lookupDraft } from '../src/engine/drafters/lookup.ts';

describe('lookupDraft', () => {
  it('copies what followed the latest earlier occurrence of the last n tokens', () => {
    expect(lookupDraft([5, 6, 7, 9, 5, 6], 3, 2)).toEqual([7, 9, 5]);
    // "5 6" occurs at 0 and 3: the later one (followed by 8) wins
    expect(lookupDraft([5, 6, 7, 5, 6, 8, 1, 5, 6], 2, 2)).toEqual([8, 1]);
  });

  it('prefers the longest n-gram that matches', () => {
    // last 2 = "3 4" matches at 2 (followed by 9); last 1 = "4" alone would match later at 5 (followed by 7)
    expect(lookupDraft([1, 2, 3, 4, 9, 4, 7, 3, 4], 1, 2)).toEqual([9]);
  });

  it('continues a periodic pattern past the end of the context', () => {
    expect(lookupDraft([1, 2, 1, 2], 4, 2)).toEqual([1, 2, 1, 2]);
    expect(lookupDraft([7, 7, 7], 3, 1)).toEqual([7, 7, 7]);
  });

  it('drafts nothing without a match, and refuses bad sizes', () => {
    expect(lookupDraft([1, 2, 3], 4, 2)).toEqual([]);
    expect(lookupDraft([1], 4, 2)).toEqual([]);
    expect(() => lookupDraft([1, 2], -1)).toThrow(/k must be/);
    expect(() => lookupDraft([1, 2], 2, 1, 2)).toThrow(/n-gram sizes/);
  });
});
