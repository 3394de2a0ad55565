"""Export the kineo-mini VAE (EMA weights) to ONNX + vae.json.

    /usr/bin/python3 -m training.vae.export --ckpt CKPT_DIR --out models/vae

Writes ``vae_encoder.onnx`` (input ``clip`` float32 [B, T, H, W, 3] in [0, 1] -> output ``latents``
[B, C, T', H', W'], normalised latent means), ``vae_decoder.onnx`` (input ``latents`` normalised ->
output ``frames`` [B, T, H, W, 3] in [0, 1]); opset 17, dynamic batch; and ``vae.json``.
"""
from __future__ import annotations

import os
from typing import Optional

import torch

from ..common.export import export_parser, file_entry, load_ckpt, onnx_export, read_metrics, training_summary
from ..common.run import write_json_atomic
from .model import CausalVAE, DecoderOnly, EncoderOnly, count_macs, count_params
from .train import build_model_from_ckpt

ENCODER_FILE, DECODER_FILE, META_FILE = "vae_encoder.onnx", "vae_decoder.onnx", "vae.json"


def export_vae(model: CausalVAE, out_dir: str, metrics: Optional[dict] = None, training: Optional[dict] = None,
               opset: int = 17) -> dict:
    """Export encoder + decoder of ``model`` (eval mode) into ``out_dir``; writes and returns vae.json."""
    model = model.eval()
    os.makedirs(out_dir, exist_ok=True)
    t, h, w = model.frames, model.height, model.width
    lat = model.latent_shape()
    enc_path, dec_path = os.path.join(out_dir, ENCODER_FILE), os.path.join(out_dir, DECODER_FILE)
    onnx_export(EncoderOnly(model).eval(), (torch.rand(2, t, h, w, 3),), enc_path, ["clip"], ["latents"], opset)
    onnx_export(DecoderOnly(model).eval(), (torch.randn(2, *lat),), dec_path, ["latents"], ["frames"], opset)
    macs = count_macs(model)
    psnr = None
    if metrics is not None:
        psnr = metrics.get("psnr", (metrics.get("val") or {}).get("psnr"))
    meta = {
        "name": "kineo-mini-vae",
        "version": "1",
        "format": "kineo-vae/1",
        "arch": "causal-3d-conv-vae",
        "input": {"frames": t, "height": h, "width": w, "channels": 3, "layout": "BTHWC", "range": [0, 1],
                  "dtype": "float32"},
        "latent": {"shape": list(lat), "layout": "BCTHW", "channels": model.latent_channels,
                   "normalised": True, "latent_mean": float(model.latent_mean), "latent_std": float(model.latent_std),
                   "note": "encoder outputs (mean - latent_mean) / latent_std; decoder takes that back"},
        "spatial_factor": model.spatial_factor,
        "time_factor": model.time_factor,
        "causal": {"encoder": f"latent frame j depends on input frames < {model.time_factor}*(j+1)",
                   "decoder": f"output frame t depends on latent frames <= t // {model.time_factor}"},
        "encoder": {"file": ENCODER_FILE, "input": {"name": "clip", "dims": ["batch", t, h, w, 3]},
                    "output": {"name": "latents", "dims": ["batch"] + list(lat)}},
        "decoder": {"file": DECODER_FILE, "input": {"name": "latents", "dims": ["batch"] + list(lat)},
                    "output": {"name": "frames", "dims": ["batch", t, h, w, 3]}},
        "files": {ENCODER_FILE: file_entry(enc_path), DECODER_FILE: file_entry(dec_path)},
        "model": {"config": model.config(), "params": count_params(model), "macs_per_clip": macs},
        "val_psnr": psnr,
        "training": training,
    }
    write_json_atomic(meta, os.path.join(out_dir, META_FILE))
    return meta


def main(argv=None):
    p = export_parser("export the kineo-mini VAE to ONNX", "training.vae.train", "models/vae")
    p.add_argument("--raw", action="store_true", help="export the raw (non-EMA) weights")
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    ck = load_ckpt(a.ckpt)
    model = build_model_from_ckpt(ck, ema=not a.raw).eval()
    if a.raw:  # the raw model's latent stats were never calibrated; borrow the EMA's
        ema_sd = ck.get("ema", {})
        for k in ("latent_mean", "latent_std"):
            if k in ema_sd:
                getattr(model, k).copy_(ema_sd[k])
    metrics = read_metrics(a.ckpt)
    if metrics is not None and metrics.get("step") != ck["step"]:
        print(f"[export] warning: metrics.json is from step {metrics.get('step')}, checkpoint is step {ck['step']}")
    if float(model.latent_std) == 1.0 and float(model.latent_mean) == 0.0:
        print("[export] warning: latent_mean/std were never calibrated (no eval ran)")
    training = {
        "weights": "raw" if a.raw else "ema",
        **training_summary(ck, ("batch", "lr", "wd", "minutes", "beta", "edge", "mse", "ema", "seed", "base",
                                "latent_channels", "spatial_factor", "time_factor")),
        "val_metrics": {k: v for k, v in (metrics or {}).items() if k != "history"} or None,
    }
    meta = export_vae(model, a.out, metrics=metrics, training=training)
    for name in (ENCODER_FILE, DECODER_FILE):
        print(f"[export] {os.path.join(a.out, name)} ({meta['files'][name]['bytes'] / 1024:.0f} KiB)")
    print(f"[export] latent {meta['latent']['shape']}, mean {meta['latent']['latent_mean']:.4f} "
          f"std {meta['latent']['latent_std']:.4f}, val psnr {meta['val_psnr']}")


if __name__ == "__main__":
    main()
