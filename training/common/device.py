"""Where a trainer runs: device choice, bf16 autocast on CUDA, checkpoint loading across torch versions, and a
clip store that keeps a whole uint8 dataset on the GPU so batches never wait on the host.

The same trainers run on 2 CPU cores (Debian torch 1.13) and on a lent GPU (torch 2.x): every tensor is made on
``device`` explicitly, random numbers come from a generator on that device, and bf16 autocast is used on CUDA.
On the CPU runs stay fp32 (bit-for-bit what the tests check) unless a trainer is asked for ``--amp on``: on a CPU
with AVX512-BF16 or AMX, oneDNN runs the bf16 matmuls ~3.5x faster than OpenBLAS runs them in fp32 (measured on
the 2-core Zen 5 machine: the DiT trains at 8.6 samples/s instead of 2.5).
"""
from __future__ import annotations

import contextlib
from typing import Optional

import numpy as np
import torch


def pick_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when present, else CPU. ``cuda`` without a GPU is an error that says so."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is visible to this torch build (use --device cpu)")
    dev = torch.device(name)
    if dev.type == "cuda":
        try:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        except Exception:  # newer torch may refuse the old flags; fp32 matmuls are rare under bf16 autocast
            pass
        torch.backends.cudnn.benchmark = True
    return dev


def autocast(device: torch.device, enabled: bool):
    """bf16 autocast on ``device`` when ``enabled`` (trainers decide with :func:`use_amp`); else a no-op."""
    if enabled and device.type in ("cuda", "cpu"):
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def cpu_has_fast_bf16() -> bool:
    """True when the CPU multiplies bf16 in hardware (AVX512-BF16 or AMX-BF16), which oneDNN uses."""
    try:
        with open("/proc/cpuinfo", "r", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


AMP_MODES = ("auto", "on", "off")


def use_amp(device: torch.device, mode: str) -> bool:
    """Whether a trainer runs under bf16 autocast. ``auto``: on CUDA only (CPU runs stay fp32 and reproducible);
    ``on``: also on a CPU with hardware bf16 (one without it would run bf16 slower than fp32, so it stays fp32
    with a warning); ``off``: never."""
    if mode not in AMP_MODES:
        raise SystemExit(f"--amp must be one of {', '.join(AMP_MODES)}, got {mode!r}")
    if mode == "off":
        return False
    if device.type == "cuda":
        return True
    if mode == "on":
        if cpu_has_fast_bf16():
            return True
        print("[amp] --amp on: this CPU has no AVX512-BF16/AMX, bf16 would be slower than fp32; training in fp32",
              flush=True)
    return False


def generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(int(seed))


def torch_load(path: str):
    """``torch.load`` onto the CPU; torch >= 2.6 defaults to weights_only, our checkpoints hold plain dicts."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch < 1.13.? has no weights_only
        return torch.load(path, map_location="cpu")


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work so wall-clock timings mean something."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class DeviceClips:
    """uint8 clips ``(N, T, H, W, 3)`` resident on ``device``; random batches as float in [0, 1]."""

    def __init__(self, clips_u8: np.ndarray, device: torch.device, seed: int = 0):
        self.device = device
        self.data = torch.from_numpy(np.ascontiguousarray(clips_u8)).to(device)
        self.gen = generator(device, seed)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def next(self, batch: int) -> torch.Tensor:
        idx = torch.randint(0, len(self), (batch,), generator=self.gen, device=self.device)
        return self.data.index_select(0, idx).float().mul_(1.0 / 255.0)


def gather_in_chunks(ds, indices: np.ndarray, chunk: int = 4096, log=None) -> np.ndarray:
    """``ds.gather(indices)`` in chunks (one big uint8 array), reporting progress through ``log``."""
    out: Optional[np.ndarray] = None
    for s in range(0, len(indices), chunk):
        part = ds.gather(indices[s:s + chunk])
        if out is None:
            out = np.empty((len(indices),) + part.shape[1:], dtype=np.uint8)
        out[s:s + len(part)] = part
        if log is not None and (s // chunk) % 5 == 0:
            log(f"[data] loaded {min(s + chunk, len(indices))}/{len(indices)} clips")
    return out if out is not None else np.zeros((0,), dtype=np.uint8)
