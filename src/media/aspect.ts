/**
 * Aspect ratios of ad deliveries and how a square clip is fitted onto each: the clip scaled to fit, centred, over a
 * blurred, darkened, zoomed copy of itself (the fill social platforms use for letterboxed video), so there are no
 * black bars. 1:1 is a plain scale.
 */
export const ASPECT_RATIOS = ['9:16', '1:1', '16:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** The delivered frame of each ratio (even sizes for yuv420p; width × height). */
export const FRAME_SIZES: Record<AspectRatio, { width: number; height: number }> = {
  '9:16': { width: 360, height: 640 },
  '1:1': { width: 480, height: 480 },
  '16:9': { width: 640, height: 360 },
};

/** "9:16" → "9x16" (for file names). */
export const aspectSlug = (a: AspectRatio): string => a.replace(':', 'x');

/**
 * An ffmpeg filter graph from input pad `[0:v]` to the output pad `[fit]`: the clip fitted onto the ratio's frame.
 * The background is blurred at a tenth of the size (cheap) and scaled back up.
 */
export function fitFilter(aspect: AspectRatio): string {
  const { width: W, height: H } = FRAME_SIZES[aspect];
  if (W === H) return `[0:v]scale=${W}:${H}:flags=lanczos,setsar=1[fit]`;
  const w = W / 10;
  const h = H / 10;
  return [
    '[0:v]split=2[bg0][fg0]',
    `[bg0]scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},boxblur=2:2,scale=${W}:${H}:flags=bilinear,eq=brightness=-0.12:saturation=0.85[bg]`,
    `[fg0]scale=${W}:${H}:force_original_aspect_ratio=decrease:flags=lanczos[fg]`,
    '[bg][fg]overlay=(W-w)/2:(H-h)/2,setsar=1[fit]',
  ].join(';');
}
