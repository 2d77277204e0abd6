/** Entry point: mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no <div id="root">: the app has nowhere to render.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
