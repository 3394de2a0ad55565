import json
import os
import sys

import numpy as np
import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402

torch.set_num_threads(2)

VOCAB = {
    "object": ["cat", "dog", "ball"],
    "object2": ["none", "cat", "dog", "ball"],
    "motion": ["left", "right", "up"],
    "speed": ["slow", "normal", "fast"],
    "background": ["beach", "forest"],
    "count": ["1", "2", "3"],
    "effect": ["none", "melt"],
    "camera": ["none", "pan_left"],
}


def write_fixture(root, shard_sizes=(5, 3), frames=16, height=64, width=64, seed=0, split_every=0):
    """Write a synthetic kineo-world-shards/1 dataset; returns (frames list, label dicts)."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    shards, all_frames, all_labels = [], [], []
    k = 0
    for si, n in enumerate(shard_sizes):
        ff, lf = f"shard-{si:05d}.u8", f"shard-{si:05d}.jsonl"
        arr = rng.integers(0, 256, size=(n, frames, height, width, 3), dtype=np.uint8)
        arr.tofile(os.path.join(root, ff))
        lines = []
        for j in range(n):
            lab = {
                "object": VOCAB["object"][rng.integers(3)],
                "object2": VOCAB["object2"][rng.integers(4)],
                "motion": VOCAB["motion"][rng.integers(3)],
                "speed": VOCAB["speed"][rng.integers(3)],
                "background": VOCAB["background"][rng.integers(2)],
                "count": int(rng.integers(1, 4)),
                "effect": VOCAB["effect"][rng.integers(2)],
                "camera": VOCAB["camera"][rng.integers(2)],
            }
            split = "val" if split_every and k % split_every == split_every - 1 else "train"
            lines.append(json.dumps({"caption": f"a {lab['object']} moving {lab['motion']}", "labels": lab,
                                     "seed": int(k), "split": split}))
            all_frames.append(arr[j])
            all_labels.append(lab)
            k += 1
        with open(os.path.join(root, lf), "w") as f:
            f.write("\n".join(lines) + "\n")
        shards.append({"frames_file": ff, "labels_file": lf, "clips": n})
    meta = {"format": "kineo-world-shards/1", "frames": frames, "height": height, "width": width, "channels": 3,
            "fps": 8, "clips": sum(shard_sizes), "shards": shards, "vocab": VOCAB}
    with open(os.path.join(root, "meta.json"), "w") as f:
        json.dump(meta, f)
    return all_frames, all_labels


@pytest.fixture
def fixture_dir(tmp_path):
    d = str(tmp_path / "shards")
    frames, labels = write_fixture(d, split_every=4)
    return d, frames, labels


@pytest.fixture
def vocab_sizes():
    return {k: len(v) for k, v in VOCAB.items()}
