"""Train the kineo-mini causal 3D VAE on world shards with a wall-clock budget.

    /usr/bin/python3 -m training.vae.train --data DIR [--val DIR] --out CKPT_DIR --minutes M \
        [--batch 8] [--lr 1e-3] [--latent-channels 16] [--spatial-factor 16] [--base 16] [--resume]

Loss: L1 + MSE + edge (L1 on spatial finite differences) + beta * KL, where KL is summed over
the latent and divided by the number of pixel values (so beta is comparable across latent sizes).
Schedule is time based (linear warmup then cosine to 0 over --minutes of training time, summed
across resumes). An EMA of the weights (decay 0.999) is evaluated, calibrated and exported.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import time
from typing import Dict, Optional

import numpy as np
import torch

from ..common.png import comparison_grid, write_png
from ..common.run import (CKPT_NAME, RunClock, add_run_args, checkpoint_on_interrupt, load_checkpoint, log,
                          machine_info, make_adamw, resume, save_atomic, subsample, to_float,
                          train_val_shards, utc_now, write_json_atomic, run_cli)
from ..shards import BatchSampler, WorldShards, iterate_sequential
from ..common.device import DeviceClips, autocast, gather_in_chunks, generator, pick_device, use_amp
from .model import CausalVAE, count_macs, count_params


# ---------------------------------------------------------------------- loss
def edge_l1(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between spatial finite differences; tensors (B, T, H, W, 3)."""
    dy = (recon[:, :, 1:] - recon[:, :, :-1]) - (target[:, :, 1:] - target[:, :, :-1])
    dx = (recon[:, :, :, 1:] - recon[:, :, :, :-1]) - (target[:, :, :, 1:] - target[:, :, :, :-1])
    return 0.5 * (dy.abs().mean() + dx.abs().mean())


def kl_per_pixel(mean: torch.Tensor, logvar: torch.Tensor, pixels: int) -> torch.Tensor:
    """KL(q || N(0, 1)) summed over a clip's latent, mean over the batch, / pixel values per clip."""
    kl = 0.5 * (mean * mean + torch.exp(logvar) - 1.0 - logvar)
    return kl.flatten(1).sum(1).mean() / float(pixels)


def vae_loss(out: Dict[str, torch.Tensor], x: torch.Tensor, beta: float = 1e-4, w_l1: float = 1.0,
             w_mse: float = 1.0, w_edge: float = 0.5):
    r = out["recon"]
    diff = r - x
    l1 = diff.abs().mean()
    mse = (diff * diff).mean()
    edge = edge_l1(r, x) if w_edge > 0 else torch.zeros(())
    kl = kl_per_pixel(out["mean"], out["logvar"], x[0].numel())
    total = w_l1 * l1 + w_mse * mse + w_edge * edge + beta * kl
    return total, {"l1": float(l1), "mse": float(mse), "edge": float(edge), "kl": float(kl)}


def train_step(model: CausalVAE, opt, x: torch.Tensor, beta: float = 1e-4, w_edge: float = 0.5,
               w_mse: float = 1.0, clip_grad: float = 1.0, amp: bool = False):
    model.train()
    with autocast(x.device, amp):
        out = model(x, sample=True)
    out = {k: v.float() for k, v in out.items()}
    loss, parts = vae_loss(out, x, beta=beta, w_mse=w_mse, w_edge=w_edge)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip_grad > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
    opt.step()
    return float(loss), parts


@torch.no_grad()
def ema_update(ema: CausalVAE, model: CausalVAE, decay: float) -> None:
    """Parameters only; the EMA's latent_mean/std buffers are set by ``calibrate``."""
    for pe, pm in zip(ema.parameters(), model.parameters()):
        pe.mul_(decay).add_(pm.detach(), alpha=1.0 - decay)


def ema_decay(step: int, target: float = 0.999) -> float:
    return min(target, (1.0 + step) / (10.0 + step))


