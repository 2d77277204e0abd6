/**
 * The run settings the controls edit. url-sync.ts writes them to the address bar; a link's
 * values come in through loadQuery, with a note for each value that had to fall back.
 */
import type { StateCreator } from 'zustand';
import type { UiState } from './index.ts';
import { DEFAULT_SETTINGS, settingsFromQuery, type Settings } from './settings.ts';

export interface SettingsSlice {
  settings: Settings;
  /** Values of the page's link that were not valid and fell back to defaults. */
  urlProblems: string[];
  setSetting: <K extends keyof Settings>(key: K, value: Settings[K]) => void;
  loadQuery: (search: string) => void;
  dismissUrlProblems: () => void;
}

export const createSettingsSlice: StateCreator<UiState, [], [], SettingsSlice> = (set) => ({
  settings: DEFAULT_SETTINGS,
  urlProblems: [],
  setSetting: (key, value) => set((s) => ({ settings: { ...s.settings, [key]: value } })),
  loadQuery: (search) => {
    const { settings, problems } = settingsFromQuery(search);
    set({ settings, urlProblems: problems });
  },
  dismissUrlProblems: () => set({ urlProblems: [] }),
});
