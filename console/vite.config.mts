// Run from the repository root (npm run console:build / console:dev): paths are relative to it.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'console',
  base: '/console/',
  // Everything is bundled: the console loads nothing from a CDN and works offline.
  build: { outDir: '../dist/console', emptyOutDir: true, assetsInlineLimit: 0, sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: {
    port: 5173,
    // The dev server hands API calls and signed blob URLs to the API (npm start or npm run api).
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});
