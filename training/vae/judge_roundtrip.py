"""How much the VAE alone costs the judge: its accuracy on world clips and on their VAE round trips (the ceiling
any generator in this latent space can reach).

    npx kineo world data --split heldout --clips 256 --seed 77 --out data/ho
    /usr/bin/python3 -m training.vae.judge_roundtrip --data data/ho --weights training/weights/kineo-mini.npz
    # or --vae RUN/vae (a training.vae.train checkpoint dir)

Runs the judge (``models/judge/judge.onnx``) through onnxruntime-node (``scripts/onnx-run.mjs``), so it needs
``npm install``. Prints per-head accuracy (%) on the originals and on the round trips, and the PSNR.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

from ..common.device import torch_load
from ..common.run import CKPT_NAME, to_float
from ..shards import WorldShards
from .train import build_model_from_ckpt, psnr_u8

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def judge_accuracy(clips: np.ndarray, ds: WorldShards, idx: np.ndarray, judge_dir: str) -> dict:
    """Per-head accuracy (%) of the judge on float clips (N, T, H, W, 3) in [0, 1] against ``ds``'s labels."""
    heads = json.load(open(os.path.join(judge_dir, "model.json")))["heads"]
    with tempfile.TemporaryDirectory() as tmp:
        clips.astype("<f4").tofile(os.path.join(tmp, "clips.bin"))
        with open(os.path.join(tmp, "in.json"), "w") as f:
            json.dump({"name": "clip", "dims": list(clips.shape), "file": "clips.bin", "threads": 2}, f)
        subprocess.run(["node", os.path.join(REPO, "scripts", "onnx-run.mjs"), os.path.join(judge_dir, "judge.onnx"),
                        os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")], check=True, capture_output=True)
        out = json.load(open(os.path.join(tmp, "out.json")))
    acc = {}
    for head, names in heads.items():
        key = "logits_" + head
        if key not in out:
            continue
        pred = np.array(out[key]["data"]).reshape(out[key]["dims"]).argmax(1)
        truth = np.array([names.index(str(ds.labels(int(i))[head])) for i in idx])
        acc[head] = round(float((pred == truth).mean()) * 100, 1)
    return acc


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description="judge accuracy on world clips and on their VAE round trips")
    p.add_argument("--data", required=True, help="world shards (e.g. the held-out split)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--vae", help="VAE checkpoint dir")
    src.add_argument("--weights", help="packed weights (training/weights.py)")
    p.add_argument("--judge", default=os.path.join(REPO, "models", "judge"))
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.weights:
        from ..weights import checkpoints, read
        ck = checkpoints(read(a.weights))["vae"]
    else:
        ck = torch_load(os.path.join(a.vae, CKPT_NAME))
    vae = build_model_from_ckpt(ck).eval()
    ds = WorldShards(a.data)
    idx = np.arange(min(a.n, len(ds)))
    frames = ds.gather(idx)
    x = to_float(frames)
    with torch.no_grad():
        rec = torch.cat([vae.decode(vae.encode(x[i:i + 32])) for i in range(0, len(x), 32)]).clamp(0, 1)
    result = {"clips": int(len(idx)), "psnr": round(float(psnr_u8(frames, rec).mean()), 2),
              "original": judge_accuracy(x.numpy(), ds, idx, a.judge),
              "roundtrip": judge_accuracy(rec.numpy(), ds, idx, a.judge)}
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
