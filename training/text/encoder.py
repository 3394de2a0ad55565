"""Text encoder of kineo-mini: a small pre-norm transformer over word tokens, trained jointly with
the DiT from scratch (no pretraining).

    TextEncoder(vocab_size, dim=256, layers=4, heads=4, max_tokens=32)
    forward(input_ids (B, L) int64, attention_mask (B, L) 1/0) -> (text_states (B, L, dim), mask)

Token embedding + learned positions, ``layers`` blocks of [LayerNorm -> self-attention with
key-padding bias -> residual, LayerNorm -> GELU(tanh) MLP -> residual], final LayerNorm.
States at padded positions are computed but never used: the DiT's cross-attention masks them,
and padded keys are masked here, so real-token states do not depend on padding.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from .layers import MLP, attention, init_linear, mask_bias, merge_heads, split_heads


class TextBlock(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, int(dim * mlp_ratio))

    def forward(self, x, bias):
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        h = attention(split_heads(q, self.heads), split_heads(k, self.heads), split_heads(v, self.heads), bias,
                      self.head_dim)
        x = x + self.proj(merge_heads(h))
        return x + self.mlp(self.norm2(x))


class TextEncoder(nn.Module):
    def __init__(self, vocab_size: int, dim: int = 256, layers: int = 4, heads: int = 4, max_tokens: int = 32,
                 mlp_ratio: float = 4.0):
        super().__init__()
        if dim % heads:
            raise ValueError("dim must be divisible by heads")
        self.vocab_size, self.dim, self.layers, self.heads, self.max_tokens = vocab_size, dim, layers, heads, max_tokens
        self.mlp_ratio = mlp_ratio
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(1, max_tokens, dim))
        self.blocks = nn.ModuleList([TextBlock(dim, heads, mlp_ratio) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.apply(init_linear)
        nn.init.trunc_normal_(self.pos, std=0.02, a=-0.04, b=0.04)

    def config(self) -> dict:
        return {"vocab_size": self.vocab_size, "dim": self.dim, "layers": self.layers, "heads": self.heads,
                "max_tokens": self.max_tokens, "mlp_ratio": self.mlp_ratio}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        n = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:, :n]
        bias = mask_bias(attention_mask)
        for blk in self.blocks:
            x = blk(x, bias)
        return self.norm(x), attention_mask
