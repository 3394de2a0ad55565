/**
 * model.json of a text-to-video model directory (format kineo-t2v/1, written by training/export_model.py): the
 * shape of everything the pipeline reads, checked once at load so a wrong file fails with a sentence, not NaN.
 */
import { z } from 'zod';
import { ModelDirError, type ModelManifest } from './model-dir.js';

export const T2V_FORMAT = 'kineo-t2v/1';

const positiveInt = z.number().int().positive();
const onnxGraph = z.object({ file: z.string().min(1), inputs: z.array(z.string()), outputs: z.array(z.string()).min(1) });

const t2vSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  format: z.literal(T2V_FORMAT),
  license: z.string().optional(),
  video: z.object({
    frames: positiveInt, fps: z.number().positive(), height: positiveInt, width: positiveInt,
    /** Other aspect ratios the model draws natively ("16:9": its frame size); width and height are the 1:1 size. */
    aspects: z.record(z.string().regex(/^\d+:\d+$/), z.object({ width: positiveInt, height: positiveInt })).optional(),
    /** The decoder draws this many times the frame size in each direction (pictures are still fitted to width ×
     * height, the size the encoder takes and the latent grid follows): a sharper clip at no cost to the DiT. */
    decodeScale: z.number().int().min(1).max(4).optional(),
  }),
  text: z.object({
    vocab: z.string().min(1),
    maxTokens: positiveInt,
    uncond: z.object({ ids: z.array(z.number().int().nonnegative()), mask: z.array(z.number().int()) }),
  }),
  latent: z.object({
    channels: positiveInt,
    shape: z.tuple([positiveInt, positiveInt, positiveInt]),
    norm: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  }),
  sampler: z.object({
    kind: z.literal('rectified-flow'),
    scheduler: z.enum(['euler', 'heun']),
    steps: positiveInt,
    shift: z.number().positive(),
    guidance: z.number().nonnegative(),
  }),
  preview: z.object({ rgb_factors: z.array(z.tuple([z.number(), z.number(), z.number()])), rgb_bias: z.tuple([z.number(), z.number(), z.number()]) }).optional(),
  /**
   * Frames given as conditions (a start or end picture, the tail of a clip being extended): the transformer takes one
   * timestep per latent frame (0 for a given frame), and vae_encoder turns a picture held still for timeFactor
   * frames into a latent frame. Without it the model is text-only: one timestep per clip.
   */
  conditioning: z.object({
    timestep: z.literal('per-frame'),
    vae: z.object({ timeFactor: positiveInt, spatialFactor: positiveInt }),
    /** Noise level (and timestep) at which a long clip's next window sees the frames it continues (0 = clean); a
     * model trained with `--context-noise` drifts less over many windows when it is above 0. */
    contextNoise: z.number().min(0).max(1).optional(),
  }).optional(),
  onnx: z.object({ text_encoder: onnxGraph, transformer: onnxGraph, vae_decoder: onnxGraph, vae_encoder: onnxGraph.optional() }),
  precision: z.string().optional(),
  params: z.object({ total: z.number().int().nonnegative() }).loose().optional(),
  opset: z.number().int().optional(),
});

export type T2VManifest = z.infer<typeof t2vSchema> & ModelManifest;
export type SchedulerName = T2VManifest['sampler']['scheduler'];

/** Checks a parsed model.json against the kineo-t2v/1 contract (shapes and lengths that must agree). */
export function checkT2VManifest<T extends ModelManifest>(manifest: T, where: string): T & T2VManifest {
  if (manifest.format !== T2V_FORMAT) {
    throw new ModelDirError(`${where} is not a text-to-video model (format ${JSON.stringify(manifest.format)}, expected ${T2V_FORMAT})`, 'model_invalid');
  }
  const parsed = t2vSchema.safeParse(manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelDirError(`${where}/model.json: ${issue.path.join('.') || 'file'}: ${issue.message}`, 'model_invalid');
  }
  const m = parsed.data;
  const c = m.latent.channels;
  const problems = [
    m.latent.norm.mean.length !== c || m.latent.norm.std.length !== c ? `latent.norm needs ${c} means and stds` : '',
    m.preview && m.preview.rgb_factors.length !== c ? `preview.rgb_factors needs ${c} rows` : '',
    m.text.uncond.ids.length !== m.text.maxTokens || m.text.uncond.mask.length !== m.text.maxTokens ? `text.uncond needs ${m.text.maxTokens} ids and mask values` : '',
    m.onnx.transformer.inputs.length !== 4 ? 'onnx.transformer needs 4 inputs (latents, timestep, text_states, text_mask)' : '',
    m.onnx.text_encoder.inputs.length !== 2 ? 'onnx.text_encoder needs 2 inputs (input_ids, attention_mask)' : '',
    m.onnx.vae_decoder.inputs.length !== 1 ? 'onnx.vae_decoder needs 1 input (latents)' : '',
    m.onnx.vae_encoder && m.onnx.vae_encoder.inputs.length !== 1 ? 'onnx.vae_encoder needs 1 input (frames)' : '',
    m.conditioning && !m.onnx.vae_encoder ? 'conditioning needs onnx.vae_encoder' : '',
    m.conditioning && (m.video.frames !== m.latent.shape[0] * m.conditioning.vae.timeFactor
      || m.video.height !== m.latent.shape[1] * m.conditioning.vae.spatialFactor
      || m.video.width !== m.latent.shape[2] * m.conditioning.vae.spatialFactor)
      ? 'conditioning.vae factors must map latent.shape onto the video size' : '',
    m.video.aspects && !m.conditioning ? 'video.aspects needs conditioning (its vae.spatialFactor sizes the latent grid)' : '',
    ...Object.entries(m.video.aspects ?? {}).map(([aspect, size]) => m.conditioning
      && (size.width % m.conditioning.vae.spatialFactor || size.height % m.conditioning.vae.spatialFactor)
      ? `video.aspects.${aspect} must be a multiple of ${m.conditioning.vae.spatialFactor} pixels on each side` : ''),
  ].filter(Boolean);
  if (problems.length) throw new ModelDirError(`${where}/model.json: ${problems.join('; ')}`, 'model_invalid');
  return manifest as T & T2VManifest;
}
