"""Distil kineo-mini's DiT into a student that draws in few steps without guidance (issue 25 item 3).

    /usr/bin/python3 -m training.dit.distill --teacher DIT_CKPT_DIR --latents DIR[,DIR...] --out CKPT_DIR --minutes M \
        [--steps 4] [--teacher-steps 8] [--guidance 8] [--batch 16] [--lr 5e-5] [--cond 0.45,0.2,0.1,0.25] [--resume]

Guidance and steps are distilled in one objective (the recipe of guidance-distilled, progressively distilled flow
models, in one stage): the student starts as the teacher; for a clip noised to a point ``sigma_k`` of the
student's ``--steps``-step schedule, the teacher walks to ``sigma_{k+1}`` with ``--teacher-steps / --steps`` Euler
steps of classifier-free guidance (two evaluations each); the student learns the one velocity that lands there,
``v* = (x_teacher - x) / (sigma_{k+1} - sigma_k)``, with the conditional caption alone. The student then costs
``--steps`` evaluations at batch 1 against the teacher's ``2 x --teacher-steps``: 4 against 16 with the defaults.
Frames given as conditions (a first or last picture, the tail of a window) are drawn as the DiT trainer draws them
(``--cond``, ``--context-noise``) and held fixed on both paths, so pictures and long clips keep working. 10 % of the
captions are the unconditional one (the teacher's guided velocity is then its unconditional one), so an empty prompt
still draws. The checkpoint is the DiT trainer's format: ``training.export_model --dit OUT`` exports it (write
``--steps 4 --guidance 1`` into model.json, guidance 1 = the conditional model alone).
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import time
from typing import List

import numpy as np
import torch

from ..common.device import AMP_MODES, autocast, pick_device, use_amp
from ..common.run import (CKPT_NAME, RunClock, add_run_args, checkpoint_on_interrupt, load_checkpoint, log,
                          machine_info, make_adamw, resume, save_atomic, utc_now, write_json_atomic, run_cli)
from ..text.tokenizer import tokenize_batch, vocab_from_json
from .flow import CAPTION_DROPOUT, EMA, draw_conditions, drop_captions, sigma_schedule, uncond_tokens
from .train import LatentSet, build_model_from_ckpt, model_from_checkpoint, normalize


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="distil kineo-mini's DiT to few steps without guidance")
    p.add_argument("--teacher", required=True, help="the teacher's DiT checkpoint dir (its EMA weights)")
    p.add_argument("--latents", required=True, help="latent set dir(s), comma-separated (training.vae.encode_latents)")
    p.add_argument("--mix", default="", help="share of batches per latent set (default: by size)")
    p.add_argument("--out", required=True)
    add_run_args(p)
    p.add_argument("--steps", type=int, default=4, help="the student's steps")
    p.add_argument("--teacher-steps", type=int, default=8, help="the teacher's steps over the same schedule")
    p.add_argument("--guidance", type=float, default=8.0, help="the teacher's CFG scale")
    p.add_argument("--shift", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--wd", type=float, default=0.0)
    p.add_argument("--ema", type=float, default=0.995)
    p.add_argument("--cond", default="0.45,0.2,0.1,0.25", help="none/first/first+last/prefix probabilities")
    p.add_argument("--context-noise", type=float, default=0.15)
    p.add_argument("--amp", choices=AMP_MODES, default="auto")
    p.add_argument("--device", default="auto")
    a = p.parse_args(argv)
    if a.teacher_steps % a.steps:
        p.error("--teacher-steps must be a multiple of --steps")
    return a


@torch.no_grad()
def teacher_walk(teacher, x, sig_from, sig_to, sub: int, states, m, guidance: float, given, given_src, amp: bool):
    """``sub`` guided Euler steps of the teacher from per-clip ``sig_from`` to ``sig_to`` (B,), given frames fixed at
    timestep ``given_t`` (their noise level); returns x at ``sig_to``."""
    b = x.shape[0]
    given_mask, given_t = given
    for j in range(sub):
        s0 = sig_from + (sig_to - sig_from) * (j / sub)
        s1 = sig_from + (sig_to - sig_from) * ((j + 1) / sub)
        t = torch.where(given_mask, given_t, s0[:, None])
        with autocast(x.device, amp):
            vc, vu = teacher.dit(torch.cat([x, x]), torch.cat([t, t]), states, m).float().chunk(2)
        v = vu + guidance * (vc - vu)
        x = x + (s1 - s0).view(b, 1, 1, 1, 1) * v
        x = torch.where(given_mask[:, None, :, None, None], given_src, x)
    return x


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    device = pick_device(a.device)
    amp = use_amp(device, a.amp)
    tck = load_checkpoint(a.teacher)
    if tck is None:
        raise SystemExit(f"no checkpoint in {a.teacher} (python3 -m training.weights unpack the shipped weights)")
    teacher = build_model_from_ckpt(tck).to(device).eval()
    for p_ in teacher.parameters():
        p_.requires_grad_(False)
    vocab, norm = vocab_from_json(tck["vocab"]), tck["latent_norm"]
    sets = [LatentSet(d) for d in a.latents.split(",") if d]
    mix = np.asarray([float(v) for v in a.mix.split(",")] if a.mix else [float(len(s.train_idx)) for s in sets])
    mix = mix / mix.sum()
    cond_p = [float(v) for v in a.cond.split(",")]
    tokens = [tokenize_batch(one.captions, vocab) for one in sets]
    ids_sets = [(torch.from_numpy(i).to(device), torch.from_numpy(m).to(device)) for i, m, _ in tokens]

    ck = load_checkpoint(a.out) if a.resume else None
    student, _ = model_from_checkpoint(ck if ck is not None else tck)
    if ck is None:  # the student starts as the teacher's EMA weights
        student.load_state_dict(teacher.state_dict())
    student.to(device)
    opt = make_adamw(student, a.lr, a.wd, lambda n, p: p.ndim > 1 and "table" not in n and ".pos" not in n)
    ema = EMA(student, a.ema)
    history: List[dict] = []
    if ck is not None:
        ema.load_state_dict(ck["ema"])
        history = list(ck.get("history", []))
    step, elapsed, seen = resume(ck, opt, "distill")
    sched = sigma_schedule(a.steps, a.shift).to(device)
    sub = a.teacher_steps // a.steps
    rng = np.random.default_rng(a.seed + step)
    gen = torch.Generator().manual_seed(a.seed + 17 + step)
    log(f"[distill] teacher {a.teacher} (guidance {a.guidance:g}, {a.teacher_steps} steps) -> student {a.steps} steps "
        f"unguided; {sum(len(s.train_idx) for s in sets)} clips in {len(sets)} set(s); batch {a.batch}, "
        f"budget {a.minutes} min, {'bf16' if amp else 'fp32'}, threads {torch.get_num_threads()}")

    def batch():
        k = int(rng.choice(len(sets), p=mix))
        one = sets[k]
        idx = np.sort(rng.choice(one.train_idx, a.batch, replace=False))
        x0 = normalize(one.latents[idx], norm).to(device)
        ids, mask = ids_sets[k][0][idx], ids_sets[k][1][idx]
        given, still = draw_conditions(a.batch, x0.shape[2], cond_p, gen)
        src = x0.clone()
        if bool(still.any()) and one.first is not None:
            first = normalize(one.first[idx], norm).to(device)[:, :, 0]
            last = normalize(one.last[idx], norm).to(device)[:, :, 0]
            src[:, :, 0] = torch.where(still[:, 0].to(device)[:, None, None, None], first, src[:, :, 0])
            src[:, :, -1] = torch.where(still[:, -1].to(device)[:, None, None, None], last, src[:, :, -1])
        level = torch.rand(a.batch, generator=gen) * a.context_noise
        given_t = torch.where(given & ~still, level[:, None], torch.zeros(())).to(device)
        return x0, ids, mask, given.to(device), given_t, src

    def checkpoint():
        save_atomic({"model": student.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                     "step": step, "elapsed": elapsed, "samples_seen": seen, "vocab": tck["vocab"],
                     "latent_norm": norm, "model_config": student.config(), "history": history,
                     "args": {**vars(a), "distilled_from": os.path.abspath(a.teacher)}, "machine": machine_info(),
                     "saved": utc_now()}, os.path.join(a.out, CKPT_NAME))

    def run_eval():
        write_json_atomic({"step": step, "elapsed_s": round(elapsed, 1), "history": history[-50:],
                           "updated": utc_now()}, os.path.join(a.out, "metrics.json"))

    clock = RunClock(a)
    win, win_n, win_steps = 0.0, 0, 0
    clock.start()
    with checkpoint_on_interrupt(checkpoint, "distill"):
        while clock.running(step, elapsed):
            t0 = time.time()
            lr = clock.set_lr(opt, a.lr, elapsed)
            x0, ids, mask, given, given_t, src = batch()
            ids, mask = drop_captions(ids, mask, CAPTION_DROPOUT, gen)
            k = torch.from_numpy(rng.integers(0, a.steps, a.batch)).to(device)
            s0, s1 = sched[k], sched[k + 1]
            eps = torch.randn(x0.shape, generator=gen).to(device)
            # given frames enter at their own noise level (context noise) with the clip's noise, as in training
            gsrc = src + given_t[:, None, :, None, None] * (eps - src)
            x = (1 - s0.view(-1, 1, 1, 1, 1)) * x0 + s0.view(-1, 1, 1, 1, 1) * eps
            x = torch.where(given[:, None, :, None, None], gsrc, x)
            with torch.no_grad():
                u_ids, u_mask = uncond_tokens(a.batch, ids.shape[1], device)
                states, m = teacher.text(torch.cat([ids, u_ids]), torch.cat([mask, u_mask]))
            x1 = teacher_walk(teacher, x, s0, s1, sub, states, m, a.guidance, (given, given_t), gsrc, amp)
            target = (x1 - x) / (s1 - s0).view(-1, 1, 1, 1, 1)
            student.train()
            t_in = torch.where(given, given_t, s0[:, None])
            with autocast(device, amp):
                v = student(x, t_in, ids, mask).float()
            w = (~given)[:, None, :, None, None].float()
            loss = ((v - target).pow(2) * w).mean() / w.mean().clamp_min(1e-8)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            opt.step()
            ema.update(student)
            if not math.isfinite(float(loss)):
                raise RuntimeError(f"non-finite loss at step {step}")
            step += 1
            seen += a.batch
            elapsed += time.time() - t0
            win += float(loss)
            win_n += a.batch
            win_steps += 1
            now = time.time()
            if clock.log_due(now):
                history.append({"step": step, "elapsed": round(elapsed, 1), "loss": win / win_steps})
                log(f"[distill] step {step} loss {win / win_steps:.4f} lr {lr:.2e} | {clock.rate(win_n, now):.2f} clips/s | "
                    f"elapsed {elapsed / 60:.1f} min | eta {clock.eta(elapsed) / 60:.1f} min")
                win, win_n, win_steps = 0.0, 0, 0
                clock.logged(now)
            clock.checkpoint_and_eval(now, checkpoint, run_eval)
    if win_steps:
        history.append({"step": step, "elapsed": round(elapsed, 1), "loss": win / win_steps})
    checkpoint()
    run_eval()
    log(f"[distill] done: step {step}, {seen} clips, {elapsed / 60:.1f} min; {os.path.join(a.out, CKPT_NAME)}")
    return {"step": step, "elapsed": elapsed}


if __name__ == "__main__":
    run_cli(main, "distill")
