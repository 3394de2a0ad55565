import numpy as np

from training.shards import BatchSampler, WorldShards, iterate_sequential

from .conftest import VOCAB


def test_roundtrip(fixture_dir):
    d, frames, labels = fixture_dir
    ds = WorldShards(d)
    assert len(ds) == len(frames) == 8
    assert ds.vocab == VOCAB and ds.heads == list(VOCAB)
    for i in range(len(ds)):
        c = ds.clip(i)
        assert c.dtype == np.uint8 and c.shape == (16, 64, 64, 3)
        assert np.array_equal(c, frames[i])
        assert ds.labels(i) == labels[i]
        li = ds.label_indices(i)
        for h in VOCAB:
            key = str(labels[i][h])
            assert VOCAB[h][li[h]] == key
    assert ds.label_indices(0)["count"] == labels[0]["count"] - 1


def test_sampler_and_split(fixture_dir):
    d, frames, labels = fixture_dir
    assert len(WorldShards(d, split="val")) == 8  # len counts all records
    assert len(WorldShards(d, split="val").indices) == 2
    ds = WorldShards(d)
    s = BatchSampler(ds, 5, seed=1)
    seen = []
    for _ in range(4):
        x, y = s.next()
        assert x.shape == (5, 16, 64, 64, 3) and x.dtype == np.uint8
        assert set(y) == set(VOCAB) and all(v.shape == (5,) for v in y.values())
        seen.extend(s.ds.indices[:0])
    idx = s.next_indices()
    x, y = ds.batch(idx)
    for k, i in enumerate(idx):
        assert np.array_equal(x[k], frames[i])
        assert y["object"][k] == ds.label_indices(i)["object"]
    n = sum(len(b[0]) for b in iterate_sequential(ds, 3))
    assert n == 8
