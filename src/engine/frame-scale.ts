/** Integer rescaling of packed RGB clips (frames × height × width × 3 bytes), for a decoder that draws at a multiple of
 * the model's frame size: the clip to extend is brought down to the encoder's size by averaging f × f boxes (as the
 * world renders a smaller frame), and a clip given at the encoder's size is brought up to the decoder's by bilinear
 * interpolation (half-pixel centres, clamped borders) so that it joins the new frames at one size. */

export function boxDown(data: Uint8Array, frames: number, height: number, width: number, f: number): Uint8Array {
  if (f === 1) return data;
  if (height % f || width % f) throw new RangeError(`${width}×${height} does not divide by ${f}`);
  const h = height / f, w = width / f;
  const out = new Uint8Array(frames * h * w * 3);
  const n = f * f;
  for (let t = 0; t < frames; t++) {
    const src = t * height * width * 3, dst = t * h * w * 3;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let r = 0, g = 0, b = 0;
        for (let dy = 0; dy < f; dy++) {
          let i = src + ((y * f + dy) * width + x * f) * 3;
          for (let dx = 0; dx < f; dx++, i += 3) {
            r += data[i]!;
            g += data[i + 1]!;
            b += data[i + 2]!;
          }
        }
        const o = dst + (y * w + x) * 3;
        out[o] = Math.round(r / n);
        out[o + 1] = Math.round(g / n);
        out[o + 2] = Math.round(b / n);
      }
    }
  }
  return out;
}

export function bilinearUp(data: Uint8Array, frames: number, height: number, width: number, f: number): Uint8Array {
  if (f === 1) return data;
  const H = height * f, W = width * f;
  const out = new Uint8Array(frames * H * W * 3);
  for (let t = 0; t < frames; t++) {
    const src = t * height * width * 3, dst = t * H * W * 3;
    for (let y = 0; y < H; y++) {
      const sy = Math.min(height - 1, Math.max(0, (y + 0.5) / f - 0.5));
      const y0 = Math.floor(sy), y1 = Math.min(height - 1, y0 + 1), wy = sy - y0;
      for (let x = 0; x < W; x++) {
        const sx = Math.min(width - 1, Math.max(0, (x + 0.5) / f - 0.5));
        const x0 = Math.floor(sx), x1 = Math.min(width - 1, x0 + 1), wx = sx - x0;
        const a = src + (y0 * width + x0) * 3, b = src + (y0 * width + x1) * 3;
        const c = src + (y1 * width + x0) * 3, d = src + (y1 * width + x1) * 3;
        const o = dst + (y * W + x) * 3;
        for (let k = 0; k < 3; k++) {
          const top = data[a + k]! + (data[b + k]! - data[a + k]!) * wx;
          const bottom = data[c + k]! + (data[d + k]! - data[c + k]!) * wx;
          out[o + k] = Math.round(top + (bottom - top) * wy);
        }
      }
    }
  }
  return out;
}
