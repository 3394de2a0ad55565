"""One command trains kineo-mini from scratch: world data -> VAE -> latents -> text encoder + DiT -> (export).

    /usr/bin/python3 -m training.pipeline --out runs/kineo-mini --minutes 120 [--preset cpu|gpu] [--device auto]
        [--resume] [--export models/kineo-mini] [--vae-frac 0.35] [--clips N] [--dit-clips N]

``npm run train -- --minutes 120`` calls this. ``--minutes`` is the training budget (VAE + DiT, summed across
resumes); rendering, encoding and export come on top (minutes on 2 cores, seconds on a GPU).

Stages (each one's output lives under ``--out``; a rerun with ``--resume`` skips what is finished and resumes the
trainers from their checkpoints, so an interrupted run loses at most a couple of minutes):

1. ``data-vae``: world clips of the train split (``--clips``), rendered by the TypeScript renderer (``--render``);
   ``data-val``: held-out clips, only for the VAE's PSNR; ``data-dit``: more train clips (``--dit-clips``) for the
   DiT, rendered in the background while the VAE trains.
2. ``vae``: ``training.vae.train`` for ``vae_frac`` of the budget.
3. ``latents``: ``training.vae.encode_latents`` of data-vae + data-dit.
4. ``dit``: ``training.dit.train`` for the rest of the budget (loss curve ``dit/loss.png``, preview latents).
5. ``export`` (with ``--export DIR``): ``training.export_model`` writes the model directory (DESIGN.md §3).

``--from WEIGHTS.npz`` continues a shipped model: the VAE stays frozen and the whole budget goes to the DiT.

``--object-weight W`` renders the DiT's clips with sprite coverage and weights each latent cell's loss by
``1 + W * coverage`` (the objects cover ~7 % of the pixels, so a plain MSE is mostly about backgrounds);
``--motion-weight M`` (also needs the coverage) adds ``M *`` the cells a moving object leaves or reaches
(``training.dit.flow.object_weights``).

Presets size the models for the machine: ``cpu`` (2 cores, hours) and ``gpu`` (one lent GPU, minutes). A flag
given on the command line wins over the preset.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from typing import List, Optional

from .common.run import StagedRun, log, write_json_atomic

PRESETS = {
    # 2 CPU cores: small batches; sizes keep the exported model under DESIGN.md's 48 MiB and the engine fast
    "cpu": {"clips": 24000, "dit_clips": 24000, "val_clips": 256, "vae_frac": 0.35, "workers": 2,
            "vae": ["--batch", "8", "--lr", "1e-3", "--base", "32", "--spatial-factor", "8", "--latent-channels", "16",
                    "--threads", "2", "--eval-every", "300"],
            # --amp on: bf16 autocast where the CPU multiplies bf16 in hardware (3.5x faster on the Zen 5 machine),
            # fp32 elsewhere
            "dit": ["--batch", "32", "--lr", "5e-4", "--dim", "256", "--depth", "12", "--heads", "4", "--patch", "1,1,1",
                    "--ema", "0.999", "--threads", "2", "--eval-every", "300", "--amp", "on"]},
    # one lent GPU for a few minutes: the whole data set on the device, big batches, bf16
    "gpu": {"clips": 60000, "dit_clips": 60000, "val_clips": 512, "vae_frac": 0.4, "workers": 14,
            "vae": ["--batch", "64", "--lr", "1e-3", "--base", "32", "--spatial-factor", "8", "--latent-channels", "16",
                    "--eval-every", "60", "--ckpt-every", "60", "--log-every", "10"],
            "dit": ["--batch", "256", "--lr", "8e-4", "--dim", "256", "--depth", "12", "--heads", "4", "--patch", "1,1,1",
                    "--ema", "0.998", "--eval-every", "60", "--ckpt-every", "60", "--log-every", "10"]},
}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train kineo-mini end to end (data, VAE, latents, DiT, export)")
    p.add_argument("--out", default="runs/kineo-mini", help="run directory (data, checkpoints, logs)")
    p.add_argument("--minutes", type=float, required=True, help="training budget for VAE + DiT, across resumes")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None, help="default: gpu when CUDA is present, else cpu")
    p.add_argument("--device", default="auto")
    p.add_argument("--resume", action="store_true", help="skip finished stages, resume the trainers")
    p.add_argument("--vae-frac", type=float, default=None, help="share of --minutes for the VAE")
    p.add_argument("--clips", type=int, default=None, help="train clips rendered for the VAE (and the DiT)")
    p.add_argument("--dit-clips", type=int, default=None, help="extra train clips rendered for the DiT")
    p.add_argument("--val-clips", type=int, default=None, help="held-out clips for the VAE's PSNR")
    p.add_argument("--workers", type=int, default=None, help="render threads")
    p.add_argument("--render", default=f"node {os.path.join(REPO, 'bin', 'kineo.mjs')} world data",
                   help="renderer command taking --out --split --clips --seed --workers (kineo world data, or the "
                        "bundle of scripts/bundle-renderer.mjs on a machine without npm)")
    p.add_argument("--vocab", default=None, help="vocab.json (default: written by `kineo world vocab`)")
    p.add_argument("--vae-args", default="", help="extra flags for training.vae.train (quoted)")
    p.add_argument("--dit-args", default="", help="extra flags for training.dit.train (quoted)")
    p.add_argument("--export", default=None, help="write the model directory here at the end")
    p.add_argument("--from", dest="from_weights", default=None,
                   help="continue from packed weights (training/weights.py): the VAE is kept frozen (the DiT's latent "
                        "space depends on it), the DiT trains on with a fresh optimizer and a new schedule")
    p.add_argument("--object-weight", type=float, default=0.0,
                   help="render with sprite coverage and weight the DiT's loss by 1 + W * coverage (0 = plain MSE)")
    p.add_argument("--motion-weight", type=float, default=0.0,
                   help="render with sprite coverage and add M * the cells a moving object leaves or reaches to the "
                        "DiT's loss weights (0 = off)")
    p.add_argument("--preflight", action="store_true", help="a few steps of every stage on tiny data first (fail fast)")
    return p.parse_args(argv)


class Pipeline(StagedRun):
    def __init__(self, a: argparse.Namespace):
        import torch

        self.a = a
        preset_name = a.preset or ("gpu" if torch.cuda.is_available() and a.device != "cpu" else "cpu")
        self.preset = PRESETS[preset_name]
        self.preset_name = preset_name
        self.out = os.path.abspath(a.out)
        os.makedirs(self.out, exist_ok=True)
        self.state_path = os.path.join(self.out, "pipeline.json")
        self.state = json.load(open(self.state_path)) if (a.resume and os.path.exists(self.state_path)) else {}
        self.state.setdefault("stages", {})
        self.pick = lambda key: getattr(a, key) if getattr(a, key) is not None else self.preset[key]

    # ------------------------------------------------------------------ data
    def render_cmd(self, out: str, split: str, clips: int, seed: int) -> List[str]:
        # the DiT's latents need coverage for every clip they are encoded from
        weighted = self.a.object_weight > 0 or self.a.motion_weight > 0
        coverage = ["--coverage"] if weighted and split == "train" else []
        return shlex.split(self.a.render) + ["--out", out, "--split", split, "--clips", str(clips), "--seed", str(seed),
                                             "--workers", str(self.pick("workers"))] + coverage

    def render(self, name: str, split: str, clips: int, seed: int, background: bool = False):
        out = self.path(name)
        if self.done(name) or clips <= 0:
            return None
        cmd = self.render_cmd(out, split, clips, seed)
        log(f"[pipeline] render {name}: {' '.join(cmd)}")
        if background:
            logf = open(self.path(f"{name}.log"), "w")
            return subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        subprocess.run(cmd, check=True)
        self.mark(name, clips=clips, split=split, seed=seed)
        return None

    def wait_render(self, name: str, proc: Optional[subprocess.Popen], split: str, clips: int, seed: int) -> None:
        if proc is None:
            return
        rc = proc.wait()
        if rc != 0:
            raise SystemExit(f"rendering {name} failed (exit {rc}); see {self.path(name + '.log')}")
        self.mark(name, clips=clips, split=split, seed=seed)

    def vocab(self) -> str:
        if self.a.vocab:
            return self.a.vocab
        path = self.path("vocab.json")
        if not os.path.exists(path):
            subprocess.run(["node", os.path.join(REPO, "bin", "kineo.mjs"), "world", "vocab", "-o", path], check=True)
        return path

    # ------------------------------------------------------------------ run
    def run(self) -> dict:
        from .dit import train as dit_train
        from .vae import encode_latents
        from .vae import train as vae_train

        a = self.a
        t_start = time.time()
        vocab = self.vocab()
        if a.preflight:
            preflight(self.path("preflight"), vocab, a.device)
        budget = a.minutes
        if a.from_weights and not self.done("vae"):
            from .weights import unpack
            unpack(a.from_weights, self.out)
            self.mark("vae", source=os.path.abspath(a.from_weights), frozen=True)
            self.state["from_weights"] = os.path.abspath(a.from_weights)
        frozen_vae = bool(self.state.get("from_weights"))
        vae_min = 0.0 if frozen_vae else budget * self.pick("vae_frac")
        dit_min = budget - vae_min
        clips, dit_clips = self.pick("clips"), self.pick("dit_clips")
        log(f"[pipeline] preset {self.preset_name}: budget {budget} min = VAE {vae_min:.1f} + DiT {dit_min:.1f}; "
            f"{clips} + {dit_clips} train clips")

        self.render("data-val", "heldout", self.pick("val_clips"), 303)
        self.render("data-vae", "train", clips, 101)
        bg = self.render("data-dit", "train", dit_clips, 202, background=True)
        try:
            if not self.done("vae"):
                vae_argv = ["--data", self.path("data-vae"), "--val", self.path("data-val"), "--out", self.path("vae"),
                            "--minutes", f"{vae_min:.4f}", "--device", a.device, "--resume"]
                vae_train.main(vae_argv + self.preset["vae"] + shlex.split(a.vae_args))
                self.mark("vae", minutes=vae_min)
        finally:
            self.wait_render("data-dit", bg, "train", dit_clips, 202)

        if not self.done("latents"):
            sets = ["--data", self.path("data-vae")] + (["--data", self.path("data-dit")] if dit_clips > 0 else [])
            encode_latents.main(sets + ["--vae", self.path("vae"), "--out", self.path("latents"), "--device", a.device,
                                        "--batch", "256"])
            self.mark("latents")

        if not self.done("dit"):
            dit_argv = ["--latents", self.path("latents"), "--vocab", vocab, "--out", self.path("dit"), "--vae", self.path("vae"),
                        "--minutes", f"{dit_min:.4f}", "--device", a.device, "--resume"]
            if a.object_weight > 0:
                dit_argv += ["--object-weight", str(a.object_weight)]
            if a.motion_weight > 0:
                dit_argv += ["--motion-weight", str(a.motion_weight)]
            dit_train.main(dit_argv + self.preset["dit"] + shlex.split(a.dit_args))
            self.mark("dit", minutes=dit_min)

        if a.export:
            from . import export_model
            export_model.main(["--vae", self.path("vae"), "--dit", self.path("dit"), "--out", a.export])
            self.mark("export", out=a.export)
        summary = {"preset": self.preset_name, "minutes": budget, "wall_s": round(time.time() - t_start, 1)}
        write_json_atomic({**self.state, "summary": summary}, self.state_path)
        log(f"[pipeline] done in {summary['wall_s'] / 60:.1f} min wall; run dir {self.out}")
        return summary


def preflight(out: str, vocab: str, device: str) -> None:
    """A few steps of VAE, encoding and DiT on 24 random clips: a broken device path fails in seconds, not after
    the VAE's budget."""
    import numpy as np

    from .dit import train as dit_train
    from .vae import encode_latents
    from .vae import train as vae_train

    t0 = time.time()
    data = os.path.join(out, "data")
    write_random_shards(data, 24, np.random.default_rng(0))
    vae_train.main(["--data", data, "--out", os.path.join(out, "vae"), "--minutes", "1", "--max-steps", "3",
                    "--batch", "4", "--base", "8", "--spatial-factor", "8", "--device", device, "--log-every", "0"])
    encode_latents.main(["--data", data, "--vae", os.path.join(out, "vae"), "--out", os.path.join(out, "latents"),
                         "--device", device, "--batch", "8"])
    dit_train.main(["--latents", os.path.join(out, "latents"), "--vocab", vocab, "--out", os.path.join(out, "dit"),
                    "--minutes", "1", "--max-steps", "3", "--batch", "4", "--dim", "64", "--depth", "2", "--heads", "2",
                    "--text-dim", "64", "--text-layers", "1", "--text-heads", "2", "--patch", "1,1,1", "--device", device,
                    "--log-every", "0", "--previews", "1", "--preview-steps", "2"])
    log(f"[pipeline] preflight passed in {time.time() - t0:.0f}s")


