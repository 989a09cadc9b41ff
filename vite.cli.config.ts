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
    rollupOptions: {
      input: { srop: 'src/cli/main.ts', bench: 'bench/nodeBench.ts' },
      output: { entryFileNames: '[name].mjs', format: 'es' },
    },
  },
  logLevel: 'warn',
});
