import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelDir, sha256File, ModelDirError } from './model-dir.js';

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-model-'));
  writeFileSync(join(dir, 'weights.onnx'), 'not really onnx, but bytes to hash');
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'm', version: '1', files: { 'weights.onnx': { sha256: sha256File(join(dir, 'weights.onnx')) } } }));
  return dir;
}

describe('loading a model directory', () => {
  it('accepts a directory whose files match model.json', () => {
    const dir = modelDir();
    try {
      expect(loadModelDir(dir)).toMatchObject({ name: 'm', version: '1', dir });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses a tampered file with a sentence that says how to fix it', () => {
    const dir = modelDir();
    try {
      writeFileSync(join(dir, 'weights.onnx'), 'tampered');
      let error: unknown;
      try {
        loadModelDir(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ModelDirError);
      expect((error as ModelDirError).code).toBe('model_hash_mismatch');
      expect((error as Error).message).toMatch(/does not match model\.json.*restore it/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses a directory without model.json or with a listed file missing', () => {
    const dir = modelDir();
    try {
      rmSync(join(dir, 'weights.onnx'));
      expect(() => loadModelDir(dir)).toThrow(/listed in model\.json but missing/);
      rmSync(join(dir, 'model.json'));
      expect(() => loadModelDir(dir)).toThrow(/has no model\.json/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
