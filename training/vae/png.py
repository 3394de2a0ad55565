"""Minimal PNG writer (numpy + zlib + struct), plus a reconstruction comparison grid."""
from __future__ import annotations

import os
import struct
import zlib
from typing import Sequence

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(img: np.ndarray) -> bytes:
    """uint8 (H, W, 3) RGB or (H, W) grey -> PNG bytes (8-bit, filter 0 on every row)."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * c)], axis=1).tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def write_png(path: str, img: np.ndarray) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(encode_png(img))
    os.replace(tmp, path)


def comparison_grid(orig: np.ndarray, recon: np.ndarray, frames: Sequence[int] = (0, 5, 10, 15),
                    gap: int = 2) -> np.ndarray:
    """orig/recon uint8 (N, T, H, W, 3) -> one image: per clip a row of originals above a row of
    reconstructions, ``frames`` left to right, separated by ``gap`` px of white."""
    n, t, h, w, _ = orig.shape
    frames = [f for f in frames if f < t] or [0]
    rows = 2 * n
    out = np.full((rows * h + (rows - 1) * gap, len(frames) * w + (len(frames) - 1) * gap, 3), 255, np.uint8)
    for i in range(n):
        for r, src in enumerate((orig, recon)):
            y = (2 * i + r) * (h + gap)
            for j, f in enumerate(frames):
                x = j * (w + gap)
                out[y:y + h, x:x + w] = src[i, f]
    return out