def flip_batch(x: torch.Tensor, gen: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Random horizontal flips per clip; x (B, T, H, W, 3)."""
    mask = torch.rand(x.shape[0], generator=gen, device=x.device) < p
    if bool(mask.any()):
        x[mask] = x[mask].flip(3)
    return x


# ---------------------------------------------------------------------- eval
def psnr_u8(orig_u8: np.ndarray, recon: torch.Tensor) -> np.ndarray:
    """Per-clip PSNR (dB) of uint8-rounded reconstructions; orig (B,T,H,W,3) uint8."""
    r = torch.clamp(recon, 0.0, 1.0).mul(255.0).round().to(torch.uint8).numpy()
    mse = ((r.astype(np.float64) - orig_u8.astype(np.float64)) ** 2).reshape(len(r), -1).mean(1)
    return 10.0 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10))


@torch.no_grad()
def evaluate(model: CausalVAE, ds: WorldShards, indices: np.ndarray, batch: int = 16) -> dict:
    """PSNR (mean over clips) and L1 of encode -> decode (latent means, no sampling), in float32."""
    model.eval()
    device = next(model.parameters()).device
    psnrs, l1s = [], []
    for frames, _ in iterate_sequential(ds, batch, indices):
        x = to_float(frames)
        rec = model.decode(model.encode(x.to(device))).float().cpu()
        psnrs.append(psnr_u8(frames, rec))
        l1s.append(float((rec - x).abs().mean()) * len(frames))
    p = np.concatenate(psnrs) if psnrs else np.zeros(0)
    n = len(p)
    return {"psnr": float(p.mean()) if n else float("nan"), "psnr_min": float(p.min()) if n else float("nan"),
            "l1": sum(l1s) / max(n, 1), "clips": n}


@torch.no_grad()
def save_comparison(model: CausalVAE, frames_u8: np.ndarray, path: str) -> None:
    model.eval()
    device = next(model.parameters()).device
    rec = model.decode(model.encode(to_float(frames_u8).to(device))).float().cpu()
    r = torch.clamp(rec, 0, 1).mul(255).round().to(torch.uint8).numpy()
    t = frames_u8.shape[1]
    picks = sorted(set([0, t // 3, (2 * t) // 3, t - 1]))
    write_png(path, comparison_grid(frames_u8, r, picks))


# ---------------------------------------------------------------------- checkpoints
def build_model_from_ckpt(ck: dict, ema: bool = True) -> CausalVAE:
    m = CausalVAE.from_config(ck["model_config"])
    m.load_state_dict(ck["ema" if ema and "ema" in ck else "model"])
    return m


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train the kineo-mini causal 3D VAE")
    p.add_argument("--data", required=True, help="training shard dir (records with split train, or no split)")
    p.add_argument("--val", default=None, help="validation shard dir (default: split=='val' records of --data)")
    p.add_argument("--out", required=True, help="checkpoint dir")
    add_run_args(p)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--wd", type=float, default=0.0)
    p.add_argument("--latent-channels", type=int, default=16)
    p.add_argument("--spatial-factor", type=int, default=16, choices=(8, 16))
    p.add_argument("--time-factor", type=int, default=4)
    p.add_argument("--base", type=int, default=16, help="channels at the first level (x2, x4, x6 deeper)")
    p.add_argument("--beta", type=float, default=1e-4, help="KL weight (KL summed over latent / pixel values)")
    p.add_argument("--edge", type=float, default=0.5, help="edge (finite-difference L1) loss weight")
    p.add_argument("--mse", type=float, default=1.0, help="MSE loss weight (L1 weight is 1)")
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--no-aug", action="store_true", help="disable random horizontal flips")
    p.add_argument("--val-max", type=int, default=256, help="max val clips per evaluation")
    p.add_argument("--calib-clips", type=int, default=64, help="train clips used to set latent_mean/std")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--no-amp", action="store_true", help="no bf16 autocast on CUDA")
    p.add_argument("--gpu-data-max", type=int, default=120_000,
                   help="on CUDA, at most this many training clips are held on the GPU (uint8)")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)

    ds, train_idx, vds, val_idx = train_val_shards(a.data, a.val, lambda d: (d.frames, d.height, d.width),
                                                   "--val clip shape differs from --data")
    val_source = "val"
    if len(val_idx) == 0:
        log("[vae] no validation clips: evaluating on (at most --val-max) training clips")
        vds, val_idx, val_source = ds, train_idx, "train"
    val_idx = subsample(val_idx, a.val_max)
    calib_idx = np.sort(np.random.default_rng(4321).choice(train_idx, min(a.calib_clips, len(train_idx)), replace=False))
    png_idx = val_idx[:4]

    torch.manual_seed(a.seed)
    device = pick_device(a.device)
    amp = use_amp(device, "off" if a.no_amp else "auto")  # CUDA only: CPU conv3d in bf16 is unmeasured
    ck = load_checkpoint(a.out) if a.resume else None
    if ck is not None:
        model = build_model_from_ckpt(ck, ema=False)
        cfg = ck["model_config"]
        if (cfg["frames"], cfg["height"], cfg["width"]) != (ds.frames, ds.height, ds.width):
            raise SystemExit("checkpoint clip shape differs from --data")
        ema = CausalVAE.from_config(cfg)
        ema.load_state_dict(ck["ema"])
    else:
        if a.resume:
            log(f"[vae] --resume: no checkpoint in {a.out}, starting fresh")
        model = CausalVAE(latent_channels=a.latent_channels, spatial_factor=a.spatial_factor,
                          time_factor=a.time_factor, base=a.base, frames=ds.frames, height=ds.height,
                          width=ds.width)
        ema = copy.deepcopy(model)
    model.to(device)
    ema.to(device)
    ema.eval()
    for p_ in ema.parameters():
        p_.requires_grad_(False)
    opt = make_adamw(model, a.lr, a.wd)
    step, elapsed, seen = resume(ck, opt, "vae")

    clock = RunClock(a)
    macs = count_macs(model)
    lat = model.latent_shape()
    log(f"[vae] train clips {len(train_idx)}, {val_source} clips {len(val_idx)}, clip {ds.frames}x{ds.height}x{ds.width}, "
        f"latent {lat}")
    log(f"[vae] params {count_params(model):,}, {macs['encoder'] / 1e6:.0f}+{macs['decoder'] / 1e6:.0f} M MAC/clip "
        f"(enc+dec), batch {a.batch}, budget {a.minutes} min, threads {torch.get_num_threads()}")

    if device.type == "cuda":  # the whole training set on the GPU as uint8: batches never wait on the host
        gpu_idx = subsample(train_idx, a.gpu_data_max, seed=a.seed)
        store = DeviceClips(gather_in_chunks(ds, gpu_idx, log=log), device, seed=a.seed + step)
        next_batch = lambda: store.next(a.batch)  # noqa: E731
        log(f"[vae] {len(store)} training clips on {device} ({store.data.numel() / 2 ** 30:.1f} GiB)")
    else:
        sampler = BatchSampler(ds, a.batch, seed=a.seed + step, indices=train_idx)
        next_batch = lambda: to_float(sampler.next()[0])  # noqa: E731
    gen = generator(device, a.seed + step)
    metrics_path = os.path.join(a.out, "metrics.json")
    last_metrics: Optional[dict] = None
    history = []
    if ck is not None and os.path.exists(metrics_path):
        try:
            with open(metrics_path, "r", encoding="utf-8") as f:
                history = list(json.load(f).get("history", []))
        except (OSError, ValueError):
            history = []

    def checkpoint():
        save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                     "step": step, "elapsed": elapsed, "samples_seen": seen, "model_config": model.config(),
                     "args": vars(a), "machine": machine_info(), "macs": macs, "params": count_params(model),
                     "saved": utc_now()},
                    os.path.join(a.out, CKPT_NAME))

    def run_eval():
        nonlocal last_metrics
        t0 = time.time()
        mu, sd = ema.calibrate(to_float(ds.gather(calib_idx)).to(device))
        res = evaluate(ema, vds, val_idx)
        png = os.path.join(a.out, f"recon_step{step:07d}.png")
        save_comparison(ema, vds.gather(png_idx), png)
        history.append({"step": step, "elapsed_s": round(elapsed, 1), "psnr": round(res["psnr"], 3)})
        last_metrics = {"step": step, "elapsed_s": round(elapsed, 1), "samples_seen": seen,
                        "weights": "ema", "val_source": val_source, "val_clips": int(len(val_idx)),
                        "val": res, "psnr": res["psnr"], "latent_mean": mu, "latent_std": sd,
                        "latent_shape": list(lat), "png": os.path.basename(png), "history": history,
                        "updated": utc_now()}
        write_json_atomic(last_metrics, metrics_path)
        log(f"[eval] step {step} ema: psnr {res['psnr']:.2f} dB (min {res['psnr_min']:.2f}) l1 {res['l1']:.4f} "
            f"on {res['clips']} {val_source} clips | latent mean {mu:.3f} std {sd:.3f} | {png} ({time.time() - t0:.0f}s)")

    def eval_and_checkpoint():
        run_eval()
        checkpoint()  # the checkpoint carries the freshly calibrated EMA latent stats

    win = {"loss": 0.0, "l1": 0.0, "mse": 0.0, "kl": 0.0}
    win_n, win_steps = 0, 0
    clock.start()
    with checkpoint_on_interrupt(checkpoint, "vae"):
        while clock.running(step, elapsed):
            t0 = time.time()
            lr = clock.set_lr(opt, a.lr, elapsed)
            x = next_batch()
            if not a.no_aug:
                x = flip_batch(x, gen)
            loss, parts = train_step(model, opt, x, beta=a.beta, w_edge=a.edge, w_mse=a.mse, amp=amp)
            if not math.isfinite(loss):
                raise RuntimeError(f"non-finite loss at step {step}")
            ema_update(ema, model, ema_decay(step, a.ema))
            step += 1
            seen += len(x)
            elapsed += time.time() - t0
            win["loss"] += loss
            for k in ("l1", "mse", "kl"):
                win[k] += parts[k]
            win_steps += 1
            win_n += len(x)
            now = time.time()
            if clock.log_due(now):
                mse = win["mse"] / win_steps
                log(f"[train] step {step} loss {win['loss'] / win_steps:.4f} l1 {win['l1'] / win_steps:.4f} "
                    f"psnr~{10 * math.log10(1.0 / max(mse, 1e-10)):.1f} kl {win['kl'] / win_steps:.3f} lr {lr:.2e} | "
                    f"{clock.rate(win_n, now):.1f} clips/s | elapsed {elapsed / 60:.1f} min | "
                    f"eta {clock.eta(elapsed) / 60:.1f} min")
                win = {k: 0.0 for k in win}
                win_n, win_steps = 0, 0
                clock.logged(now)
            clock.checkpoint_and_eval(now, checkpoint, eval_and_checkpoint)
    checkpoint()
    run_eval()
    checkpoint()
    log(f"[vae] done: step {step}, {seen} samples, {elapsed / 60:.1f} min; checkpoint {os.path.join(a.out, CKPT_NAME)}")
    return {"step": step, "elapsed": elapsed, "samples_seen": seen, "metrics": last_metrics}


if __name__ == "__main__":
    run_cli(main, "vae")
