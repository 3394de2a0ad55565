"""Label-balanced epochs: --balance-motion's draw weights and the trainer's use of them."""
import json

import numpy as np
import pytest

from training.dit.balance import epoch_order, label_draw_weights


def rows_with(motions):
    return [{"caption": "x", "labels": {"motion": m}} for m in motions]


def share_in(p, motions, m):
    """The probability ``p`` puts on the rows whose motion is ``m``."""
    return float(sum(w for w, x in zip(p, motions) if x == m))


def test_power_zero_is_a_plain_shuffle():
    idx = np.arange(10)
    assert label_draw_weights(rows_with(["stay"] * 10), idx, "motion", 0.0) is None
    order = epoch_order(np.random.default_rng(0), idx, None)
    assert sorted(order.tolist()) == list(range(10))


def test_power_one_makes_every_class_equally_likely_and_half_power_is_between():
    motions = ["stay"] * 60 + ["left"] * 30 + ["up"] * 10
    rows, idx = rows_with(motions), np.arange(100)
    full = label_draw_weights(rows, idx, "motion", 1.0)
    assert full.sum() == pytest.approx(1.0)
    for m in ("stay", "left", "up"):
        assert share_in(full, motions, m) == pytest.approx(1 / 3)
    half = label_draw_weights(rows, idx, "motion", 0.5)
    assert 1 / 3 < share_in(half, motions, "stay") < 0.6 and 0.1 < share_in(half, motions, "up") < 1 / 3
    # only the rows in idx count: a subset with one class is uniform over it
    sub = label_draw_weights(rows, np.arange(60, 100), "motion", 1.0)
    assert share_in(sub, motions[60:], "left") == pytest.approx(0.5)


def test_weighted_epochs_follow_the_weights():
    motions = ["stay"] * 90 + ["left"] * 10
    idx = np.arange(100)
    p = label_draw_weights(rows_with(motions), idx, "motion", 1.0)
    rng = np.random.default_rng(1)
    drawn = np.concatenate([epoch_order(rng, idx, p) for _ in range(50)])
    assert len(drawn) == 5000
    assert abs(np.mean(drawn >= 90) - 0.5) < 0.05  # 10 % of the rows, half of the draws


def test_rows_without_labels_are_refused_with_a_hint():
    with pytest.raises(ValueError, match="labels in captions.jsonl"):
        label_draw_weights([{"caption": "a"}, {"caption": "b"}], np.arange(2), "motion", 0.5)
    with pytest.raises(ValueError, match=">= 0"):
        label_draw_weights(rows_with(["up"]), np.arange(1), "motion", -1)


def test_trainer_takes_the_flag_and_explains_missing_labels(tmp_path):
    from training.dit import train as tr

    rng = np.random.default_rng(0)
    data = tmp_path / "lat"
    data.mkdir()
    np.save(data / "latents.npy", rng.standard_normal((6, 4, 2, 4, 4)).astype(np.float16))
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"format": "kineo-vocab/1", "maxTokens": 8,
                                 "tokens": ["<pad>", "<unk>", "a", "cat", "left", "up"]}))
    common = ["--latents", str(data), "--vocab", str(vocab), "--minutes", "5", "--batch", "2", "--dim", "32",
              "--depth", "1", "--text-dim", "32", "--text-layers", "1", "--threads", "1", "--previews", "0",
              "--max-steps", "4", "--balance-motion", "1"]
    (data / "captions.jsonl").write_text("".join(json.dumps({"caption": "a cat"}) + "\n" for _ in range(6)))
    with pytest.raises(SystemExit, match="--balance-motion: no row has a 'motion' label"):
        tr.main(common + ["--out", str(tmp_path / "a")])
    motions = ["left", "left", "left", "left", "up", "up"]
    (data / "captions.jsonl").write_text("".join(
        json.dumps({"caption": f"a cat {m}", "labels": {"motion": m}}) + "\n" for m in motions))
    r = tr.main(common + ["--out", str(tmp_path / "b")])
    assert r["step"] == 4
