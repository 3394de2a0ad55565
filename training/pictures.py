"""Clips of a camera moving over pictures the world does not draw: random textures and shapes (procedural, our own),
panned or tilted, captioned with the world's camera phrasings alone ("the camera pans left").

Why: image-to-video on a person's photo asks the model to move *that* picture, but the world only ever shows its own
sprites and backgrounds, so given a photo as frame 0 kineo-mini drifts back to a world scene. These clips teach the
camera move as a move of whatever frame 0 holds. Written as world shards (``kineo-world-shards/1``, with zero sprite
coverage and only the ``camera`` label), so ``training.vae.encode_latents`` and the DiT trainer take them unchanged.

    /usr/bin/python3 -m training.pictures --out DIR --clips 3000 [--seed 1] [--width 64 --height 64]
"""
from __future__ import annotations

import argparse
import json
import os
import re

import numpy as np

MOVES = ("pan_left", "pan_right", "tilt_up", "tilt_down")
FRAMES, FPS = 16, 8
LEXICON = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "world", "lexicon.ts")


def camera_phrases() -> dict:
    """The world's camera phrasings, read from its lexicon (one source of truth for the words)."""
    with open(LEXICON, "r", encoding="utf-8") as f:
        text = f.read()
    out = {}
    for move in MOVES:
        m = re.search(rf"{move}: \[([^\]]*)\]", text)
        if not m:
            raise SystemExit(f"{LEXICON}: no phrasings for {move}")
        out[move] = re.findall(r"'([^']*)'", m.group(1))
    return out


def _noise(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Fractal value noise in [0, 1]: octaves of bilinearly upsampled random grids."""
    out = np.zeros((h, w))
    amp, total = 1.0, 0.0
    for cells in (2, 4, 8, 16, 32):
        g = rng.random((cells + 1, cells + 1))
        ys = np.linspace(0, cells, h, endpoint=False)
        xs = np.linspace(0, cells, w, endpoint=False)
        y0, x0 = ys.astype(int), xs.astype(int)
        ty, tx = (ys - y0)[:, None], (xs - x0)[None, :]
        a, b = g[y0][:, x0], g[y0][:, x0 + 1]
        c, d = g[y0 + 1][:, x0], g[y0 + 1][:, x0 + 1]
        out += amp * ((a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty)
        total += amp
        amp *= rng.uniform(0.4, 0.7)
    return out / total


def picture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random 'photo': a noise field through a random palette, with soft discs and boxes on it. float (h, w, 3)."""
    n = _noise(rng, h, w)
    n = (n - n.min()) / max(float(np.ptp(n)), 1e-6)
    stops = np.sort(rng.random(rng.integers(3, 6)))
    stops[0], stops[-1] = 0.0, 1.0
    colours = rng.random((len(stops), 3))
    img = np.stack([np.interp(n, stops, colours[:, k]) for k in range(3)], -1)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(rng.integers(2, 9)):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(3, h / 4), rng.uniform(3, w / 4)
        if rng.random() < 0.5:
            d = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        else:
            d = np.maximum(np.abs(yy - cy) / ry, np.abs(xx - cx) / rx) ** 2
        alpha = np.clip((1.0 - d) * rng.uniform(2, 8), 0, 1)[..., None]
        img = img * (1 - alpha) + rng.random(3) * alpha
    return np.clip(img, 0, 1)


def _sample(img: np.ndarray, oy: float, ox: float, h: int, w: int) -> np.ndarray:
    """The h x w window of img at fractional offset (oy, ox), bilinear."""
    y0, x0 = int(np.floor(oy)), int(np.floor(ox))
    ty, tx = oy - y0, ox - x0
    a = img[y0:y0 + h, x0:x0 + w]
    b = img[y0:y0 + h, x0 + 1:x0 + 1 + w]
    c = img[y0 + 1:y0 + 1 + h, x0:x0 + w]
    d = img[y0 + 1:y0 + 1 + h, x0 + 1:x0 + 1 + w]
    return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty


def pan_clip(rng: np.random.Generator, move: str, h: int, w: int) -> np.ndarray:
    """uint8 (FRAMES, h, w, 3): the camera moving over a picture; a pan left slides the content right, as the world's
    camera does (8-16 pixels of a 64-pixel frame over the clip)."""
    travel = rng.uniform(8, 16) * min(h, w) / 64
    margin = int(np.ceil(travel)) + 2
    img = picture(rng, h + 2 * margin, w + 2 * margin)
    dy, dx = {"pan_left": (0, -1), "pan_right": (0, 1), "tilt_up": (-1, 0), "tilt_down": (1, 0)}[move]
    frames = []
    for f in range(FRAMES):
        s = travel * (f / (FRAMES - 1) - 0.5)
        frames.append(_sample(img, margin + dy * s, margin + dx * s, h, w))
    return np.round(np.stack(frames) * 255).astype(np.uint8)


def write_shards(out: str, clips: int, seed: int, h: int, w: int, shard_size: int = 500, vocab: dict = None) -> dict:
    os.makedirs(out, exist_ok=True)
    phrases = camera_phrases()
    shards = []
    for s, start in enumerate(range(0, clips, shard_size)):
        n = min(shard_size, clips - start)
        name = f"shard-{s:05d}"
        frames = np.zeros((n, FRAMES, h, w, 3), dtype=np.uint8)
        lines = []
        for k in range(n):
            rng = np.random.default_rng([seed, start + k])
            move = MOVES[int(rng.integers(len(MOVES)))]
            frames[k] = pan_clip(rng, move, h, w)
            caption = phrases[move][int(rng.integers(len(phrases[move])))]
            lines.append(json.dumps({"caption": caption, "labels": {"camera": move}, "seed": int(start + k), "split": "train"}))
        frames.tofile(os.path.join(out, f"{name}.u8"))
        np.zeros((n, FRAMES, h, w), dtype=np.uint8).tofile(os.path.join(out, f"{name}.cov.u8"))  # no sprites
        with open(os.path.join(out, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        shards.append({"frames_file": f"{name}.u8", "labels_file": f"{name}.jsonl", "coverage_file": f"{name}.cov.u8",
                       "clips": n})
    meta = {"format": "kineo-world-shards/1", "kind": "camera over pictures (training.pictures)", "split": "train",
            "seed": seed, "frames": FRAMES, "height": h, "width": w, "channels": 3, "fps": FPS, "clips": clips,
            "shards": shards, "vocab": vocab or {}}
    with open(os.path.join(out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return meta


def main(argv=None):
    p = argparse.ArgumentParser(description="write shards of a camera panning and tilting over random pictures")
    p.add_argument("--out", required=True)
    p.add_argument("--clips", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--height", type=int, default=64)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--vocab-from", help="a world shards dir whose meta.json label vocabulary to copy (for readers that "
                                        "index labels)")
    a = p.parse_args(argv)
    vocab = None
    if a.vocab_from:
        with open(os.path.join(a.vocab_from, "meta.json"), "r", encoding="utf-8") as f:
            vocab = json.load(f)["vocab"]
    meta = write_shards(a.out, a.clips, a.seed, a.height, a.width, vocab=vocab)
    print(f"[pictures] wrote {meta['clips']} clips in {len(meta['shards'])} shards to {a.out}")


if __name__ == "__main__":
    main()
