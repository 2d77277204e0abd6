/**
 * Keeps the address bar's query string equal to the settings, so the link in it reproduces
 * the run: settings are read from it once at start, and written back (debounced, with
 * replaceState, so typing a prompt neither floods the history nor trips the browser's
 * navigation throttle) whenever they change. Other parameters (model) and the hash (the
 * view) are kept.
 *
 * A prompt too long for a link (settings.ts MAX_LINK_PROMPT_CHARS) is left out of it, and
 * kept in this tab's sessionStorage beside the link written without it, so reloading that
 * very link still has the prompt; any other link starts from its own prompt or the default.
 */
import { useStore } from './index.ts';
import { promptFitsLink, QUERY_KEYS, settingsToQuery } from './settings.ts';

const WRITE_DELAY_MS = 300;
const LONG_PROMPT_KEY = 'space-decode.long-prompt';

let timer: ReturnType<typeof setTimeout> | undefined;

interface SavedPrompt {
  query: string;
  prompt: string;
}

/** sessionStorage can be missing or refuse (private modes, quota): then a reload falls back to the default prompt. */
function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function savedPrompt(query: string): string | null {
  try {
    const saved = JSON.parse(storage()?.getItem(LONG_PROMPT_KEY) ?? 'null') as SavedPrompt | null;
    return saved && saved.query === query && typeof saved.prompt === 'string' ? saved.prompt : null;
  } catch {
    return null;
  }
}

function savePrompt(query: string, prompt: string | null): void {
  try {
    if (prompt === null) storage()?.removeItem(LONG_PROMPT_KEY);
    else storage()?.setItem(LONG_PROMPT_KEY, JSON.stringify({ query, prompt } satisfies SavedPrompt));
  } catch {
    // Not kept for a reload; the page's note already says the link lacks the prompt.
  }
}

/** Writes the current settings into the address bar now. */
export function writeUrlNow(): void {
  clearTimeout(timer);
  const { settings } = useStore.getState();
  const query = settingsToQuery(settings, window.location.search);
  savePrompt(query, promptFitsLink(settings.prompt) ? null : settings.prompt);
  if (query !== window.location.search) window.history.replaceState(window.history.state, '', query + window.location.hash);
}

/** Loads the settings from the page's link and keeps the link up to date; returns the unsubscribe. */
export function startUrlSync(): () => void {
  const search = window.location.search;
  useStore.getState().loadQuery(search);
  if (!new URLSearchParams(search).has(QUERY_KEYS.prompt)) {
    const prompt = savedPrompt(search);
    if (prompt !== null) useStore.getState().setSetting('prompt', prompt);
  }
  return useStore.subscribe((s, prev) => {
    if (s.settings === prev.settings) return;
    clearTimeout(timer);
    timer = setTimeout(writeUrlNow, WRITE_DELAY_MS);
  });
}
