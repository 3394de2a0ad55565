"""The text encoder's and the DiT's ONNX graphs (opset 17), for ``training/export_model.py``, which writes the whole
model directory (VAE graphs, model.json, vocab.json) the engine loads. (This module's own CLI wrote a model.json the
engine rejected; it went: one exporter, one contract.)

* ``text_encoder.onnx``: inputs ``input_ids`` int64 [B, L], ``attention_mask`` int64 [B, L] (1/0);
  output ``text_states`` float32 [B, L, text_dim].
* ``transformer.onnx`` (one denoising step): inputs ``latents`` float32 [B, C, T', H', W'],
  ``timestep`` float32 [B, T'] (sigma in [0, 1] per latent frame; 0 for a frame given as a condition), ``text_states`` float32 [B, L, text_dim],
  ``text_mask`` int64 [B, L] (1/0); output ``velocity`` float32 [B, C, T', H', W'].
Batch is dynamic (CFG = one batch-2 call); L is fixed at maxTokens.
"""
from __future__ import annotations


import torch
import torch.nn as nn

from ..common.export import onnx_export
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
