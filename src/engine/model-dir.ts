/**
 * Loading a model directory (DESIGN.md §3): read model.json and refuse the directory if any listed file is
 * missing or its sha256 differs — a tampered or half-copied model must never run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ModelFileEntry {
  sha256: string;
  bytes?: number;
}

export interface ModelManifest {
  name: string;
  version: string;
  files: Record<string, ModelFileEntry>;
  [key: string]: unknown;
}

export class ModelDirError extends Error {
  constructor(message: string, readonly code: 'model_missing' | 'model_invalid' | 'model_hash_mismatch') {
    super(message);
  }
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Reads and verifies a model directory; returns its manifest with the directory's absolute path. */
export function loadModelDir<T extends ModelManifest>(dir: string): T & { dir: string } {
  const abs = resolve(dir);
  const manifestPath = join(abs, 'model.json');
  if (!existsSync(manifestPath)) {
    throw new ModelDirError(`${abs} is not a model directory: it has no model.json`, 'model_missing');
  }
  let manifest: T;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as T;
  } catch (err) {
    throw new ModelDirError(`${manifestPath} is not valid JSON: ${(err as Error).message}`, 'model_invalid');
  }
  if (!manifest.files || typeof manifest.files !== 'object' || Object.keys(manifest.files).length === 0) {
    throw new ModelDirError(`${manifestPath} lists no files with their sha256`, 'model_invalid');
  }
  for (const [file, entry] of Object.entries(manifest.files)) {
    const path = join(abs, file);
    if (!existsSync(path)) throw new ModelDirError(`${abs}: ${file} is listed in model.json but missing`, 'model_missing');
    const actual = sha256File(path);
    if (actual !== entry.sha256) {
      throw new ModelDirError(
        `${abs}: ${file} does not match model.json (sha256 ${actual.slice(0, 12)}…, expected ${String(entry.sha256).slice(0, 12)}…); ` +
          'the file was changed or damaged — restore it from git (git checkout -- models) and retry',
        'model_hash_mismatch',
      );
    }
  }
  return { ...manifest, dir: abs };
}
