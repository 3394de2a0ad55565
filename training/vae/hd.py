"""A decoder that draws twice the VAE's frame size from the same latent grid (issue 25: 128x128 from 8x8 latents).

Why a second decoder and not a new VAE: the DiT's cost follows its token count, so the latent grid must not
grow; a decoder that upsamples past the encoder's factor (LTX-Video's decoder does the same) draws more
pixels for free on the DiT's side. The encoder stays the shipped one, frozen: every latent the DiT was trained
on keeps its meaning, so the DiT needs no retraining to use the sharper decoder.

    HDDecoder(vae)   latents (B, C, T', H', W') normalised  ->  frames (B, T, 2*H, 2*W, 3) in [0, 1]

Layout: the VAE's decoder trunk (copied, fine-tuned) makes its features at H/2 and its 64x64 logits, which are
upsampled bilinearly to 2H (what the engine did before: an upscaled 64x64 clip); a head upsamples the trunk's
features twice (H/2 -> H), runs a residual block there, and adds residual logits at 2H by depth-to-space. The
head's last conv starts at zero, so training starts from exactly the upscaled old decoder and can only add
detail to it.
"""
from __future__ import annotations

from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import CausalConv3d, CausalVAE, FrameGroupNorm, ResBlock, Upsample


def depth_to_space(x: torch.Tensor, r: int) -> torch.Tensor:
    """(B, 3*r*r, T, H, W) -> (B, T, H*r, W*r, 3); channel index = c*r*r + dy*r + dx (the VAE's layout)."""
    b, _, t, h, w = x.shape
    return x.reshape(b, 3, r, r, t, h, w).permute(0, 4, 5, 2, 6, 3, 1).reshape(b, t, h * r, w * r, 3)


def upscale_logits(x: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, T, H, W, 3) -> (B, T, H*s, W*s, 3), bilinear per frame (half-pixel centres, as the engine upscales)."""
    b, t, h, w, c = x.shape
    y = x.reshape(b * t, h, w, c).permute(0, 3, 1, 2)
    y = F.interpolate(y, scale_factor=float(scale), mode="bilinear", align_corners=False)
    return y.permute(0, 2, 3, 1).reshape(b, t, h * scale, w * scale, c)


class HDDecoder(nn.Module):
    """The VAE's decoder plus a head that draws at 2x its frame size."""

    scale = 2

    def __init__(self, vae: CausalVAE, head_channels: int = 16, head_blocks: int = 1):
        super().__init__()
        import copy

        src = copy.deepcopy(vae)
        self.vae_config = vae.config()
        self.head_channels, self.head_blocks = head_channels, head_blocks
        self.dec_in, self.dec, self.dec_norm, self.dec_out = src.dec_in, src.dec, src.dec_norm, src.dec_out
        self.register_buffer("latent_mean", src.latent_mean.detach().clone())
        self.register_buffer("latent_std", src.latent_std.detach().clone())
        ch0 = src.ch[0]
        self.head_up = Upsample(ch0, head_channels, time_up=False)
        self.head_blocks_ = nn.Sequential(*[ResBlock(head_channels, min(8, head_channels)) for _ in range(head_blocks)])
        self.head_norm = FrameGroupNorm(head_channels, min(8, head_channels))
        self.head_out = CausalConv3d(head_channels, 3 * 4)
        nn.init.zeros_(self.head_out.conv.weight)
        nn.init.zeros_(self.head_out.conv.bias)

    def config(self) -> dict:
        return {"vae": self.vae_config, "head_channels": self.head_channels, "head_blocks": self.head_blocks}

    @classmethod
    def from_config(cls, cfg: dict) -> "HDDecoder":
        return cls(CausalVAE.from_config(cfg["vae"]), cfg["head_channels"], cfg["head_blocks"])

    def trunk_parameters(self):
        for m in (self.dec_in, self.dec, self.dec_norm, self.dec_out):
            yield from m.parameters()

    def head_parameters(self):
        for m in (self.head_up, self.head_blocks_, self.head_norm, self.head_out):
            yield from m.parameters()

    def decode_logits(self, z: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Normalised latents -> {"base": upscaled old logits, "logits": base + head} at 2x, (B, T, 2H, 2W, 3)."""
        x = self.dec(self.dec_in(z * self.latent_std + self.latent_mean))
        base = depth_to_space(self.dec_out(F.silu(self.dec_norm(x))), 2)
        h = self.head_blocks_(self.head_up(x))
        res = depth_to_space(self.head_out(F.silu(self.head_norm(h))), 2)
        base = base.float()
        up = upscale_logits(base, self.scale)
        return {"base": up, "logits": up + res.float()}

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z)["logits"])


class PatchDiscriminator(nn.Module):
    """A small per-frame patch discriminator (hinge loss): it sees frames, not clips, so it judges edges and
    texture; consistency in time stays the L1 loss's job."""

    def __init__(self, ch: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ch, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(ch, ch * 2, 4, 2, 1), nn.GroupNorm(8, ch * 2), nn.LeakyReLU(0.2),
            nn.Conv2d(ch * 2, ch * 4, 4, 2, 1), nn.GroupNorm(8, ch * 4), nn.LeakyReLU(0.2),
            nn.Conv2d(ch * 4, 1, 3, 1, 1))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, H, W, 3) in [0, 1] -> patch logits."""
        b, t, h, w, c = frames.shape
        return self.net((frames.reshape(b * t, h, w, c).permute(0, 3, 1, 2) - 0.5) * 2.0)


def count_decoder_macs(dec: HDDecoder, latent_shape) -> int:
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        macs += out[0].numel() * m.weight[0].numel()

    hooks = [m.register_forward_hook(hook) for m in dec.modules() if isinstance(m, nn.Conv3d)]
    try:
        with torch.no_grad():
            dec(torch.zeros(1, *latent_shape))
    finally:
        for hk in hooks:
            hk.remove()
    return macs
