"""A tiny, randomly initialised kineo-mini model directory for the TypeScript engine's tests.

    /usr/bin/python3 -m training.make_tiny_model [--out test/fixtures/tiny-model] [--vocab vocab.json]

Same contract as the real model (``training/export_model.py``, 16 frames of 64x64 at 8 fps, float16 weights), but a
VAE of base width 8 (latent (4, 4, 8, 8)) and a one-block DiT of width 32, so the whole directory is well under
1.5 MiB and a generation takes milliseconds. Weights are seeded and perturbed away from the zero-initialised gates,
so the transformer's velocity depends on the prompt, the timestep and the latents. The vocabulary is the caption
grammar's (``node bin/kineo.mjs world vocab``) unless ``--vocab`` names a file.

``tiny_checkpoints`` makes the fake trainer checkpoints that the exporter's tests use too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from typing import Optional, Tuple

import torch

from .dit.flow import EMA
from .dit.model import KineoMini
from .export_model import REPO_ROOT, export_model
from .vae.model import CausalVAE

TINY_ASPECTS = {"16:9": (112, 64), "9:16": (64, 112)}  # (width, height), as the real model's
TINY_VOCAB = {"format": "kineo-vocab/1", "maxTokens": 32,
              "tokens": ["<pad>", "<unk>", "a", "an", "cat", "dog", "ball", "moves", "left", "right", "on", "the",
                         "beach", "at", "night", "two", "spins", "bounces"]}


def _perturb(m: torch.nn.Module, std: float, g: torch.Generator) -> None:
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * std)


def tiny_models(vocab_size: int, seed: int = 0, max_tokens: int = 32) -> Tuple[CausalVAE, KineoMini]:
    """Tiny VAE (latent (4, 4, 8, 8) for 16x64x64) + tiny KineoMini over it, seeded and perturbed."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    vae = CausalVAE(latent_channels=4, spatial_factor=8, base=8)
    _perturb(vae, 0.05, g)
    vae.latent_mean.fill_(0.1)
    vae.latent_std.fill_(0.9)
    kineo = KineoMini(vocab_size, 4, (4, 8, 8), (1, 1, 1), dim=32, depth=1, heads=2, text_dim=32, text_layers=1,
                      text_heads=2, max_tokens=max_tokens)
    _perturb(kineo, 0.05, g)
    with torch.no_grad():  # float16-exact weights: the fp16 model files then hold exactly these numbers
        for m in (vae, kineo):
            for p in m.parameters():
                p.copy_(p.half().float())
    return vae.eval(), kineo.eval()


def tiny_checkpoints(vocab: Optional[dict] = None, seed: int = 0) -> Tuple[dict, dict]:
    """(vae_ck, dit_ck) shaped like the trainers' ``checkpoint()`` dicts (optimizer left out)."""
    vocab = vocab or TINY_VOCAB
    vae, kineo = tiny_models(len(vocab["tokens"]), seed, vocab.get("maxTokens", 32))
    machine = {"host": "test", "cpus": 2, "torch": torch.__version__}
    vae_sd = {k: v.clone() for k, v in vae.state_dict().items()}
    vae_ck = {"model": vae_sd, "ema": vae_sd, "optimizer": None, "step": 10, "elapsed": 12.5, "samples_seen": 80,
              "model_config": vae.config(), "args": {"batch": 8, "lr": 1e-3, "minutes": 1.0, "secret_path": "/x"},
              "machine": machine, "params": sum(p.numel() for p in vae.parameters()), "saved": "2026-01-01T00:00:00Z"}
    c = kineo.dit.latent_channels
    norm = {"mean": [0.05 * (i - c / 2) for i in range(c)], "std": [0.8 + 0.1 * i for i in range(c)],
            "source": "test"}
    dit_ck = {"model": kineo.state_dict(), "ema": EMA(kineo).state_dict(), "optimizer": None, "step": 20,
              "elapsed": 30.0, "samples_seen": 640, "vocab": vocab, "latent_norm": norm,
              "model_config": kineo.config(), "history": [{"step": 20, "elapsed": 30.0, "val_loss": 1.5}],
              "args": {"batch": 32, "lr": 5e-4, "dim": 32, "depth": 1}, "machine": machine,
              "params": sum(p.numel() for p in kineo.parameters()), "saved": "2026-01-01T00:00:00Z"}
    return vae_ck, dit_ck


def tiny_hd_checkpoint(vae_ck: dict, seed: int = 0) -> dict:
    """A 2x decoder (training/vae/hd.py) over the tiny VAE, its head perturbed off zero so it adds detail."""
    from .vae.hd import HDDecoder
    from .vae.train import build_model_from_ckpt as build_vae
    g = torch.Generator().manual_seed(seed + 2)
    hd = HDDecoder(build_vae(vae_ck), head_channels=4)
    _perturb(hd, 0.05, g)
    with torch.no_grad():
        for p in hd.parameters():
            p.copy_(p.half().float())
    sd = {k: v.clone() for k, v in hd.state_dict().items()}
    return {"model": sd, "ema": sd, "config": hd.config(), "step": 5, "elapsed": 3.0, "samples_seen": 20,
            "args": {"batch": 4, "lr": 3e-4}, "machine": vae_ck["machine"], "saved": "2026-01-01T00:00:00Z"}


def golden_noise(n: int) -> torch.Tensor:
    """Deterministic stand-in for the engine's seeded noise: ``x[i] = fround(1.5 sin(0.37 i + 0.1))``."""
    i = torch.arange(n, dtype=torch.float64)
    return (1.5 * torch.sin(0.37 * i + 0.1)).float()


