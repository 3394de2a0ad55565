"""Run scaffolding shared by the wall-clock budgeted trainers (judge, VAE, DiT).

Atomic checkpoint / JSON writes, the time-based learning-rate schedule, machine info, the common
command-line flags and ``RunClock`` (budget, warmup and the log / checkpoint / eval timers).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import math
import os
import platform
import signal
import time
from typing import Callable, Optional

import numpy as np
import torch

from ..shards import WorldShards, split_indices

CKPT_NAME = "ckpt.pt"


def log(s: str) -> None:
    print(s, flush=True)


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat()


def to_float(frames_u8: np.ndarray) -> torch.Tensor:
    """uint8 frames -> float32 tensor in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames_u8)).float().mul_(1.0 / 255.0)


def lr_at(elapsed: float, budget: float, base_lr: float, warmup: float, floor: float = 0.0) -> float:
    """Linear warmup over ``warmup`` s, then cosine from ``base_lr`` to ``floor * base_lr`` at ``budget`` s."""
    if budget <= 0:
        return base_lr
    warm = min(1.0, (elapsed + 1e-9) / max(warmup, 1e-9)) if warmup > 0 else 1.0
    prog = min(1.0, elapsed / budget)
    return base_lr * warm * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * prog)))


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


class StagedRun:
    """A run made of named stages, recorded in a JSON state file (``self.state_path``; ``self.state["stages"]``) so
    that a rerun skips what is finished. Subclasses set ``out``, ``state`` and ``state_path``."""

    out: str
    state: dict
    state_path: str

    def path(self, *parts: str) -> str:
        return os.path.join(self.out, *parts)

    def done(self, stage: str) -> bool:
        return self.state["stages"].get(stage, {}).get("status") == "done"

    def mark(self, stage: str, **info) -> None:
        self.state["stages"][stage] = {"status": "done", "finished": time.time(), **info}
        write_json_atomic(self.state, self.state_path)


def machine_info() -> dict:
    return {"host": platform.node(), "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads()}


def load_checkpoint(ckpt_dir: str) -> Optional[dict]:
    """``ckpt_dir/ckpt.pt`` loaded on the CPU, or None when there is none."""
    p = os.path.join(ckpt_dir, CKPT_NAME)
    if not os.path.exists(p):
        return None
    from .device import torch_load
    return torch_load(p)


def resume(ck: Optional[dict], opt: torch.optim.Optimizer, tag: str):
    """(step, elapsed training seconds, samples seen): zeros without a checkpoint, else the checkpoint's
    (``opt`` gets its state back)."""
    if ck is None:
        return 0, 0.0, 0
    if ck.get("optimizer") is None:  # packed weights (training/weights.py) or a grown model: new schedule
        step, seen = int(ck.get("step") or 0), int(ck.get("samples_seen") or 0)
        why = "the model grew" if ck.get("grown") else "starting from packed weights"
        log(f"[{tag}] {why} (step {step}): fresh optimizer, new warmup + schedule")
        return step, 0.0, seen
    step, elapsed, seen = int(ck["step"]), float(ck["elapsed"]), int(ck["samples_seen"])
    log(f"[{tag}] resumed from step {step}, {elapsed / 60:.1f} min done")
    return step, elapsed, seen


def make_adamw(model: torch.nn.Module, lr: float, wd: float,
               decays: Callable[[str, torch.nn.Parameter], bool] = lambda n, p: p.ndim > 1):
    """AdamW with weight decay on the parameters ``decays(name, p)`` selects, none on the rest."""
    decay = [p for n, p in model.named_parameters() if decays(n, p)]
    decay_ids = {id(p) for p in decay}
    no_decay = [p for p in model.parameters() if id(p) not in decay_ids]
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.99))


def subsample(idx: np.ndarray, most: int, seed: int = 1234) -> np.ndarray:
    """At most ``most`` of ``idx`` (a fixed random subset, sorted)."""
    if len(idx) > most:
        return np.sort(np.random.default_rng(seed).choice(idx, most, replace=False))
    return idx


def train_val_shards(data: str, val: Optional[str], key: Callable[[WorldShards], object], mismatch: str):
    """``(ds, train_idx, vds, val_idx)`` for ``--data`` / ``--val``: the train / val split of ``data``'s records,
    or with ``val`` every record there as the val set (``key`` of both must agree, else SystemExit(mismatch))."""
    ds = WorldShards(data)
    train_idx, val_idx = split_indices(ds)
    vds = ds
    if val:
        vds = WorldShards(val)
        if key(vds) != key(ds):
            raise SystemExit(mismatch)
        val_idx = vds.indices
    return ds, train_idx, vds, val_idx


