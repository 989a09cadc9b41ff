import type { Plugin } from 'vite';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Nothing leaves the machine: the page may load and connect to its own origin only. The built
// page (what `npm run preview` and the end-to-end tests serve) carries the strict policy in a
// meta tag and a header; the dev server (`npm start`) sends the same policy as a header, loosened
// only as far as hot reload needs (React's inline refresh preamble, a websocket to the server).
function contentSecurityPolicyFor(mode: 'build' | 'dev'): string {
  return [
    "default-src 'self'",
    mode === 'build' ? "script-src 'self' 'wasm-unsafe-eval'" : "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    mode === 'build' ? "connect-src 'self' blob: data:" : "connect-src 'self' blob: data: ws://127.0.0.1:* ws://localhost:*",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}
export const CONTENT_SECURITY_POLICY = contentSecurityPolicyFor('build');
export const DEV_CONTENT_SECURITY_POLICY = contentSecurityPolicyFor('dev');

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

/**
 * `--mode e2e` is the test build (`npm run build:e2e`, into dist-e2e/): the app with its test hooks
 * (`exposeForTests`) and the engine check page (e2e/harness), for the end-to-end tests and the
 * benchmark. The production build (`npm run build`, dist/) carries neither.
 */
export const E2E_MODE = 'e2e';

export default defineConfig(({ mode }) => ({
  plugins: [react(), contentSecurityPolicy(), onnxRuntimeFiles()],
  server: { host: '127.0.0.1', port: 5173, headers: { 'Content-Security-Policy': DEV_CONTENT_SECURITY_POLICY, ...ISOLATION_HEADERS } },
  preview: { host: '127.0.0.1', port: 4173, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...ISOLATION_HEADERS } },
  build: {
    target: 'es2022',
    sourcemap: true,
    outDir: mode === E2E_MODE ? 'dist-e2e' : 'dist',
    rolldownOptions: {
      // The engine check page (e2e/harness) is built beside the app in the test build only.
      input: { main: 'index.html', ...(mode === E2E_MODE ? { harness: 'e2e/harness/index.html' } : {}) } as Record<string, string>,
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
}));
