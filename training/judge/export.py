"""Export a trained judge checkpoint to ONNX + model.json.

    /usr/bin/python3 -m training.judge.export --ckpt CKPT_DIR --out models/judge
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
from typing import List

import torch
import torch.nn as nn

from .model import Judge
from .train import CKPT_NAME, build_model_from_ckpt, write_json_atomic


class _TupleOut(nn.Module):
    def __init__(self, model: Judge):
        super().__init__()
        self.model = model
        self.names = list(model.output_names)

    def forward(self, clip):
        out = self.model(clip)
        return tuple(out[n] for n in self.names)


def export_onnx(model: Judge, path: str, opset: int = 17) -> List[str]:
    """Export ``model`` (switched to eval mode) to ``path``; returns the output names."""
    model = model.eval()
    wrapper = _TupleOut(model).eval()
    dummy = torch.rand(2, model.frames, model.height, model.img_width, 3)
    names = wrapper.names
    dyn = {"clip": {0: "batch"}}
    for n in names:
        dyn[n] = {0: "batch"}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(wrapper, (dummy,), path, input_names=["clip"], output_names=names,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True)
    import onnx  # validate
    onnx.checker.check_model(onnx.load(path))
    return names


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    p = argparse.ArgumentParser(description="export the Kineo judge to ONNX")
    p.add_argument("--ckpt", required=True, help="checkpoint dir (from training.judge.train --out)")
    p.add_argument("--out", required=True, help="output dir, e.g. models/judge")
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    ck = torch.load(os.path.join(a.ckpt, CKPT_NAME), map_location="cpu")
    model = build_model_from_ckpt(ck).eval()
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "judge.onnx")
    names = export_onnx(model, onnx_path)
    metrics = None
    mp = os.path.join(a.ckpt, "metrics.json")
    if os.path.exists(mp):
        with open(mp, "r", encoding="utf-8") as f:
            metrics = json.load(f)
    cfg = ck["model_config"]
    heads = {h: ck["vocab"][h] for h in ck["heads"]}
    meta = {
        "name": "kineo-judge",
        "version": "1",
        "format": "kineo-judge/1",
        "input": {"name": "clip", "frames": cfg["frames"], "height": cfg["height"], "width": cfg["img_width"],
                  "layout": "BTHWC", "range": [0, 1], "dtype": "float32"},
        "heads": heads,
        "outputs": {
            "logits": {h: f"logits_{h}" for h in heads},
            "frame_features": {"name": "frame_features", "dims": ["batch", cfg["frames"], model.frame_dim],
                               "use": "cosine similarity of consecutive frames (temporal consistency)"},
            "names": names,
        },
        "files": {"judge.onnx": {"sha256": sha256_file(onnx_path), "bytes": os.path.getsize(onnx_path)}},
        "model": {"arch": "3d-cnn", "width": cfg["width"], "params": ck.get("params"), "macs_per_clip": ck.get("macs")},
        "training": {
            "steps": ck["step"],
            "samples_seen": ck["samples_seen"],
            "wall_time_s": round(float(ck["elapsed"]), 1),
            "machine": ck.get("machine"),
            "args": {k: v for k, v in ck.get("args", {}).items() if k in ("batch", "lr", "wd", "minutes", "width", "smoothing", "seed")},
            "saved": ck.get("saved"),
            "val_metrics": metrics,
        },
    }
    write_json_atomic(meta, os.path.join(a.out, "model.json"))
    print(f"[export] {onnx_path} ({os.path.getsize(onnx_path) / 1024:.0f} KiB), outputs {names}")


if __name__ == "__main__":
    main()
