"""Minimal PNG output with numpy + zlib: writer, reconstruction comparison grid and a line plot
(used when matplotlib is missing)."""
from __future__ import annotations

import math
import os
import struct
import zlib
from typing import Optional, Sequence, Tuple

import numpy as np

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(img: np.ndarray, level: int = 6) -> bytes:
    """uint8 (H, W, 3) RGB, (H, W, 4) RGBA or (H, W) grey -> PNG bytes (8-bit, filter 0 on every row,
    zlib ``level``)."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * c)], axis=1).tobytes()
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw, level)) + _chunk(b"IEND", b"")


def write_png(path: str, img: np.ndarray, level: int = 6) -> None:
    """Atomic write of ``encode_png(img, level)``."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(encode_png(img, level))
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


# ---------------------------------------------------------------------- line plot
# 3x5 bitmap font for tick labels
_FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
    "e": "000111101110011", "+": "000010111010000", " ": "000000000000000",
}


def _text(img: np.ndarray, x: int, y: int, s: str, color=(60, 60, 60), scale: int = 2):
    for ch in s:
        bits = _FONT.get(ch, _FONT[" "])
        for i, b in enumerate(bits):
            if b == "1":
                r, c = divmod(i, 3)
                y0, x0 = y + r * scale, x + c * scale
                img[max(y0, 0):max(y0 + scale, 0), max(x0, 0):max(x0 + scale, 0)] = color
        x += 4 * scale


def _fmt(v: float) -> str:
    return f"{v:.3g}".replace("e-0", "e-").replace("e+0", "e")


def _line(img, x0, y0, x1, y1, color):
    n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    xs = np.linspace(x0, x1, n).round().astype(int)
    ys = np.linspace(y0, y1, n).round().astype(int)
    h, w, _ = img.shape
    ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    img[ys[ok], xs[ok]] = color
    ok2 = ok & (ys + 1 < h)
    img[ys[ok2] + 1, xs[ok2]] = color


def line_plot(series: Sequence[Tuple[Sequence[float], Sequence[float], Tuple[int, int, int]]],
              width: int = 720, height: int = 400, log_y: Optional[bool] = None) -> np.ndarray:
    """series: [(xs, ys, rgb)] -> (H, W, 3) uint8 image with axes and min/max tick labels."""
    img = np.full((height, width, 3), 255, np.uint8)
    pts = [(np.asarray(x, float), np.asarray(y, float), c) for x, y, c in series if len(x)]
    left, right, top, bottom = 70, 20, 20, 40
    pw, ph = width - left - right, height - top - bottom
    _line(img, left, top, left, top + ph, (0, 0, 0))
    _line(img, left, top + ph, left + pw, top + ph, (0, 0, 0))
    if not pts:
        return img
    allx = np.concatenate([p[0] for p in pts])
    ally = np.concatenate([p[1][np.isfinite(p[1])] for p in pts])
    if ally.size == 0:
        return img
    if log_y is None:
        log_y = bool(ally.min() > 0 and ally.max() / max(ally.min(), 1e-12) > 10)
    f = (lambda v: np.log10(np.maximum(v, 1e-12))) if log_y else (lambda v: v)
    y0, y1 = float(f(ally).min()), float(f(ally).max())
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5
    x0, x1 = float(allx.min()), float(allx.max())
    if x1 - x0 < 1e-12:
        x1 = x0 + 1
    for k in range(5):  # grid
        yy = top + ph * k / 4
        _line(img, left + 1, yy, left + pw, yy, (225, 225, 225))
    for xs, ys, color in pts:
        px = left + (xs - x0) / (x1 - x0) * pw
        py = top + ph - (f(ys) - y0) / (y1 - y0) * ph
        for i in range(len(px) - 1):
            if math.isfinite(py[i]) and math.isfinite(py[i + 1]):
                _line(img, px[i], py[i], px[i + 1], py[i + 1], color)
        if len(px) == 1:
            _line(img, px[0] - 2, py[0], px[0] + 2, py[0], color)
    inv = (lambda v: 10 ** v) if log_y else (lambda v: v)
    _text(img, 4, top - 4, _fmt(inv(y1)))
    _text(img, 4, top + ph - 6, _fmt(inv(y0)))
    _text(img, left, top + ph + 10, _fmt(x0))
    s = _fmt(x1)
    _text(img, left + pw - len(s) * 8, top + ph + 10, s)
    return img


def save_line_plot(path: str, series, **kw):
    """Uses matplotlib when available, else the numpy renderer above."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7.2, 4.0), dpi=100)
        for xs, ys, c, *label in series:
            ax.plot(xs, ys, color=tuple(v / 255 for v in c), label=label[0] if label else None)
        if kw.get("log_y"):
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if any(len(s) > 3 for s in series):
            ax.legend()
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    except ImportError:
        write_png(path, line_plot([s[:3] for s in series], **kw), level=9)
