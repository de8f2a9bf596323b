import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { formatMessages, transform, type Message } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The console's Content-Security-Policy (hosts send it as a header too; frame-ancestors only works there). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'";

/** Put the CSP into the built index.html (not in dev: Vite's HMR preamble is an inline script). */
function cspMeta(): Plugin {
  return {
    name: 'charter-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

/**
 * What esbuild's CSS parser warns about in a stylesheet (an unclosed block,
 * an unknown property, a stray token…), as printable lines. Vite only prints
 * such warnings (when it minifies) and builds on: an unclosed rule then
 * swallows every rule after it.
 */
export async function cssWarnings(code: string, file: string): Promise<string[]> {
  let warnings: Message[];
  try {
    warnings = (await transform(code, { loader: 'css', sourcefile: file, logLevel: 'silent' })).warnings;
  } catch (e) {
    warnings = (e as { errors?: Message[] }).errors ?? [];
    if (warnings.length === 0) throw e;
  }
  return (await formatMessages(warnings, { kind: 'warning', color: false })).map((m) => m.trim());
}

/** Fail the build (and the dev server's transform) on any CSS warning in our stylesheets. */
export function cssStrict(): Plugin {
  return {
    name: 'charter-css-strict',
    enforce: 'pre',
    async transform(code, id) {
      const file = id.split('?')[0]!;
      if (!file.endsWith('.css') || file.includes('/node_modules/')) return null;
      const warnings = await cssWarnings(code, file);
      if (warnings.length > 0) this.error(`CSS warnings in ${file} (a CSS warning fails the build):\n${warnings.join('\n')}`);
      return null;
    },
  };
}

// The renderer is a static bundle: loaded from app://charter/ by Electron and served
// by `charter serve`. `base: './'` keeps every asset URL relative so both work.
export default defineConfig({
  root,
  base: './',
  plugins: [react(), cspMeta(), cssStrict()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or data: modules, so the strict CSP holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
  },
});
