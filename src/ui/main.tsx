/**
 * Entry point: reads the settings from the link, keeps the link in step with them, starts
 * the engine worker (before the first render, so the model's download starts sooner), and
 * mounts the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startUrlSync } from './store/url-sync.ts';
import { modelIdFromPage, spawnEarly } from './useEngine.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no <div id="root">: the app has nowhere to render.');
startUrlSync();
spawnEarly(modelIdFromPage());
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
