"""Reader for Kineo world shards (format "kineo-world-shards/1").

Numpy-only (no torch) so it can be reused by any tool.

A dataset dir holds ``meta.json`` plus shards; each shard is a raw uint8
file of C-order shape (n, F, H, W, 3) and a JSONL label file with one line
per clip. Shards rendered with ``kineo world data --coverage`` also have a
``coverage_file``: uint8 (n, F, H, W), how much the sprites cover each pixel.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

FORMAT = "kineo-world-shards/1"
HEADS = ("object", "object2", "motion", "speed", "background", "count", "effect", "camera")


class WorldShards:
    def __init__(self, root: str, split: Optional[str] = None):
        self.root = root
        with open(os.path.join(root, "meta.json"), "r", encoding="utf-8") as f:
            self.meta = json.load(f)
        fmt = self.meta.get("format")
        if fmt != FORMAT:
            raise ValueError(f"{root}: unsupported format {fmt!r} (want {FORMAT!r})")
        self.frames = int(self.meta["frames"])
        self.height = int(self.meta["height"])
        self.width = int(self.meta["width"])
        self.channels = int(self.meta.get("channels", 3))
        self.fps = self.meta.get("fps")
        self.vocab: Dict[str, List[str]] = {k: list(v) for k, v in self.meta["vocab"].items()}
        self.heads: List[str] = list(self.vocab.keys())
        self._index = {h: {name: i for i, name in enumerate(v)} for h, v in self.vocab.items()}
        clip_shape = (self.frames, self.height, self.width, self.channels)
        clip_bytes = int(np.prod(clip_shape))
        self._mmaps: List[np.ndarray] = []
        self._coverage: List[np.ndarray] = []
        self.has_coverage = bool(self.meta["shards"]) and all("coverage_file" in sh for sh in self.meta["shards"])
        records: List[dict] = []
        owner: List[int] = []
        local: List[int] = []
        for si, sh in enumerate(self.meta["shards"]):
            n = int(sh["clips"])
            path = os.path.join(root, sh["frames_file"])
            size = os.path.getsize(path)
            if size != n * clip_bytes:
                raise ValueError(f"{path}: {size} bytes, expected {n} clips x {clip_bytes}")
            mm = np.memmap(path, dtype=np.uint8, mode="r", shape=(n,) + clip_shape) if n else np.zeros((0,) + clip_shape, np.uint8)
            self._mmaps.append(mm)
            if self.has_coverage:
                cpath = os.path.join(root, sh["coverage_file"])
                cov_shape = (n, self.frames, self.height, self.width)
                if os.path.getsize(cpath) != int(np.prod(cov_shape)):
                    raise ValueError(f"{cpath}: {os.path.getsize(cpath)} bytes, expected {int(np.prod(cov_shape))}")
                self._coverage.append(np.memmap(cpath, dtype=np.uint8, mode="r", shape=cov_shape) if n
                                      else np.zeros(cov_shape, np.uint8))
            with open(os.path.join(root, sh["labels_file"]), "r", encoding="utf-8") as f:
                lines = [ln for ln in f.read().splitlines() if ln.strip()]
            if len(lines) != n:
                raise ValueError(f"{sh['labels_file']}: {len(lines)} label lines, expected {n}")
            for j, ln in enumerate(lines):
                records.append(json.loads(ln))
                owner.append(si)
                local.append(j)
        self._records = records
        self._owner = np.asarray(owner, dtype=np.int64)
        self._local = np.asarray(local, dtype=np.int64)
        # precomputed label index table (N, heads)
        self._labels = np.zeros((len(records), len(self.heads)), dtype=np.int64)
        for i, r in enumerate(records):
            for hi, h in enumerate(self.heads):
                self._labels[i, hi] = self._label_index(h, r["labels"].get(h, self._default(h)))
        self.indices = np.arange(len(records), dtype=np.int64)
        if split is not None:
            self.indices = np.asarray([i for i, r in enumerate(records) if r.get("split") == split], dtype=np.int64)

    # ------------------------------------------------------------------ labels
    def _default(self, head: str):
        return "none" if "none" in self._index[head] else self.vocab[head][0]

    def _label_index(self, head: str, value) -> int:
        key = str(value)
        try:
            return self._index[head][key]
        except KeyError:
            raise ValueError(f"label {value!r} not in vocab[{head!r}]") from None

    def vocab_sizes(self) -> Dict[str, int]:
        return {h: len(v) for h, v in self.vocab.items()}

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._records)

    def clip(self, i: int) -> np.ndarray:
        """uint8 array (F, H, W, 3)."""
        return np.asarray(self._mmaps[self._owner[i]][self._local[i]])

    def coverage(self, i: int) -> np.ndarray:
        """uint8 (F, H, W): the sprites' per-pixel coverage (0-255); only for shards written with --coverage."""
        if not self.has_coverage:
            raise ValueError(f"{self.root}: no coverage files (render with `kineo world data --coverage`)")
        return np.asarray(self._coverage[self._owner[i]][self._local[i]])

    def record(self, i: int) -> dict:
        return self._records[i]

    def labels(self, i: int) -> dict:
        return dict(self._records[i]["labels"])

    def label_indices(self, i: int) -> Dict[str, int]:
        return {h: int(self._labels[i, hi]) for hi, h in enumerate(self.heads)}

    def label_array(self, idx: Sequence[int]) -> np.ndarray:
        """int64 (len(idx), len(heads)) in self.heads order."""
        return self._labels[np.asarray(idx, dtype=np.int64)]

    def gather(self, idx: Iterable[int]) -> np.ndarray:
        """uint8 (B, F, H, W, 3) for the given global clip indices."""
        idx = np.asarray(list(idx), dtype=np.int64)
        out = np.empty((len(idx), self.frames, self.height, self.width, self.channels), dtype=np.uint8)
        for k, i in enumerate(idx):
            out[k] = self._mmaps[self._owner[i]][self._local[i]]
        return out

    def batch(self, idx: Sequence[int]):
        """(frames uint8 (B,F,H,W,3), labels dict head -> int64 (B,))."""
        frames = self.gather(idx)
        lab = self.label_array(idx)
        return frames, {h: lab[:, hi] for hi, h in enumerate(self.heads)}