@torch.no_grad()
def golden(vae_ck: dict, dit_ck: dict, prompt: str = "a cat bounces on the beach", steps: int = 3,
           guidance: float = 4.0, shift: float = 2.0) -> dict:
    """The Python reference sampler (training/dit/flow.py) + VAE decode on the tiny model, for the engine to match:
    final latents (model space) and a strided sample of the uint8 frames."""
    from .dit.flow import sample
    from .dit.train import build_model_from_ckpt as build_kineo, denormalize, normalize
    from .text.tokenizer import tokenize, vocab_from_json
    from .vae.train import build_model_from_ckpt as build_vae

    vae = build_vae(vae_ck).eval()
    kineo = build_kineo(dit_ck).eval()
    ids, mask, unknown = tokenize(prompt, vocab_from_json(dit_ck["vocab"]))
    shape = (1, kineo.dit.latent_channels, *kineo.dit.latent_shape)
    noise = golden_noise(int(torch.tensor(shape).prod())).reshape(shape)
    z = sample(kineo, torch.tensor([ids]), torch.tensor([mask]), steps=steps, shift=shift, guidance=guidance,
               noise=noise)
    frames = vae.decode(denormalize(z, dit_ck["latent_norm"]))[0]
    u8 = torch.round(frames.clamp(0, 1) * 255).to(torch.uint8).flatten()
    stride = 97
    # image-to-video: the first latent frame is the encoded still picture, held with timestep 0
    picture = golden_picture(vae.height, vae.width)
    still = torch.from_numpy(picture).float().div(255.0)[None, None].repeat(1, vae.time_factor, 1, 1, 1)
    first = normalize(vae.encode(still), dit_ck["latent_norm"])  # (1, C, 1, H', W'), model space
    given = torch.zeros(1, kineo.dit.latent_shape[0], dtype=torch.bool)
    given[0, 0] = True
    src = noise.clone()
    src[:, :, :1] = first
    zi = sample(kineo, torch.tensor([ids]), torch.tensor([mask]), steps=steps, shift=shift, guidance=guidance,
                noise=noise, given=given, given_latents=src)
    # another aspect: the same sampler on a 16:9 latent grid (the transformer graph takes any grid)
    wide_shape = (1, kineo.dit.latent_channels, kineo.dit.latent_shape[0], *TINY_ASPECTS["16:9"][::-1])
    wide_shape = wide_shape[:3] + tuple(s // vae.spatial_factor for s in wide_shape[3:])
    wide_noise = golden_noise(int(torch.tensor(wide_shape).prod())).reshape(wide_shape)
    zw = sample(kineo, torch.tensor([ids]), torch.tensor([mask]), steps=steps, shift=shift, guidance=guidance,
                noise=wide_noise)
    return {"prompt": prompt, "steps": steps, "guidance": guidance, "shift": shift, "unknown_words": unknown,
            "aspect": {"aspect": "16:9", "shape": list(wide_shape[1:]),
                       "latents": [round(float(v), 6) for v in zw.flatten()]},
            "noise": "x[i] = fround(1.5 * sin(0.37 * i + 0.1)), C-order (C, T', H', W')",
            "latents": [round(float(v), 6) for v in z.flatten()],
            "frames_stride": stride, "frames_sample": [int(v) for v in u8[::stride]],
            "image": {"picture": "rgb[y, x, c] = (7 x + 13 y + 50 c) mod 256",
                      "first_latent": [round(float(v), 6) for v in first.flatten()],
                      "latents": [round(float(v), 6) for v in zi.flatten()]}}


def golden_picture(height: int, width: int):
    """The image-to-video golden's start picture: ``rgb[y, x, c] = (7 x + 13 y + 50 c) mod 256`` (uint8)."""
    import numpy as np
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    return ((7 * x + 13 * y + 50 * c) % 256).astype(np.uint8)


def grammar_vocab() -> dict:
    """The caption grammar's vocabulary, written by the TypeScript CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vocab.json")
        subprocess.run(["node", os.path.join(REPO_ROOT, "bin", "kineo.mjs"), "world", "vocab", "-o", path],
                       cwd=REPO_ROOT, check=True, capture_output=True, text=True)
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description="write the tiny random kineo-mini model the TypeScript tests run")
    p.add_argument("--out", default=os.path.join(REPO_ROOT, "test", "fixtures", "tiny-model"))
    p.add_argument("--vocab", help="vocab.json (default: the caption grammar's, via node bin/kineo.mjs world vocab)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hd", action="store_true", help="export a 2x decoder (video.decodeScale 2) in the VAE decoder's "
                   "place: test/fixtures/tiny-model-2x (no golden)")
    p.add_argument("--golden", default=os.path.join(REPO_ROOT, "test", "fixtures", "tiny-model-golden.json"),
                   help="where to write the reference sampler's output for the engine's parity test")
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    if a.vocab:
        with open(a.vocab, "r", encoding="utf-8") as f:
            vocab = json.load(f)
    else:
        vocab = grammar_vocab()
    vae_ck, dit_ck = tiny_checkpoints(vocab, a.seed)
    hd_ck = tiny_hd_checkpoint(vae_ck, a.seed) if a.hd else None
    meta = export_model(vae_ck, dit_ck, a.out, fp16=True, name="kineo-tiny", version="test", steps=6,
                        guidance=4.0, shift=1.0, check=True, preview_clips=16, aspects=TINY_ASPECTS, hd_ck=hd_ck)
    if a.golden and not a.hd:
        with open(a.golden, "w", encoding="utf-8") as f:
            json.dump(golden(vae_ck, dit_ck), f)
            f.write("\n")
        print(f"[tiny] wrote {a.golden}")
    return meta


if __name__ == "__main__":
    main()
