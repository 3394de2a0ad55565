/**
 * Textured, varied backgrounds. Each painter fills a canvas that covers the world region
 * [-MARGIN, 1 + MARGIN]² so the camera can pan, tilt and zoom out without running off the edge.
 */
import { BACKGROUNDS, type Background } from './vocabulary.js';
import { createRng, hashSeed, type Rng } from './random.js';
import { fbm, valueNoise } from './noise.js';
import { createCanvas, drawSprite, loadSprites, type Canvas } from './sprites.js';

export const WORLD_MARGIN = 0.3;
type RGB = [number, number, number];

interface PaintContext {
  canvas: Canvas;
  rng: Rng;
  /** Canvas pixels per world unit. */
  scale: number;
}

/**
 * Each background comes in this many textured variants (cloud cover, horizon, scattered props…). Painting is
 * the costliest part of a clip, so variants are painted once per process and reused; a variant depends only
 * on (kind, variant, size), so caching never changes a clip's bytes.
 */
export const BACKGROUND_VARIANTS = 64;
/** Holds every variant of every background at one size (≈ 80 MB at 64 px). */
const CACHE_LIMIT = 1024;
const cache = new Map<string, Canvas>();

export function backgroundVariant(kind: Background, variant: number, size: number): Canvas {
  const key = `${kind}:${variant}:${size}`;
  let canvas = cache.get(key);
  if (!canvas) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    canvas = paintBackground(kind, size, createRng(hashSeed(BACKGROUNDS.indexOf(kind), variant)));
    cache.set(key, canvas);
  }
  return canvas;
}

/** Renders the background canvas for a clip whose output frames are `size` pixels across. */
export function paintBackground(kind: Background, size: number, rng: Rng): Canvas {
  const pixels = Math.ceil(size * (1 + 2 * WORLD_MARGIN));
  const canvas = createCanvas(pixels, pixels);
  PAINTERS[kind]({ canvas, rng, scale: pixels / (1 + 2 * WORLD_MARGIN) });
  return canvas;
}

function jitter(rng: Rng, color: RGB, amount = 0.06): RGB {
  return color.map((c) => clamp01(c + rng.range(-amount, amount))) as RGB;
}
function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Calls fn(worldX, worldY) for each canvas pixel and stores the colour it returns. */
function fill(ctx: PaintContext, fn: (x: number, y: number) => RGB): void {
  const { canvas, scale } = ctx;
  for (let j = 0; j < canvas.height; j++) {
    const y = (j + 0.5) / scale - WORLD_MARGIN;
    for (let i = 0; i < canvas.width; i++) {
      const x = (i + 0.5) / scale - WORLD_MARGIN;
      const c = fn(x, y);
      const o = (j * canvas.width + i) * 3;
      canvas.rgb[o] = 255 * clamp01(c[0]);
      canvas.rgb[o + 1] = 255 * clamp01(c[1]);
      canvas.rgb[o + 2] = 255 * clamp01(c[2]);
    }
  }
}

function scatter(ctx: PaintContext, name: string, count: number, yLo: number, yHi: number, sizeLo: number, sizeHi: number): void {
  const sprite = loadSprites().get(name)!;
  for (let k = 0; k < count; k++) {
    const x = ctx.rng.range(-WORLD_MARGIN, 1 + WORLD_MARGIN);
    const y = ctx.rng.range(yLo, yHi);
    const s = ctx.rng.range(sizeLo, sizeHi) * ctx.scale;
    drawSprite(ctx.canvas, sprite, {
      cx: (x + WORLD_MARGIN) * ctx.scale, cy: (y + WORLD_MARGIN) * ctx.scale,
      sizeX: s, sizeY: s, angle: 0, opacity: ctx.rng.range(0.75, 1),
    });
  }
}

function skyGradient(rng: Rng, top: RGB, bottom: RGB): (y: number) => RGB {
  const t0 = jitter(rng, top);
  const b0 = jitter(rng, bottom);
  return (y) => mix(t0, b0, clamp01((y + WORLD_MARGIN) / (1 + 2 * WORLD_MARGIN)));
}

