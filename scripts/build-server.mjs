// Bundles the voice server into one self-contained ESM file (the container ships no node_modules).
import { build } from 'esbuild';

await build({
  entryPoints: ['runtime/server/main.ts'],
  outfile: 'dist/server/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Written next to the bundle for reading stack traces offline; production does not load it
  // (runtime/Dockerfile says why).
  sourcemap: true,
  minify: false,
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies (twilio, ws, …) expect `require`, `__dirname` and `__filename`.
  banner: {
    js: [
      "import { createRequire as __pitcrewCreateRequire } from 'node:module';",
      "import { fileURLToPath as __pitcrewFileURLToPath } from 'node:url';",
      "import { dirname as __pitcrewDirname } from 'node:path';",
      'const require = __pitcrewCreateRequire(import.meta.url);',
      'const __filename = __pitcrewFileURLToPath(import.meta.url);',
      'const __dirname = __pitcrewDirname(__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
