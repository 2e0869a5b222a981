/**
 * Builds the web app into web/dist, which the server serves at `/` (SPA fallback in src/http/app.ts).
 * Run from the repo root: `npm run build:web` (= `vite build --config web/vite.config.ts`).
 * Dev: `npx vite --config web/vite.config.ts` with `npm run dev` on :3000 behind the /api proxy.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Anchored to this file, not to the working directory, so the build works from any folder.
const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: 'public',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
