/**
 * The Content-Security-Policy of the app page, one value for both transports (Electron sends it
 * with every response the window loads, web mode with the page): only our own origin;
 * WebAssembly compilation for the Cornerstone codecs; inline styles because Svelte writes
 * `style=` attributes for bars and tiles. src-renderer/index.html carries the same policy as a
 * meta tag (without frame-ancestors, which a meta tag cannot set).
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
