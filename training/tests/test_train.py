import json
import os

import pytest
import torch

from training.judge import train as T
from training.judge.model import Judge
from training.shards import WorldShards


def test_overfit_one_batch(fixture_dir):
    d, _, _ = fixture_dir
    ds = WorldShards(d)
    torch.manual_seed(0)
    m = Judge(ds.vocab_sizes(), dropout=0.0)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    frames, lab = ds.batch(range(4))
    x = T.to_float(frames)
    y = {h: torch.from_numpy(v) for h, v in lab.items()}
    losses = [T.train_step(m, opt, x, y, ds.heads)[0] for _ in range(20)]
    assert losses[-1] < 0.5 * losses[0], losses


def test_cli_resume(fixture_dir, tmp_path, capsys):
    d, _, _ = fixture_dir
    out = str(tmp_path / "ckpt")
    common = ["--data", d, "--out", out, "--minutes", "5", "--batch", "4", "--log-every", "0"]
    r = T.main(common + ["--max-steps", "2"])
    assert r["step"] == 2
    assert os.path.exists(os.path.join(out, "ckpt.pt"))
    met = json.load(open(os.path.join(out, "metrics.json")))
    assert met["step"] == 2 and set(met["val"]) == {"clean", "blur1.5"}
    assert met["val_clips"] == 2 and "object" in met["val"]["clean"]
    r2 = T.main(common + ["--max-steps", "3", "--resume"])
    assert r2["step"] == 3 and r2["samples_seen"] == 12
    ck = torch.load(os.path.join(out, "ckpt.pt"))
    assert ck["step"] == 3 and ck["elapsed"] > 0
    log = capsys.readouterr().out
    assert "resumed from step 2" in log and "[train] step" in log and "[eval]" in log


def test_lr_schedule():
    assert T.lr_at(0, 100, 1.0, 10) < 1e-6
    assert abs(T.lr_at(10, 100, 1.0, 10) - 0.5 * (1 + __import__("math").cos(0.1 * 3.14159265))) < 1e-3
    assert T.lr_at(100, 100, 1.0, 10) < 1e-9


def test_run_cli_ends_a_ctrl_c_with_one_line_and_status_130(capsys):
    from training.common.run import run_cli

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as stop:
        run_cli(interrupted, "dit")
    assert stop.value.code == 130
    assert "[dit] stopped by Ctrl-C; run the same command with --resume" in capsys.readouterr().out
    run_cli(lambda: {"step": 1}, "dit")  # a finished run just returns


def test_run_cli_saves_the_checkpoint_on_sigterm_and_exits_143(capsys):
    import signal
    import time

    from training.common.run import checkpoint_on_interrupt, run_cli

    saved = []

    def training_loop():
        with checkpoint_on_interrupt(lambda: saved.append("ckpt"), "dit"):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the signal interrupts this
            saved.append("slept through")

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stop:
        run_cli(training_loop, "dit")
    assert stop.value.code == 143
    assert saved == ["ckpt"]
    assert "[dit] stopped by SIGTERM; run the same command with --resume" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is run_cli's only while it runs
