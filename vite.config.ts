import type { Plugin } from 'vite';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Nothing leaves the machine: the built page may load and connect to its own origin only.
// (The dev server needs inline scripts and a websocket for hot reload, so the policy is added to
// the built page, which is what the end-to-end tests and `npm run preview` serve.)
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ],
  };
}

/**
 * onnxruntime-web's WASM files, served by the app itself (public/ort/, copied from the package at
 * start and build; not committed): the page must load nothing from a CDN.
 */
export const ORT_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];
function onnxRuntimeFiles(): Plugin {
  return {
    name: 'onnxruntime-web-files',
    config() {
      const from = join('node_modules', 'onnxruntime-web', 'dist');
      const to = join('public', 'ort');
      mkdirSync(to, { recursive: true });
      for (const file of ORT_FILES) {
        const source = join(from, file), target = join(to, file);
        if (!existsSync(target) || statSync(target).size !== statSync(source).size) copyFileSync(source, target);
      }
    },
  };
}

/** Cross-origin isolation, so that the WASM runtime may use threads (everything is same-origin anyway). */
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), onnxRuntimeFiles()],
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', port: 4173, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...ISOLATION_HEADERS } },
  build: {
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      // The engine check page (e2e/harness) is built beside the app for the end-to-end tests and the benchmark.
      input: { main: 'index.html', harness: 'e2e/harness/index.html' },
      // onnxruntime-web starts its WASM threads as module workers on its own chunk's URL
      // (import.meta.url): that chunk must hold the runtime alone, since a worker that loaded the
      // app's code with it would fail on `document` and the model would never finish loading.
      output: { codeSplitting: { groups: [{ name: 'onnxruntime', test: /node_modules[\\/]onnxruntime-web[\\/]/ }] } },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
