/**
 * Renderer entry: mounts the Svelte app. A failure before or during mount is shown as text, never
 * as a blank window.
 */
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

/** Writes a startup failure into the page. */
function showFatal(e: unknown): void {
  const el = document.getElementById('app') ?? document.body;
  const p = document.createElement('pre');
  p.className = 'fatal';
  p.textContent = `MetaKD Review could not start:\n${e instanceof Error ? e.message : String(e)}`;
  el.replaceChildren(p);
}

try {
  mount(App, { target: document.getElementById('app') as HTMLElement });
} catch (e) {
  showFatal(e);
}
