// Starts the workbench: preferences (language, theme) and the session are settled before the first
// render, so the page appears once, in the right language, on the right screen.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { i18n } from './i18n/index.ts';
import { registerBuiltinRenderers } from './renderers/builtin.ts';
import { renderers } from './renderers/registry.ts';
import { usePreferencesStore } from './stores/preferences.ts';
import { useSessionStore } from './stores/session.ts';
import './styles/base.css';
import './styles/controls.css';

async function start(): Promise<void> {
  const app = createApp(App);
  const pinia = createPinia();
  app.use(pinia).use(i18n);
  registerBuiltinRenderers(renderers);
  const preferences = usePreferencesStore(pinia);
  const session = useSessionStore(pinia);
  await Promise.all([preferences.init(), session.restore().catch(() => undefined)]);
  if (session.status === 'unknown') session.$patch({ status: 'signedOut' });
  app.mount('#app');
}

void start();
