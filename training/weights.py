"""kineo-mini's trained weights in one portable file: the EMA weights of the VAE and of the text encoder + DiT in
float16, with their configs, the vocabulary, the latent normalisation and the training summary.

    /usr/bin/python3 -m training.weights pack --vae RUN/vae --dit RUN/dit --out training/weights/kineo-mini.npz
    /usr/bin/python3 -m training.weights unpack --weights FILE.npz --out RUN   # RUN/vae/ckpt.pt + RUN/dit/ckpt.pt

Why npz: it is read by numpy alone, by any torch version (a lent GPU runs torch 2.x, this machine 1.13), and it is
half the size of a float32 checkpoint. ``unpack`` rebuilds checkpoints that ``--resume`` and the exporters take,
with a fresh optimizer (the trainers warm up again), so training accumulates across sessions and machines.
``--split-mib`` writes parts ``FILE.npz.000``, ``.001`` … (a lent machine returns files of at most 16 MiB);
``unpack`` joins them.
"""
from __future__ import annotations

import argparse
import glob
import io
import json
import os
from typing import Dict, Optional

import numpy as np
import torch

from .common.device import torch_load
from .common.run import CKPT_NAME, save_atomic

FORMAT = "kineo-mini-weights/1"


def _ema_state(ck: dict, kind: str) -> Dict[str, torch.Tensor]:
    if kind in ("vae", "hd"):
        return ck["ema"]
    return ck["ema"]["shadow"]  # the DiT's EMA keeps its shadow dict


def pack(vae_dir: str, dit_dir: str, hd_dir: Optional[str] = None) -> Dict[str, np.ndarray]:
    """``hd_dir``: the 2x decoder's run (training.vae.train_hd), packed beside the VAE it decodes for."""
    arrays: Dict[str, np.ndarray] = {}
    meta = {"format": FORMAT}
    kinds = [("vae", vae_dir), ("dit", dit_dir)] + ([("hd", hd_dir)] if hd_dir else [])
    for kind, d in kinds:
        ck = torch_load(os.path.join(d, CKPT_NAME))
        for k, v in _ema_state(ck, kind).items():
            t = v.detach().cpu()
            arrays[f"{kind}/{k}"] = t.numpy().astype(np.float16) if t.is_floating_point() and t.ndim > 0 else t.numpy()
        info = {key: ck.get(key) for key in ("model_config", "step", "elapsed", "samples_seen", "args", "machine",
                                             "params", "saved", "config")}
        if kind == "dit":
            info.update({"vocab": ck["vocab"], "latent_norm": ck["latent_norm"], "history": ck.get("history", [])})
        metrics = os.path.join(d, "metrics.json")
        if os.path.exists(metrics):
            info["metrics"] = json.load(open(metrics))
        meta[kind] = info
    arrays["meta.json"] = np.frombuffer(json.dumps(meta, default=str).encode(), dtype=np.uint8)
    return arrays


def write(arrays: Dict[str, np.ndarray], out: str, split_mib: float = 0.0) -> list:
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = buf.getvalue()
    if split_mib <= 0:
        tmp = out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
        return [out]
    step = int(split_mib * 2 ** 20)
    paths = []
    for i, s in enumerate(range(0, len(data), step)):
        p = f"{out}.{i:03d}"
        with open(p, "wb") as f:
            f.write(data[s:s + step])
        paths.append(p)
    return paths


def read(path: str) -> Dict[str, np.ndarray]:
    """The arrays of ``path``, or of its parts ``path.000``, ``path.001`` … joined."""
    if os.path.exists(path):
        data = open(path, "rb").read()
    else:
        parts = sorted(glob.glob(glob.escape(path) + ".[0-9][0-9][0-9]"))
        if not parts:
            raise SystemExit(f"{path}: no such weights file (nor parts {path}.000 …)")
        data = b"".join(open(p, "rb").read() for p in parts)
    with np.load(io.BytesIO(data)) as z:
        return {k: z[k] for k in z.files}


def meta_of(arrays: Dict[str, np.ndarray]) -> dict:
    meta = json.loads(arrays["meta.json"].tobytes().decode())
    if meta.get("format") != FORMAT:
        raise SystemExit(f"unsupported weights format {meta.get('format')!r} (want {FORMAT!r})")
    return meta


def state_dict(arrays: Dict[str, np.ndarray], kind: str) -> Dict[str, torch.Tensor]:
    pre = kind + "/"
    return {k[len(pre):]: torch.from_numpy(np.array(v)).float() if v.dtype == np.float16 else torch.from_numpy(np.array(v))
            for k, v in arrays.items() if k.startswith(pre)}


def checkpoints(arrays: Dict[str, np.ndarray]) -> Dict[str, dict]:
    """Checkpoint dicts (as the trainers write them, without optimizer state) for ``vae``, ``dit`` and, when packed,
    ``hd`` (the 2x decoder)."""
    meta = meta_of(arrays)
    out = {}
    for kind in ("vae", "dit") + (("hd",) if "hd" in meta else ()):
        info = dict(meta[kind])
        sd = state_dict(arrays, kind)
        ck = {"model": sd, "step": info.get("step") or 0, "elapsed": info.get("elapsed") or 0.0,
              "samples_seen": info.get("samples_seen") or 0, "model_config": info["model_config"],
              "args": info.get("args") or {}, "machine": info.get("machine"), "params": info.get("params"),
              "saved": info.get("saved"), "from_weights": True, "metrics": info.get("metrics")}
        if kind == "vae":
            ck["ema"] = sd
        elif kind == "hd":
            ck.update({"ema": sd, "config": info["config"]})
        else:
            ck["ema"] = {"decay": float((info.get("args") or {}).get("ema", 0.999)), "updates": 10 ** 6,
                         "shadow": sd}
            ck.update({"vocab": info["vocab"], "latent_norm": info["latent_norm"], "history": info.get("history", [])})
        out[kind] = ck
    return out


def unpack(weights: str, out: str) -> None:
    cks = checkpoints(read(weights))
    for kind, ck in cks.items():
        d = os.path.join(out, kind)
        os.makedirs(d, exist_ok=True)
        save_atomic(ck, os.path.join(d, CKPT_NAME))
        if ck.get("metrics"):
            with open(os.path.join(d, "metrics.json"), "w") as f:
                json.dump(ck["metrics"], f, indent=2)
        print(f"[weights] {kind}: step {ck['step']} -> {os.path.join(d, CKPT_NAME)}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="pack / unpack kineo-mini's fp16 EMA weights")
    sub = p.add_subparsers(dest="cmd", required=True)
    pk = sub.add_parser("pack")
    pk.add_argument("--vae", required=True)
    pk.add_argument("--dit", required=True)
    pk.add_argument("--hd", default=None, help="the 2x decoder's run dir (training.vae.train_hd --out)")
    pk.add_argument("--out", required=True)
    pk.add_argument("--split-mib", type=float, default=0.0)
    up = sub.add_parser("unpack")
    up.add_argument("--weights", required=True)
    up.add_argument("--out", required=True)
    a = p.parse_args(argv)
    if a.cmd == "pack":
        paths = write(pack(a.vae, a.dit, a.hd), a.out, a.split_mib)
        print(f"[weights] wrote {', '.join(paths)} ({sum(os.path.getsize(x) for x in paths) / 2 ** 20:.1f} MiB)")
    else:
        unpack(a.weights, a.out)


if __name__ == "__main__":
    main()
