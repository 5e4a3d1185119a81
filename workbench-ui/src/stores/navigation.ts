// Client-side routing over the History API: a handful of routes does not need a router library.
// Routes are data; views are picked by name in App.vue and AppShell.vue.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export type RouteName = 'signin' | 'invitation' | 'home' | 'chat' | 'artifact' | 'tools' | 'admin' | 'dashboard' | 'composer' | 'notFound';

export interface Route {
  name: RouteName;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Public routes render without a session (sign-in, invitation acceptance). */
  public: boolean;
}

interface RouteDefinition {
  name: RouteName;
  pattern: RegExp;
  params?: string[];
  public?: boolean;
}

const ROUTES: RouteDefinition[] = [
  { name: 'signin', pattern: /^\/signin\/?$/, public: true },
  { name: 'invitation', pattern: /^\/invitations\/accept\/?$/, public: true },
  { name: 'home', pattern: /^\/$/ },
  { name: 'chat', pattern: /^\/chat(?:\/([0-9a-f-]{36}))?\/?$/i, params: ['conversationId'] },
  { name: 'artifact', pattern: /^\/artifacts\/([0-9a-f-]{36})\/?$/i, params: ['artifactId'] },
  { name: 'tools', pattern: /^\/tools\/?$/ },
  { name: 'composer', pattern: /^\/composer\/?$/ },
  { name: 'dashboard', pattern: /^\/dashboards\/([a-z0-9][a-z0-9-]{0,63})\/?$/, params: ['slug'] },
  { name: 'admin', pattern: /^\/admin(?:\/([a-z-]+))?\/?$/, params: ['section'] },
];

export function matchRoute(path: string, search = ''): Route {
  const query = new URLSearchParams(search);
  for (const def of ROUTES) {
    const match = def.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    def.params?.forEach((name, i) => {
      const value = match[i + 1];
      if (value) params[name] = value;
    });
    return { name: def.name, path, params, query, public: !!def.public };
  }
  return { name: 'notFound', path, params: {}, query, public: false };
}

export const useNavigationStore = defineStore('navigation', () => {
  const route = ref<Route>(matchRoute(window.location.pathname, window.location.search));

  function sync(): void {
    route.value = matchRoute(window.location.pathname, window.location.search);
  }
  window.addEventListener('popstate', sync);

  function navigate(target: string, options: { replace?: boolean } = {}): void {
    const url = new URL(target, window.location.origin);
    const next = url.pathname + url.search + url.hash;
    if (next === window.location.pathname + window.location.search + window.location.hash) return;
    if (options.replace) window.history.replaceState(null, '', next);
    else window.history.pushState(null, '', next);
    sync();
  }

  /** Where to return after signing in: the page the visitor asked for, unless it was public. */
  const returnPath = computed(() => {
    const next = route.value.query.get('next');
    return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
  });

  return { route, navigate, returnPath };
});
