"""DiT of kineo-mini: the Wan / HunyuanVideo / PixArt-alpha recipe, small.

    DiT(latent_channels, latent_shape=(T', H', W'), patch=(1, p, p), dim, depth, heads, text_dim)
    forward(latents (B, C, T', H', W'), timestep (B,) float sigma in [0, 1],
            text_states (B, L, text_dim), text_mask (B, L) 1/0) -> velocity (B, C, T', H', W')

* patchify: (pt, ph, pw) patches -> one linear layer -> tokens in (t, h, w) row-major order;
  unpatchify by the inverse reshape at the end.
* every block: full 3D self-attention over all latent tokens (QK RMS-norm, 3D RoPE with real
  sin/cos: the head dim's rotation pairs are split between t / h / w), cross-attention to the
  projected text states with the key-padding mask as an additive bias, GELU(tanh) MLP.
* timestep: ``timestep`` is the flow-matching sigma in [0, 1] (1 = pure noise); the sinusoidal
  embedding is taken of ``1000 * sigma``. adaLN-single: one shared MLP maps the timestep
  embedding to 6*dim (shift/scale/gate for attention and MLP); each block adds its own learned
  (6, dim) table. The final layer has its own (2, dim) shift/scale table on the timestep embedding.
* pooled text (``pooled_text=True``, SD3 / class-conditional-DiT style): the masked mean of the text states goes
  through a small MLP and is added to the timestep embedding, so every block's modulation knows the caption's
  global content (which object, which motion) without having to find it by cross-attention. Its last layer starts
  at 0, so turning it on for a trained model changes nothing until it learns. The ONNX interface is unchanged.
* zero init: the shared adaLN projection, the gate rows of the tables, the cross-attention output
  projections and the final projection start at 0, so an untrained model outputs exactly 0.

``KineoMini`` bundles the text encoder and the DiT (trained jointly; EMA'd together).
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import torch
import torch.nn as nn

from ..text.encoder import TextEncoder
from ..text.layers import MLP, RMSNorm, attention, gelu_tanh, init_linear, layer_norm, mask_bias, masked_mean, \
    merge_heads, split_heads


# ---------------------------------------------------------------------------------------------- RoPE
def rope_split(head_dim: int) -> Tuple[int, int, int]:
    """Number of rotation pairs for (t, h, w). head_dim 64 -> (12, 10, 10) pairs = (24, 20, 20) dims."""
    if head_dim % 2:
        raise ValueError("head dim must be even for RoPE")
    n = head_dim // 2
    nh = n // 3
    if nh < 1:
        raise ValueError("head dim must be >= 6 for 3D RoPE")
    return n - 2 * nh, nh, nh


def rope_tables(positions: torch.Tensor, head_dim: int, theta: float = 10000.0):
    """positions (N, 3) float (t, h, w) -> cos, sin (N, head_dim) for :func:`apply_rope`.

    Pair i (dims i and i + head_dim/2) rotates by angle pos_axis(i) * freq(i); the pairs are split
    between the axes by :func:`rope_split`, with frequencies theta^(-j/n_axis) within each axis.
    """
    parts = []
    for axis, n in enumerate(rope_split(head_dim)):
        freqs = theta ** (-torch.arange(n, dtype=torch.float64) / n)
        parts.append(positions[:, axis:axis + 1].to(torch.float64) * freqs[None])
    ang = torch.cat(parts, dim=1)  # (N, head_dim/2)
    cos, sin = torch.cos(ang), torch.sin(ang)
    return torch.cat([cos, cos], 1).float(), torch.cat([sin, sin], 1).float()


def rope_tables_symbolic(grid, head_dim: int, theta: float = 10000.0):
    """:func:`rope_tables` of :func:`grid_positions` for a grid whose sizes may be traced values (ONNX export with
    dynamic axes), built by broadcasting aranges instead of a meshgrid; float32 (the positions are small integers, so
    it agrees with the float64 tables to ~1e-7)."""
    gt, gh, gw = grid
    parts = []
    for axis, (n, size) in enumerate(zip(rope_split(head_dim), (gt, gh, gw))):
        freqs = theta ** (-torch.arange(n, dtype=torch.float64) / n)
        ang = torch.arange(size).float()[:, None] * freqs.float()[None]  # (size, n)
        shape = [1, 1, 1, n]
        shape[axis] = -1
        parts.append(ang.reshape(shape).expand(gt, gh, gw, n))
    ang = torch.cat(parts, dim=-1).reshape(gt * gh * gw, head_dim // 2)
    cos, sin = torch.cos(ang), torch.sin(ang)
    return torch.cat([cos, cos], 1), torch.cat([sin, sin], 1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x (..., N, d); cos/sin broadcastable to it. Rotates pairs (i, i + d/2)."""
    half = x.shape[-1] // 2
    rot = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rot * sin