def write_random_shards(out: str, n: int, rng) -> None:
    """A tiny world-shard dir of random frames with valid captions (for the preflight)."""
    import numpy as np

    os.makedirs(out, exist_ok=True)
    frames = rng.integers(0, 256, size=(n, 16, 64, 64, 3), dtype=np.uint8)
    frames.tofile(os.path.join(out, "shard-00000.u8"))
    labels = {"object": "cat", "object2": "none", "motion": "left", "speed": "slow", "background": "beach", "count": 1,
              "effect": "none", "camera": "none"}
    with open(os.path.join(out, "shard-00000.jsonl"), "w") as f:
        for i in range(n):
            f.write(json.dumps({"caption": "a cat moves left on the beach", "labels": labels, "seed": i,
                                "split": "val" if i < 4 else "train"}) + "\n")
    vocab = {"object": ["cat"], "object2": ["none"], "motion": ["left"], "speed": ["slow"], "background": ["beach"],
             "count": ["1", "2", "3"], "effect": ["none"], "camera": ["none"]}
    write_json_atomic({"format": "kineo-world-shards/1", "frames": 16, "height": 64, "width": 64, "channels": 3,
                       "fps": 8, "clips": n, "vocab": vocab,
                       "shards": [{"frames_file": "shard-00000.u8", "labels_file": "shard-00000.jsonl", "clips": n}]},
                      os.path.join(out, "meta.json"))


def main(argv=None) -> dict:
    a = parse_args(argv)
    return Pipeline(a).run()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