class BatchSampler:
    """Infinite random batches (numpy only), reshuffled every epoch."""

    def __init__(self, ds: WorldShards, batch_size: int, seed: int = 0, indices: Optional[np.ndarray] = None):
        self.ds = ds
        self.batch_size = int(batch_size)
        self.rng = np.random.default_rng(seed)
        self.pool = np.asarray(ds.indices if indices is None else indices, dtype=np.int64)
        if len(self.pool) == 0:
            raise ValueError("empty dataset")
        self._perm = np.empty(0, dtype=np.int64)
        self._pos = 0

    def next_indices(self) -> np.ndarray:
        out = []
        need = self.batch_size
        while need > 0:
            if self._pos >= len(self._perm):
                self._perm = self.rng.permutation(self.pool)
                self._pos = 0
            take = self._perm[self._pos:self._pos + need]
            self._pos += len(take)
            need -= len(take)
            out.append(take)
        idx = np.concatenate(out)
        # sorted reads are friendlier to the page cache; order within a batch is irrelevant
        return np.sort(idx)

    def next(self):
        return self.ds.batch(self.next_indices())

    def __iter__(self):
        while True:
            yield self.next()


def iterate_sequential(ds: WorldShards, batch_size: int, indices: Optional[np.ndarray] = None):
    """Deterministic pass over the dataset (for evaluation)."""
    pool = ds.indices if indices is None else np.asarray(indices, dtype=np.int64)
    for s in range(0, len(pool), batch_size):
        yield ds.batch(pool[s:s + batch_size])


def split_indices(ds: WorldShards):
    """(train, val) record indices of ``ds`` by their ``split`` field: val = ``"val"`` records, train = the
    rest (every record when all are val)."""
    splits = [ds.record(i).get("split") for i in range(len(ds))]
    train_idx = np.asarray([i for i, s in enumerate(splits) if s != "val"], dtype=np.int64)
    if len(train_idx) == 0:
        train_idx = np.arange(len(ds), dtype=np.int64)
    val_idx = np.asarray([i for i, s in enumerate(splits) if s == "val"], dtype=np.int64)
    return train_idx, val_idx
