"""Object-weighted flow loss: sprite coverage from the shards, per-cell weights, the trainer's --object-weight."""
import json
import os

import numpy as np
import pytest
import torch

from training.dit.flow import flow_loss, motion_trail, object_weights
from training.shards import WorldShards
from training.vae.encode_latents import cell_coverage

from .conftest import write_fixture
from .test_dit import tiny_kineo


def test_cell_coverage_is_the_mean_over_each_cells_frames_and_pixels():
    cov = np.zeros((1, 16, 64, 64), np.uint8)
    cov[0, 0:4, 0:8, 0:8] = 255          # cell (0, 0, 0) fully covered
    cov[0, 4:8, 8:16, 0:4] = 255         # half of cell (1, 1, 0)
    cov[0, 12, 56:64, 56:64] = 255       # one frame of four in cell (3, 7, 7)
    got = cell_coverage(cov, (4, 8, 8))
    assert got.shape == (1, 4, 8, 8)
    assert got[0, 0, 0, 0] == pytest.approx(1.0)
    assert got[0, 1, 1, 0] == pytest.approx(0.5)
    assert got[0, 3, 7, 7] == pytest.approx(0.25)
    assert got.sum() == pytest.approx(1.75)
    with pytest.raises(ValueError):
        cell_coverage(cov, (3, 8, 8))


def test_weighted_loss_keeps_scale_and_moves_the_gradient_to_the_covered_cells():
    m = tiny_kineo()
    for p in m.parameters():  # a model that is not exactly zero
        torch.nn.init.normal_(p, std=0.05)
    x0 = torch.randn(2, 4, 2, 4, 4)
    ids = torch.randint(2, 40, (2, 8))
    mask = torch.ones(2, 8, dtype=torch.long)
    sigma, noise = torch.tensor([0.3, 0.7]), torch.randn(2, 4, 2, 4, 4)
    plain = flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise)
    ones = flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, weight=torch.ones(2, 2, 4, 4))
    assert float(ones) == pytest.approx(float(plain), rel=1e-6)

    cov = torch.zeros(2, 2, 4, 4)
    cov[:, :, 1, 1] = 1.0
    w = object_weights(cov, 10.0)
    assert float(w.max()) == 11.0 and float(w.min()) == 1.0
    with torch.no_grad():
        v = m(x0 * (1 - sigma.view(-1, 1, 1, 1, 1)) + noise * sigma.view(-1, 1, 1, 1, 1), sigma, ids, mask)
        err = (v - (noise - x0)).pow(2)  # (B, C, T, H, W)
        expect = (err * w.unsqueeze(1)).mean() / w.mean()
    weighted = flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, weight=w)
    assert float(weighted) == pytest.approx(float(expect), rel=1e-5)


def test_motion_weight_marks_the_cells_a_moving_object_leaves_and_reaches_only():
    cov = torch.zeros(2, 3, 1, 4)
    cov[0, 0, 0, 0] = cov[0, 1, 0, 1] = cov[0, 2, 0, 2] = 1.0  # clip 0: an object moving right, one cell a frame
    cov[1, :, 0, 3] = 0.5                                       # clip 1: a still object, half a cell
    trail = motion_trail(cov)
    # frame 1 of the mover: it has left cell 0 and is about to reach cell 2; its own cell 1 is no trail
    assert trail[0, 1, 0].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert trail[0, 0, 0].tolist() == [0.0, 1.0, 0.0, 0.0]   # first frame: only the next frame counts
    assert trail[0, 2, 0].tolist() == [0.0, 1.0, 0.0, 0.0]   # last frame: only the previous one
    assert float(trail[1].abs().sum()) == 0.0                # a still object leaves no trail
    w = object_weights(cov, 10.0, motion=4.0)
    assert w[0, 1, 0].tolist() == [5.0, 11.0, 5.0, 1.0]
    assert w[1, 0, 0].tolist() == [1.0, 1.0, 1.0, 6.0]
    assert torch.equal(object_weights(cov, 10.0), object_weights(cov, 10.0, motion=0.0))