def add_run_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Flags every budgeted trainer takes (budget, schedule warmup, resume, seed, threads, timers)."""
    p.add_argument("--minutes", type=float, required=True, help="training-time budget (total, across resumes)")
    p.add_argument("--warmup-frac", type=float, default=0.03, help="warmup as fraction of budget (max 120 s)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--log-every", type=float, default=20.0, help="seconds")
    p.add_argument("--ckpt-every", type=float, default=120.0, help="seconds")
    p.add_argument("--eval-every", type=float, default=300.0, help="seconds")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many total steps (testing)")
    return p


@contextlib.contextmanager
def checkpoint_on_interrupt(checkpoint: Callable[[], None], tag: str):
    """Ctrl-C inside the block saves a checkpoint, then propagates."""
    try:
        yield
    except KeyboardInterrupt:
        log(f"[{tag}] interrupted, saving checkpoint")
        checkpoint()
        raise


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a container stop) turned into an interrupt, so it saves the checkpoint like
    Ctrl-C does. A job started with ``&`` from a script ignores SIGINT, so ``kill PID`` is the way to stop one."""


def _raise_terminated(signum, frame):
    raise Terminated()


def run_cli(main: Callable[[], object], tag: str) -> None:
    """Run a trainer's ``main`` as a command: Ctrl-C or SIGTERM (after :func:`checkpoint_on_interrupt` saved the
    checkpoint) ends it with one line and exit status 130 (143 for SIGTERM) instead of a traceback."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        main()
    except KeyboardInterrupt as stop:
        by_sigterm = isinstance(stop, Terminated)
        log(f"[{tag}] stopped by {'SIGTERM' if by_sigterm else 'Ctrl-C'}; "
            "run the same command with --resume to continue from the last checkpoint")
        raise SystemExit(143 if by_sigterm else 130)
    finally:
        signal.signal(signal.SIGTERM, previous)


class RunClock:
    """Budget (``--minutes`` of training time, summed across resumes), warmup and the wall-clock timers
    of a training loop (flags from ``add_run_args``).

    The log window's throughput (``rate``) leaves out time spent checkpointing and evaluating."""

    def __init__(self, a: argparse.Namespace, lr_floor: float = 0.0):
        self.budget = a.minutes * 60.0
        self.warmup = min(120.0, a.warmup_frac * self.budget)
        self.max_steps = a.max_steps
        self.log_every, self.ckpt_every, self.eval_every = a.log_every, a.ckpt_every, a.eval_every
        self.lr_floor = lr_floor
        self.start()

    def start(self) -> None:
        """(Re)start the timers; call right before the loop."""
        self.t_log = self.t_ckpt = self.t_eval = self.win_t = time.time()

    def running(self, step: int, elapsed: float) -> bool:
        return elapsed < self.budget and (self.max_steps <= 0 or step < self.max_steps)

    def set_lr(self, opt: torch.optim.Optimizer, base_lr: float, elapsed: float) -> float:
        lr = lr_at(elapsed, self.budget, base_lr, self.warmup, self.lr_floor)
        for g in opt.param_groups:
            g["lr"] = lr * g.get("lr_mult", 1.0)
        return lr

    def eta(self, elapsed: float) -> float:
        return max(0.0, self.budget - elapsed)

    def log_due(self, now: float) -> bool:
        return now - self.t_log >= self.log_every

    def rate(self, n: int, now: float) -> float:
        """Samples per second over the current log window."""
        return n / max(now - self.win_t, 1e-9)

    def logged(self, now: float) -> None:
        """Close the log window."""
        self.t_log = self.win_t = now

    def checkpoint_and_eval(self, now: float, checkpoint: Callable[[], None], evaluate: Callable[[], object]) -> None:
        """Run ``checkpoint`` / ``evaluate`` when their intervals have passed."""
        if now - self.t_ckpt >= self.ckpt_every:
            checkpoint()
            self.win_t += time.time() - now
            self.t_ckpt = time.time()
        if now - self.t_eval >= self.eval_every:
            t_e = time.time()
            evaluate()
            self.t_eval = time.time()
            self.win_t += self.t_eval - t_e  # keep eval time out of the samples/s figure
