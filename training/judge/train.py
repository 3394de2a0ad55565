"""Train the Kineo judge on world shards with a wall-clock budget.

    /usr/bin/python3 -m training.judge.train --data DIR [--val DIR] --out CKPT_DIR \
        --minutes M [--batch 32] [--lr 2e-3] [--resume]

Schedule is time based (linear warmup then cosine to 0 over --minutes of
training time, summed across resumes), so --minutes is honoured.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from ..shards import BatchSampler, WorldShards, iterate_sequential
from .augment import Augmenter, gaussian_blur
from .model import Judge, count_macs, count_params

CKPT_NAME = "ckpt.pt"


def to_float(frames_u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frames_u8)).float().mul_(1.0 / 255.0)


def lr_at(elapsed: float, budget: float, base_lr: float, warmup: float) -> float:
    if budget <= 0:
        return base_lr
    warm = min(1.0, (elapsed + 1e-9) / max(warmup, 1e-9)) if warmup > 0 else 1.0
    prog = min(1.0, elapsed / budget)
    return base_lr * warm * 0.5 * (1.0 + math.cos(math.pi * prog))


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


def save_atomic(obj, path: str):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def write_json_atomic(obj, path: str):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def machine_info() -> dict:
    return {"host": platform.node(), "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads()}


def load_checkpoint(out_dir: str) -> Optional[dict]:
    p = os.path.join(out_dir, CKPT_NAME)
    if not os.path.exists(p):
        return None
    return torch.load(p, map_location="cpu")


def build_model_from_ckpt(ck: dict) -> Judge:
    cfg = ck["model_config"]
    m = Judge(cfg["vocab_sizes"], width=cfg["width"], frames=cfg["frames"], height=cfg["height"],
              img_width=cfg["img_width"])
    m.load_state_dict(ck["model"])
    return m


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train the Kineo judge")
    p.add_argument("--data", required=True, help="training shard dir (records with split train, or no split)")
    p.add_argument("--val", default=None, help="validation shard dir (default: split=='val' records of --data)")
    p.add_argument("--out", required=True, help="checkpoint dir")
    p.add_argument("--minutes", type=float, required=True, help="training-time budget (total, across resumes)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--wd", type=float, default=0.05)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--smoothing", type=float, default=0.05)
    p.add_argument("--warmup-frac", type=float, default=0.03, help="warmup as fraction of budget (max 120 s)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-aug", action="store_true")
    p.add_argument("--log-every", type=float, default=20.0, help="seconds")
    p.add_argument("--ckpt-every", type=float, default=120.0, help="seconds")
    p.add_argument("--eval-every", type=float, default=300.0, help="seconds")
    p.add_argument("--val-max", type=int, default=2048, help="max val clips per evaluation")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many total steps (testing)")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    log = lambda s: print(s, flush=True)

    ds = WorldShards(a.data)
    splits = [ds.record(i).get("split") for i in range(len(ds))]
    train_idx = np.asarray([i for i, s in enumerate(splits) if s != "val"], dtype=np.int64)
    if len(train_idx) == 0:
        train_idx = np.arange(len(ds), dtype=np.int64)
    if a.val:
        vds = WorldShards(a.val)
        if vds.vocab != ds.vocab:
            raise SystemExit("--val vocab differs from --data vocab")
        val_idx = vds.indices
    else:
        vds = ds
        val_idx = np.asarray([i for i, s in enumerate(splits) if s == "val"], dtype=np.int64)
    if len(val_idx) > a.val_max:
        val_idx = np.sort(np.random.default_rng(1234).choice(val_idx, a.val_max, replace=False))
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
        model = Judge(ds.vocab_sizes(), width=a.width, frames=ds.frames, height=ds.height, img_width=ds.width)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.99))
    step, elapsed, seen = 0, 0.0, 0
    if ck is not None:
        opt.load_state_dict(ck["optimizer"])
        step, elapsed, seen = int(ck["step"]), float(ck["elapsed"]), int(ck["samples_seen"])
        log(f"[judge] resumed from step {step}, {elapsed / 60:.1f} min done")

    budget = a.minutes * 60.0
    warmup = min(120.0, a.warmup_frac * budget)
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
                     "macs": macs, "params": count_params(model),
                     "saved": _dt.datetime.now(_dt.timezone.utc).isoformat()},
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
                        "updated": _dt.datetime.now(_dt.timezone.utc).isoformat()}
        write_json_atomic(last_metrics, metrics_path)
        fmt = lambda d: " ".join(f"{h}={d[h]:.3f}" for h in heads) + f" | mean={d['mean']:.3f}"
        log(f"[eval] step {step} clean: {fmt(clean)}")
        log(f"[eval] step {step} blur1.5: {fmt(blur)}  ({time.time() - t0:.0f}s)")

    win_loss, win_n, win_steps = 0.0, 0, 0
    win_correct = {h: 0 for h in heads}
    t_log = t_ckpt = t_eval = time.time()
    win_t = time.time()
    try:
        while elapsed < budget and (a.max_steps <= 0 or step < a.max_steps):
            t0 = time.time()
            lr = lr_at(elapsed, budget, a.lr, warmup)
            for g in opt.param_groups:
                g["lr"] = lr
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
            if now - t_log >= a.log_every:
                rate = win_n / max(now - win_t, 1e-9)
                accs = " ".join(f"{h}={win_correct[h] / win_n:.2f}" for h in heads)
                eta = max(0.0, budget - elapsed)
                log(f"[train] step {step} loss {win_loss / win_steps:.4f} lr {lr:.2e} acc {accs} | "
                    f"{rate:.1f} clips/s | elapsed {elapsed / 60:.1f} min | eta {eta / 60:.1f} min")
                win_loss, win_n, win_steps = 0.0, 0, 0
                win_correct = {h: 0 for h in heads}
                t_log = win_t = now
            if now - t_ckpt >= a.ckpt_every:
                checkpoint()
                win_t += time.time() - now
                t_ckpt = time.time()
            if now - t_eval >= a.eval_every:
                t_e = time.time()
                run_eval()
                t_eval = time.time()
                win_t += t_eval - t_e  # keep eval time out of the clips/s figure
    except KeyboardInterrupt:
        log("[judge] interrupted, saving checkpoint")
        checkpoint()
        raise
    checkpoint()
    run_eval()
    checkpoint()
    log(f"[judge] done: step {step}, {seen} samples, {elapsed / 60:.1f} min; checkpoint {os.path.join(a.out, CKPT_NAME)}")
    return {"step": step, "elapsed": elapsed, "samples_seen": seen, "metrics": last_metrics}


if __name__ == "__main__":
    main()
