/**
 * The run settings the controls edit, and the page options of the link (autorun).
 * url-sync.ts writes the settings to the address bar; a link's values come in through
 * loadQuery, with a note for each value that had to fall back.
 */
import type { StateCreator } from 'zustand';
import type { UiState } from './index.ts';
import { DEFAULT_PAGE_OPTIONS, DEFAULT_SETTINGS, pageOptionsFromQuery, settingsFromQuery, type PageOptions, type Settings } from './settings.ts';

export interface SettingsSlice {
  settings: Settings;
  /** The link's page options; read once at start. */
  pageOptions: PageOptions;
  /** Values of the page's link that were not valid and fell back to defaults. */
  urlProblems: string[];
  setSetting: <K extends keyof Settings>(key: K, value: Settings[K]) => void;
  loadQuery: (search: string) => void;
  dismissUrlProblems: () => void;
}

export const createSettingsSlice: StateCreator<UiState, [], [], SettingsSlice> = (set) => ({
  settings: DEFAULT_SETTINGS,
  pageOptions: DEFAULT_PAGE_OPTIONS,
  urlProblems: [],
  setSetting: (key, value) => set((s) => ({ settings: { ...s.settings, [key]: value } })),
  loadQuery: (search) => {
    const { settings, problems } = settingsFromQuery(search);
    const page = pageOptionsFromQuery(search);
    set({ settings, pageOptions: page.options, urlProblems: [...problems, ...page.problems] });
  },
  dismissUrlProblems: () => set({ urlProblems: [] }),
});