const PAINTERS: Record<Background, (ctx: PaintContext) => void> = {
  sky(ctx) {
    const grad = skyGradient(ctx.rng, [0.2, 0.45, 0.9], [0.62, 0.82, 1]);
    const clouds = fbm(ctx.rng, 4);
    const density = ctx.rng.range(0.45, 0.6);
    fill(ctx, (x, y) => {
      const c = clouds(x * 5, y * 7);
      const cover = clamp01((c - density) * 4);
      return mix(grad(y), [1, 1, 1], cover * 0.9);
    });
  },
  sunset(ctx) {
    const grad = skyGradient(ctx.rng, [0.3, 0.15, 0.45], [1, 0.55, 0.2]);
    const horizon = ctx.rng.range(0.72, 0.82);
    const sunX = ctx.rng.range(0.1, 0.9);
    const hills = valueNoise(ctx.rng);
    const glow = fbm(ctx.rng, 3);
    fill(ctx, (x, y) => {
      const ridge = horizon - 0.08 * hills(x * 4, 0.5);
      if (y > ridge) return mix([0.25, 0.1, 0.2], [0.12, 0.05, 0.12], clamp01((y - ridge) * 3));
      const d = Math.hypot(x - sunX, y - horizon + 0.05);
      const sky = mix(grad(y), [1, 0.75, 0.4], 0.2 * glow(x * 6, y * 3));
      if (d < 0.1) return [1, 0.85, 0.45];
      return mix(sky, [1, 0.7, 0.3], clamp01(0.35 - d) * 1.5);
    });
  },
  night(ctx) {
    const grad = skyGradient(ctx.rng, [0.01, 0.02, 0.1], [0.07, 0.09, 0.25]);
    const haze = fbm(ctx.rng, 3);
    fill(ctx, (x, y) => mix(grad(y), [0.2, 0.15, 0.35], 0.25 * haze(x * 4, y * 4)));
    const { canvas } = ctx;
    for (let k = 0; k < canvas.width * canvas.height * 0.015; k++) {
      const o = (ctx.rng.int(0, canvas.height - 1) * canvas.width + ctx.rng.int(0, canvas.width - 1)) * 3;
      const b = ctx.rng.range(150, 255);
      canvas.rgb[o] = b;
      canvas.rgb[o + 1] = b;
      canvas.rgb[o + 2] = ctx.rng.range(200, 255);
    }
    scatter(ctx, 'moon', 1, -0.2, 0.2, 0.2, 0.3);
  },
  grass(ctx) {
    const grad = skyGradient(ctx.rng, [0.45, 0.7, 1], [0.75, 0.9, 1]);
    const field = fbm(ctx.rng, 3);
    const blades = valueNoise(ctx.rng);
    const horizon = ctx.rng.range(0.05, 0.2);
    const base = jitter(ctx.rng, [0.28, 0.62, 0.2]);
    fill(ctx, (x, y) => {
      if (y < horizon) return grad(y);
      const n = field(x * 6, y * 6);
      const b = blades(x * 60, y * 8);
      const g = mix(base, [0.12, 0.4, 0.08], n * 0.7);
      return mix(g, [0.5, 0.8, 0.3], b * 0.35);
    });
    const { canvas, rng } = ctx;
    const flowers: RGB[] = [[255, 255, 255], [255, 230, 50], [255, 128, 180]];
    for (let k = 0; k < canvas.width * canvas.height * 0.006; k++) {
      const j = rng.int(Math.ceil((horizon + WORLD_MARGIN) * ctx.scale), canvas.height - 1);
      const o = (j * canvas.width + rng.int(0, canvas.width - 1)) * 3;
      const c = rng.pick(flowers);
      canvas.rgb.set(c, o);
    }
  },
  beach(ctx) {
    const grad = skyGradient(ctx.rng, [0.35, 0.65, 1], [0.75, 0.9, 1]);
    const seaTop = ctx.rng.range(0.15, 0.3);
    const shore = seaTop + ctx.rng.range(0.2, 0.3);
    const grain = valueNoise(ctx.rng);
    const waves = fbm(ctx.rng, 2);
    const sand = jitter(ctx.rng, [0.95, 0.85, 0.58]);
    fill(ctx, (x, y) => {
      if (y < seaTop) return grad(y);
      const edge = shore + 0.02 * Math.sin(x * 18);
      if (y < edge) {
        const w = 0.5 + 0.5 * Math.sin(y * 90 + 6 * waves(x * 5, y * 5));
        const sea = mix([0.05, 0.45, 0.75], [0.1, 0.3, 0.6], (y - seaTop) / (edge - seaTop));
        return mix(sea, [0.85, 0.95, 1], w > 0.93 ? 0.6 : 0);
      }
      if (y < edge + 0.025) return [0.95, 0.97, 1];
      return mix(sand, [0.8, 0.68, 0.45], grain(x * 40, y * 40) * 0.5);
    });
    scatter(ctx, 'palm', ctx.rng.int(0, 2), seaTop - 0.05, seaTop + 0.05, 0.2, 0.3);
  },
  snow(ctx) {
    const grad = skyGradient(ctx.rng, [0.6, 0.68, 0.8], [0.85, 0.88, 0.95]);
    const horizon = ctx.rng.range(0.2, 0.35);
    const drift = fbm(ctx.rng, 3);
    fill(ctx, (x, y) => {
      if (y < horizon) return grad(y);
      return mix([0.97, 0.98, 1], [0.7, 0.78, 0.92], drift(x * 5, y * 8) * 0.6);
    });
    scatter(ctx, 'evergreen', ctx.rng.int(2, 5), horizon - 0.05, horizon + 0.02, 0.12, 0.2);
    const { canvas, rng } = ctx;
    for (let k = 0; k < canvas.width * canvas.height * 0.01; k++) {
      const o = (rng.int(0, canvas.height - 1) * canvas.width + rng.int(0, canvas.width - 1)) * 3;
      canvas.rgb.set([255, 255, 255], o);
    }
  },
  desert(ctx) {
    const grad = skyGradient(ctx.rng, [0.55, 0.75, 0.95], [0.95, 0.9, 0.75]);
    const horizon = ctx.rng.range(0.2, 0.35);
    const dunes = valueNoise(ctx.rng);
    const grain = valueNoise(ctx.rng);
    const sand = jitter(ctx.rng, [0.92, 0.66, 0.35]);
    fill(ctx, (x, y) => {
      if (y < horizon) return grad(y);
      const band = 0.5 + 0.5 * Math.sin((y + 0.15 * dunes(x * 3, y * 2)) * 30);
      return mix(mix(sand, [0.75, 0.45, 0.22], band * 0.45), [1, 0.85, 0.6], grain(x * 50, y * 50) * 0.2);
    });
    scatter(ctx, 'cactus', ctx.rng.int(1, 3), horizon + 0.05, 1.1, 0.12, 0.22);
  },
  underwater(ctx) {
    const grad = skyGradient(ctx.rng, [0.05, 0.55, 0.7], [0.0, 0.12, 0.32]);
    const rays = valueNoise(ctx.rng);
    const bed = ctx.rng.range(0.85, 1.0);
    const weed = valueNoise(ctx.rng);
    fill(ctx, (x, y) => {
      if (y > bed + 0.04 * Math.sin(x * 9)) return mix([0.76, 0.7, 0.5], [0.55, 0.5, 0.35], weed(x * 30, y * 30));
      const ray = Math.max(0, rays((x + y * 0.4) * 6, 0.3) - 0.55) * 1.2;
      const kelp = weed(x * 14, 0.7) > 0.72 && y > bed - 0.25 * weed(x * 14, 2.1) ? 1 : 0;
      return mix(mix(grad(y), [0.6, 0.9, 0.95], ray), [0.1, 0.45, 0.2], kelp * 0.8);
    });
    scatter(ctx, 'bubbles', ctx.rng.int(2, 4), -0.2, 1, 0.06, 0.12);
  },
  forest(ctx) {
    const grad = skyGradient(ctx.rng, [0.55, 0.75, 0.85], [0.3, 0.45, 0.3]);
    const canopy = fbm(ctx.rng, 3);
    const ground = ctx.rng.range(0.7, 0.85);
    const trunks = valueNoise(ctx.rng);
    fill(ctx, (x, y) => {
      if (y > ground) return mix([0.35, 0.27, 0.15], [0.2, 0.35, 0.12], canopy(x * 8, y * 8));
      const t = trunks(x * 12, 0.5);
      if (t > 0.7) return mix([0.35, 0.22, 0.12], [0.25, 0.15, 0.08], trunks(x * 40, y * 40));
      return mix(grad(y), [0.1, 0.35, 0.12], clamp01(canopy(x * 5, y * 5) * 1.6 - 0.3) * (1 - y * 0.5));
    });
    scatter(ctx, 'evergreen', ctx.rng.int(2, 4), ground - 0.1, ground, 0.15, 0.25);
    scatter(ctx, 'tree', ctx.rng.int(0, 2), ground - 0.1, ground, 0.15, 0.25);
  },
  city(ctx) {
    const grad = skyGradient(ctx.rng, [0.3, 0.45, 0.75], [0.8, 0.75, 0.7]);
    const street = ctx.rng.range(0.8, 0.9);
    const heights = valueNoise(ctx.rng);
    const lights = valueNoise(ctx.rng);
    const tone = ctx.rng.range(0.25, 0.45);
    fill(ctx, (x, y) => {
      if (y > street) return Math.abs(y - street - 0.06) < 0.008 && Math.sin(x * 40) > 0 ? [0.95, 0.9, 0.4] : [0.3, 0.3, 0.33];
      const col = Math.floor(x * 7);
      const top = 0.15 + 0.45 * heights(col * 1.7, 0.5);
      if (y < top) return grad(y);
      const shade = tone + 0.2 * heights(col * 3.3, 5.5);
      const wx = (x * 7 - col) * 5;
      const wy = y * 40;
      const window = wx % 1 > 0.35 && wy % 1 > 0.4;
      if (window) return lights(col + Math.floor(wx), Math.floor(wy)) > 0.5 ? [0.98, 0.9, 0.55] : [0.15, 0.18, 0.25];
      return [shade, shade, shade * 1.1];
    });
  },
};
