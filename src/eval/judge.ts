/**
 * The judge at run time: a 3D-CNN recognizer (trained in training/judge) run with onnxruntime-node.
 * It predicts every label head of a clip and gives per-frame features for temporal consistency.
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { loadModelDir, type ModelManifest } from '../engine/model-dir.js';
import type { Clip } from '../world/render.js';
import { resampleClip } from './resample.js';

export interface JudgeManifest extends ModelManifest {
  input: { name: string; frames: number; height: number; width: number; layout: 'BTHWC'; range: [number, number] };
  heads: Record<string, string[]>;
}

export interface JudgeVerdict {
  /** Predicted class name per head. */
  predictions: Record<string, string>;
  /** Per-frame feature vectors (frames × dim), for temporal consistency. */
  frameFeatures: Float32Array[];
}

export const DEFAULT_JUDGE_DIR = new URL('../../models/judge/', import.meta.url).pathname;

export class Judge {
  private constructor(readonly manifest: JudgeManifest & { dir: string }, private readonly session: ort.InferenceSession) {}

  static async load(dir = DEFAULT_JUDGE_DIR, threads = 2): Promise<Judge> {
    const manifest = loadModelDir<JudgeManifest>(dir);
    const onnxFile = Object.keys(manifest.files).find((f) => f.endsWith('.onnx'));
    if (!onnxFile) throw new Error(`${manifest.dir}: model.json lists no .onnx file`);
    const session = await ort.InferenceSession.create(join(manifest.dir, onnxFile), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new Judge(manifest, session);
  }

  get heads(): string[] {
    return Object.keys(this.manifest.heads);
  }

  /** Judges clips of any size (each is resampled to the judge's input), in batches. */
  async judge(clips: Clip[], batchSize = 16): Promise<JudgeVerdict[]> {
    const { frames, height, width, name } = this.manifest.input;
    const perClip = frames * height * width * 3;
    const verdicts: JudgeVerdict[] = [];
    for (let start = 0; start < clips.length; start += batchSize) {
      const batch = clips.slice(start, start + batchSize).map((c) => resampleClip(c, frames, height, width));
      const input = new Float32Array(batch.length * perClip);
      batch.forEach((clip, b) => {
        for (let i = 0; i < perClip; i++) input[b * perClip + i] = clip.data[i]! / 255;
      });
      const out = await this.session.run({ [name]: new ort.Tensor('float32', input, [batch.length, frames, height, width, 3]) });
      const features = out.frame_features!;
      const [, featFrames, dim] = features.dims.map(Number) as [number, number, number];
      const featData = features.data as Float32Array;
      for (let b = 0; b < batch.length; b++) {
        const predictions: Record<string, string> = {};
        for (const [head, classes] of Object.entries(this.manifest.heads)) {
          const logits = out[`logits_${head}`]!.data as Float32Array;
          let best = 0;
          for (let k = 1; k < classes.length; k++) if (logits[b * classes.length + k]! > logits[b * classes.length + best]!) best = k;
          predictions[head] = classes[best]!;
        }
        const frameFeatures = Array.from({ length: featFrames }, (_, t) => featData.slice((b * featFrames + t) * dim, (b * featFrames + t + 1) * dim));
        verdicts.push({ predictions, frameFeatures });
      }
    }
    return verdicts;
  }
}
