import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// `npm start` listens here; `vite --config web/vite.config.ts` proxies the API to it while editing.
const localService = process.env.PAT_SERVICE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: Object.fromEntries(['/local', '/scopes', '/policy', '/tokens', '/api', '/.well-known'].map((path) => [path, localService])),
  },
});
