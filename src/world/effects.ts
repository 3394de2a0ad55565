/**
 * The Kling/Pika effect family, each an actor that transforms one object over the clip:
 * squish, inflate (Kling "expansion"), melt, explode, dizzy (dizzydizzy), bloom (bloombloom), fluffy (fuzzyfuzzy).
 */
import type { Rng } from './random.js';
import type { Effect } from './vocabulary.js';
import { hash2, poseDraw, restPose, smoothstep, type Actor, type SpriteDraw } from './actors.js';

export function effectActor(effect: Exclude<Effect, 'none'>, sprite: string, size: number, cx: number, cy: number, rng: Rng): Actor {
  const progress = (t: number) => smoothstep(0.12, 0.85, t);
  switch (effect) {
    case 'squish':
      return {
        at(t) {
          const e = progress(t);
          const pose = restPose(cx, cy);
          pose.stretchY = 1 - 0.6 * e;
          pose.stretchX = 1 + 0.5 * e;
          pose.y = cy + (size * (1 - pose.stretchY)) / 2; // stays on the ground while flattened
          return [poseDraw(sprite, size, pose)];
        },
      };
    case 'inflate':
      return {
        at(t) {
          // Puffs up like a balloon, goes round, and starts to float away with a little sway: unlike "grow",
          // the shape changes and the object lifts off.
          const e = progress(t);
          const float = smoothstep(0.45, 1, t);
          const pose = { ...restPose(cx + 0.03 * Math.sin(9 * t) * float, cy - 0.14 * float), scale: 1 + 0.55 * e };
          const bulge = 1.2 * e;
          return [poseDraw(sprite, size, pose, {
            warp: (x, y, out) => {
              // Magnify the middle: a pixel at radius r samples the texture at r^(1+bulge) < r, so the centre
              // swells while the rim stays put — a round, swollen look. At bulge 0 this is the identity.
              const r = Math.min(Math.hypot(x, y) * 2, 1);
              const k = Math.pow(r, bulge);
              out.u = 0.5 + x * k;
              out.v = 0.5 + y * k;
              return true;
            },
          })];
        },
      };
    case 'melt': {
      const seed = rng.range(0, 100);
      return {
        at(t) {
          const e = progress(t);
          const height = 1 - 0.45 * e;
          return [poseDraw(sprite, size, restPose(cx, cy), {
            margin: 0.6,
            warp: (x, y, out) => {
              const fromBottom = 0.5 - y; // 0 at the ground line
              if (fromBottom < -0.08 * e) return false;
              const drip = 0.5 + 0.5 * Math.sin(x * 9 + seed) * Math.sin(x * 23 + seed * 1.7);
              let v = 0.5 - fromBottom / height + 0.28 * e * drip * Math.max(0, 1 - fromBottom * 1.5);
              const spread = 1 + 1.1 * e * Math.max(0, 1 - fromBottom * 2.2) ** 2;
              v = Math.min(v, 1);
              out.u = 0.5 + x / spread;
              out.v = v + 0.5;
              return true;
            },
          })];
        },
      };
    }
    case 'explode': {
      const pieces: { i: number; j: number; vx: number; vy: number; spin: number }[] = [];
      for (let j = 0; j < 3; j++) {
        for (let i = 0; i < 3; i++) {
          const ox = i - 1 + rng.range(-0.4, 0.4);
          const oy = j - 1 + rng.range(-0.4, 0.4);
          const n = Math.hypot(ox, oy) || 1;
          pieces.push({ i, j, vx: (ox / n) * rng.range(0.5, 0.8), vy: (oy / n) * rng.range(0.5, 0.8) - 0.1, spin: rng.range(-6, 6) });
        }
      }
      const blast = rng.range(0.3, 0.4);
      return {
        at(t) {
          if (t < blast) {
            const shake = 0.012 * Math.sin(t * 90);
            const pose = { ...restPose(cx + shake, cy), scale: 1 + 0.12 * (t / blast) };
            return [poseDraw(sprite, size, pose)];
          }
          const dt = t - blast;
          const draws: SpriteDraw[] = pieces.map((p) => ({
            sprite,
            x: cx + (p.i - 1) * size / 3 + p.vx * dt,
            y: cy + (p.j - 1) * size / 3 + p.vy * dt + 0.5 * dt * dt,
            sizeX: size / 3,
            sizeY: size / 3,
            angle: p.spin * dt,
            opacity: 1 - 0.6 * smoothstep(0, 0.6, dt),
            warp: (x, y, out) => {
              out.u = (p.i + x + 0.5) / 3;
              out.v = (p.j + y + 0.5) / 3;
              return true;
            },
          }));
          const flash = 1 - smoothstep(0, 0.25, dt);
          if (flash > 0) draws.push({ sprite: 'collision', x: cx, y: cy, sizeX: size * 1.3, sizeY: size * 1.3, angle: 0, opacity: flash });
          return draws;
        },
      };
    }
    case 'dizzy': {
      const sense = rng.chance(0.5) ? 1 : -1;
      return {
        at(t) {
          const pose = restPose(cx + 0.05 * Math.sin(6 * Math.PI * t), cy);
          pose.angle = sense * 2 * Math.PI * (1.2 * t + 1.5 * t * t);
          const draws = [poseDraw(sprite, size, pose)];
          for (let k = 0; k < 3; k++) {
            const a = 2 * Math.PI * (k / 3 + 1.5 * t);
            draws.push({
              sprite: 'dizzy', x: cx + 0.24 * size * 2 * Math.cos(a), y: cy - 0.55 * size + 0.07 * Math.sin(a),
              sizeX: size * 0.35, sizeY: size * 0.35, angle: 0, opacity: smoothstep(0, 0.15, t),
            });
          }
          return draws;
        },
      };
    }
    case 'bloom': {
      const petals = 6;
      const offset = rng.range(0, Math.PI);
      return {
        at(t) {
          const draws: SpriteDraw[] = [];
          for (let k = 0; k < petals; k++) {
            const grow = smoothstep(0.1 + 0.08 * k, 0.45 + 0.08 * k, t);
            const a = offset + (2 * Math.PI * k) / petals + 0.4 * t;
            draws.push({
              sprite: 'blossom', x: cx + 0.78 * size * Math.cos(a), y: cy + 0.78 * size * Math.sin(a),
              sizeX: size * 0.5 * grow, sizeY: size * 0.5 * grow, angle: a, opacity: 1,
            });
          }
          draws.push(poseDraw(sprite, size, restPose(cx, cy)));
          return draws;
        },
      };
    }
    case 'fluffy':
      return {
        at(t) {
          const e = progress(t);
          const amount = 0.11 * e;
          const pose = { ...restPose(cx, cy), scale: 1 + 0.15 * e };
          return [poseDraw(sprite, size, pose, {
            margin: 0.1,
            warp: (x, y, out) => {
              // Fur: every pixel samples a little away from where it is, so edges turn into tufts.
              out.u = x + 0.5 + amount * (hash2(x * 61, y * 59) - 0.5) * 2;
              out.v = y + 0.5 + amount * (hash2(y * 67, x * 71) - 0.5) * 2;
              return true;
            },
            tint: (rgba) => {
              const p = 0.45 * e;
              const white = 255 * rgba[3]!; // premultiplied white
              rgba[0] = rgba[0]! + (white - rgba[0]!) * p;
              rgba[1] = rgba[1]! + (white - rgba[1]!) * p;
              rgba[2] = rgba[2]! + (white - rgba[2]!) * p;
            },
          })];
        },
      };
  }
}
