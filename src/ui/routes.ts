/**
 * The page's views as routes in the address's hash (#/decode, #/trace, #/compare,
 * #/simulator), so the query string stays the run's settings. A view joins by adding a
 * route here and a case in App.tsx.
 */
import { useEffect, useState } from 'react';

export const ROUTES = [
  { id: 'decode', label: 'Decode', title: 'Run a speculative decode next to the autoregressive baseline' },
  { id: 'trace', label: 'Trace stepper', title: 'Step through a decode trace: drafts, verification, the KV cache' },
  { id: 'compare', label: 'Compare', title: 'Compare drafter configurations against autoregressive decoding over a prompt suite' },
  { id: 'simulator', label: 'Speedup simulator', title: 'Project the speedup for other draft lengths and other machines' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];

export const DEFAULT_ROUTE: RouteId = 'decode';

/** '#/trace' -> 'trace'; anything unknown -> the default view. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '');
  return ROUTES.find((r) => r.id === id)?.id ?? DEFAULT_ROUTE;
}

export const hrefOf = (id: RouteId) => `#/${id}`;

export function useRoute(): RouteId {
  const [route, setRoute] = useState<RouteId>(() => routeFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}
