/**
 * A prompt too long for a link stays out of it (settings.ts settingsToQuery), so the page's
 * address never grows past what a server accepts (431) and a reload never fails; this tab
 * keeps the prompt for a reload of that same link (url-sync.ts, sessionStorage), and any
 * other link starts from its own settings. url-sync runs here against a stand-in window.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { useStore } from '../src/ui/store/index.ts';
import { DEFAULT_PROMPT, DEFAULT_SETTINGS, linkPromptChars, MAX_LINK_PROMPT_CHARS, settingsFromQuery, settingsToQuery } from '../src/ui/store/settings.ts';
import { startUrlSync, writeUrlNow } from '../src/ui/store/url-sync.ts';

/** The longest prompt of repeated `unit` whose link encoding fits, and one unit more. */
function aroundLimit(unit: string): [string, string] {
  let p = '';
  while (linkPromptChars(p + unit) <= MAX_LINK_PROMPT_CHARS) p += unit;
  return [p, p + unit];
}

describe('settingsToQuery', () => {
  it('keeps a prompt up to the limit and leaves a longer one out, other settings still in', () => {
    for (const unit of ['a', ' é', '日本 ', '&=?#%']) {
      const [fits, over] = aroundLimit(unit);
      expect(settingsFromQuery(settingsToQuery({ ...DEFAULT_SETTINGS, prompt: fits })).settings.prompt).toBe(fits);
      const q = settingsToQuery({ ...DEFAULT_SETTINGS, prompt: over, k: 3 });
      expect(new URLSearchParams(q).has('prompt'), unit).toBe(false);
      expect(new URLSearchParams(q).get('k')).toBe('3');
      expect(q.length).toBeLessThan(MAX_LINK_PROMPT_CHARS);
    }
  });

  it('drops the stale prompt of the link it rewrites', () => {
    const q = settingsToQuery({ ...DEFAULT_SETTINGS, prompt: 'x'.repeat(MAX_LINK_PROMPT_CHARS + 1) }, '?model=toy&prompt=old');
    expect(new URLSearchParams(q).get('model')).toBe('toy');
    expect(new URLSearchParams(q).has('prompt')).toBe(false);
  });
});

describe('url-sync', () => {
  const initial = useStore.getState();
  const g = globalThis as unknown as { window?: unknown };
  let stop: (() => void) | null = null;
  let store: Map<string, string>;
  const page = { search: '', hash: '#decode' };

  /** A window with the parts url-sync uses; the store and sessionStorage survive a "reload". */
  function open(search: string) {
    page.search = search;
    useStore.setState(initial, true);
    g.window = {
      location: page,
      history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => { page.search = url.slice(0, url.indexOf('#')); } },
      sessionStorage: {
        getItem: (k: string) => store.get(k) ?? null,
        setItem: (k: string, v: string) => void store.set(k, v),
        removeItem: (k: string) => void store.delete(k),
      },
    };
    stop = startUrlSync();
  }

  beforeEach(() => {
    store = new Map();
  });
  afterEach(() => {
    stop?.();
    delete g.window;
    useStore.setState(initial, true);
  });

  it('a long prompt is left out of the link, and a reload of that link keeps it', () => {
    open('?model=toy');
    const long = 'And it came to pass. '.repeat(200);
    useStore.getState().setSetting('prompt', long);
    writeUrlNow();
    expect(page.search.length).toBeLessThan(MAX_LINK_PROMPT_CHARS);
    expect(new URLSearchParams(page.search).has('prompt')).toBe(false);
    stop?.();
    open(page.search);
    expect(useStore.getState().settings.prompt).toBe(long);
  });

  it('another link in the same tab does not pick up the saved prompt; a short prompt clears it', () => {
    open('');
    useStore.getState().setSetting('prompt', 'x'.repeat(MAX_LINK_PROMPT_CHARS + 1));
    writeUrlNow();
    stop?.();
    open('?k=2');
    expect(useStore.getState().settings.prompt).toBe(DEFAULT_PROMPT);
    useStore.getState().setSetting('prompt', 'short');
    writeUrlNow();
    expect(new URLSearchParams(page.search).get('prompt')).toBe('short');
    expect(store.size).toBe(0);
  });
});
