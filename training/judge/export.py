"""Export a trained judge checkpoint to ONNX + model.json.

    /usr/bin/python3 -m training.judge.export --ckpt CKPT_DIR --out models/judge
"""
from __future__ import annotations

import os
from typing import List

import torch
import torch.nn as nn

from ..common.export import export_parser, file_entry, load_ckpt, onnx_export, read_metrics, training_summary
from ..common.run import write_json_atomic
from .model import Judge
from .train import build_model_from_ckpt


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
    onnx_export(wrapper, (dummy,), path, ["clip"], names, opset)
    return names


def main(argv=None):
    a = export_parser("export the Kineo judge to ONNX", "training.judge.train", "models/judge").parse_args(argv)
    torch.set_num_threads(2)
    ck = load_ckpt(a.ckpt)
    model = build_model_from_ckpt(ck).eval()
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "judge.onnx")
    names = export_onnx(model, onnx_path)
    metrics = read_metrics(a.ckpt)
    cfg = ck["model_config"]
    heads = {h: ck["vocab"][h] for h in ck["heads"]}
    meta = {
        "name": "kineo-judge-grey" if cfg.get("greyscale") else "kineo-judge",
        "version": "1",
        # a colour-blind judge turns the RGB it is given into luma inside its graph: it reads shapes, not colours
        **({"greyscale": True} if cfg.get("greyscale") else {}),
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
        "files": {"judge.onnx": file_entry(onnx_path)},
        "model": {"arch": "3d-cnn", "width": cfg["width"], "params": ck.get("params"), "macs_per_clip": ck.get("macs")},
        "training": {
            **training_summary(ck, ("batch", "lr", "wd", "minutes", "width", "smoothing", "seed", "greyscale")),
            "val_metrics": metrics,
        },
    }
    write_json_atomic(meta, os.path.join(a.out, "model.json"))
    print(f"[export] {onnx_path} ({os.path.getsize(onnx_path) / 1024:.0f} KiB), outputs {names}")


if __name__ == "__main__":
    main()
