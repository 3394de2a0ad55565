/**
 * The Kling wire format (DESIGN.md §4): request schemas and their mapping onto a task.
 * - model_name: any of Kling's names (kling-v1 … kling-v3) maps onto a configured model (modelAliases; default: the
 *   default model); a model this server runs by its own name is taken as is.
 * - cfg_scale ∈ [0, 1] → classifier-free guidance 1 + 8·cfg_scale (0.5 → 5); absent → the model's default.
 * - mode std → the model's sampler; pro → the Heun sampler (same steps, better quality).
 * - duration ("5", "10", or any length the model makes) and aspect_ratio (16:9, 9:16, 1:1) must be ones the model
 *   makes (GET /api/models): otherwise a 400 naming the field, never a silent change.
 * - image / image_tail (image2video), input.image (effects): an http(s) URL or raw base64 (a data: URL too); checked,
 *   stored, then the first / last frame. static_mask and dynamic_masks (motion brush) are refused: nothing is
 *   admitted and then ignored.
 * - video-extend: video_id is the id of one of the caller's own videos (task_result.videos[].id, or its task_id).
 * - camera_control simple {horizontal|pan, vertical|tilt, zoom} → a camera phrase the model knows; roll and the
 *   predefined moves are refused. effect_scene → a template of src/server/effects/catalog.json (squish, expansion→inflate, bloombloom→bloom,
 *   dizzydizzy→dizzy, fuzzyfuzzy→fluffy, melt, explode), applied to the subject in input.prompt or to input.image.
 */
import { z } from 'zod';
import { plainText } from './text.js';
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
  negative_prompt: plainText(z.string().max(100_000)).optional(),
  cfg_scale: z.number().min(0).max(1).optional(),
  mode: z.enum(['std', 'pro']).optional(),
  duration: z.union([z.string().max(20), z.number()]).optional(),
  camera_control: CameraControl.optional(),
  callback_url: z.string().max(4096).optional(),
  external_task_id: plainText(z.string().min(1).max(256)).optional(),
};

export const KlingText2VideoBody = z.strictObject({
  ...common,
  prompt: plainText(z.string().max(100_000)),
  aspect_ratio: z.enum(['16:9', '9:16', '1:1']).optional(),
}).meta({ id: 'KlingText2Video' });

export const KlingVideoExtendBody = z.strictObject({
  video_id: z.string().min(1).max(300).describe('The id of one of your videos (task_result.videos[].id) or its task_id'),
  prompt: plainText(z.string().max(100_000)).optional().describe('What happens next (default: the video\'s own prompt)'),
  negative_prompt: plainText(z.string().max(100_000)).optional(),
  cfg_scale: z.number().min(0).max(1).optional(),
  duration: z.union([z.string().max(20), z.number()]).optional().describe('Kineo: seconds to add (default: the model\'s clip length)'),
  callback_url: z.string().max(4096).optional(),
  external_task_id: plainText(z.string().min(1).max(256)).optional(),
}).meta({ id: 'KlingVideoExtend' });

const Aspect = z.enum(['16:9', '9:16', '1:1']);

export const KlingImage2VideoBody = z.strictObject({
  ...common,
  prompt: plainText(z.string().max(100_000)).optional(),
  image: z.string().max(16_000_000).optional().describe('The first frame: an http(s) URL or raw base64 of a PNG, JPEG or WebP'),
  image_tail: z.string().max(16_000_000).optional().describe('The last frame, likewise'),
  aspect_ratio: Aspect.optional().describe('Default: the aspect nearest the picture\'s'),
  static_mask: z.string().max(16_000_000).optional(),
  // Kling's shape (a mask and its trajectory points), so the body's depth is bounded before anything walks it (an
  // unknown value nested thousands deep overflowed the stack of the idempotency fingerprint's JSON.stringify).
  dynamic_masks: z.array(z.strictObject({
    mask: z.string().max(16_000_000),
    trajectories: z.array(z.strictObject({ x: z.number(), y: z.number() })).max(77),
  })).max(6).optional(),
}).meta({ id: 'KlingImage2Video' });

export const KlingEffectsBody = z.strictObject({
  effect_scene: plainText(z.string().min(1).max(100)),
  input: z.strictObject({
    model_name: z.string().max(200).optional(),
    mode: z.enum(['std', 'pro']).optional(),
    duration: z.union([z.string().max(20), z.number()]).optional(),
    image: z.string().max(16_000_000).optional(),
    images: z.array(z.string().max(16_000_000)).max(2).optional(),
    prompt: plainText(z.string().max(100_000)).optional().describe('Kineo: the subject the effect applies to, e.g. "a cat on the beach"'),
  }),
  callback_url: z.string().max(4096).optional(),
  external_task_id: plainText(z.string().min(1).max(256)).optional(),
}).meta({ id: 'KlingEffects' });

export const KlingCapability = z.enum(['text2video', 'image2video', 'effects', 'video-extend']);
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
/** Kling's `duration` when a request leaves it out (text2video, image2video and effects). */
export const KLING_DEFAULT_SECONDS = '5';
const guidanceOf = (cfg: number | undefined) => (cfg === undefined ? undefined : 1 + 8 * cfg);
const schedulerOf = (mode: 'std' | 'pro' | undefined) => (mode === 'pro' ? ('heun' as const) : undefined);

