"""Helpers shared by the ONNX exporters (judge, VAE, kineo-mini): checkpoint loading, ONNX export with a
dynamic batch axis, sha256 file entries for the manifests, and the manifests' training summary."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
from typing import Iterable, Optional, Sequence

import torch

from .run import CKPT_NAME


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entry(path: str) -> dict:
    """A manifest's ``files`` entry: ``{"sha256", "bytes"}``."""
    return {"sha256": sha256_file(path), "bytes": os.path.getsize(path)}


def export_parser(description: str, trainer: str, out_example: str) -> argparse.ArgumentParser:
    """``--ckpt`` (a ``trainer --out`` dir) and ``--out`` (e.g. ``out_example``)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--ckpt", required=True, help=f"checkpoint dir (from {trainer} --out)")
    p.add_argument("--out", required=True, help=f"output dir, e.g. {out_example}")
    return p


def load_ckpt(ckpt_dir: str) -> dict:
    from .device import torch_load
    return torch_load(os.path.join(ckpt_dir, CKPT_NAME))


def read_metrics(ckpt_dir: str) -> Optional[dict]:
    """``ckpt_dir/metrics.json`` written by the trainer, or None."""
    mp = os.path.join(ckpt_dir, "metrics.json")
    if not os.path.exists(mp):
        return None
    with open(mp, "r", encoding="utf-8") as f:
        return json.load(f)


def check_onnx(path: str, required: bool = True) -> None:
    """Validate with the ``onnx`` package (skipped when it is missing and not ``required``)."""
    try:
        import onnx
    except ImportError:
        if required:
            raise
        return
    onnx.checker.check_model(onnx.load(path))


def onnx_export(module: torch.nn.Module, args: tuple, path: str, input_names: Sequence[str],
                output_names: Sequence[str], opset: int = 17, check_required: bool = True,
                dynamic: Optional[dict] = None) -> None:
    """torch.onnx.export with a dynamic batch axis (dim 0) on every input and output, plus the named axes of
    ``dynamic`` (``{io_name: {dim: axis_name}}``), then ``check_onnx``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    dyn = {n: {0: "batch", **(dynamic or {}).get(n, {})} for n in list(input_names) + list(output_names)}
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=list(input_names), output_names=list(output_names),
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True)
    check_onnx(path, required=check_required)


def training_summary(ck: dict, arg_keys: Iterable[str]) -> dict:
    """The manifests' ``training`` fields read from a checkpoint (``args`` filtered to ``arg_keys``)."""
    keys = set(arg_keys)
    return {
        "steps": ck["step"],
        "samples_seen": ck["samples_seen"],
        "wall_time_s": round(float(ck["elapsed"]), 1),
        "machine": ck.get("machine"),
        "args": {k: v for k, v in ck.get("args", {}).items() if k in keys},
        "saved": ck.get("saved"),
    }
