"""Train the Kineo judge on world shards with a wall-clock budget.

    /usr/bin/python3 -m training.judge.train --data DIR [--val DIR] --out CKPT_DIR \
        --minutes M [--batch 32] [--lr 2e-3] [--resume]

Schedule is time based (linear warmup then cosine to 0 over --minutes of
training time, summed across resumes), so --minutes is honoured.
"""
from __future__ import annotations

import argparse
import math
import os
import time
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from ..common.run import (CKPT_NAME, RunClock, add_run_args, checkpoint_on_interrupt, load_checkpoint, log,
                          machine_info, make_adamw, resume, save_atomic, subsample, to_float,
                          train_val_shards, utc_now, write_json_atomic, run_cli)
from ..common.run import lr_at  # noqa: F401  (kept as training.judge.train.lr_at)
from ..shards import BatchSampler, WorldShards, iterate_sequential
from .augment import Augmenter, gaussian_blur
from .model import Judge, count_macs, count_params


def loss_fn(out: Dict[str, torch.Tensor], labels: Dict[str, torch.Tensor], heads: List[str],
            smoothing: float = 0.05):
    total = 0.0
    correct = {}
    for h in heads:
        logits = out[f"logits_{h}"]
        y = labels[h]
        total = total + F.cross_entropy(logits, y, label_smoothing=smoothing)
        correct[h] = int((logits.argmax(1) == y).sum())
    return total, correct


def train_step(model, opt, clips: torch.Tensor, labels: Dict[str, torch.Tensor], heads: List[str],
               smoothing: float = 0.05):
    model.train()
    out = model(clips)
    loss, correct = loss_fn(out, labels, heads, smoothing)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss), correct


@torch.no_grad()
def evaluate(model, ds: WorldShards, indices: np.ndarray, heads: List[str], batch: int = 64,
             blur_sigma: float = 0.0) -> Dict[str, float]:
    model.eval()
    correct = {h: 0 for h in heads}
    n = 0
    for frames, lab in iterate_sequential(ds, batch, indices):
        x = to_float(frames)
        if blur_sigma > 0:
            x = gaussian_blur(x, blur_sigma)
        out = model(x)
        for h in heads:
            correct[h] += int((out[f"logits_{h}"].argmax(1) == torch.from_numpy(lab[h])).sum())
        n += len(frames)
    acc = {h: correct[h] / max(n, 1) for h in heads}
    acc["mean"] = float(np.mean([acc[h] for h in heads])) if heads else 0.0
    acc["clips"] = n
    return acc


