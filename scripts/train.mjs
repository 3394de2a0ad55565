#!/usr/bin/env node
// `npm run train -- --minutes 120 [pipeline flags]` or `npm run train -- --recipe FILE --out DIR`: runs training/pipeline.py (data → VAE → latents → DiT → export)
// with the Python that has torch (KINEO_PYTHON, else /usr/bin/python3, else python3). Defaults: --out runs/kineo-mini
// --resume --export runs/kineo-mini/model (the shipped models/kineo-mini is replaced only by hand, after evaluation).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const has = (flag) => args.includes(flag);
const python = process.env.KINEO_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const probe = spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
if (probe.status !== 0) {
  console.error(`${python} has no torch/numpy. Install them: apt-get install python3-torch libopenblas0-pthread python3-numpy python3-onnx (or set KINEO_PYTHON)`);
  process.exit(1);
}
if (has('--recipe')) {
  // A shipped model's recipe (training/recipes/*.json): training/recipe.py renders, encodes, trains and exports it
  const i = args.indexOf('--recipe');
  const rest = [...args.slice(0, i), ...args.slice(i + 2)];
  if (!args[i + 1] || !rest.includes('--out')) {
    console.error('usage: npm run train -- --recipe training/recipes/FILE.json --out DIR [--minutes M] [--scale F] [--export DIR]');
    process.exit(2);
  }
  const r = spawnSync(python, ['-m', 'training.recipe', args[i + 1], ...rest], { stdio: 'inherit', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  process.exit(r.status ?? 1);
}
if (!has('--minutes')) {
  console.error('usage: npm run train -- --minutes M [--out DIR] [--from WEIGHTS.npz] [--preset cpu|gpu] [--export DIR] …\n'
    + '       npm run train -- --recipe training/recipes/FILE.json --out DIR (a shipped model\'s recipe)');
  process.exit(2);
}
const defaults = [];
if (!has('--out')) defaults.push('--out', 'runs/kineo-mini');
if (!has('--export')) defaults.push('--export', `${args.includes('--out') ? args[args.indexOf('--out') + 1] : 'runs/kineo-mini'}/model`);
if (!has('--resume')) defaults.push('--resume');
const r = spawnSync(python, ['-m', 'training.pipeline', ...defaults, ...args], { stdio: 'inherit', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
process.exit(r.status ?? 1);
