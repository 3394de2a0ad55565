"""The one-command pipeline end to end on tiny settings: the real renderer (node), VAE, latents, DiT, export; then the
packed weights continue in a second run (VAE frozen, DiT resumed with a fresh optimizer, object-weighted loss)."""
import json
import os
import shutil

import pytest

from training import pipeline, weights

TINY_VAE = "--batch 2 --base 8 --eval-every 9999"
TINY_DIT = ("--batch 4 --dim 32 --depth 1 --heads 2 --text-dim 32 --text-layers 1 --text-heads 2 --previews 1 "
            "--preview-steps 2 --eval-every 9999")

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="the renderer needs node (npm install)")


def run(out, *extra):
    return pipeline.main(["--out", str(out), "--minutes", "0.04", "--preset", "cpu", "--device", "cpu",
                          "--clips", "12", "--dit-clips", "6", "--val-clips", "4", "--workers", "1",
                          "--vae-args", TINY_VAE, "--dit-args", TINY_DIT, *extra])


def test_pipeline_trains_exports_and_continues_from_packed_weights(tmp_path):
    out = tmp_path / "run"
    summary = run(out, "--export", str(tmp_path / "model"))
    state = json.load(open(out / "pipeline.json"))
    assert {"data-val", "data-vae", "data-dit", "vae", "latents", "dit", "export"} <= set(state["stages"])
    assert summary["preset"] == "cpu"
    meta = json.load(open(tmp_path / "model" / "model.json"))
    assert meta["format"] == "kineo-t2v/1" and meta["video"] == {"frames": 16, "fps": 8, "height": 64, "width": 64}
    dit_metrics = json.load(open(out / "dit" / "metrics.json"))
    assert dit_metrics["step"] > 0 and os.path.exists(out / "dit" / "loss.png")
    assert any(f.startswith("sample_step") and f.endswith(".png") for f in os.listdir(out / "dit"))  # decoded samples

    # a rerun with --resume skips every finished stage
    again = run(out, "--resume")
    assert again["preset"] == "cpu"
    assert json.load(open(out / "dit" / "metrics.json"))["step"] == dit_metrics["step"]

    packed = tmp_path / "w.npz"
    weights.write(weights.pack(str(out / "vae"), str(out / "dit")), str(packed))
    cont = tmp_path / "cont"
    run(cont, "--from", str(packed), "--object-weight", "5", "--motion-weight", "3")
    state2 = json.load(open(cont / "pipeline.json"))
    assert state2["stages"]["vae"].get("frozen") is True
    ck = weights.checkpoints(weights.read(str(packed)))
    from training.common.device import torch_load
    resumed = torch_load(str(cont / "dit" / "ckpt.pt"))
    assert resumed["step"] > ck["dit"]["step"]  # trained on from the packed step, with a fresh optimizer
    assert resumed["optimizer"] is not None
    # --object-weight / --motion-weight rendered the train clips with sprite coverage and trained on the weights
    import numpy as np
    coverage = np.load(cont / "latents" / "coverage.npy")
    assert coverage.shape == (18, 4, 8, 8) and 0 < coverage.mean() < 0.5
    assert resumed["args"]["object_weight"] == 5.0 and resumed["args"]["motion_weight"] == 3.0
