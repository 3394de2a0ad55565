/**
 * The Kling wire format (DESIGN.md §4): request schemas and their mapping onto a task.
 * - cfg_scale ∈ [0, 1] → classifier-free guidance 1 + 8·cfg_scale (0.5 → 5); absent → the model's default.
 * - mode std → the model's sampler; pro → the Heun sampler (same steps, better quality).
 * - duration must be the model's clip length ("2" for kineo-mini); aspect_ratio must be 1:1 (square clips).
 * - camera_control simple {horizontal|pan, vertical|tilt, zoom} → a camera phrase the model knows; roll and the
 *   predefined moves are refused. effect_scene → a template of src/server/effects/catalog.json (squish, expansion→inflate, bloombloom→bloom,
 *   dizzydizzy→dizzy, fuzzyfuzzy→fluffy, melt, explode), applied to the subject in input.prompt.
 * Images (image2video, effects with an image) are checked, then refused until image-to-video exists.
 */
import { z } from 'zod';
import { CAMERA_WORDS } from '../../world/lexicon.js';
import { findTemplate, templateNames, type EffectCatalog } from '../effects/catalog.js';
import { errors } from '../../core/errors.js';
import type { NewTask } from '../services/tasks.service.js';

const CameraConfig = z.strictObject({
  horizontal: z.number().min(-10).max(10).optional(),
  vertical: z.number().min(-10).max(10).optional(),
  pan: z.number().min(-10).max(10).optional(),
  tilt: z.number().min(-10).max(10).optional(),
  roll: z.number().min(-10).max(10).optional(),
  zoom: z.number().min(-10).max(10).optional(),
});
export const CameraControl = z.strictObject({
  type: z.enum(['simple', 'down_back', 'forward_up', 'right_turn_forward', 'left_turn_forward']),
  config: CameraConfig.optional(),
});

const common = {
  model_name: z.string().max(200).optional(),
  negative_prompt: z.string().max(100_000).optional(),
  cfg_scale: z.number().min(0).max(1).optional(),
  mode: z.enum(['std', 'pro']).optional(),
  duration: z.union([z.string().max(20), z.number()]).optional(),
  camera_control: CameraControl.optional(),
  callback_url: z.string().max(4096).optional(),
  external_task_id: z.string().min(1).max(256).optional(),
};

export const KlingText2VideoBody = z.strictObject({
  ...common,
  prompt: z.string().max(100_000),
  aspect_ratio: z.enum(['16:9', '9:16', '1:1']).optional(),
}).meta({ id: 'KlingText2Video' });

export const KlingImage2VideoBody = z.strictObject({
  ...common,
  prompt: z.string().max(100_000).optional(),
  image: z.string().max(16_000_000),
  image_tail: z.string().max(16_000_000).optional(),
  static_mask: z.string().max(16_000_000).optional(),
  dynamic_masks: z.array(z.unknown()).max(10).optional(),
}).meta({ id: 'KlingImage2Video' });

export const KlingEffectsBody = z.strictObject({
  effect_scene: z.string().min(1).max(100),
  input: z.strictObject({
    model_name: z.string().max(200).optional(),
    mode: z.enum(['std', 'pro']).optional(),
    duration: z.union([z.string().max(20), z.number()]).optional(),
    image: z.string().max(16_000_000).optional(),
    images: z.array(z.string().max(16_000_000)).max(2).optional(),
    prompt: z.string().max(100_000).optional().describe('Kineo: the subject the effect applies to, e.g. "a cat on the beach"'),
  }),
  callback_url: z.string().max(4096).optional(),
  external_task_id: z.string().min(1).max(256).optional(),
}).meta({ id: 'KlingEffects' });