def test_shards_read_coverage_and_refuse_it_when_absent(tmp_path):
    d = str(tmp_path / "shards")
    write_fixture(d, shard_sizes=(2, 1))
    ds = WorldShards(d)
    assert not ds.has_coverage
    with pytest.raises(ValueError, match="--coverage"):
        ds.coverage(0)
    meta = json.load(open(os.path.join(d, "meta.json")))
    rng = np.random.default_rng(3)
    covs = []
    for si, sh in enumerate(meta["shards"]):
        c = rng.integers(0, 256, size=(sh["clips"], 16, 64, 64), dtype=np.uint8)
        c.tofile(os.path.join(d, f"shard-{si:05d}.cov.u8"))
        sh["coverage_file"] = f"shard-{si:05d}.cov.u8"
        covs.extend(c)
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"))
    ds = WorldShards(d)
    assert ds.has_coverage
    assert np.array_equal(ds.coverage(2), covs[2])


def test_trainer_refuses_object_weight_without_coverage(tmp_path):
    from training.dit import train as tr

    data = tmp_path / "lat"
    data.mkdir()
    np.save(data / "latents.npy", np.zeros((2, 4, 2, 4, 4), np.float16))
    (data / "captions.jsonl").write_text('{"caption": "a cat"}\n{"caption": "a dog"}\n')
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"format": "kineo-vocab/1", "maxTokens": 8, "tokens": ["<pad>", "<unk>", "a", "cat"]}))
    with pytest.raises(SystemExit, match="coverage.npy"):
        tr.main(["--latents", str(data), "--vocab", str(vocab), "--out", str(tmp_path / "ck"), "--minutes", "1",
                 "--object-weight", "10"])
    with pytest.raises(SystemExit, match="coverage.npy"):
        tr.main(["--latents", str(data), "--vocab", str(vocab), "--out", str(tmp_path / "ck"), "--minutes", "1",
                 "--motion-weight", "10"])


def test_trainer_with_object_weight_runs_and_resumes(tmp_path):
    from training.dit import train as tr

    rng = np.random.default_rng(0)
    data = tmp_path / "lat"
    data.mkdir()
    np.save(data / "latents.npy", rng.standard_normal((6, 4, 2, 4, 4)).astype(np.float16))
    np.save(data / "coverage.npy", rng.uniform(0, 1, (6, 2, 4, 4)).astype(np.float16))
    with open(data / "captions.jsonl", "w") as f:
        for i in range(6):
            f.write(json.dumps({"caption": "a cat" if i % 2 else "a dog", "split": "val" if i == 5 else "train"}) + "\n")
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"format": "kineo-vocab/1", "maxTokens": 8,
                                 "tokens": ["<pad>", "<unk>", "a", "cat", "dog"]}))
    common = ["--latents", str(data), "--vocab", str(vocab), "--out", str(tmp_path / "ck"), "--minutes", "5",
              "--batch", "3", "--dim", "32", "--depth", "1", "--text-dim", "32", "--text-layers", "1", "--threads", "1",
              "--previews", "0", "--object-weight", "10"]
    assert tr.main(common + ["--max-steps", "2"])["step"] == 2
    r = tr.main(common + ["--max-steps", "4", "--resume", "--motion-weight", "5"])  # a resume may add the trail
    assert r["step"] == 4 and np.isfinite(r["val_loss"])


