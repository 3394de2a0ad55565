/**
 * Installed text-to-video models: every `<root>/<dir>/model.json` of format kineo-t2v/1, where the roots are the
 * directories of $KINEO_MODELS_DIR (path-delimiter separated, searched first) and the repository's models/.
 * Listing reads manifests only; hashes are verified when a pipeline loads the model.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelDirError } from './model-dir.js';
import { T2V_FORMAT } from './manifest.js';

export const DEFAULT_MODEL = 'kineo-mini';
export const REPO_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

export interface InstalledModel {
  name: string;
  version: string;
  dir: string;
  frames: number;
  fps: number;
  width: number;
  height: number;
  params: number | null;
  precision: string | null;
  license: string | null;
  /** Bytes of every file model.json lists, as on disk. */
  bytes: number;
  /** What it takes besides text: pictures (first and last frame), clips to extend, clips longer than one window. */
  inputs: { image: boolean; lastImage: boolean; extend: boolean; long: boolean };
  /** Aspect ratios it draws natively and their frame sizes, 1:1 first. */
  aspects: Record<string, { width: number; height: number }>;
  /** Its sampler's default step count (model.json `sampler.steps`). */
  steps: number | null;
}

export function modelRoots(): string[] {
  const extra = (process.env.KINEO_MODELS_DIR ?? '').split(delimiter).filter(Boolean).map((d) => resolve(d));
  return [...new Set([...extra, resolve(REPO_MODELS_DIR)])];
}

/** The model in `dir`, or null when it has no readable kineo-t2v/1 model.json. */
export function readInstalledModel(dir: string): InstalledModel | null {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) return null;
  let m: Record<string, any>;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  if (m?.format !== T2V_FORMAT || !m.video) return null;
  const conditioned = m.conditioning?.timestep === 'per-frame' && Boolean(m.onnx?.vae_encoder);
  let bytes = 0;
  for (const file of Object.keys(m.files ?? {})) {
    try {
      bytes += statSync(join(dir, file)).size;
    } catch {
      // a missing file is reported when the model loads
    }
  }
  return {
    name: String(m.name), version: String(m.version), dir: resolve(dir),
    frames: m.video.frames, fps: m.video.fps, width: m.video.width, height: m.video.height,
    params: typeof m.params?.total === 'number' ? m.params.total : null,
    precision: typeof m.precision === 'string' ? m.precision : null,
    license: typeof m.license === 'string' ? m.license : null,
    bytes,
    inputs: conditioned ? { image: true, lastImage: true, extend: true, long: true } : { image: false, lastImage: false, extend: false, long: false },
    aspects: { '1:1': { width: m.video.width, height: m.video.height }, ...(conditioned && m.video.aspects && typeof m.video.aspects === 'object' ? m.video.aspects : {}) },
    steps: Number.isInteger(m.sampler?.steps) ? m.sampler.steps : null,
  };
}

export function listModels(): InstalledModel[] {
  const seen = new Set<string>();
  const out: InstalledModel[] = [];
  for (const root of modelRoots()) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory()) continue;
      const model = readInstalledModel(join(root, entry.name));
      if (model && !seen.has(model.dir)) {
        seen.add(model.dir);
        out.push(model);
      }
    }
  }
  return out;
}

/**
 * A model directory from a name (model.json `name`, or the directory's name, in the model roots) or a path to a
 * directory. Unknown names fail with a sentence that lists what is installed.
 */
export function resolveModel(nameOrDir: string = DEFAULT_MODEL): string {
  const looksLikePath = isAbsolute(nameOrDir) || nameOrDir.startsWith('.') || nameOrDir.includes('/') || nameOrDir.includes('\\');
  if (looksLikePath || existsSync(join(nameOrDir, 'model.json'))) {
    const dir = resolve(nameOrDir);
    if (!existsSync(dir)) throw new ModelDirError(`model directory ${dir} does not exist`, 'model_missing');
    return dir;
  }
  const models = listModels();
  const found = models.find((m) => m.name === nameOrDir) ?? models.find((m) => basename(m.dir) === nameOrDir);
  if (found) return found.dir;
  const installed = models.length ? `installed: ${models.map((m) => m.name).join(', ')}` : 'none is installed';
  throw new ModelDirError(
    `no model named "${nameOrDir}" in ${modelRoots().join(', ')} (${installed}); pass a model directory instead, set KINEO_MODELS_DIR, ` +
      'or export one with /usr/bin/python3 -m training.export_model',
    'model_missing',
  );
}