export const KlingCapability = z.enum(['text2video', 'image2video', 'effects']);
export const KlingTaskParams = z.strictObject({ capability: KlingCapability, id: z.string().max(300) });
export const KlingCapabilityParams = z.strictObject({ capability: KlingCapability });
export const KlingListQuery = z.strictObject({
  pageNum: z.coerce.number().int().min(1).max(1000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(30),
});

export const KlingTaskSchema = z.object({
  task_id: z.string(),
  task_status: z.enum(['submitted', 'processing', 'succeed', 'failed']),
  task_status_msg: z.string(),
  task_info: z.object({ external_task_id: z.string().optional() }),
  created_at: z.number(),
  updated_at: z.number(),
  task_result: z.object({ videos: z.array(z.object({ id: z.string(), url: z.string(), duration: z.string() })) }),
}).meta({ id: 'KlingTask' });

export const klingEnvelope = <T extends z.ZodType>(data: T) => z.object({ code: z.number(), message: z.string(), request_id: z.string(), data });


function cameraPhrase(cc: z.infer<typeof CameraControl> | undefined): string | undefined {
  if (!cc) return undefined;
  if (cc.type !== 'simple') throw errors.unsupported(`camera_control type "${cc.type}" is not available; use type "simple" with one of horizontal, vertical, pan, tilt or zoom`, 'camera_control');
  const c = cc.config ?? {};
  const moves = Object.entries(c).filter(([, v]) => v !== undefined && v !== 0);
  if (moves.length !== 1) throw errors.invalid('camera_control.config must set exactly one non-zero movement', 'camera_control.config');
  const [axis, value] = moves[0] as [string, number];
  const camera = axis === 'horizontal' || axis === 'pan' ? (value > 0 ? 'pan_right' : 'pan_left')
    : axis === 'vertical' || axis === 'tilt' ? (value > 0 ? 'tilt_up' : 'tilt_down')
    : axis === 'zoom' ? (value > 0 ? 'zoom_in' : 'zoom_out') : undefined;
  if (!camera) throw errors.unsupported(`camera_control.config.${axis} is not available; use horizontal, vertical, pan, tilt or zoom`, 'camera_control.config');
  return CAMERA_WORDS[camera][0];
}

const seconds = (d: string | number | undefined) => (d === undefined ? undefined : String(d));
const guidanceOf = (cfg: number | undefined) => (cfg === undefined ? undefined : 1 + 8 * cfg);
const schedulerOf = (mode: 'std' | 'pro' | undefined) => (mode === 'pro' ? ('heun' as const) : undefined);

/** Kling's names for the fields a provider's capabilities are checked against. */
const KLING_FIELDS = { model: 'model_name', seconds: 'duration', image: 'image', lastFrame: 'image_tail' };

export function klingText2Video(b: z.infer<typeof KlingText2VideoBody>): NewTask {
  if (b.aspect_ratio && b.aspect_ratio !== '1:1') throw errors.unsupported(`aspect_ratio ${b.aspect_ratio} cannot be made: the model draws square clips; pass "1:1" or leave it out`, 'aspect_ratio');
  const camera = cameraPhrase(b.camera_control);
  return {
    api: 'kling', capability: 'text2video', model: b.model_name,
    prompt: camera && b.prompt.trim() ? `${b.prompt.trim().replace(/[.!]+$/, '')}, ${camera}` : b.prompt,
    negativePrompt: b.negative_prompt,
    settings: { guidance: guidanceOf(b.cfg_scale), scheduler: schedulerOf(b.mode) },
    seconds: seconds(b.duration),
    echo: { aspect_ratio: b.aspect_ratio ?? '1:1', mode: b.mode ?? 'std', ...(b.cfg_scale !== undefined ? { cfg_scale: b.cfg_scale } : {}), ...(b.camera_control ? { camera_control: b.camera_control } : {}) },
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, fields: KLING_FIELDS,
  };
}

export function klingImage2Video(b: z.infer<typeof KlingImage2VideoBody>): NewTask {
  return {
    api: 'kling', capability: 'image2video', model: b.model_name, prompt: b.prompt ?? '', negativePrompt: b.negative_prompt,
    settings: { guidance: guidanceOf(b.cfg_scale), scheduler: schedulerOf(b.mode) }, seconds: seconds(b.duration),
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, hasImage: true, hasLastFrame: b.image_tail !== undefined, fields: KLING_FIELDS,
  };
}

/** effect_scene names a template of the effect catalog (its id or an alias): its prompt fragment follows the subject. */
export function klingEffects(b: z.infer<typeof KlingEffectsBody>, catalog: EffectCatalog): NewTask {
  const template = findTemplate(catalog, b.effect_scene);
  if (!template) throw errors.invalid(`effect_scene "${b.effect_scene}" is not available; choose one of ${templateNames(catalog).join(', ')}`, 'effect_scene');
  const hasImage = b.input.image !== undefined || (b.input.images?.length ?? 0) > 0;
  const subject = b.input.prompt?.trim();
  if (!hasImage && !subject) throw errors.invalid('input.prompt is required: name the subject the effect applies to, e.g. "a cat on the beach" (images are not supported yet)', 'input.prompt');
  return {
    api: 'kling', capability: 'effects', model: b.input.model_name, prompt: subject ? `${subject} ${template.prompt_fragment}` : '',
    settings: { scheduler: schedulerOf(b.input.mode) }, seconds: seconds(b.input.duration),
    echo: { effect_scene: b.effect_scene, mode: b.input.mode ?? 'std' },
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, hasImage, fields: KLING_FIELDS,
  };
}
