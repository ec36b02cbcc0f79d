// Builds the renderer bundle served by both hosts (Electron's app:// scheme and
// browser mode). Relative asset paths, no inline scripts (the CSP forbids them).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/renderer'),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    // Served from disk or loopback, never over a network: one bundle is fine.
    chunkSizeWarningLimit: 1500,
  },
});
