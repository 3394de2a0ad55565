"""Building blocks shared by the text encoder and the DiT, written to export cleanly to ONNX opset 17
with torch 1.13: attention is matmul + softmax (no fused SDPA), padding masks are a large negative
additive bias (not -inf, so a fully masked row gives a uniform softmax instead of NaN), the
parameter-free LayerNorm and GELU(tanh) are written out.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK_NEG = -1.0e4  # additive bias on masked keys; exp(-1e4) is exactly 0 in float32, still finite in fp16


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """GELU, tanh approximation. Training runs torch's fused kernel: under bf16 autocast on the CPU the written-out
    formula makes seven passes over the MLP's largest activation, and took ~20 % of a DiT step (the fused kernel is
    2.6x faster, forward + backward). The ONNX export writes the formula out (opset 17 has no Gelu); both compute
    the same function (1.5e-8 apart in float32)."""
    if torch.onnx.is_in_onnx_export():
        return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    return F.gelu(x, approximate="tanh")


def masked_mean(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, L, D) states, (B, L) 1/0 mask -> (B, D) mean over the unmasked tokens (0 for a fully masked row)."""
    m = mask.to(states.dtype).unsqueeze(-1)
    return (states * m).sum(1) / m.sum(1).clamp_min(1.0)


def layer_norm(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """LayerNorm over the last dim without affine parameters (written out; exports as primitive ops).
    Statistics in float32 also under bf16 autocast (the branch is not taken in fp32 export)."""
    if x.dtype != torch.float32:
        x = x.float()
    xc = x - x.mean(-1, keepdim=True)
    return xc * torch.rsqrt((xc * xc).mean(-1, keepdim=True) + eps)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        if x.dtype != torch.float32:  # bf16 autocast on a GPU: normalise in float32
            x = x.float()
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.eps) * self.weight


def mask_bias(mask: torch.Tensor) -> torch.Tensor:
    """Key-padding mask (B, L) of 1/0 (any dtype) -> additive bias (B, 1, 1, L): 0 or MASK_NEG."""
    return (1.0 - mask.to(torch.float32))[:, None, None, :] * MASK_NEG


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor = None,
              head_dim: int = None) -> torch.Tensor:
    """q (B, h, N, d), k/v (B, h, M, d), bias broadcastable to (B, h, N, M) -> (B, h, N, d).

    Pass ``head_dim`` as a Python int when tracing, so the 1/sqrt(d) scale is a plain constant.
    """
    if q.is_cuda and hasattr(F, "scaled_dot_product_attention"):
        # torch 2.x on a GPU (training only; exports run on the CPU path below): fused kernel, same maths
        dt = v.dtype  # bf16 under autocast (the normed q / k come out float32)
        return F.scaled_dot_product_attention(q.to(dt), k.to(dt), v, attn_mask=None if bias is None else bias.to(dt))
    q = q * (1.0 / math.sqrt(head_dim if head_dim is not None else int(q.shape[-1])))
    s = torch.matmul(q, k.transpose(-1, -2))
    if bias is not None:
        s = s + bias
    return torch.matmul(torch.softmax(s, dim=-1), v)


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(B, N, h*d) -> (B, h, N, d)."""
    b, n, c = x.shape
    return x.reshape(-1, n, heads, c // heads).permute(0, 2, 1, 3)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, h, N, d) -> (B, N, h*d)."""
    _, h, n, d = x.shape
    return x.permute(0, 2, 1, 3).reshape(-1, n, h * d)


class MLP(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(gelu_tanh(self.fc1(x)))


def init_linear(m: nn.Module, std: float = 0.02):
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Embedding):
        nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
    elif isinstance(m, nn.LayerNorm):
        if m.weight is not None:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
