"""Train the 2x decoder (``training/vae/hd.py``) on world clips rendered at twice the model's size.

    /usr/bin/python3 -m training.vae.train_hd --data SHARDS_128 --vae VAE_CKPT_DIR --out CKPT_DIR --minutes M \
        [--batch 4] [--lr 3e-4] [--edge 1.0] [--gan 0.05] [--latent-noise 0.3] [--resume]

The input of each training clip is what the DiT works on: the frozen encoder's latents of the clip downsampled 2x
(a 2x2 box, as the world would render it at the model's size), plus Gaussian noise of a random strength on a share
of the clips (``--latent-noise``), because the DiT's sampled latents are never exactly an encoder's. The target is
the clip at full size. Loss: L1 + MSE + ``--edge`` x L1 of spatial finite differences (rewards edges where plain
L1 averages them away) + ``--gan`` x a hinge loss against a per-frame patch discriminator after ``--gan-start``
minutes. Latents are encoded once at start (``OUT/latents.npy``). Evaluation reports, on held-out clips, PSNR at
full size and the sharpness ratio (mean squared Laplacian of the decoded ÷ the rendered clip) for this decoder and
for the baseline (the old decoder's clip upscaled bilinearly, what the engine showed before), and writes a PNG.
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import time
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from ..common.png import write_png
from ..common.run import (CKPT_NAME, RunClock, add_run_args, checkpoint_on_interrupt, load_checkpoint, log,
                          machine_info, make_adamw, resume, save_atomic, subsample, to_float, utc_now,
                          write_json_atomic, run_cli)
from ..common.device import autocast, cpu_has_fast_bf16
from ..shards import WorldShards, split_indices
from .hd import HDDecoder, PatchDiscriminator, count_decoder_macs
from .train import build_model_from_ckpt, edge_l1


def box_down(x: torch.Tensor, f: int) -> torch.Tensor:
    """(B, T, H, W, 3) -> (B, T, H/f, W/f, 3) by f x f box averaging."""
    b, t, h, w, c = x.shape
    return x.reshape(b, t, h // f, f, w // f, f, c).mean(dim=(3, 5))


def laplacian_energy(x: torch.Tensor) -> torch.Tensor:
    """Mean squared 4-neighbour Laplacian per clip of (B, T, H, W, 3) frames in [0, 1]."""
    lap = (4 * x[:, :, 1:-1, 1:-1] - x[:, :, :-2, 1:-1] - x[:, :, 2:, 1:-1] - x[:, :, 1:-1, :-2] - x[:, :, 1:-1, 2:])
    return (lap * lap).flatten(1).mean(1)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a8 = torch.clamp(a, 0, 1).mul(255).round()
    b8 = torch.clamp(b, 0, 1).mul(255).round()
    mse = ((a8 - b8) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(255.0 ** 2 / torch.clamp(mse, min=1e-10))


@torch.no_grad()
def encode_all(vae, ds: WorldShards, indices: np.ndarray, path: str, batch: int = 32) -> np.ndarray:
    """The frozen encoder's latents of every clip (downsampled by the decoder's scale), cached at ``path``."""
    if os.path.exists(path):
        z = np.load(path, mmap_mode="r")
        if z.shape[0] == len(ds):
            return z
    t0 = time.time()
    out = None
    for s in range(0, len(ds), batch):
        idx = np.arange(s, min(s + batch, len(ds)))
        x = box_down(to_float(ds.gather(idx)), HDDecoder.scale)
        with autocast(torch.device("cpu"), cpu_has_fast_bf16()):  # bf16 encoding: ~4.5x faster on Zen 4/5
            z = vae.encode(x).float().numpy().astype(np.float16)
        if out is None:
            out = np.zeros((len(ds),) + z.shape[1:], np.float16)
        out[idx] = z
        if s % (batch * 40) == 0:
            log(f"[hd] encoding latents {s + len(idx)}/{len(ds)} ({time.time() - t0:.0f} s)")
    tmp = path + ".tmp.npy"
    np.save(tmp, out)
    os.replace(tmp, path)
    log(f"[hd] encoded {len(ds)} clips in {time.time() - t0:.0f} s -> {path}")
    return out


@torch.no_grad()
def evaluate(dec: HDDecoder, ds: WorldShards, z: np.ndarray, idx: np.ndarray, batch: int = 8) -> dict:
    dec.eval()
    p_new, p_base, s_new, s_base, s_ref = [], [], [], [], []
    for s in range(0, len(idx), batch):
        i = idx[s:s + batch]
        x = to_float(ds.gather(i))
        out = dec.decode_logits(torch.from_numpy(np.asarray(z[i], np.float32)))
        new, base = torch.sigmoid(out["logits"]), torch.sigmoid(out["base"])
        p_new.append(psnr(new, x)); p_base.append(psnr(base, x))
        s_new.append(laplacian_energy(new)); s_base.append(laplacian_energy(base)); s_ref.append(laplacian_energy(x))
    cat = lambda v: torch.cat(v)  # noqa: E731
    ref = float(cat(s_ref).mean())
    return {"psnr": float(cat(p_new).mean()), "psnr_base": float(cat(p_base).mean()),
            "sharpness": float(cat(s_new).mean()) / ref, "sharpness_base": float(cat(s_base).mean()) / ref,
            "clips": int(len(idx))}


@torch.no_grad()
def save_strip(dec: HDDecoder, ds: WorldShards, z: np.ndarray, idx: np.ndarray, path: str) -> None:
    """Rows per clip: rendered, old decoder upscaled, new decoder; frames 0, 5, 10, 15."""
    dec.eval()
    x = to_float(ds.gather(idx))
    out = dec.decode_logits(torch.from_numpy(np.asarray(z[idx], np.float32)))
    rows = []
    for k in range(len(idx)):
        for img in (x[k], torch.sigmoid(out["base"][k]), torch.sigmoid(out["logits"][k])):
            rows.append(torch.cat([img[f] for f in (0, 5, 10, 15)], dim=1))
    grid = torch.clamp(torch.cat(rows, dim=0), 0, 1).mul(255).round().to(torch.uint8).numpy()
    write_png(path, grid)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train kineo-mini's 2x decoder")
    p.add_argument("--data", required=True, help="world shards rendered at 2x the model's size")
    p.add_argument("--vae", required=True, help="the shipped VAE's checkpoint dir (its encoder stays frozen)")
    p.add_argument("--val", default=None, help="held-out shards at the same size (default: the val split of --data)")
    p.add_argument("--out", required=True)
    add_run_args(p)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--trunk-lr-mult", type=float, default=0.3, help="the copied old decoder learns slower")
    p.add_argument("--head-channels", type=int, default=16)
    p.add_argument("--head-blocks", type=int, default=1)
    p.add_argument("--edge", type=float, default=1.0)
    p.add_argument("--mse", type=float, default=1.0)
    p.add_argument("--gan", type=float, default=0.05, help="adversarial weight (0 = none)")
    p.add_argument("--gan-start", type=float, default=10.0, help="minutes of training before the discriminator joins")
    p.add_argument("--gan-frames", type=int, default=4, help="frames per clip the discriminator sees")
    p.add_argument("--latent-noise", type=float, default=0.3, help="max std of noise added to latents")
    p.add_argument("--noise-share", type=float, default=0.5, help="share of clips whose latents get noise")
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--val-max", type=int, default=64)
    return p.parse_args(argv)


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    ds = WorldShards(a.data)
    train_idx, val_idx = split_indices(ds)
    vds = ds
    if a.val:
        vds = WorldShards(a.val)
        val_idx = np.arange(len(vds))
    elif len(val_idx) == 0:
        val_idx = train_idx[-a.val_max:]
        train_idx = train_idx[:-a.val_max]
    val_idx = subsample(val_idx, a.val_max)
    vck = load_checkpoint(a.vae)
    if vck is None:
        raise SystemExit(f"no VAE checkpoint in {a.vae} (unpack the shipped weights: python3 -m training.weights unpack)")
    vae = build_model_from_ckpt(vck, ema=True).eval()
    if (ds.height, ds.width) != (vae.height * HDDecoder.scale, vae.width * HDDecoder.scale):
        log(f"[hd] note: clips are {ds.height}x{ds.width}, the VAE's frame is {vae.height}x{vae.width}")
    z_all = encode_all(vae, ds, np.arange(len(ds)), os.path.join(a.out, "latents.npy"))
    z_val = encode_all(vae, vds, np.arange(len(vds)), os.path.join(a.out, "val_latents.npy")) if a.val else z_all

    ck = load_checkpoint(a.out) if a.resume else None
    if ck is not None:
        dec = HDDecoder.from_config(ck["config"]); dec.load_state_dict(ck["model"])
        ema = HDDecoder.from_config(ck["config"]); ema.load_state_dict(ck["ema"])
    else:
        dec = HDDecoder(vae, a.head_channels, a.head_blocks)
        ema = copy.deepcopy(dec)
    ema.eval()
    for p_ in ema.parameters():
        p_.requires_grad_(False)
    opt = torch.optim.AdamW([{"params": list(dec.trunk_parameters()), "lr_mult": a.trunk_lr_mult},
                             {"params": list(dec.head_parameters()), "lr_mult": 1.0}], lr=a.lr, betas=(0.9, 0.99),
                            weight_decay=0.0)
    disc = PatchDiscriminator()
    d_opt = torch.optim.AdamW(disc.parameters(), lr=a.lr, betas=(0.5, 0.99), weight_decay=0.0)
    step, elapsed, seen = resume(ck, opt, "hd")
    if ck is not None and ck.get("disc"):
        disc.load_state_dict(ck["disc"]); d_opt.load_state_dict(ck["d_opt"])
    lat = tuple(z_all.shape[1:])
    log(f"[hd] train clips {len(train_idx)}, val {len(val_idx)}, clip {ds.frames}x{ds.height}x{ds.width}, latent {lat}, "
        f"{count_decoder_macs(dec, lat) / 1e9:.2f} G MAC/clip, batch {a.batch}, budget {a.minutes} min")

    rng = np.random.default_rng(a.seed + step)
    clock = RunClock(a)
    history = []
    last: Optional[dict] = None
    png_idx = val_idx[:3]

    def checkpoint():
        save_atomic({"model": dec.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                     "disc": disc.state_dict(), "d_opt": d_opt.state_dict(), "config": dec.config(),
                     "step": step, "elapsed": elapsed, "samples_seen": seen, "args": vars(a),
                     "machine": machine_info(), "saved": utc_now()}, os.path.join(a.out, CKPT_NAME))

    def run_eval():
        nonlocal last
        t0 = time.time()
        res = evaluate(ema, vds, z_val, val_idx)
        png = os.path.join(a.out, f"strip_step{step:07d}.png")
        save_strip(ema, vds, z_val, png_idx, png)
        history.append({"step": step, "elapsed_s": round(elapsed, 1), **res})
        last = {"step": step, "elapsed_s": round(elapsed, 1), "samples_seen": seen, "val": res, "history": history,
                "updated": utc_now()}
        write_json_atomic(last, os.path.join(a.out, "metrics.json"))
        log(f"[eval] step {step}: psnr {res['psnr']:.2f} dB (upscaled old decoder {res['psnr_base']:.2f}), sharpness "
            f"{res['sharpness']:.3f} (old {res['sharpness_base']:.3f}) on {res['clips']} clips | {png} "
            f"({time.time() - t0:.0f} s)")

    def eval_and_checkpoint():
        run_eval()
        checkpoint()

    win = {"loss": 0.0, "l1": 0.0, "edge": 0.0, "g": 0.0, "d": 0.0}
    win_n = win_steps = 0
    run_eval()
    clock.start()
    with checkpoint_on_interrupt(checkpoint, "hd"):
        while clock.running(step, elapsed):
            t0 = time.time()
            lr = clock.set_lr(opt, a.lr, elapsed)
            i = np.sort(rng.choice(train_idx, a.batch, replace=False))
            x = to_float(ds.gather(i))
            z = torch.from_numpy(np.asarray(z_all[i], np.float32))
            if a.latent_noise > 0:
                sd = torch.from_numpy(rng.uniform(0, a.latent_noise, a.batch).astype(np.float32))
                sd = sd * torch.from_numpy((rng.random(a.batch) < a.noise_share).astype(np.float32))
                z = z + sd.view(-1, 1, 1, 1, 1) * torch.randn_like(z)
            dec.train()
            out = torch.sigmoid(dec.decode_logits(z)["logits"])
            diff = out - x
            l1, mse, edge = diff.abs().mean(), (diff * diff).mean(), edge_l1(out, x)
            loss = l1 + a.mse * mse + a.edge * edge
            gan_on = a.gan > 0 and elapsed >= a.gan_start * 60
            g_loss = torch.zeros(())
            if gan_on:  # a few frames per clip: the discriminator judges frames, and all 16 cost 4x as much
                sel = torch.from_numpy(np.sort(rng.choice(out.shape[1], min(a.gan_frames, out.shape[1]), replace=False)))
                g_loss = -disc(out[:, sel]).mean()
                loss = loss + a.gan * g_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
            opt.step()
            d_loss = torch.zeros(())
            if gan_on:
                for g in d_opt.param_groups:
                    g["lr"] = lr
                d_loss = F.relu(1 - disc(x[:, sel])).mean() + F.relu(1 + disc(out[:, sel].detach())).mean()
                d_opt.zero_grad(set_to_none=True)
                d_loss.backward()
                d_opt.step()
            with torch.no_grad():
                decay = min(a.ema, (1.0 + step) / (10.0 + step))
                for pe, pm in zip(ema.parameters(), dec.parameters()):
                    pe.mul_(decay).add_(pm.detach(), alpha=1.0 - decay)
            if not math.isfinite(float(loss)):
                raise RuntimeError(f"non-finite loss at step {step}")
            step += 1
            seen += len(i)
            elapsed += time.time() - t0
            for k, v in (("loss", loss), ("l1", l1), ("edge", edge), ("g", g_loss), ("d", d_loss)):
                win[k] += float(v)
            win_steps += 1
            win_n += len(i)
            now = time.time()
            if clock.log_due(now):
                log(f"[train] step {step} loss {win['loss'] / win_steps:.4f} l1 {win['l1'] / win_steps:.4f} edge "
                    f"{win['edge'] / win_steps:.4f} g {win['g'] / win_steps:.3f} d {win['d'] / win_steps:.3f} lr {lr:.2e} | "
                    f"{clock.rate(win_n, now):.2f} clips/s | elapsed {elapsed / 60:.1f} min | eta {clock.eta(elapsed) / 60:.1f} min")
                win = {k: 0.0 for k in win}
                win_n = win_steps = 0
                clock.logged(now)
            clock.checkpoint_and_eval(now, checkpoint, eval_and_checkpoint)
    checkpoint()
    run_eval()
    log(f"[hd] done: step {step}, {seen} clips, {elapsed / 60:.1f} min; {os.path.join(a.out, CKPT_NAME)}")
    return {"step": step, "metrics": last}


if __name__ == "__main__":
    run_cli(main, "hd")
