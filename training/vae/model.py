"""Causal 3D VAE of kineo-mini.

Input / output layout is the judge's: ``(B, T, H, W, 3)`` float in [0, 1]
(permuted to ``(B, C, T, H, W)`` internally).

Causality: every temporal convolution pads only on the past side
(replicating the first frame) and normalisation is per frame, so
* encoder latent frame ``j`` depends only on input frames ``< time_factor * (j + 1)``;
* decoder output frame ``t`` depends only on latent frames ``<= t // time_factor``.

Layout (``spatial_factor`` 16, ``time_factor`` 4, ``base`` 16; 16x64x64 input):

    encoder  stem conv stride (1,2,2)            3 -> 16   @ 16x32x32
             down conv stride (2,2,2)           16 -> 32   @  8x16x16, res block
             down conv stride (2,2,2)           32 -> 64   @  4x 8x 8, res block
             down conv stride (1,2,2)           64 -> 96   @  4x 4x 4, res block
             norm, SiLU, conv -> 2C (mean, logvar)
    decoder  conv C -> 96, res block(s), then per level: nearest upsample (time x2 where the
             encoder went down in time) + conv, res block; at the first level (H/2) a conv to
             3*2*2 channels and depth-to-space to full resolution, sigmoid.

Only full 3x3x3 ``Conv3d`` kernels (fast mkldnn path). ``spatial_factor`` 8 drops the last level.

Latent normalisation: ``latent_mean`` / ``latent_std`` scalar buffers (set after training by
``calibrate``) so ``encode`` returns ~unit-variance latents and ``decode`` takes them.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalConv3d(nn.Module):
    """Full 3x3x3 conv; time padded on the past side only (first frame replicated).

    Stride 1 in time: 2 past frames of padding (output t sees inputs t-2..t).
    Stride 2 in time: 1 past frame (output i sees inputs 2i-1..2i+1, i.e. the end of its pair).
    Spatial padding is zero padding inside the conv.
    """

    def __init__(self, cin: int, cout: int, stride: Sequence[int] = (1, 1, 1)):
        super().__init__()
        self.stride = tuple(int(s) for s in stride)
        self.tpad = 2 if self.stride[0] == 1 else 1
        self.conv = nn.Conv3d(cin, cout, 3, stride=self.stride, padding=(0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = x[:, :, :1]
        x = torch.cat([first] * self.tpad + [x], dim=2)
        return self.conv(x)


class FrameGroupNorm(nn.Module):
    """GroupNorm computed per frame (statistics over channels-in-group x H x W), affine.

    Written with plain reductions so it is causal in time and exports to ONNX cleanly.
    """

    def __init__(self, channels: int, groups: int = 8, eps: float = 1e-5):
        super().__init__()
        groups = math.gcd(channels, groups)
        self.groups, self.channels, self.eps = groups, channels, eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        if x.dtype != torch.float32:  # bf16 autocast on a GPU: statistics in float32 (not taken in fp32 export)
            x = x.float()
        g = x.reshape(b, self.groups, c // self.groups, t, h, w)
        mean = g.mean(dim=(2, 4, 5), keepdim=True)
        d = g - mean
        var = (d * d).mean(dim=(2, 4, 5), keepdim=True)
        y = (d * torch.rsqrt(var + self.eps)).reshape(b, c, t, h, w)
        return y * self.weight.view(1, c, 1, 1, 1) + self.bias.view(1, c, 1, 1, 1)


class ResBlock(nn.Module):
    def __init__(self, ch: int, groups: int = 8):
        super().__init__()
        self.norm1 = FrameGroupNorm(ch, groups)
        self.conv1 = CausalConv3d(ch, ch)
        self.norm2 = FrameGroupNorm(ch, groups)
        self.conv2 = CausalConv3d(ch, ch)
        nn.init.zeros_(self.conv2.conv.weight)
        nn.init.zeros_(self.conv2.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + h


class Upsample(nn.Module):
    """Nearest-neighbour upsampling (time x2 optional, space x2) + causal conv."""

    def __init__(self, cin: int, cout: int, time_up: bool):
        super().__init__()
        self.scale = (2.0 if time_up else 1.0, 2.0, 2.0)
        self.conv = CausalConv3d(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=self.scale, mode="nearest"))


def level_channels(base: int, levels: int) -> List[int]:
    """Channels per level: base, 2*base, 4*base, 6*base, ..."""
    out = []
    for i in range(levels):
        out.append(base if i == 0 else (2 * base if i == 1 else 2 * (i) * base))
    return out


class CausalVAE(nn.Module):
    def __init__(self, latent_channels: int = 16, spatial_factor: int = 16, time_factor: int = 4,
                 base: int = 16, enc_blocks: Optional[Sequence[int]] = None,
                 dec_blocks: Optional[Sequence[int]] = None, frames: int = 16, height: int = 64,
                 width: int = 64, groups: int = 8):
        super().__init__()
        if spatial_factor not in (4, 8, 16, 32):
            raise ValueError("spatial_factor must be 4, 8, 16 or 32")
        if time_factor not in (1, 2, 4, 8):
            raise ValueError("time_factor must be 1, 2, 4 or 8")
        n_s = int(round(math.log2(spatial_factor)))  # spatial downsamplings (stem does the first)
        n_t = int(round(math.log2(time_factor)))
        levels = n_s  # level 0 = after the stem (H/2)
        if n_t > levels - 1:
            raise ValueError("time_factor needs at least log2(time_factor) downsampling levels after the stem")
        if frames % time_factor or height % spatial_factor or width % spatial_factor:
            raise ValueError("frames/height/width must be divisible by the factors")
        self.latent_channels, self.spatial_factor, self.time_factor = latent_channels, spatial_factor, time_factor
        self.base, self.groups = base, groups
        self.frames, self.height, self.width = frames, height, width
        ch = level_channels(base, levels)
        self.ch = ch
        # blocks per level; none at level 0 (T x H/2: too expensive), one elsewhere, decoder top gets 2
        self.enc_blocks = list(enc_blocks) if enc_blocks is not None else [0] + [1] * (levels - 1)
        self.dec_blocks = list(dec_blocks) if dec_blocks is not None else [0] + [1] * (levels - 2) + [2]
        if len(self.enc_blocks) != levels or len(self.dec_blocks) != levels:
            raise ValueError(f"enc_blocks/dec_blocks need {levels} entries")
        # transition k (level k -> k+1) halves time for the first n_t transitions
        self.time_down = [k < n_t for k in range(levels - 1)]

        # ---------------- encoder
        self.stem = CausalConv3d(3, ch[0], stride=(1, 2, 2))
        enc: List[nn.Module] = []
        for k in range(levels):
            for _ in range(self.enc_blocks[k]):
                enc.append(ResBlock(ch[k], groups))
            if k < levels - 1:
                enc.append(CausalConv3d(ch[k], ch[k + 1], stride=(2 if self.time_down[k] else 1, 2, 2)))
        self.enc = nn.Sequential(*enc)
        self.enc_norm = FrameGroupNorm(ch[-1], groups)
        self.enc_out = CausalConv3d(ch[-1], 2 * latent_channels)

        # ---------------- decoder
        self.dec_in = CausalConv3d(latent_channels, ch[-1])
        dec: List[nn.Module] = []
        for k in range(levels - 1, -1, -1):
            for _ in range(self.dec_blocks[k]):
                dec.append(ResBlock(ch[k], groups))
            if k > 0:
                dec.append(Upsample(ch[k], ch[k - 1], self.time_down[k - 1]))
        self.dec = nn.Sequential(*dec)
        self.dec_norm = FrameGroupNorm(ch[0], groups)
        self.dec_out = CausalConv3d(ch[0], 3 * 4)  # depth-to-space x2 -> full resolution

        self.register_buffer("latent_mean", torch.zeros(()))
        self.register_buffer("latent_std", torch.ones(()))

    # ------------------------------------------------------------------ shapes
    def latent_shape(self, frames: Optional[int] = None, height: Optional[int] = None,
                     width: Optional[int] = None) -> Tuple[int, int, int, int]:
        """(C, T', H', W') for a (frames, height, width) clip."""
        f = self.frames if frames is None else frames
        h = self.height if height is None else height
        w = self.width if width is None else width
        return (self.latent_channels, f // self.time_factor, h // self.spatial_factor, w // self.spatial_factor)

    def config(self) -> dict:
        return {"latent_channels": self.latent_channels, "spatial_factor": self.spatial_factor,
                "time_factor": self.time_factor, "base": self.base, "enc_blocks": list(self.enc_blocks),
                "dec_blocks": list(self.dec_blocks), "frames": self.frames, "height": self.height,
                "width": self.width, "groups": self.groups}

    @classmethod
    def from_config(cls, cfg: dict) -> "CausalVAE":
        return cls(**cfg)

    # ------------------------------------------------------------------ raw paths
    def encode_moments(self, clip: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """clip (B,T,H,W,3) in [0,1] -> raw (mean, logvar), each (B, C, T', H', W')."""
        x = (clip.permute(0, 4, 1, 2, 3) - 0.5) * 2.0
        x = self.stem(x)
        x = self.enc(x)
        x = self.enc_out(F.silu(self.enc_norm(x)))
        mean, logvar = torch.chunk(x, 2, dim=1)
        return mean, torch.clamp(logvar, -30.0, 20.0)

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        """raw latents (B,C,T',H',W') -> frames (B,T,H,W,3) in [0,1]."""
        x = self.dec_in(z)
        x = self.dec(x)
        x = self.dec_out(F.silu(self.dec_norm(x)))  # (B, 12, T, H/2, W/2)
        if x.dtype != torch.float32:  # bf16 autocast: the sigmoid and the loss in float32
            x = x.float()
        b, _, t, h, w = x.shape
        # depth-to-space: channel index = c*4 + dy*2 + dx
        x = x.reshape(b, 3, 2, 2, t, h, w).permute(0, 4, 5, 2, 6, 3, 1).reshape(b, t, h * 2, w * 2, 3)
        return torch.sigmoid(x)

    # ------------------------------------------------------------------ normalised API
    def encode(self, clip: torch.Tensor) -> torch.Tensor:
        """Normalised latent means (what the diffusion model sees)."""
        mean, _ = self.encode_moments(clip)
        return (mean - self.latent_mean) / self.latent_std

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Normalised latents -> frames (B,T,H,W,3) in [0,1]."""
        return self.decode_raw(latents * self.latent_std + self.latent_mean)

    def forward(self, clip: torch.Tensor, sample: bool = True,
                generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
        mean, logvar = self.encode_moments(clip)
        if sample:
            eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
            z = mean + torch.exp(0.5 * logvar) * eps
        else:
            z = mean
        return {"recon": self.decode_raw(z), "mean": mean, "logvar": logvar}

    @torch.no_grad()
    def calibrate(self, clips: torch.Tensor, batch: int = 16) -> Tuple[float, float]:
        """Set latent_mean / latent_std (scalars) from the raw latent means of ``clips``."""
        was = self.training
        self.eval()
        ms = [self.encode_moments(clips[i:i + batch])[0] for i in range(0, len(clips), batch)]
        m = torch.cat(ms)
        mu, sd = float(m.mean()), float(m.std())
        self.latent_mean.fill_(mu)
        self.latent_std.fill_(max(sd, 1e-6))
        self.train(was)
        return mu, max(sd, 1e-6)


class EncoderOnly(nn.Module):
    def __init__(self, vae: CausalVAE):
        super().__init__()
        self.vae = vae

    def forward(self, clip):
        return self.vae.encode(clip)


class DecoderOnly(nn.Module):
    def __init__(self, vae: CausalVAE):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        return self.vae.decode(latents)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: CausalVAE, frames: Optional[int] = None, height: Optional[int] = None,
               width: Optional[int] = None) -> Dict[str, int]:
    """Conv multiply-accumulates for one clip: {"encoder", "decoder", "total"}."""
    f = model.frames if frames is None else frames
    h = model.height if height is None else height
    w = model.width if width is None else width
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        macs += out[0].numel() * m.weight[0].numel()

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv3d)]
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            dev = next(model.parameters()).device
            mean, _ = model.encode_moments(torch.zeros(1, f, h, w, 3, device=dev))
            enc = macs
            model.decode_raw(mean)
            dec = macs - enc
    finally:
        model.train(was)
        for hk in hooks:
            hk.remove()
    return {"encoder": enc, "decoder": dec, "total": enc + dec}
