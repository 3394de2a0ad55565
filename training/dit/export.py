"""Export kineo-mini to ONNX (opset 17) + model.json + vocab.json.

    /usr/bin/python3 -m training.dit.export --ckpt CKPT_DIR --out models/kineo-mini [--no-ema]

* ``text_encoder.onnx``: inputs ``input_ids`` int64 [B, L], ``attention_mask`` int64 [B, L] (1/0);
  output ``text_states`` float32 [B, L, text_dim].
* ``transformer.onnx`` (one denoising step): inputs ``latents`` float32 [B, C, T', H', W'],
  ``timestep`` float32 [B, T'] (sigma in [0, 1] per latent frame; 0 for a frame given as a condition), ``text_states`` float32 [B, L, text_dim],
  ``text_mask`` int64 [B, L] (1/0); output ``velocity`` float32 [B, C, T', H', W'].
Batch is dynamic (CFG = one batch-2 call); L is fixed at maxTokens.
"""
from __future__ import annotations

import os

import torch
import torch.nn as nn

from ..common.export import export_parser, load_ckpt, onnx_export, sha256_file
from ..common.run import write_json_atomic
from ..text.encoder import TextEncoder
from .model import DiT


class _TextWrap(nn.Module):
    def __init__(self, m: TextEncoder):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids, attention_mask)[0]


def export_text_encoder(model: TextEncoder, path: str, opset: int = 17, batch: int = 2):
    model = model.eval()
    ids = torch.randint(0, model.vocab_size, (batch, model.max_tokens))
    mask = torch.ones(batch, model.max_tokens, dtype=torch.long)
    mask[:, model.max_tokens // 2:] = 0
    onnx_export(_TextWrap(model).eval(), (ids, mask), path, ["input_ids", "attention_mask"], ["text_states"], opset,
                check_required=False)
    return ["text_states"]


def export_transformer(model: DiT, path: str, opset: int = 17, batch: int = 2, max_tokens: int = 32):
    model = model.eval()
    lat = torch.randn(batch, model.latent_channels, *model.latent_shape)
    t = torch.rand(batch, model.latent_shape[0])  # one sigma per latent frame (0 = a frame given as a condition)
    states = torch.randn(batch, max_tokens, model.text_dim)
    mask = torch.ones(batch, max_tokens, dtype=torch.long)
    mask[:, max_tokens // 2:] = 0
    # T', H' and W' are free: one graph draws every aspect (16:9, 9:16, 1:1) and window length; the RoPE tables are
    # computed in the graph from the input's shape (DiT.rope)
    grid = {2: "latent_frames", 3: "latent_height", 4: "latent_width"}
    onnx_export(model, (lat, t, states, mask), path, ["latents", "timestep", "text_states", "text_mask"],
                ["velocity"], opset, check_required=False,
                dynamic={"latents": grid, "velocity": grid, "timestep": {1: "latent_frames"}})
    return ["velocity"]


def export_dir(ck: dict, out: str, use_ema: bool = True) -> dict:
    from .train import build_model_from_ckpt

    model = build_model_from_ckpt(ck, use_ema=use_ema).eval()
    os.makedirs(out, exist_ok=True)
    cfg = model.config()
    te, tr = os.path.join(out, "text_encoder.onnx"), os.path.join(out, "transformer.onnx")
    export_text_encoder(model.text, te)
    export_transformer(model.dit, tr, max_tokens=cfg["max_tokens"])
    write_json_atomic(ck["vocab"], os.path.join(out, "vocab.json"))
    L = cfg["max_tokens"]
    meta = {
        "name": "kineo-mini",
        "version": "1",
        "format": "kineo-t2v/1",
        "config": cfg,
        "weights": "ema" if use_ema and ck.get("ema") else "raw",
        "step": ck.get("step"),
        "latent": {"channels": cfg["latent_channels"], "shape": cfg["latent_shape"],
                   "norm": ck.get("latent_norm"),
                   "note": "model space z = (latent - mean[c]) / std[c]; decode latent = z * std[c] + mean[c]"},
        "text": {"vocab": "vocab.json", "maxTokens": L,
                 "uncond": {"ids": [0] * L, "mask": [1] + [0] * (L - 1)},
                 "empty_caption": "use the uncond caption"},
        "sampler": {"kind": "rectified-flow-euler", "steps": 25, "shift": 1.0, "guidance": 4.0,
                    "sigmas": "shift*s/(1+(shift-1)*s), s=linspace(1,0,steps+1)",
                    "update": "x += (sigma_next - sigma) * v; v = v_u + g*(v_c - v_u)",
                    "timestep": "sigma in [0,1] (1 = noise)", "init": "x = N(0, I)"},
        "files": {
            "text_encoder.onnx": {"sha256": sha256_file(te),
                                  "inputs": {"input_ids": ["batch", L, "int64"], "attention_mask": ["batch", L, "int64"]},
                                  "outputs": {"text_states": ["batch", L, cfg["text_dim"], "float32"]}},
            "transformer.onnx": {"sha256": sha256_file(tr),
                                 "inputs": {"latents": ["batch", cfg["latent_channels"], *cfg["latent_shape"], "float32"],
                                            "timestep": ["batch", "float32"],
                                            "text_states": ["batch", L, cfg["text_dim"], "float32"],
                                            "text_mask": ["batch", L, "int64"]},
                                 "outputs": {"velocity": ["batch", cfg["latent_channels"], *cfg["latent_shape"], "float32"]}},
        },
        "opset": 17,
    }
    write_json_atomic(meta, os.path.join(out, "model.json"))
    return meta


def main(argv=None):
    p = export_parser("export kineo-mini (text encoder + DiT) to ONNX", "training.dit.train", "models/kineo-mini")
    p.add_argument("--no-ema", action="store_true", help="export the raw weights instead of the EMA")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    ck = load_ckpt(a.ckpt)
    meta = export_dir(ck, a.out, use_ema=not a.no_ema)
    print(f"[export] wrote {a.out}: text_encoder.onnx, transformer.onnx, vocab.json, model.json (step {meta['step']})")


if __name__ == "__main__":
    main()
