/**
 * Keeps the address bar's query string equal to the settings, so the link in it reproduces
 * the run: settings are read from it once at start, and written back (debounced, with
 * replaceState, so typing a prompt neither floods the history nor trips the browser's
 * navigation throttle) whenever they change. Other parameters (model) and the hash (the
 * view) are kept.
 */
import { useStore } from './index.ts';
import { settingsToQuery } from './settings.ts';

const WRITE_DELAY_MS = 300;

let timer: ReturnType<typeof setTimeout> | undefined;

/** Writes the current settings into the address bar now. */
export function writeUrlNow(): void {
  clearTimeout(timer);
  const query = settingsToQuery(useStore.getState().settings, window.location.search);
  if (query !== window.location.search) window.history.replaceState(window.history.state, '', query + window.location.hash);
}

/** Loads the settings from the page's link and keeps the link up to date; returns the unsubscribe. */
export function startUrlSync(): () => void {
  useStore.getState().loadQuery(window.location.search);
  return useStore.subscribe((s, prev) => {
    if (s.settings === prev.settings) return;
    clearTimeout(timer);
    timer = setTimeout(writeUrlNow, WRITE_DELAY_MS);
  });
}
