"""Encode world shards with a trained VAE into the latents directory the DiT trains on (``kineo-latents/1``).

    /usr/bin/python3 -m training.vae.encode_latents --data SHARDS_DIR [--data MORE ...] --vae CKPT_DIR --out LATENTS_DIR \
        [--batch 32] [--device auto]

Writes ``latents.npy`` (float16, (N, C, T', H', W'), the VAE's normalised encoder means),
``captions.jsonl`` (the shards' caption/labels/seed/split rows, same order) and ``meta.json``
(latent shape, VAE config and its latent_mean/std, so the DiT keeps its own per-channel statistics on top).
When every ``--data`` directory has sprite coverage (``kineo world data --coverage``), also ``coverage.npy``:
float16 (N, T', H', W'), the share of each latent cell's pixels (over its frames) the objects cover, which
``training.dit.train --object-weight`` uses to weight the loss towards the objects.
``first.npy`` and ``last.npy`` (float16, (N, C, 1, H', W')): the latent frame of the clip's first (last) frame held
still for one latent frame's worth of frames -- what the engine makes of a user's start (end) picture -- which
``training.dit.train --cond`` puts in place of the first (last) latent frame to teach image-to-video.
Written to temporary names and renamed at the end, so an interrupted run leaves no half file behind.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from training.common.device import AMP_MODES, autocast, pick_device, use_amp
from training.common.run import load_checkpoint, to_float, write_json_atomic
from training.shards import WorldShards
from training.vae.train import build_model_from_ckpt


def cell_coverage(cov: np.ndarray, grid) -> np.ndarray:
    """uint8 (B, F, H, W) pixel coverage -> float32 (B, T', H', W') mean coverage of each latent cell, in [0, 1]."""
    b, f, h, w = cov.shape
    t2, h2, w2 = grid
    if f % t2 or h % h2 or w % w2:
        raise ValueError(f"clip {cov.shape[1:]} does not tile into the latent grid {tuple(grid)}")
    cells = cov.reshape(b, t2, f // t2, h2, h // h2, w2, w // w2).astype(np.float32)
    return cells.mean(axis=(2, 4, 6)) / 255.0


def still_frames(frames: np.ndarray, time_factor: int) -> np.ndarray:
    """(B, F, H, W, 3) clips -> (2B, time_factor, H, W, 3): each clip's first frame held still, then each one's
    last frame held still (one latent frame's worth of frames each)."""
    ends = np.concatenate([frames[:, :1], frames[:, -1:]], axis=0)
    return np.repeat(ends, time_factor, axis=1)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="encode world shards into VAE latents for DiT training")
    p.add_argument("--data", required=True, action="append",
                   help="world shards directory (meta.json + shard-*.u8/jsonl); repeat to concatenate several")
    p.add_argument("--vae", required=True, help="VAE checkpoint directory (ckpt.pt)")
    p.add_argument("--out", required=True, help="output latents directory")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--amp", choices=AMP_MODES, default="auto",
                   help="bf16 autocast: auto = on CUDA only; on = also on a CPU with AVX512-BF16 (encoding, not the "
                        "training, was the bottleneck of CPU sessions; latents are stored as float16 either way)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)

    ck = load_checkpoint(a.vae)
    if ck is None:
        raise SystemExit(f"no VAE checkpoint in {a.vae}: train one with python3 -m training.vae.train")
    device = pick_device(a.device)
    amp = use_amp(device, a.amp)
    vae = build_model_from_ckpt(ck, ema=True).eval().to(device)
    sets = [WorldShards(d) for d in a.data]
    ds = sets[0]
    if any((s.frames, s.height, s.width) != (ds.frames, ds.height, ds.width) for s in sets):
        raise SystemExit("--data directories hold clips of different shapes")
    parts = [(s, i) for s in sets for i in range(len(s))]
    n = len(parts)
    shape = vae.latent_shape(ds.frames, ds.height, ds.width)
    os.makedirs(a.out, exist_ok=True)
    tmp_latents = os.path.join(a.out, "latents.tmp.npy")
    latents = np.lib.format.open_memmap(tmp_latents, mode="w+", dtype=np.float16, shape=(n, *shape))
    with_coverage = all(s.has_coverage for s in sets)
    tmp_coverage = os.path.join(a.out, "coverage.tmp.npy")
    coverage = (np.lib.format.open_memmap(tmp_coverage, mode="w+", dtype=np.float16, shape=(n, *shape[1:]))
                if with_coverage else None)
    tf = vae.time_factor
    tmp_first, tmp_last = os.path.join(a.out, "first.tmp.npy"), os.path.join(a.out, "last.tmp.npy")
    first = np.lib.format.open_memmap(tmp_first, mode="w+", dtype=np.float16, shape=(n, shape[0], 1, *shape[2:]))
    last = np.lib.format.open_memmap(tmp_last, mode="w+", dtype=np.float16, shape=(n, shape[0], 1, *shape[2:]))
    t0 = time.time()
    with torch.no_grad(), autocast(device, amp):
        for start in range(0, n, a.batch):
            idx = np.arange(start, min(n, start + a.batch))
            frames = np.stack([parts[i][0].clip(parts[i][1]) for i in idx])
            z = vae.encode(to_float(frames).to(device)).float().cpu()
            latents[start:start + len(idx)] = z.numpy().astype(np.float16)
            ends = still_frames(frames, tf)
            zs = vae.encode(to_float(ends).to(device)).float().cpu().numpy().astype(np.float16)
            first[start:start + len(idx)], last[start:start + len(idx)] = zs[:len(idx)], zs[len(idx):]
            if coverage is not None:
                cov = np.stack([parts[i][0].coverage(parts[i][1]) for i in idx])
                coverage[start:start + len(idx)] = cell_coverage(cov, shape[1:]).astype(np.float16)
            done = start + len(idx)
            if (start // a.batch) % max(1, 2000 // a.batch) == 0 or done == n:
                rate = done / max(time.time() - t0, 1e-9)
                print(f"[latents] {done}/{n} clips, {rate:.1f} clips/s, eta {(n - done) / max(rate, 1e-9):.0f}s", flush=True)
    latents.flush()
    del latents
    os.replace(tmp_latents, os.path.join(a.out, "latents.npy"))
    for arr, tmp, name in ((first, tmp_first, "first.npy"), (last, tmp_last, "last.npy")):
        arr.flush()
        os.replace(tmp, os.path.join(a.out, name))
    del first, last
    if coverage is not None:
        coverage.flush()
        del coverage
        os.replace(tmp_coverage, os.path.join(a.out, "coverage.npy"))
    tmp_captions = os.path.join(a.out, "captions.jsonl.tmp")
    with open(tmp_captions, "w", encoding="utf-8") as f:
        for s_, i in parts:
            f.write(json.dumps(s_.record(i)) + "\n")
    os.replace(tmp_captions, os.path.join(a.out, "captions.jsonl"))
    write_json_atomic({"format": "kineo-latents/1", "clips": n, "latent_shape": list(shape),
                       "source": [os.path.abspath(d) for d in a.data], "vae": vae.config(),
                       "coverage": with_coverage,
                       "vae_latent_mean": float(vae.latent_mean), "vae_latent_std": float(vae.latent_std)},
                      os.path.join(a.out, "meta.json"))
    print(f"[latents] wrote {n} latents {tuple(shape)} to {a.out} in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