/** Kling's names for the fields a provider's capabilities are checked against. */
const KLING_FIELDS = { model: 'model_name', seconds: 'duration', image: 'image', lastFrame: 'image_tail', aspect: 'aspect_ratio', extend: 'video_id' };

/** A Kling image field (URL or base64) as a picture source; an empty string is refused like a missing one. */
const picture = (value: string | undefined) => (value === undefined ? undefined : { text: value });

/** The prompt with a camera phrase appended. */
function withCamera(prompt: string, camera: string | undefined): string {
  return camera && prompt.trim() ? `${prompt.trim().replace(/[.!]+$/, '')}, ${camera}` : prompt;
}

export function klingText2Video(b: z.infer<typeof KlingText2VideoBody>): NewTask {
  const camera = cameraPhrase(b.camera_control);
  return {
    api: 'kling', capability: 'text2video', model: b.model_name,
    prompt: withCamera(b.prompt, camera),
    negativePrompt: b.negative_prompt,
    settings: { guidance: guidanceOf(b.cfg_scale), scheduler: schedulerOf(b.mode) },
    seconds: seconds(b.duration), aspect: b.aspect_ratio,
    echo: { ...(b.aspect_ratio ? { aspect_ratio: b.aspect_ratio } : {}), mode: b.mode ?? 'std', ...(b.cfg_scale !== undefined ? { cfg_scale: b.cfg_scale } : {}), ...(b.camera_control ? { camera_control: b.camera_control } : {}) },
    defaultSeconds: KLING_DEFAULT_SECONDS,
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, fields: KLING_FIELDS,
  };
}

export function klingImage2Video(b: z.infer<typeof KlingImage2VideoBody>): NewTask {
  if (b.image === undefined && b.image_tail === undefined) throw errors.invalid('send image (the first frame), image_tail (the last frame) or both', 'image');
  if (b.static_mask !== undefined) throw errors.unsupported('static_mask (the motion brush) is not available; leave it out', 'static_mask');
  if (b.dynamic_masks !== undefined) throw errors.unsupported('dynamic_masks (the motion brush) is not available; leave it out', 'dynamic_masks');
  const camera = cameraPhrase(b.camera_control);
  return {
    api: 'kling', capability: 'image2video', model: b.model_name, prompt: withCamera(b.prompt ?? '', camera), negativePrompt: b.negative_prompt,
    settings: { guidance: guidanceOf(b.cfg_scale), scheduler: schedulerOf(b.mode) }, seconds: seconds(b.duration), aspect: b.aspect_ratio,
    image: picture(b.image), lastImage: picture(b.image_tail),
    echo: { ...(b.aspect_ratio ? { aspect_ratio: b.aspect_ratio } : {}), mode: b.mode ?? 'std', ...(b.cfg_scale !== undefined ? { cfg_scale: b.cfg_scale } : {}), ...(b.camera_control ? { camera_control: b.camera_control } : {}) },
    defaultSeconds: KLING_DEFAULT_SECONDS,
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, fields: KLING_FIELDS,
  };
}

/** effect_scene names a template of the effect catalog (its id or an alias): its prompt fragment follows the subject,
 * and input.image (when given) is the first frame the effect starts from. */
export function klingEffects(b: z.infer<typeof KlingEffectsBody>, catalog: EffectCatalog): NewTask {
  const template = findTemplate(catalog, b.effect_scene);
  if (!template) throw errors.invalid(`effect_scene "${b.effect_scene}" is not available; choose one of ${templateNames(catalog).join(', ')}`, 'effect_scene');
  if ((b.input.images?.length ?? 0) > 1) throw errors.unsupported('input.images with two pictures (two-person effects) is not available; send one picture in input.image', 'input.images');
  if (b.input.image !== undefined && b.input.images?.length) throw errors.invalid('send input.image or input.images, not both', 'input.images');
  const image = b.input.image ?? b.input.images?.[0];
  const subject = b.input.prompt?.trim();
  if (image === undefined && !subject) throw errors.invalid('input.prompt or input.image is required: name the subject the effect applies to (e.g. "a cat on the beach") or give its picture', 'input.prompt');
  return {
    api: 'kling', capability: 'effects', model: b.input.model_name, prompt: subject ? `${subject} ${template.prompt_fragment}` : template.prompt_fragment,
    settings: { scheduler: schedulerOf(b.input.mode) }, seconds: seconds(b.input.duration),
    image: picture(image),
    echo: { effect_scene: b.effect_scene, mode: b.input.mode ?? 'std' },
    effect: { template: template.id, ...(subject ? { subject } : {}) },
    defaultSeconds: KLING_DEFAULT_SECONDS,
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, fields: { ...KLING_FIELDS, image: b.input.image !== undefined ? 'input.image' : 'input.images' },
  };
}

/** video-extend: the caller's own video continued by the model (Kling adds ~5 s a call; here: `duration`, default the model's clip length). */
export function klingVideoExtend(b: z.infer<typeof KlingVideoExtendBody>): NewTask {
  return {
    api: 'kling', capability: 'video-extend', prompt: b.prompt ?? '', negativePrompt: b.negative_prompt,
    settings: { guidance: guidanceOf(b.cfg_scale) }, seconds: seconds(b.duration),
    extend: { id: b.video_id },
    echo: b.cfg_scale !== undefined ? { cfg_scale: b.cfg_scale } : {},
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, fields: KLING_FIELDS,
  };
}