def grid_positions(t: int, h: int, w: int) -> torch.Tensor:
    """(t*h*w, 3) integer (t, h, w) coordinates in row-major token order."""
    tt, hh, ww = torch.meshgrid(torch.arange(t), torch.arange(h), torch.arange(w), indexing="ij")
    return torch.stack([tt.reshape(-1), hh.reshape(-1), ww.reshape(-1)], 1).float()


def timestep_embedding(t: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    """t (B,) -> (B, 2*len(freqs)) [cos, sin]."""
    a = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


# ---------------------------------------------------------------------------------------------- blocks
class DiTBlock(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.heads = heads
        self.head_dim = hd = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.q_norm, self.k_norm = RMSNorm(hd), RMSNorm(hd)
        self.proj = nn.Linear(dim, dim)
        self.norm_cross = nn.LayerNorm(dim)
        self.cross_q = nn.Linear(dim, dim)
        self.cross_kv = nn.Linear(dim, 2 * dim)
        self.cross_q_norm, self.cross_k_norm = RMSNorm(hd), RMSNorm(hd)
        self.cross_proj = nn.Linear(dim, dim)
        self.mlp = MLP(dim, int(dim * mlp_ratio))
        # per-block adaLN-single table: rows shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp
        self.table = nn.Parameter(torch.randn(6, dim) / math.sqrt(dim))

    def forward(self, x, mod, ctx, ctx_bias, cos, sin):
        """x (B, N, dim); mod (B, G, 6, dim): one modulation per group of N/G consecutive tokens (G = 1: the whole
        clip; G = T': one per latent frame, so frames given as conditions can carry timestep 0)."""
        m = mod + self.table  # (B, G, 6, dim)
        shift1, scale1, gate1 = m[:, :, 0:1], m[:, :, 1:2], m[:, :, 2:3]
        shift2, scale2, gate2 = m[:, :, 3:4], m[:, :, 4:5], m[:, :, 5:6]
        h = modulate(layer_norm(x), shift1, scale1)
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        q = apply_rope(self.q_norm(split_heads(q, self.heads)), cos, sin)
        k = apply_rope(self.k_norm(split_heads(k, self.heads)), cos, sin)
        x = x + gated(gate1, self.proj(merge_heads(attention(q, k, split_heads(v, self.heads), None, self.head_dim))))
        q = self.cross_q_norm(split_heads(self.cross_q(self.norm_cross(x)), self.heads))
        ck, cv = self.cross_kv(ctx).chunk(2, dim=-1)
        ck = self.cross_k_norm(split_heads(ck, self.heads))
        x = x + self.cross_proj(merge_heads(attention(q, ck, split_heads(cv, self.heads), ctx_bias,
                                                      self.head_dim)))
        h = modulate(layer_norm(x), shift2, scale2)
        return x + gated(gate2, self.mlp(h))


def _grouped(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, N, D) -> (B, G, N/G, D) (a view)."""
    return x.reshape(x.shape[0], groups, -1, x.shape[-1])


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x (B, N, D) * (1 + scale) + shift with shift / scale (B, G, 1, D), one per group of N/G tokens."""
    g = shift.shape[1]
    return (_grouped(x, g) * (1.0 + scale) + shift).reshape(x.shape)


def gated(gate: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """gate (B, G, 1, D) * x (B, N, D), one gate per group of N/G tokens."""
    return (_grouped(x, gate.shape[1]) * gate).reshape(x.shape)


class DiT(nn.Module):
    def __init__(self, latent_channels: int, latent_shape: Sequence[int], patch: Sequence[int] = (1, 2, 2),
                 dim: int = 256, depth: int = 8, heads: int = 4, text_dim: int = 256, mlp_ratio: float = 4.0,
                 rope_theta: float = 10000.0, freq_dim: int = 256, pooled_text: bool = False):
        super().__init__()
        self.latent_channels = int(latent_channels)
        self.latent_shape = tuple(int(s) for s in latent_shape)
        self.patch = tuple(int(p) for p in patch)
        if len(self.latent_shape) != 3 or len(self.patch) != 3:
            raise ValueError("latent_shape and patch are (T', H', W') / (pt, ph, pw)")
        for s, p in zip(self.latent_shape, self.patch):
            if s % p:
                raise ValueError(f"latent shape {self.latent_shape} not divisible by patch {self.patch}")
        if dim % heads:
            raise ValueError("dim must be divisible by heads")
        self.dim, self.depth, self.heads, self.text_dim = dim, depth, heads, text_dim
        self.mlp_ratio, self.rope_theta, self.freq_dim = mlp_ratio, rope_theta, freq_dim
        self.pooled_text = bool(pooled_text)
        self.grid = tuple(s // p for s, p in zip(self.latent_shape, self.patch))
        self.num_tokens = self.grid[0] * self.grid[1] * self.grid[2]
        self.patch_dim = self.latent_channels * self.patch[0] * self.patch[1] * self.patch[2]

        self.x_embed = nn.Linear(self.patch_dim, dim)
        self.register_buffer("t_freqs", torch.exp(-math.log(10000.0) * torch.arange(freq_dim // 2).float()
                                                  / (freq_dim // 2)), persistent=False)
        self.t_embed = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.t_block = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        self.y_embed1 = nn.Linear(text_dim, dim)
        self.y_embed2 = nn.Linear(dim, dim)
        self.y_pool = (nn.Sequential(nn.Linear(text_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
                       if self.pooled_text else None)
        self.blocks = nn.ModuleList([DiTBlock(dim, heads, mlp_ratio) for _ in range(depth)])
        self.final_table = nn.Parameter(torch.randn(2, dim) / math.sqrt(dim))
        self.final = nn.Linear(dim, self.patch_dim)
        cos, sin = rope_tables(grid_positions(*self.grid), dim // heads, rope_theta)
        self.register_buffer("rope_cos", cos[None, None], persistent=False)  # (1, 1, N, hd)
        self.register_buffer("rope_sin", sin[None, None], persistent=False)
        self._rope_cache: dict = {}
        self.reset_parameters()

    def reset_parameters(self):
        self.apply(init_linear)
        nn.init.xavier_uniform_(self.x_embed.weight)
        nn.init.normal_(self.t_embed[0].weight, std=0.02)
        nn.init.normal_(self.t_embed[2].weight, std=0.02)
        zero = [self.t_block[1], self.final] + ([self.y_pool[2]] if self.y_pool is not None else [])
        for m in zero:
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
        with torch.no_grad():
            for b in self.blocks:
                b.table.copy_(torch.randn(6, self.dim) / math.sqrt(self.dim))
                b.table[2].zero_()
                b.table[5].zero_()
                nn.init.zeros_(b.cross_proj.weight)
                nn.init.zeros_(b.cross_proj.bias)
            self.final_table.copy_(torch.randn(2, self.dim) / math.sqrt(self.dim))

    def config(self) -> dict:
        cfg = {"latent_channels": self.latent_channels, "latent_shape": list(self.latent_shape),
               "patch": list(self.patch), "dim": self.dim, "depth": self.depth, "heads": self.heads,
               "text_dim": self.text_dim, "mlp_ratio": self.mlp_ratio, "rope_theta": self.rope_theta,
               "freq_dim": self.freq_dim}
        if self.pooled_text:  # only when on, so configs written before it existed stay the same
            cfg["pooled_text"] = True
        return cfg

    def token_grid(self, latents: torch.Tensor):
        """(gt, gh, gw) of these latents: any T', H', W' divisible by the patch (the shapes of 1:1, 16:9 and 9:16
        clips, and windows of any length); while exporting to ONNX they stay symbolic, so one graph takes them all."""
        _, _, t, h, w = latents.shape
        if not torch.onnx.is_in_onnx_export() and (t % self.patch[0] or h % self.patch[1] or w % self.patch[2]):
            raise ValueError(f"latent shape {(t, h, w)} not divisible by patch {self.patch}")
        return t // self.patch[0], h // self.patch[1], w // self.patch[2]

    def patchify(self, x: torch.Tensor, grid=None) -> torch.Tensor:
        (gt, gh, gw), (pt, ph, pw) = grid or self.token_grid(x), self.patch
        x = x.reshape(-1, self.latent_channels, gt, pt, gh, ph, gw, pw).permute(0, 2, 4, 6, 1, 3, 5, 7)
        return x.reshape(x.shape[0], gt * gh * gw, self.patch_dim)

    def unpatchify(self, x: torch.Tensor, grid=None) -> torch.Tensor:
        (gt, gh, gw), (pt, ph, pw) = grid or self.grid, self.patch
        x = x.reshape(-1, gt, gh, gw, self.latent_channels, pt, ph, pw).permute(0, 4, 1, 5, 2, 6, 3, 7)
        return x.reshape(x.shape[0], self.latent_channels, gt * pt, gh * ph, gw * pw)

    def rope(self, grid):
        """cos, sin (1, 1, N, head_dim) for a token grid: the built-in grid's buffers, a cached table for another
        grid, or (while exporting) a table computed in the graph from the input's shape."""
        hd = self.dim // self.heads
        if torch.onnx.is_in_onnx_export():
            cos, sin = rope_tables_symbolic(grid, hd, self.rope_theta)
            return cos[None, None], sin[None, None]
        grid = tuple(int(g) for g in grid)
        if grid == self.grid:
            return self.rope_cos, self.rope_sin
        cached = self._rope_cache.get(grid)
        if cached is None or cached[0].device != self.rope_cos.device:
            cos, sin = rope_tables(grid_positions(*grid), hd, self.rope_theta)
            cached = (cos[None, None].to(self.rope_cos.device), sin[None, None].to(self.rope_cos.device))
            self._rope_cache[grid] = cached
        return cached

    def forward(self, latents, timestep, text_states, text_mask):
        """``timestep`` (B,) sigma for the whole clip, or (B, T') one sigma per latent frame: a frame given as a
        condition (an image, the tail of the clip being extended) carries 0 and is left as it is."""
        grid = self.token_grid(latents)
        x = self.x_embed(self.patchify(latents, grid))
        per_frame = timestep.dim() == 2
        ts = timestep if per_frame else timestep[:, None]  # (B, G)
        if per_frame and not torch.onnx.is_in_onnx_export() and ts.shape[1] != latents.shape[2]:
            raise ValueError(f"timestep (B, T') must have T' = {latents.shape[2]}, got {tuple(ts.shape)}")
        if per_frame and self.patch[0] != 1:
            raise ValueError("per-frame timesteps need a temporal patch of 1")
        b, g = ts.shape
        t = self.t_embed(timestep_embedding(ts.reshape(-1) * 1000.0, self.t_freqs)).reshape(b, g, self.dim)
        if self.y_pool is not None:
            t = t + self.y_pool(masked_mean(text_states, text_mask))[:, None]
        mod = self.t_block(t).reshape(b, g, 6, self.dim)
        ctx = self.y_embed2(gelu_tanh(self.y_embed1(text_states)))
        bias = mask_bias(text_mask)
        cos, sin = self.rope(grid)
        for blk in self.blocks:
            x = blk(x, mod, ctx, bias, cos, sin)
        f = t[:, :, None] + self.final_table  # (B, G, 2, dim)
        x = modulate(layer_norm(x), f[:, :, 0:1], f[:, :, 1:2])
        return self.unpatchify(self.final(x), grid)


class KineoMini(nn.Module):
    """Text encoder + DiT. ``forward(latents, sigma, input_ids, attention_mask) -> velocity``."""

    def __init__(self, vocab_size: int, latent_channels: int, latent_shape: Sequence[int],
                 patch: Sequence[int] = (1, 2, 2), dim: int = 256, depth: int = 8, heads: int = 4,
                 text_dim: int = 256, text_layers: int = 4, text_heads: int = 4, max_tokens: int = 32,
                 mlp_ratio: float = 4.0, pooled_text: bool = False):
        super().__init__()
        self.text = TextEncoder(vocab_size, text_dim, text_layers, text_heads, max_tokens, mlp_ratio)
        self.dit = DiT(latent_channels, latent_shape, patch, dim, depth, heads, text_dim, mlp_ratio,
                       pooled_text=pooled_text)

    def config(self) -> dict:
        d, t = self.dit, self.text
        cfg = {"vocab_size": t.vocab_size, "latent_channels": d.latent_channels, "latent_shape": list(d.latent_shape),
               "patch": list(d.patch), "dim": d.dim, "depth": d.depth, "heads": d.heads, "text_dim": t.dim,
               "text_layers": t.layers, "text_heads": t.heads, "max_tokens": t.max_tokens, "mlp_ratio": d.mlp_ratio}
        if d.pooled_text:
            cfg["pooled_text"] = True
        return cfg

    @classmethod
    def from_config(cls, cfg: dict) -> "KineoMini":
        return cls(**cfg)

    def encode_text(self, input_ids, attention_mask):
        return self.text(input_ids, attention_mask)

    def forward(self, latents, sigma, input_ids, attention_mask):
        states, mask = self.text(input_ids, attention_mask)
        return self.dit(latents, sigma, states, mask)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
