import { defineConfig } from 'vite';

// Bundles the `srop` command for Node: TypeScript and the WGSL sources (`?raw`) become one
// module, dist-cli/srop.mjs, that bin/srop.mjs runs. Packages stay external (installed by npm).
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    minify: false,
    // The page's public/ folder (demo model, examples) is not the command's.
    copyPublicDir: false,
    rollupOptions: {
      // cpuWorker.mjs: the CPU engine's worker thread (src/cli/nodePool.ts finds it beside the chunk
      // that starts it, so every chunk lies at the folder's top).
      input: { srop: 'src/cli/main.ts', bench: 'bench/nodeBench.ts', cpuWorker: 'src/engine/cpuWorker.node.ts' },
      output: { entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', format: 'es' },
    },
  },
  logLevel: 'warn',
});
