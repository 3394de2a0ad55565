"""training/vae/hd.py + train_hd.py: the 2x decoder starts as the old decoder upscaled, stays causal in time, trains
on world clips, packs beside the VAE and exports in the VAE decoder's place (video.decodeScale 2)."""
import json
import os

import numpy as np
import torch

from training.make_tiny_model import tiny_checkpoints, tiny_hd_checkpoint
from training.vae.hd import HDDecoder, upscale_logits
from training.vae.train import build_model_from_ckpt

from .conftest import write_fixture


def _tiny_vae():
    vae_ck, _ = tiny_checkpoints()
    return build_model_from_ckpt(vae_ck).eval()


def test_starts_as_the_old_decoder_upscaled_and_draws_twice_the_size():
    vae = _tiny_vae()
    hd = HDDecoder(vae, head_channels=4).eval()
    z = torch.randn(2, *vae.latent_shape(), generator=torch.Generator().manual_seed(1))
    out = hd.decode_logits(z)
    assert out["logits"].shape == (2, 16, 128, 128, 3)
    old = torch.logit(vae.decode(z).clamp(1e-6, 1 - 1e-6))  # the old decoder's logits at 64x64
    assert torch.allclose(out["base"], upscale_logits(old, 2), atol=1e-3)
    assert torch.equal(out["logits"], out["base"])  # the head's last conv starts at zero


def test_is_causal_in_time():
    vae_ck, _ = tiny_checkpoints()
    hd = HDDecoder.from_config(tiny_hd_checkpoint(vae_ck)["config"])
    hd.load_state_dict(tiny_hd_checkpoint(vae_ck)["ema"])
    hd.eval()
    g = torch.Generator().manual_seed(2)
    z = torch.randn(1, 4, 4, 8, 8, generator=g)  # the tiny VAE: 4 channels, 4 x 8 x 8 latent frames
    z2 = z.clone()
    z2[:, :, 2:] += torch.randn(z2[:, :, 2:].shape, generator=g)
    a, b = hd(z), hd(z2)
    assert torch.equal(a[:, :8], b[:, :8])  # frames 0-7 see latent frames 0-1 only
    assert not torch.equal(a[:, 8:], b[:, 8:])


def test_trains_packs_and_exports_in_the_decoders_place(tmp_path):
    from training import export_model as ex
    from training.vae import train_hd
    from training.weights import checkpoints, pack, read, write

    data = tmp_path / "clips"
    write_fixture(str(data), shard_sizes=(6,), height=128, width=128)
    vae_ck, dit_ck = tiny_checkpoints()
    dirs = {}
    for kind, ck in (("vae", vae_ck), ("dit", dit_ck)):
        d = tmp_path / kind
        d.mkdir()
        torch.save(ck, d / "ckpt.pt")
        dirs[kind] = str(d)
    out = tmp_path / "hd"
    res = train_hd.main(["--data", str(data), "--vae", dirs["vae"], "--out", str(out), "--minutes", "1",
                         "--max-steps", "3", "--batch", "2", "--head-channels", "4", "--gan-start", "0",
                         "--val-max", "2", "--threads", "1"])
    assert res["step"] == 3
    m = json.load(open(out / "metrics.json"))["val"]
    assert m["clips"] == 2 and m["psnr"] > 0 and m["sharpness"] > 0
    # a resumed run continues the step count
    res = train_hd.main(["--data", str(data), "--vae", dirs["vae"], "--out", str(out), "--minutes", "1",
                         "--max-steps", "4", "--batch", "2", "--head-channels", "4", "--val-max", "2", "--threads", "1",
                         "--resume"])
    assert res["step"] == 4
    path = str(tmp_path / "w.npz")
    write(pack(dirs["vae"], dirs["dit"], str(out)), path)
    cks = checkpoints(read(path))
    assert set(cks) == {"vae", "dit", "hd"} and cks["hd"]["config"]["head_channels"] == 4
    model = tmp_path / "model"
    meta = ex.main(["--weights", path, "--out", str(model), "--preview-clips", "4", "--threads", "1"])
    assert meta["video"]["decodeScale"] == 2
    assert meta["checks"]["vae_decoder"]["onnx_vs_torch"] < 1e-4
    assert meta["params"]["vae_decoder"] == sum(p.numel() for p in HDDecoder.from_config(cks["hd"]["config"]).parameters())
    assert os.path.exists(model / "vae_decoder.onnx")
