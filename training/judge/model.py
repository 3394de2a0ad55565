"""Kineo judge: a small 3D CNN video recognizer (our VBench-style evaluator).

Input  ``clip``: float32 (B, T=16, H=64, W=64, 3), RGB in [0, 1].
Outputs: ``logits_<head>`` (B, n_head) for every vocab head, and
``frame_features`` (B, T, D): per-frame features from the first stage (all T
frames kept), avg-pooled to a 4x4 grid and flattened, for temporal
consistency (cosine similarity of consecutive frames).

Only full 3x3x3 Conv3d kernels are used after the stem (fast mkldnn path);
the stem is a (3,4,4)/(1,4,4) "patchify" conv, which is cheap.
All pooling has fixed, divisible kernels so ONNX export (opset 17) is clean.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict

import torch
import torch.nn as nn

FRAMES, HEIGHT, WIDTH = 16, 64, 64
MEAN, STD = 0.45, 0.25
WHERE_CHANNELS = 32


def conv_bn(ci: int, co: int, stride=1, kernel=3, padding=1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(ci, co, kernel, stride, padding, bias=False),
        nn.BatchNorm3d(co),
        nn.ReLU(inplace=True),
    )


class Judge(nn.Module):
    def __init__(self, vocab_sizes: Dict[str, int], width: int = 16, frames: int = FRAMES,
                 height: int = HEIGHT, img_width: int = WIDTH, dropout: float = 0.1, greyscale: bool = False):
        super().__init__()
        # greyscale: the judge sees luma only (in its graph, so the engine feeds it RGB as ever): it must tell a fox
        # from a rabbit by shape, not by colour (issue 25's colour-blind judge)
        self.greyscale = bool(greyscale)
        self.vocab_sizes = OrderedDict((k, int(v)) for k, v in vocab_sizes.items())
        self.width = width
        self.frames, self.height, self.img_width = frames, height, img_width
        w1, w2, w3 = width, 3 * width, 6 * width
        # stem: 4x4 spatial patches, 3 frames of temporal context, keeps T
        self.stem = conv_bn(3, w1, stride=(1, 4, 4), kernel=(3, 4, 4), padding=(1, 0, 0))
        # stage 1: T x H/4 x W/4 (all frames kept) -> frame features
        self.stage1 = conv_bn(w1, w1)
        # stage 2: T/2 x H/8 x W/8
        self.stage2 = nn.Sequential(conv_bn(w1, w2, stride=2), conv_bn(w2, w2))
        # stage 3: T/4 x H/16 x W/16
        self.stage3 = nn.Sequential(conv_bn(w2, w3, stride=2), conv_bn(w3, w3))
        s1 = height // 4
        if s1 % 4 or (img_width // 4) % 4:
            raise ValueError("height/width must be divisible by 16")
        self.frame_pool = nn.AvgPool3d(kernel_size=(1, s1 // 4, (img_width // 4) // 4))
        self.frame_dim = w1 * 16
        self.dropout = nn.Dropout(dropout)
        # Where things are, frame by frame, matters for motion, camera and count: a small projection of
        # stage 3 keeps its (T/4 x H/16 x W/16) layout and is flattened beside the pooled features.
        self.where = nn.Sequential(nn.Conv3d(w3, WHERE_CHANNELS, 1), nn.ReLU(inplace=True))
        where_cells = (frames // 4) * (height // 16) * (img_width // 16)
        # mean + max of stage 3 (max finds a small object on a big background), mean of stage 2, layout
        feat = 2 * w3 + w2 + WHERE_CHANNELS * where_cells
        self.heads = nn.ModuleDict({k: nn.Linear(feat, n) for k, n in self.vocab_sizes.items()})
        self.output_names = [f"logits_{k}" for k in self.vocab_sizes] + ["frame_features"]
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, clip: torch.Tensor) -> Dict[str, torch.Tensor]:
        # (B, T, H, W, C) -> (B, C, T, H, W), normalise
        if self.greyscale:
            luma = clip[..., 0:1] * 0.299 + clip[..., 1:2] * 0.587 + clip[..., 2:3] * 0.114
            clip = torch.cat([luma, luma, luma], dim=-1)
        x = torch.sub(clip, MEAN).mul_(1.0 / STD).permute(0, 4, 1, 2, 3)
        x = self.stem(x)
        f1 = self.stage1(x)  # (B, w1, T, H/4, W/4)
        f2 = self.stage2(f1)
        f3 = self.stage3(f2)
        # per-frame features: (B, w1, T, 4, 4) -> (B, T, w1*16)
        fp = self.frame_pool(f1)
        b, c, t = fp.shape[0], fp.shape[1], fp.shape[2]
        frame_features = fp.permute(0, 2, 1, 3, 4).reshape(b, t, c * 16)
        where = self.where(f3).flatten(1)
        g = torch.cat([f3.mean(dim=(2, 3, 4)), f3.amax(dim=(2, 3, 4)), f2.mean(dim=(2, 3, 4)), where], dim=1)
        g = self.dropout(g)
        out: Dict[str, torch.Tensor] = OrderedDict()
        for k, head in self.heads.items():
            out[f"logits_{k}"] = head(g)
        out["frame_features"] = frame_features
        return out

    def config(self) -> dict:
        return {"vocab_sizes": dict(self.vocab_sizes), "width": self.width, "frames": self.frames,
                "height": self.height, "img_width": self.img_width, **({"greyscale": True} if self.greyscale else {})}


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: Judge) -> int:
    """Multiply-accumulates of one clip forward (convs + linears)."""
    macs = 0
    hooks = []

    def conv_hook(m, inp, out):
        nonlocal macs
        macs += out[0].numel() * (m.weight[0].numel())

    def lin_hook(m, inp, out):
        nonlocal macs
        macs += m.weight.numel()

    for m in model.modules():
        if isinstance(m, nn.Conv3d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lin_hook))
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, model.frames, model.height, model.img_width, 3))
    model.train(was)
    for h in hooks:
        h.remove()
    return macs
