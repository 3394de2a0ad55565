"""Batch augmentations for the judge (torch ops on (B, T, H, W, 3) float in [0, 1]).

Each clip independently gets each op with a small probability; with the
default probabilities about 60 % of clips receive at least one op.
``Augmenter.extra_roundtrip(fn)`` registers an extra op (e.g. a VAE
encode/decode round trip) applied to a random subset of clips.
"""
from __future__ import annotations

import math
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F


def gaussian_kernel1d(sigma: float, radius: Optional[int] = None) -> torch.Tensor:
    if radius is None:
        radius = max(1, int(math.ceil(2.5 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (x / max(sigma, 1e-6)) ** 2)
    return k / k.sum()


def _reflect(i: torch.Tensor, n: int) -> torch.Tensor:
    """Reflect-pad index map (like F.pad mode='reflect', edge not repeated)."""
    if n == 1:
        return torch.zeros_like(i)
    period = 2 * (n - 1)
    i = i.remainder(period)
    return torch.where(i >= n, period - i, i)


def blur_matrix(n: int, sigma: float) -> torch.Tensor:
    """(n, n) matrix M with (M @ v) = 1-D Gaussian blur of v (reflect borders)."""
    k = gaussian_kernel1d(float(sigma))
    r = (k.numel() - 1) // 2
    rows = torch.arange(n).repeat_interleave(k.numel())
    offs = torch.arange(-r, r + 1).repeat(n)
    cols = _reflect(rows + offs, n)
    m = torch.zeros(n, n)
    m.index_put_((rows, cols), k.repeat(n), accumulate=True)
    return m


def gaussian_blur(clips: torch.Tensor, sigma) -> torch.Tensor:
    """Blur every frame of (B, T, H, W, C) clips with a Gaussian of std ``sigma`` px
    (a float, or a (B,) tensor of per-clip values), reflect borders. Separable,
    done as two small matrix products (fast on CPU)."""
    b, t, h, w, c = clips.shape
    sig = torch.as_tensor(sigma, dtype=torch.float32).flatten()
    if sig.numel() == 1:
        sig = sig.expand(b)
    mh = torch.stack([blur_matrix(h, float(s)) if s > 0.05 else torch.eye(h) for s in sig]).to(clips.dtype)
    mw = torch.stack([blur_matrix(w, float(s)) if s > 0.05 else torch.eye(w) for s in sig]).to(clips.dtype)
    # along H: (b, h, h) x (b, h, t*w*c) ; along W: (b, w, w) x ...
    x = clips.permute(0, 2, 1, 3, 4).reshape(b, h, t * w * c)
    x = torch.bmm(mh, x).reshape(b, h, t, w, c)
    x = x.permute(0, 3, 2, 1, 4).reshape(b, w, t * h * c)
    x = torch.bmm(mw, x).reshape(b, w, t, h, c)
    return x.permute(0, 2, 3, 1, 4).contiguous()


def add_noise(clips: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """sigma: (B,) per-clip noise std."""
    return (clips + torch.randn_like(clips) * sigma.view(-1, 1, 1, 1, 1)).clamp_(0.0, 1.0)


def down_up(clip: torch.Tensor, factor: float) -> torch.Tensor:
    """(T, H, W, C) one clip: bilinear downscale by ``factor`` then upscale back."""
    t, h, w, c = clip.shape
    x = clip.permute(0, 3, 1, 2)
    small = (max(2, int(round(h / factor))), max(2, int(round(w / factor))))
    x = F.interpolate(x, size=small, mode="bilinear", align_corners=False, antialias=True)
    x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
    return x.permute(0, 2, 3, 1).clamp(0.0, 1.0)


def color_jitter(clips: torch.Tensor, brightness: torch.Tensor, contrast: torch.Tensor) -> torch.Tensor:
    """brightness/contrast: (B,) per clip; contrast around the per-clip mean."""
    mean = clips.mean(dim=(1, 2, 3, 4), keepdim=True)
    c = contrast.view(-1, 1, 1, 1, 1)
    return ((clips - mean) * c + mean + brightness.view(-1, 1, 1, 1, 1)).clamp(0.0, 1.0)


def frame_duplicate(clip: torch.Tensor, at: int, direction: int) -> torch.Tensor:
    """Duplicate one frame (a stutter). direction +1: frame ``at`` shown twice, rest
    shifted later (last frame dropped); -1: frame ``at`` repeated into ``at-1``."""
    t = clip.shape[0]
    idx = torch.arange(t)
    if direction > 0:
        idx[at + 1:] = idx[at:t - 1].clone()
    else:
        idx[at - 1] = at
    return clip[idx]


class Augmenter:
    def __init__(self, p_blur: float = 0.2, p_noise: float = 0.2, p_downup: float = 0.15,
                 p_color: float = 0.2, p_temporal: float = 0.1, max_blur: float = 2.0,
                 max_noise: float = 0.08, downup_range: Tuple[float, float] = (2.0, 4.0),
                 brightness: float = 0.08, contrast: float = 0.2, generator: Optional[torch.Generator] = None):
        self.p_blur, self.p_noise, self.p_downup = p_blur, p_noise, p_downup
        self.p_color, self.p_temporal = p_color, p_temporal
        self.max_blur, self.max_noise, self.downup_range = max_blur, max_noise, downup_range
        self.brightness, self.contrast = brightness, contrast
        self.g = generator
        self._extra: List[Tuple[Callable[[torch.Tensor], torch.Tensor], float]] = []

    def extra_roundtrip(self, fn: Callable[[torch.Tensor], torch.Tensor], p: float = 0.2) -> "Augmenter":
        """Register ``fn((n, T, H, W, 3) float [0,1]) -> same`` (e.g. a VAE round trip),
        applied to a random ``p`` fraction of the clips of every batch."""
        self._extra.append((fn, float(p)))
        return self

    def _rand(self, n: int) -> torch.Tensor:
        return torch.rand(n, generator=self.g)

    def __call__(self, clips: torch.Tensor, inplace: bool = False) -> torch.Tensor:
        """clips: float (B, T, H, W, 3) in [0, 1]; returns a tensor of the same shape
        (a new one unless ``inplace``)."""
        b, t = clips.shape[0], clips.shape[1]
        x = clips if inplace else clips.clone()
        for fn, p in self._extra:
            sel = (self._rand(b) < p).nonzero().flatten()
            if len(sel):
                x[sel] = fn(x[sel]).to(x.dtype).clamp(0.0, 1.0)
        # temporal stutter
        sel = (self._rand(b) < self.p_temporal).nonzero().flatten().tolist()
        for i in sel:
            at = int(torch.randint(1, t - 1, (1,), generator=self.g))
            x[i] = frame_duplicate(x[i], at, 1 if self._rand(1).item() < 0.5 else -1)
        # scaling down/up
        sel = (self._rand(b) < self.p_downup).nonzero().flatten().tolist()
        lo, hi = self.downup_range
        for i in sel:
            x[i] = down_up(x[i], lo + (hi - lo) * self._rand(1).item())
        # blur
        idx = (self._rand(b) < self.p_blur).nonzero().flatten()
        if len(idx):
            x[idx] = gaussian_blur(x[idx], self.max_blur * self._rand(len(idx)))
        # brightness / contrast
        m = self._rand(b) < self.p_color
        if m.any():
            idx = m.nonzero().flatten()
            n = len(idx)
            br = (self._rand(n) * 2 - 1) * self.brightness
            ct = 1 + (self._rand(n) * 2 - 1) * self.contrast
            x[idx] = color_jitter(x[idx], br, ct)
        # noise
        m = self._rand(b) < self.p_noise
        if m.any():
            idx = m.nonzero().flatten()
            x[idx] = add_noise(x[idx], self._rand(len(idx)) * self.max_noise)
        return x
