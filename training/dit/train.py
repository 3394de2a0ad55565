"""Train kineo-mini's text encoder + DiT (rectified flow) on precomputed VAE latents, with a wall-clock budget.

    /usr/bin/python3 -m training.dit.train --latents DIR --vocab vocab.json --out CKPT_DIR --minutes M \
        [--batch 32] [--lr 5e-4] [--ema 0.999] [--dim 256 --depth 8 --heads 4 --patch auto] \
        [--text-dim 256 --text-layers 4] [--pooled-text] [--resume]

Latents dir (``kineo-latents/1``):
* ``DIR/latents.npy``: float16 or float32, ``(N, C, T', H', W')`` (VAE encoder means, already in the
  VAE's normalised space if it has one);
* ``DIR/captions.jsonl``: N lines, row i describes latent i: ``{"caption": "...", ...}``; rows with
  ``"split": "val"`` are held out (validation loss + previews);
* optional ``DIR/coverage.npy``: float16 ``(N, T', H', W')``, the objects' share of each latent cell
  (``training.vae.encode_latents`` of shards rendered with ``--coverage``); ``--object-weight W`` weights each
  cell's loss by ``1 + W * coverage``, and ``--motion-weight M`` adds ``M *`` the coverage a cell has in the
  previous or next latent frame beyond its own (the cells a moving object leaves or reaches);
  ``--balance-motion P`` draws clips with probability ~ count(their motion label) ** -P (training.dit.balance);
* optional ``DIR/first.npy`` / ``DIR/last.npy``: (N, C, 1, H', W'), the latent of the clip's first / last frame held
  still (``training.vae.encode_latents``); ``--cond`` puts them in place of the first / last latent frame, with
  timestep 0, to teach image-to-video and first + last frame; its prefix pattern gives the clip's own first k latent
  frames, to teach extension (DiT docstring: per-frame timesteps);
* optional ``DIR/meta.json``: ``{"latent_mean": m, "latent_std": s}`` (scalars or per-channel lists).
  Without it the per-channel mean / std of the training latents is used (``--latent-norm none``: 0 / 1).
  The model works on ``z = (latent - mean) / std``; the stats travel in the checkpoint and model.json.

Schedule: linear warmup (3 % of the budget, <= 2 min) then cosine to 10 % of --lr at --minutes of
training time (summed across resumes). Checkpoint ``CKPT_DIR/ckpt.pt`` (atomic) every 2 min, on Ctrl-C and
at the end; ``--resume`` continues. Logs every 20 s (step, loss, lr, samples/s, elapsed, ETA); validation
loss (EMA weights, fixed noise) every 5 min; at the end ``loss.png``, ``metrics.json`` and
``preview_latents.npy`` + ``preview.json`` (EMA samples for a few captions; decode them with the VAE).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time
from typing import List, Tuple

import numpy as np
import torch

from ..common.png import comparison_grid, save_line_plot, write_png
from ..common.run import (CKPT_NAME, RunClock, add_run_args, checkpoint_on_interrupt, load_checkpoint, log,
                          machine_info, make_adamw, resume, save_atomic, subsample, utc_now,
                          write_json_atomic, run_cli)
from ..text.tokenizer import load_vocab, tokenize_batch, vocab_from_json
from ..common.device import AMP_MODES, generator, pick_device, use_amp
from .balance import epoch_order, label_draw_weights
from .flow import EMA, draw_conditions, flow_loss, object_weights, sample, sample_sigma
from .model import KineoMini, count_params
from ..text.label_heads import LabelHeads, label_classes, label_targets

LR_FLOOR = 0.1  # the cosine ends at LR_FLOOR * --lr


class LatentSet:
    """latents.npy + captions.jsonl (+ meta.json), see the module docstring."""

    def __init__(self, root: str):
        self.root = root
        self.latents = np.load(os.path.join(root, "latents.npy"), mmap_mode="r")
        if self.latents.ndim != 5:
            raise ValueError(f"latents.npy must be (N, C, T, H, W), got {self.latents.shape}")
        with open(os.path.join(root, "captions.jsonl"), "r", encoding="utf-8") as f:
            self.rows = [json.loads(line) for line in f if line.strip()]
        if len(self.rows) != len(self.latents):
            raise ValueError(f"{len(self.rows)} captions for {len(self.latents)} latents")
        self.captions = [r.get("caption", "") for r in self.rows]
        cp = os.path.join(root, "coverage.npy")
        self.coverage = np.load(cp, mmap_mode="r") if os.path.exists(cp) else None
        if self.coverage is not None and self.coverage.shape != (len(self.latents), *self.latents.shape[2:]):
            raise ValueError(f"coverage.npy is {self.coverage.shape}, latents.npy {self.latents.shape}")
        ends = [os.path.join(root, f) for f in ("first.npy", "last.npy")]
        self.first, self.last = ((np.load(ends[0], mmap_mode="r"), np.load(ends[1], mmap_mode="r"))
                                 if all(os.path.exists(e) for e in ends) else (None, None))
        mp = os.path.join(root, "meta.json")
        self.meta = json.load(open(mp, "r", encoding="utf-8")) if os.path.exists(mp) else {}
        splits = [r.get("split") for r in self.rows]
        self.train_idx = np.asarray([i for i, s in enumerate(splits) if s != "val"], dtype=np.int64)
        self.val_idx = np.asarray([i for i, s in enumerate(splits) if s == "val"], dtype=np.int64)
        if len(self.train_idx) == 0:
            self.train_idx = np.arange(len(self.rows), dtype=np.int64)

    def __len__(self):
        return len(self.latents)

    @property
    def shape(self):
        return tuple(self.latents.shape[1:])

    def norm_stats(self, mode: str = "auto", max_rows: int = 4096) -> dict:
        c = self.shape[0]
        if mode == "none":
            return {"mean": [0.0] * c, "std": [1.0] * c, "source": "none"}
        if "latent_mean" in self.meta and "latent_std" in self.meta:
            m, s = self.meta["latent_mean"], self.meta["latent_std"]
            m = [float(m)] * c if np.isscalar(m) else [float(v) for v in m]
            s = [float(s)] * c if np.isscalar(s) else [float(v) for v in s]
            return {"mean": m, "std": s, "source": "meta.json"}
        idx = self.train_idx
        if len(idx) > max_rows:
            idx = np.sort(np.random.default_rng(0).choice(idx, max_rows, replace=False))
        x = np.asarray(self.latents[idx], dtype=np.float64)
        m = x.mean(axis=(0, 2, 3, 4))
        s = x.std(axis=(0, 2, 3, 4))
        return {"mean": m.tolist(), "std": np.maximum(s, 1e-6).tolist(), "source": f"train latents ({len(idx)} rows)"}


def with_lr_mult(opt: torch.optim.Optimizer, mults: dict) -> torch.optim.Optimizer:
    """The same optimizer with each group split by learning-rate multiplier (``mults``: id(param) -> mult, 1 for
    the rest); :meth:`RunClock.set_lr` applies ``lr_mult``."""
    groups = []
    for g in opt.param_groups:
        by_mult: dict = {}
        for p in g["params"]:
            by_mult.setdefault(float(mults.get(id(p), 1.0)), []).append(p)
        for mult, params in sorted(by_mult.items()):
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": params, "lr_mult": mult})
    return type(opt)(groups, **opt.defaults)


def normalize(x, norm: dict) -> torch.Tensor:
    """numpy or torch latents -> float32 model-space tensor (on the input tensor's device)."""
    t = x.float() if isinstance(x, torch.Tensor) else torch.from_numpy(np.asarray(x, dtype=np.float32))
    m = torch.tensor(norm["mean"], dtype=torch.float32, device=t.device).view(1, -1, 1, 1, 1)
    s = torch.tensor(norm["std"], dtype=torch.float32, device=t.device).view(1, -1, 1, 1, 1)
    return (t - m) / s


def denormalize(z: torch.Tensor, norm: dict) -> torch.Tensor:
    m = torch.tensor(norm["mean"], dtype=torch.float32, device=z.device).view(1, -1, 1, 1, 1)
    s = torch.tensor(norm["std"], dtype=torch.float32, device=z.device).view(1, -1, 1, 1, 1)
    return z * s + m


def model_from_checkpoint(ck: dict, pooled_text: bool = False) -> Tuple[KineoMini, bool]:
    """(model with the checkpoint's training weights, grown). ``pooled_text`` adds the pooled-text path to a model
    trained without it (grown = True): its zero-initialised layers are the only weights the checkpoint lacks."""
    cfg = dict(ck["model_config"])
    grown = pooled_text and not cfg.get("pooled_text")
    if grown:
        cfg["pooled_text"] = True
        log("[dit] adding the pooled-text path (zero-initialised: the model's output is unchanged until it learns)")
    model = KineoMini.from_config(cfg)
    missing, unexpected = model.load_state_dict(ck["model"], strict=not grown)
    if unexpected or any(not k.startswith("dit.y_pool.") for k in missing):
        raise SystemExit(f"checkpoint does not fit the model: missing {missing}, unexpected {unexpected}")
    return model, grown


def build_model_from_ckpt(ck: dict, use_ema: bool = True) -> KineoMini:
    m, _ = model_from_checkpoint(ck)
    if use_ema and ck.get("ema"):
        ema = EMA(m)
        ema.load_state_dict(ck["ema"])
        ema.copy_to(m)
    return m


@torch.no_grad()
def val_loss(model, x0: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor, batch: int = 64) -> float:
    """Fixed-noise loss (seeded sigma / eps, no caption dropout) -> comparable across evaluations."""
    model.eval()
    g = torch.Generator().manual_seed(1234)  # CPU numbers, so the figure is the same on every device
    sig = sample_sigma(len(x0), g).to(x0.device)
    noise = torch.randn(x0.shape, generator=g).to(x0.device)
    tot = 0.0
    for i in range(0, len(x0), batch):
        sl = slice(i, i + batch)
        tot += float(flow_loss(model, x0[sl], ids[sl], mask[sl], p_uncond=0.0, sigma=sig[sl], noise=noise[sl])) * len(x0[sl])
    return tot / max(len(x0), 1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train kineo-mini (text encoder + DiT, rectified flow)")
    p.add_argument("--latents", required=True,
                   help="dir with latents.npy + captions.jsonl (+ meta.json); several dirs, comma-separated, train on "
                        "each one's latent grid (1:1, 16:9, 9:16 clips), one grid per batch")
    p.add_argument("--mix", default=None, metavar="W1,W2,...",
                   help="with several --latents dirs: the share of batches drawn from each (default: by clip count)")
    p.add_argument("--vocab", required=True, help="vocab.json (node bin/kineo.mjs world vocab -o FILE)")
    p.add_argument("--out", required=True, help="checkpoint dir")
    add_run_args(p)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--wd", type=float, default=0.01)
    p.add_argument("--ema", type=float, default=0.999, help="EMA decay")
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--patch", default="auto", help="pt,ph,pw; auto: 1,2,2 when H' and W' are >= 8 and even, else 1,1,1")
    p.add_argument("--text-dim", type=int, default=256)
    p.add_argument("--text-layers", type=int, default=4)
    p.add_argument("--text-heads", type=int, default=4)
    p.add_argument("--p-uncond", type=float, default=0.1, help="caption dropout probability")
    p.add_argument("--latent-norm", choices=["auto", "none"], default="auto")
    p.add_argument("--object-weight", type=float, default=0.0,
                   help="weight each latent cell's loss by 1 + W * (the objects' coverage of it); needs coverage.npy "
                        "(render with `kineo world data --coverage`); 0 = plain MSE")
    p.add_argument("--motion-weight", type=float, default=0.0,
                   help="add M * (the objects' coverage of the cell in the previous or next latent frame beyond its "
                        "coverage now) to each cell's weight: the cells a moving object leaves or reaches, where a "
                        "damped model smears it; needs coverage.npy; 0 = off")
    p.add_argument("--balance-motion", type=float, default=0.0, metavar="P",
                   help="draw each epoch's clips with probability ~ count(their motion) ** -P (0 = plain shuffle; "
                        "0.5 halves the 26 %% 'stay' clips and lifts every other motion ~1.2x); needs labels in "
                        "captions.jsonl")
    p.add_argument("--text-aux", type=float, default=0.0,
                   help="add W x the cross-entropy of linear label heads (object, motion, background, ...) on the "
                        "pooled text states, so the text encoder keeps every attribute apart; needs labels in "
                        "captions.jsonl; 0 = off")
    p.add_argument("--text-aux-lr", type=float, default=1e-2,
                   help="learning rate of the label heads (high: the v1 encoder's object differences are faint)")
    p.add_argument("--text-lr-mult", type=float, default=1.0,
                   help="the text encoder's learning rate = this x --lr (the optimizer's groups change with it, so "
                        "a --resume must keep the same value)")
    p.add_argument("--embed-lr-mult", type=float, default=1.0,
                   help="the token embedding's learning rate = this x --lr: a word's row only moves in the batches "
                        "that hold it, so rare words (the 96 object phrasings) need a larger step; same --resume rule")
    p.add_argument("--pooled-text", action="store_true",
                   help="condition every block's adaLN on the masked mean of the text states as well (added to the "
                        "timestep embedding, zero-initialised); on --resume of a model without it, the path is added "
                        "and the optimizer starts afresh. A checkpoint that has it keeps it")
    p.add_argument("--cond", default="1,0,0,0", metavar="NONE,FIRST,FIRST_LAST,PREFIX",
                   help="probabilities of the conditioning patterns drawn per clip: none (text only), the first frame "
                        "(a still picture), first + last frame, the clip's own first k latent frames (extension); "
                        "still pictures need first.npy / last.npy in --latents (training.vae.encode_latents)")
    p.add_argument("--context-noise", type=float, default=0.0, metavar="MAX",
                   help="with --cond extension clips: the given frames of a clip's own (not still pictures) enter "
                        "noised to a level drawn uniformly in [0, MAX] per clip, with that timestep, so long clips "
                        "drawn window by window do not compound their errors (0 = always clean)")
    p.add_argument("--clip", type=float, default=1.0, help="grad-norm clip (0 = off)")
    p.add_argument("--val-max", type=int, default=256)
    p.add_argument("--previews", type=int, default=4, help="captions sampled at the end (0 = none)")
    p.add_argument("--preview-steps", type=int, default=20)
    p.add_argument("--preview-guidance", type=float, default=4.0)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--amp", choices=AMP_MODES, default="auto",
                   help="bf16 autocast: auto = on CUDA only; on = also on a CPU with AVX512-BF16/AMX (~3.5x faster "
                        "than fp32 there; not bit-reproducible across machines); off = fp32 everywhere")
    p.add_argument("--no-amp", action="store_true", help="same as --amp off")
    p.add_argument("--vae", default=None,
                   help="VAE checkpoint dir: at every evaluation, decode a few EMA samples into sample_stepN.png")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)

    sets = [LatentSet(d) for d in a.latents.split(",") if d]
    ds = sets[0]  # vocabulary, latent norm, validation and previews come from the first (the model's own grid)
    for other in sets[1:]:
        if other.shape[:2] != ds.shape[:2]:
            raise SystemExit(f"--latents {other.root}: channels and frames {other.shape[:2]} differ from {ds.root}'s {ds.shape[:2]}")
    try:
        mix = ([float(v) for v in a.mix.split(",")] if a.mix else [float(len(s.train_idx)) for s in sets])
        if len(mix) != len(sets) or any(v < 0 for v in mix) or sum(mix) <= 0:
            raise ValueError(f"give {len(sets)} non-negative weights, not all 0")
    except ValueError as e:
        raise SystemExit(f"--mix: {e}")
    mix = np.asarray(mix) / sum(mix)
    weighted = a.object_weight > 0 or a.motion_weight > 0
    for one in sets:
        if weighted and one.coverage is None:
            raise SystemExit(f"--object-weight / --motion-weight need {os.path.join(one.root, 'coverage.npy')}: render the shards with "
                             "`kineo world data --coverage` and encode them again (training.vae.encode_latents)")
    try:
        cond_p = [float(v) for v in a.cond.split(",")]
        draw_conditions(1, ds.shape[1], cond_p)
    except ValueError as e:
        raise SystemExit(f"--cond: {e}")
    for one in sets:
        if (cond_p[1] > 0 or cond_p[2] > 0) and one.first is None:
            raise SystemExit(f"--cond with still pictures needs first.npy and last.npy in {one.root}: encode the shards "
                             "again with training.vae.encode_latents")
    conditioned = any(v > 0 for v in cond_p[1:])
    ck = load_checkpoint(a.out) if a.resume else None
    if a.resume and ck is None:
        log(f"[dit] --resume: no checkpoint in {a.out}, starting fresh")
    if ck is not None:
        vocab = vocab_from_json(ck["vocab"])
        norm = ck["latent_norm"]
    else:
        vocab = load_vocab(a.vocab)
        norm = ds.norm_stats(a.latent_norm)
    tokens = [tokenize_batch(one.captions, vocab) for one in sets]
    unknown: dict = {}
    for _, _, u in tokens:
        for k, v in u.items():
            unknown[k] = unknown.get(k, 0) + v
    if unknown:
        top = sorted(unknown.items(), key=lambda kv: -kv[1])[:10]
        log(f"[dit] warning: {len(unknown)} unknown words map to <unk>: {top}")
    device = pick_device(a.device)
    amp = use_amp(device, "off" if a.no_amp else a.amp)
    log(f"[dit] device {device.type}, {'bf16 autocast' if amp else 'fp32'}")
    aux_classes = None
    if a.text_aux > 0:
        aux_classes = (ck.get("aux") or {}).get("classes") if ck is not None else None
        aux_classes = aux_classes or label_classes(ds.rows)
        if not aux_classes:
            raise SystemExit(f"--text-aux needs labels in {os.path.join(a.latents, 'captions.jsonl')} "
                             "(rows written by training.vae.encode_latents from world shards have them)")
        aux_targets = [{h: torch.from_numpy(v).to(device) for h, v in label_targets(one.rows, aux_classes).items()}
                       for one in sets]
    set_ids = [(torch.from_numpy(i).to(device), torch.from_numpy(m).to(device)) for i, m, _ in tokens]
    ids_all, mask_all = set_ids[0]  # the first set's: validation and previews

    torch.manual_seed(a.seed)
    if ck is not None:
        model, grown = model_from_checkpoint(ck, pooled_text=a.pooled_text)
        if grown and ck.get("optimizer") is not None:  # its groups no longer match the parameters
            ck = {**ck, "optimizer": None, "grown": True}
    else:
        c, t, h, w = ds.shape
        if a.patch == "auto":
            patch = (1, 2, 2) if h >= 8 and w >= 8 and h % 2 == 0 and w % 2 == 0 else (1, 1, 1)
        else:
            patch = tuple(int(v) for v in a.patch.split(","))
        model = KineoMini(len(vocab), c, (t, h, w), patch, a.dim, a.depth, a.heads, a.text_dim, a.text_layers,
                          a.text_heads, vocab.max_tokens, pooled_text=a.pooled_text)
    model.to(device)
    opt = make_adamw(model, a.lr, a.wd, lambda n, p: p.ndim > 1 and "table" not in n and ".pos" not in n)
    if a.text_lr_mult != 1.0 or a.embed_lr_mult != 1.0:
        mults = {id(p): a.text_lr_mult for p in model.text.parameters()}
        mults[id(model.text.tok.weight)] = a.embed_lr_mult
        opt = with_lr_mult(opt, mults)
    ema = EMA(model, a.ema)
    history: List[dict] = []
    heads = aux_opt = None
    if aux_classes:
        heads = LabelHeads(model.text.dim, aux_classes).to(device)
        aux_opt = torch.optim.AdamW(heads.parameters(), lr=a.text_aux_lr, weight_decay=0.0)
        if ck is not None and ck.get("aux"):
            heads.load_state_dict(ck["aux"]["state"])
            if ck.get("aux_optimizer"):
                aux_opt.load_state_dict(ck["aux_optimizer"])
                for g in aux_opt.param_groups:  # the saved state carries the old lr: this run's flag wins
                    g["lr"] = a.text_aux_lr
    if ck is not None:
        ema.load_state_dict(ck["ema"])
        if ck.get("from_weights"):  # a new run on packed weights: its own --ema, not the packed run's decay
            ema.decay = a.ema
        history = list(ck.get("history", []))
    step, elapsed, seen = resume(ck, opt, "dit")

    clock = RunClock(a, lr_floor=LR_FLOOR)
    cfg = model.config()
    for k, one in enumerate(sets[1:], 1):
        log(f"[dit] + latents {one.shape} x {len(one)} from {one.root}, {mix[k]:.0%} of batches")
    log(f"[dit] latents {ds.shape} x {len(ds)} (train {len(ds.train_idx)}, val {len(ds.val_idx)}), "
        f"{model.dit.num_tokens} tokens{f', {mix[0]:.0%} of batches' if len(sets) > 1 else ''}; norm from {norm['source']}"
        f"{f'; object weight {a.object_weight:g}' if a.object_weight > 0 else ''}"
        f"{f'; motion weight {a.motion_weight:g}' if a.motion_weight > 0 else ''}"
        f"{f'; motion balance {a.balance_motion:g}' if a.balance_motion > 0 else ''}"
        f"{f'; conditions none/first/first+last/prefix {a.cond}' if conditioned else ''}"
        f"{f'; text label heads x {a.text_aux:g} ({len(aux_classes)} heads)' if aux_classes else ''}")
    log(f"[dit] params: text {count_params(model.text):,} + dit {count_params(model.dit):,} = "
        f"{count_params(model):,}; batch {a.batch}, budget {a.minutes} min, threads {torch.get_num_threads()}")

    eval_idx = subsample(ds.val_idx if len(ds.val_idx) else ds.train_idx, a.val_max)
    ev_x = normalize(ds.latents[eval_idx], norm).to(device)
    ev_ids, ev_mask = ids_all[eval_idx], mask_all[eval_idx]

    rng = np.random.default_rng(a.seed + step)
    gen = generator(device, a.seed + step)
    cond_gen = torch.Generator().manual_seed(a.seed + 7919 + step)
    def balance(k: int, one: LatentSet):
        try:
            return label_draw_weights(one.rows, one.train_idx, "motion", a.balance_motion)
        except ValueError as e:
            if k == 0:
                raise SystemExit(f"--balance-motion: {e}")
            # an extra set without motion labels (training.pictures: camera moves only) is shuffled plainly
            log(f"[dit] {one.root}: no motion labels, drawn without --balance-motion")
            return None
    draw_p = [balance(k, one) for k, one in enumerate(sets)]
    order = [[epoch_order(rng, one.train_idx, p), 0] for one, p in zip(sets, draw_p)]  # per set: [perm, pos]
    # on a GPU every training latent lives there (fp16: 8 KiB a clip), normalised per batch
    resident = ([torch.from_numpy(np.asarray(one.latents)).to(device) for one in sets]
                if device.type == "cuda" else None)
    resident_cov = ([torch.from_numpy(np.asarray(one.coverage)).to(device) for one in sets]
                    if weighted and device.type == "cuda" else None)

    def cell_weights(coverage) -> torch.Tensor:
        return object_weights(coverage, a.object_weight, a.motion_weight)

    def conditions(x0: torch.Tensor, idx: np.ndarray, one: LatentSet):
        """(given (B, T') or None, the latents to put there or None, their noise levels (B, T') or None) for a
        batch of ``one``, drawn with --cond (and --context-noise)."""
        if not conditioned:
            return None, None, None
        given, still = draw_conditions(len(idx), x0.shape[2], cond_p, cond_gen)
        src = x0
        if bool(still.any()):
            src = x0.clone()
            sf, sl = still[:, 0].to(device), still[:, -1].to(device)
            first = normalize(one.first[idx], norm).to(device)[:, :, 0]
            last = normalize(one.last[idx], norm).to(device)[:, :, 0]
            src[:, :, 0] = torch.where(sf[:, None, None, None], first, src[:, :, 0])
            src[:, :, -1] = torch.where(sl[:, None, None, None], last, src[:, :, -1])
        given_sigma = None
        if a.context_noise > 0:
            level = torch.rand(len(idx), generator=cond_gen) * a.context_noise
            given_sigma = torch.where(given & ~still, level[:, None], torch.zeros(()))
        return given.to(device), src, given_sigma

    def next_batch():
        """(latents, ids, mask, loss weights or None, row indices, set number) of the next training batch: every
        clip of a batch comes from one set, so from one latent grid."""
        k = int(rng.choice(len(sets), p=mix)) if len(sets) > 1 else 0
        one, (perm, pos) = sets[k], order[k]
        if pos + a.batch > len(perm):
            perm, pos = epoch_order(rng, one.train_idx, draw_p[k]), 0
        idx = np.sort(perm[pos:pos + a.batch])
        order[k] = [perm, pos + a.batch]
        ids_k, mask_k = set_ids[k]
        if resident is not None:
            t_idx = torch.from_numpy(idx).to(device)
            w = cell_weights(resident_cov[k].index_select(0, t_idx)) if weighted else None
            return normalize(resident[k].index_select(0, t_idx), norm), ids_k[t_idx], mask_k[t_idx], w, idx, k
        w = cell_weights(torch.from_numpy(np.asarray(one.coverage[idx]))) if weighted else None
        return normalize(one.latents[idx], norm), ids_k[idx], mask_k[idx], w, idx, k

    def checkpoint():
        aux = ({"aux": {"classes": aux_classes, "state": heads.state_dict()}, "aux_optimizer": aux_opt.state_dict()}
               if heads is not None else {})
        save_atomic({**aux, "model": model.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                     "step": step, "elapsed": elapsed, "samples_seen": seen, "vocab": vocab.to_json(),
                     "latent_norm": norm, "model_config": cfg, "history": history, "args": vars(a),
                     "machine": machine_info(), "params": count_params(model),
                     "saved": utc_now()},
                    os.path.join(a.out, CKPT_NAME))

    vae = None
    if a.vae:
        from ..common.device import torch_load
        from ..vae.train import build_model_from_ckpt as build_vae
        vae = build_vae(torch_load(os.path.join(a.vae, CKPT_NAME))).eval().to(device)

    def run_eval():
        t0 = time.time()
        em = ema.model_copy(model)
        vl = val_loss(em, ev_x, ev_ids, ev_mask)
        history.append({"step": step, "elapsed": round(elapsed, 1), "val_loss": vl})
        plot_losses()
        sample_png = save_samples(em) if vae is not None and a.previews > 0 else None
        log(f"[eval] step {step} val loss (ema, fixed noise, {len(ev_x)} rows) {vl:.4f}"
            f"{'; samples ' + sample_png if sample_png else ''}  ({time.time() - t0:.0f}s)")
        return vl

    def plot_losses():
        tr = [h for h in history if "loss" in h]
        va = [h for h in history if "val_loss" in h]
        save_line_plot(os.path.join(a.out, "loss.png"),
                       [([h["step"] for h in tr], [h["loss"] for h in tr], (31, 119, 180), "train"),
                        ([h["step"] for h in va], [h["val_loss"] for h in va], (214, 39, 40), "val (ema)")])

    @torch.no_grad()
    def save_samples(em) -> str:
        """EMA samples of the first --previews captions, decoded: 4 frames per caption, one row each."""
        pidx = (ds.val_idx if len(ds.val_idx) else ds.train_idx)[: a.previews]
        z = sample(em, ids_all[pidx], mask_all[pidx], steps=a.preview_steps, shift=1.0,
                   guidance=a.preview_guidance, generator=torch.Generator().manual_seed(0))
        frames = vae.decode(denormalize(z, norm).to(device)).float().clamp(0, 1).mul(255).round().to(torch.uint8)
        frames = frames.cpu().numpy()
        t = frames.shape[1]
        grid = comparison_grid(frames, frames, sorted({0, t // 3, (2 * t) // 3, t - 1}))
        h = frames.shape[2]
        rows = [grid[(2 * i) * (h + 2):(2 * i) * (h + 2) + h] for i in range(len(frames))]  # originals only
        path = os.path.join(a.out, f"sample_step{step:07d}.png")
        write_png(path, np.concatenate(rows, 0))
        with open(os.path.join(a.out, "samples.json"), "w", encoding="utf-8") as f:
            json.dump({"step": step, "captions": [ds.captions[i] for i in pidx], "png": os.path.basename(path)}, f)
        return os.path.basename(path)

    win_loss, win_steps, win_n = 0.0, 0, 0
    win_aux, win_obj = 0.0, 0.0
    clock.start()
    with checkpoint_on_interrupt(checkpoint, "dit"):
        while clock.running(step, elapsed):
            t0 = time.time()
            lr = clock.set_lr(opt, a.lr, elapsed)
            x0, ids, mask, weight, idx, k = next_batch()
            model.train()
            given, given_latents, given_sigma = conditions(x0, idx, sets[k])
            loss = flow_loss(model, x0, ids, mask, generator=gen, p_uncond=a.p_uncond, amp=amp,
                             weight=weight, given=given, given_latents=given_latents, given_sigma=given_sigma)
            total = loss
            if heads is not None:  # the batch's captions as written (flow_loss drops some): every attribute readable
                states, smask = model.text(ids, mask)
                rows = torch.from_numpy(idx).to(device)
                aux_loss, aux_acc = heads.loss(states, smask, {h: v[rows] for h, v in aux_targets[k].items()})
                total = loss + a.text_aux * aux_loss
                win_aux += float(aux_loss)
                win_obj += aux_acc.get("object", 0.0)
                aux_opt.zero_grad(set_to_none=True)
            opt.zero_grad(set_to_none=True)
            total.backward()
            if heads is not None:
                aux_opt.step()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            ema.update(model)
            lv = float(loss)
            if not math.isfinite(lv):
                raise RuntimeError(f"non-finite loss at step {step}")
            step += 1
            seen += len(x0)
            elapsed += time.time() - t0
            win_loss += lv
            win_steps += 1
            win_n += len(x0)
            now = time.time()
            if clock.log_due(now):
                history.append({"step": step, "elapsed": round(elapsed, 1), "loss": win_loss / win_steps})
                aux_txt = (f" | text heads CE {win_aux / win_steps:.3f}, object acc {win_obj / win_steps:.2f}"
                           if heads is not None else "")
                log(f"[train] step {step} loss {win_loss / win_steps:.4f} lr {lr:.2e} | {clock.rate(win_n, now):.1f} "
                    f"samples/s | elapsed {elapsed / 60:.1f} min | eta {clock.eta(elapsed) / 60:.1f} min{aux_txt}")
                win_loss, win_steps, win_n = 0.0, 0, 0
                win_aux, win_obj = 0.0, 0.0
                clock.logged(now)
            clock.checkpoint_and_eval(now, checkpoint, run_eval)
    if win_steps:
        history.append({"step": step, "elapsed": round(elapsed, 1), "loss": win_loss / win_steps})
    vl = run_eval()
    checkpoint()

    write_json_atomic({"step": step, "elapsed_s": round(elapsed, 1), "samples_seen": seen, "val_loss": vl,
                       "history": history, "params": count_params(model), "model_config": cfg,
                       "updated": utc_now()},
                      os.path.join(a.out, "metrics.json"))
    if a.previews > 0:
        pidx = (ds.val_idx if len(ds.val_idx) else ds.train_idx)[: a.previews]
        em = ema.model_copy(model)
        z = sample(em, ids_all[pidx], mask_all[pidx], steps=a.preview_steps, shift=1.0,
                   guidance=a.preview_guidance, generator=torch.Generator().manual_seed(0))
        np.save(os.path.join(a.out, "preview_latents.npy"), denormalize(z, norm).cpu().numpy())
        write_json_atomic({"captions": [ds.captions[i] for i in pidx], "rows": pidx.tolist(),
                           "steps": a.preview_steps, "guidance": a.preview_guidance, "shift": 1.0},
                          os.path.join(a.out, "preview.json"))
    log(f"[dit] done: step {step}, {seen} samples, {elapsed / 60:.1f} min; checkpoint {os.path.join(a.out, CKPT_NAME)}")
    return {"step": step, "elapsed": elapsed, "samples_seen": seen, "val_loss": vl, "history": history}


if __name__ == "__main__":
    run_cli(main, "dit")