def build_model_from_ckpt(ck: dict) -> Judge:
    cfg = ck["model_config"]
    m = Judge(cfg["vocab_sizes"], width=cfg["width"], frames=cfg["frames"], height=cfg["height"],
              img_width=cfg["img_width"], greyscale=bool(cfg.get("greyscale")))
    m.load_state_dict(ck["model"])
    return m


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train the Kineo judge")
    p.add_argument("--data", required=True, help="training shard dir (records with split train, or no split)")
    p.add_argument("--val", default=None, help="validation shard dir (default: split=='val' records of --data)")
    p.add_argument("--out", required=True, help="checkpoint dir")
    add_run_args(p)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--wd", type=float, default=0.05)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--smoothing", type=float, default=0.05)
    p.add_argument("--no-aug", action="store_true")
    p.add_argument("--greyscale", action="store_true", help="a colour-blind judge: it sees luma only (shape counts)")
    p.add_argument("--val-max", type=int, default=2048, help="max val clips per evaluation")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)

    ds, train_idx, vds, val_idx = train_val_shards(a.data, a.val, lambda d: d.vocab,
                                                   "--val vocab differs from --data vocab")
    val_idx = subsample(val_idx, a.val_max)
    heads = ds.heads

    torch.manual_seed(a.seed)
    ck = load_checkpoint(a.out) if a.resume else None
    if ck is not None:
        if ck["vocab"] != ds.vocab:
            raise SystemExit("checkpoint vocab differs from --data vocab")
        model = build_model_from_ckpt(ck)
    else:
        if a.resume:
            log(f"[judge] --resume: no checkpoint in {a.out}, starting fresh")
        model = Judge(ds.vocab_sizes(), width=a.width, frames=ds.frames, height=ds.height, img_width=ds.width,
                      greyscale=a.greyscale)
    opt = make_adamw(model, a.lr, a.wd)
    step, elapsed, seen = resume(ck, opt, "judge")

    clock = RunClock(a)
    macs = count_macs(model)
    log(f"[judge] train clips {len(train_idx)}, val clips {len(val_idx)}, heads {heads}")
    log(f"[judge] params {count_params(model):,}, forward {macs / 1e6:.1f} M MAC/clip, batch {a.batch}, "
        f"budget {a.minutes} min, threads {torch.get_num_threads()}")

    sampler = BatchSampler(ds, a.batch, seed=a.seed + step, indices=train_idx)
    aug = None if a.no_aug else Augmenter(generator=torch.Generator().manual_seed(a.seed + step))
    metrics_path = os.path.join(a.out, "metrics.json")
    last_metrics: Optional[dict] = None

    def checkpoint():
        save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                     "elapsed": elapsed, "samples_seen": seen, "vocab": ds.vocab, "heads": heads,
                     "model_config": model.config(), "args": vars(a), "machine": machine_info(),
                     "macs": macs, "params": count_params(model), "saved": utc_now()},
                    os.path.join(a.out, CKPT_NAME))

    def run_eval():
        nonlocal last_metrics
        if len(val_idx) == 0:
            return
        t0 = time.time()
        clean = evaluate(model, vds, val_idx, heads)
        blur = evaluate(model, vds, val_idx, heads, blur_sigma=1.5)
        last_metrics = {"step": step, "elapsed_s": round(elapsed, 1), "samples_seen": seen,
                        "val_clips": int(len(val_idx)), "val": {"clean": clean, "blur1.5": blur},
                        "updated": utc_now()}
        write_json_atomic(last_metrics, metrics_path)
        fmt = lambda d: " ".join(f"{h}={d[h]:.3f}" for h in heads) + f" | mean={d['mean']:.3f}"
        log(f"[eval] step {step} clean: {fmt(clean)}")
        log(f"[eval] step {step} blur1.5: {fmt(blur)}  ({time.time() - t0:.0f}s)")

    win_loss, win_n, win_steps = 0.0, 0, 0
    win_correct = {h: 0 for h in heads}
    clock.start()
    with checkpoint_on_interrupt(checkpoint, "judge"):
        while clock.running(step, elapsed):
            t0 = time.time()
            lr = clock.set_lr(opt, a.lr, elapsed)
            frames, lab = sampler.next()
            x = to_float(frames)
            if aug is not None:
                x = aug(x, inplace=True)
            y = {h: torch.from_numpy(lab[h]) for h in heads}
            loss, correct = train_step(model, opt, x, y, heads, a.smoothing)
            if not math.isfinite(loss):
                raise RuntimeError(f"non-finite loss at step {step}")
            step += 1
            seen += len(frames)
            elapsed += time.time() - t0
            win_loss += loss
            win_steps += 1
            win_n += len(frames)
            for h in heads:
                win_correct[h] += correct[h]
            now = time.time()
            if clock.log_due(now):
                accs = " ".join(f"{h}={win_correct[h] / win_n:.2f}" for h in heads)
                log(f"[train] step {step} loss {win_loss / win_steps:.4f} lr {lr:.2e} acc {accs} | "
                    f"{clock.rate(win_n, now):.1f} clips/s | elapsed {elapsed / 60:.1f} min | "
                    f"eta {clock.eta(elapsed) / 60:.1f} min")
                win_loss, win_n, win_steps = 0.0, 0, 0
                win_correct = {h: 0 for h in heads}
                clock.logged(now)
            clock.checkpoint_and_eval(now, checkpoint, run_eval)
    checkpoint()
    run_eval()
    checkpoint()
    log(f"[judge] done: step {step}, {seen} samples, {elapsed / 60:.1f} min; checkpoint {os.path.join(a.out, CKPT_NAME)}")
    return {"step": step, "elapsed": elapsed, "samples_seen": seen, "metrics": last_metrics}


if __name__ == "__main__":
    run_cli(main, "judge")
