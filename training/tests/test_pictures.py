import json

import numpy as np

from training.pictures import MOVES, camera_phrases, write_shards
from training.shards import WorldShards


def shift(a: np.ndarray, b: np.ndarray):
    """Integer (dx, dy) that carries grey frame a onto b, by phase correlation."""
    A, B = np.fft.fft2(a - a.mean()), np.fft.fft2(b - b.mean())
    r = B * np.conj(A)
    r = np.fft.ifft2(r / (np.abs(r) + 1e-9)).real
    y, x = np.unravel_index(r.argmax(), r.shape)
    n = a.shape[0]
    return (x - n if x > n // 2 else x), (y - n if y > n // 2 else y)


def test_picture_clips_move_the_way_the_worlds_camera_does(tmp_path):
    meta = write_shards(str(tmp_path), 12, seed=3, h=64, w=64, shard_size=5)
    assert meta["clips"] == 12 and [s["clips"] for s in meta["shards"]] == [5, 5, 2]
    ds = WorldShards(str(tmp_path))
    phrases = camera_phrases()
    assert set(phrases) == set(MOVES) and all(len(v) >= 3 for v in phrases.values())
    # the world's convention (checked in src/eval/photos.test.ts): a pan left slides the content right, a tilt up down
    expected = {"pan_left": (1, 0), "pan_right": (-1, 0), "tilt_up": (0, 1), "tilt_down": (0, -1)}
    for i in range(len(ds)):
        rec = ds.record(i)
        move = rec["labels"]["camera"]
        assert rec["caption"] in phrases[move]
        clip = ds.clip(i).astype(np.float64).mean(-1)
        dx, dy = shift(clip[0], clip[-1])
        ex, ey = expected[move]
        assert np.sign(dx) == ex and np.sign(dy) == ey and max(abs(dx), abs(dy)) >= 6, (move, dx, dy)
        assert not ds.coverage(i).any()  # no sprites: the loss weighting leaves these clips at weight 1