def test_label_heads_classes_targets_and_loss():
    from training.text.label_heads import LabelHeads, label_classes, label_targets

    rows = [{"labels": {"object": "cat", "count": 2}}, {"labels": {"object": "dog", "count": 1}}, {"caption": "x"}]
    classes = label_classes(rows)
    assert classes == {"count": ["1", "2"], "object": ["cat", "dog"]}
    t = label_targets(rows, classes)
    assert t["object"].tolist() == [0, 1, -1] and t["count"].tolist() == [1, 0, -1]
    torch.manual_seed(0)
    heads = LabelHeads(8, classes)
    states = torch.randn(3, 4, 8)
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0]])
    loss, acc = heads.loss(states, mask, {h: torch.from_numpy(v) for h, v in t.items()})
    assert loss.ndim == 0 and set(acc) == {"count", "object"}
    # padding does not leak into the pooled state
    states2 = states.clone()
    states2[0, 2:] = 100.0
    assert torch.allclose(heads(states, mask)["object"], heads(states2, mask)["object"])
    opt = torch.optim.Adam(heads.parameters(), lr=0.1)
    for _ in range(50):
        loss, acc = heads.loss(states, mask, {h: torch.from_numpy(v) for h, v in t.items()})
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert acc == {"count": 1.0, "object": 1.0}


def test_trainer_with_text_aux_runs_resumes_and_refuses_rows_without_labels(tmp_path, capsys):
    from training.dit import train as tr

    rng = np.random.default_rng(0)
    data = tmp_path / "lat"
    data.mkdir()
    np.save(data / "latents.npy", rng.standard_normal((6, 4, 2, 4, 4)).astype(np.float16))
    with open(data / "captions.jsonl", "w") as f:
        for i in range(6):
            obj = "cat" if i % 2 else "dog"
            f.write(json.dumps({"caption": f"a {obj}", "labels": {"object": obj}, "split": "train"}) + "\n")
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"format": "kineo-vocab/1", "maxTokens": 8,
                                 "tokens": ["<pad>", "<unk>", "a", "cat", "dog"]}))
    out = tmp_path / "ck"
    common = ["--latents", str(data), "--vocab", str(vocab), "--out", str(out), "--minutes", "5", "--batch", "3",
              "--dim", "32", "--depth", "1", "--text-dim", "32", "--text-layers", "1", "--threads", "1",
              "--previews", "0", "--text-aux", "0.1", "--log-every", "0"]
    assert tr.main(common + ["--max-steps", "2"])["step"] == 2
    ck = torch.load(out / "ckpt.pt")
    assert ck["aux"]["classes"] == {"object": ["cat", "dog"]} and ck["aux_optimizer"] is not None
    assert tr.main(common + ["--max-steps", "3", "--resume"])["step"] == 3
    assert "text heads CE" in capsys.readouterr().out

    bare = tmp_path / "bare"
    bare.mkdir()
    np.save(bare / "latents.npy", np.zeros((2, 4, 2, 4, 4), np.float16))
    (bare / "captions.jsonl").write_text('{"caption": "a cat"}\n{"caption": "a dog"}\n')
    with pytest.raises(SystemExit, match="labels"):
        tr.main(["--latents", str(bare), "--vocab", str(vocab), "--out", str(tmp_path / "ck2"), "--minutes", "1",
                 "--text-aux", "0.1"])


def test_text_lr_mult_scales_only_the_text_encoder():
    from training.common.run import RunClock
    from training.dit.train import with_lr_mult

    m = tiny_kineo()
    opt = torch.optim.AdamW([{"params": list(m.parameters()), "weight_decay": 0.01}], lr=1e-3)
    mults = {id(p): 5.0 for p in m.text.parameters()}
    mults[id(m.text.tok.weight)] = 50.0
    opt = with_lr_mult(opt, mults)
    assert [g["lr_mult"] for g in opt.param_groups] == [1.0, 5.0, 50.0]
    assert len(opt.param_groups[1]["params"]) == len(list(m.text.parameters())) - 1
    assert opt.param_groups[2]["params"] == [m.text.tok.weight]

    class Args:
        minutes, warmup_frac, log_every, ckpt_every, eval_every, max_steps = 10.0, 0.0, 20.0, 120.0, 300.0, 0

    lr = RunClock(Args(), lr_floor=0.1).set_lr(opt, 1e-3, 0.0)
    assert [g["lr"] for g in opt.param_groups] == [pytest.approx(lr), pytest.approx(5 * lr), pytest.approx(50 * lr)]
