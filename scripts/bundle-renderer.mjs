// Bundles the world renderer into plain .mjs files that run on a bare `node` binary (no node_modules):
//   node scripts/bundle-renderer.mjs [OUT_DIR=tmp/renderer]
// OUT_DIR/world-data.mjs + dataset-worker.mjs + heldout.json + atlas/atlas.png. Used to render training data on a
// lent GPU machine, which has Python but no Node and no network (see training/gpu/README.md).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'tmp/renderer';
mkdirSync(join(out, 'atlas'), { recursive: true });
await build({
  entryPoints: { 'world-data': 'scripts/world-data-entry.ts', 'dataset-worker': 'src/world/dataset-worker.ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  // pngjs is CommonJS and requires node builtins: give the ESM bundle a require
  banner: { js: "import { createRequire as __kineoRequire } from 'node:module'; const require = __kineoRequire(import.meta.url);" },
  logLevel: 'warning',
});
copyFileSync('src/world/heldout.json', join(out, 'heldout.json'));
copyFileSync('src/world/atlas/atlas.png', join(out, 'atlas', 'atlas.png'));
console.log(`renderer bundled into ${out}`);
