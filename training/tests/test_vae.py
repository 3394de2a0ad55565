import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch

from training.vae import train as VT
from training.vae.export import DECODER_FILE, ENCODER_FILE, export_vae
from training.vae.model import CausalVAE, count_macs, count_params
from training.common.png import encode_png

from .conftest import REPO_ROOT, write_fixture


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny configs, one thread (restored afterwards so other test files keep theirs)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def tiny(sf=16, **kw):
    kw.setdefault("base", 8)
    kw.setdefault("latent_channels", 4)
    kw.setdefault("height", 32)
    kw.setdefault("width", 32)
    return CausalVAE(spatial_factor=sf, groups=4, **kw)


@pytest.mark.parametrize("sf", [8, 16])
def test_shapes(sf):
    torch.manual_seed(0)
    m = CausalVAE(latent_channels=6, spatial_factor=sf, base=8, groups=4).eval()
    assert m.latent_shape() == (6, 4, 64 // sf, 64 // sf)
    assert m.latent_shape(16, 128, 96) == (6, 4, 128 // sf, 96 // sf)
    x = torch.rand(2, 16, 64, 64, 3)
    with torch.no_grad():
        z = m.encode(x)
        assert tuple(z.shape) == (2,) + m.latent_shape()
        y = m.decode(z)
        out = m(x)
    assert tuple(y.shape) == (2, 16, 64, 64, 3)
    assert float(y.min()) >= 0 and float(y.max()) <= 1
    assert tuple(out["recon"].shape) == tuple(x.shape)
    assert out["mean"].shape == out["logvar"].shape == z.shape


def test_default_config_size():
    m = CausalVAE()
    assert m.latent_shape() == (16, 4, 4, 4)
    macs = count_macs(m)
    assert macs["total"] < 1.5e9, macs
    assert count_params(m) < 5_000_000


def test_encoder_causal():
    torch.manual_seed(0)
    m = tiny(16).eval()
    with torch.no_grad():  # make the zero-initialised second convs of the res blocks non-trivial
        for n, p in m.named_parameters():
            if "conv2" in n:
                p.normal_(0, 0.05)
    x = torch.rand(1, 16, 32, 32, 3)
    with torch.no_grad():
        z0 = m.encode(x)
        for k in (1, 2, 3):  # perturb frames >= 4k: latent frames < k unchanged, frame k changes
            x2 = x.clone()
            x2[:, 4 * k:] = torch.rand_like(x2[:, 4 * k:])
            z = m.encode(x2)
            assert float((z[:, :, :k] - z0[:, :, :k]).abs().max()) < 1e-6, k
            assert float((z[:, :, k] - z0[:, :, k]).abs().max()) > 1e-4, k


def test_decoder_causal():
    torch.manual_seed(0)
    m = tiny(8).eval()
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "conv2" in n:
                p.normal_(0, 0.05)
    z0 = torch.randn(1, *m.latent_shape())
    with torch.no_grad():
        y0 = m.decode(z0)
        for k in (1, 2, 3):  # perturb latent frames >= k: output frames < 4k unchanged
            z = z0.clone()
            z[:, :, k:] = torch.randn_like(z[:, :, k:])
            y = m.decode(z)
            assert float((y[:, :4 * k] - y0[:, :4 * k]).abs().max()) < 1e-6, k
            assert float((y[:, 4 * k:4 * k + 4] - y0[:, 4 * k:4 * k + 4]).abs().max()) > 1e-5, k


def _structured_batch(n=2, t=16, h=32, w=32, seed=0):
    """Coloured backgrounds with a moving square (learnable, unlike uniform noise)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, t, h, w, 3), np.float32)
    for i in range(n):
        x[i] = rng.uniform(0.1, 0.9, 3)
        col = rng.uniform(0, 1, 3)
        for f in range(t):
            x0 = (2 + f) % (w - 8)
            x[i, f, 10:18, x0:x0 + 8] = col
    return torch.from_numpy(x)


def test_overfit_one_batch():
    torch.manual_seed(0)
    m = tiny(8)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    x = _structured_batch()
    losses = [VT.train_step(m, opt, x)[0] for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0], losses


def test_loss_parts():
    x = torch.rand(2, 4, 8, 8, 3)
    out = {"recon": x.clone(), "mean": torch.zeros(2, 3, 1, 1, 1), "logvar": torch.zeros(2, 3, 1, 1, 1)}
    loss, parts = VT.vae_loss(out, x)
    assert float(loss) == pytest.approx(0.0, abs=1e-7) and parts["kl"] == 0.0
    u8 = (x.numpy() * 255).round().astype(np.uint8)
    assert np.all(VT.psnr_u8(u8, x) > 90)


def test_png_writer(tmp_path):
    import zlib
    img = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    data = encode_png(img)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and b"IHDR" in data and data.endswith(b"IEND\xaeB`\x82")
    i = data.index(b"IDAT")
    n = int.from_bytes(data[i - 4:i], "big")
    raw = np.frombuffer(zlib.decompress(data[i + 4:i + 4 + n]), np.uint8).reshape(5, 1 + 7 * 3)
    assert np.all(raw[:, 0] == 0) and np.array_equal(raw[:, 1:].reshape(5, 7, 3), img)


def test_cli_resume(tmp_path, capsys):
    d = str(tmp_path / "shards")
    write_fixture(d, shard_sizes=(4, 2), height=32, width=32, split_every=3)
    out = str(tmp_path / "ckpt")
    common = ["--data", d, "--out", out, "--minutes", "5", "--batch", "2", "--log-every", "0", "--threads", "1",
              "--base", "8", "--latent-channels", "4", "--calib-clips", "4"]
    r = VT.main(common + ["--max-steps", "2"])
    assert r["step"] == 2
    assert os.path.exists(os.path.join(out, "ckpt.pt"))
    met = json.load(open(os.path.join(out, "metrics.json")))
    assert met["step"] == 2 and met["val_clips"] == 2 and met["weights"] == "ema"
    assert np.isfinite(met["psnr"]) and met["latent_std"] > 0
    assert os.path.exists(os.path.join(out, met["png"]))
    r2 = VT.main(common + ["--max-steps", "3", "--resume"])
    assert r2["step"] == 3 and r2["samples_seen"] == 6
    ck = torch.load(os.path.join(out, "ckpt.pt"))
    assert ck["step"] == 3 and ck["elapsed"] > 0 and "ema" in ck
    assert float(ck["ema"]["latent_std"]) == pytest.approx(json.load(open(os.path.join(out, "metrics.json")))["latent_std"])
    log = capsys.readouterr().out
    assert "resumed from step 2" in log and "[train] step" in log and "[eval]" in log


def _node_run(tmp_path, model_path, name, arr, tag):
    node = shutil.which("node")
    assert node, "node not found on PATH: ONNX parity test needs Node 20 + onnxruntime-node"
    ort_dir = os.path.join(REPO_ROOT, "node_modules", "onnxruntime-node")
    assert os.path.isdir(ort_dir), f"{ort_dir} missing: run `npm install` in {REPO_ROOT}"
    arr.numpy().astype("<f4").tofile(str(tmp_path / f"{tag}.bin"))
    inp = tmp_path / f"{tag}_in.json"
    inp.write_text(json.dumps({"name": name, "dims": list(arr.shape), "file": f"{tag}.bin"}))
    outp = tmp_path / f"{tag}_out.json"
    r = subprocess.run([node, "scripts/onnx-run.mjs", model_path, str(inp), str(outp)], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"onnx-run.mjs failed:\n{r.stdout}\n{r.stderr}"
    return json.loads(outp.read_text())


def test_onnx_parity(tmp_path):
    torch.manual_seed(0)
    m = tiny(16).eval()
    with torch.no_grad():  # non-trivial norms, res blocks and latent stats
        for n, p in m.named_parameters():
            if "conv2" in n:
                p.normal_(0, 0.05)
            elif "norm" in n:
                p.add_(torch.randn_like(p) * 0.1)
        m.latent_mean.fill_(0.3)
        m.latent_std.fill_(1.7)
    out_dir = str(tmp_path / "vae")
    meta = export_vae(m, out_dir, metrics={"psnr": 12.5})
    assert meta["latent"]["shape"] == [4, 4, 2, 2] and meta["val_psnr"] == 12.5
    assert meta["latent"]["latent_std"] == pytest.approx(1.7)
    on_disk = json.load(open(os.path.join(out_dir, "vae.json")))
    assert set(on_disk["files"]) == {ENCODER_FILE, DECODER_FILE}
    g = torch.Generator().manual_seed(1)
    x = torch.rand(3, 16, 32, 32, 3, generator=g)  # batch 3 != export batch 2
    z = torch.randn(3, *m.latent_shape(), generator=g)
    with torch.no_grad():
        ref_z, ref_y = m.encode(x), m.decode(z)
    got = _node_run(tmp_path, os.path.join(out_dir, ENCODER_FILE), "clip", x, "enc")
    a = np.asarray(got["latents"]["data"], np.float32).reshape(got["latents"]["dims"])
    assert a.shape == tuple(ref_z.shape)
    assert float(np.abs(a - ref_z.numpy()).max()) < 1e-4
    got = _node_run(tmp_path, os.path.join(out_dir, DECODER_FILE), "latents", z, "dec")
    b = np.asarray(got["frames"]["data"], np.float32).reshape(got["frames"]["dims"])
    assert b.shape == tuple(ref_y.shape)
    assert float(np.abs(b - ref_y.numpy()).max()) < 1e-4


def test_encode_latents_writes_what_the_dit_reads(tmp_path):
    from training.vae import encode_latents
    from training.dit.train import LatentSet

    d = str(tmp_path / "shards")
    write_fixture(d, shard_sizes=(3, 2), height=32, width=32, split_every=3)
    ck = str(tmp_path / "ckpt")
    VT.main(["--data", d, "--out", ck, "--minutes", "5", "--batch", "2", "--log-every", "0", "--threads", "1",
             "--base", "8", "--latent-channels", "4", "--calib-clips", "4", "--max-steps", "1"])
    out = str(tmp_path / "latents")
    encode_latents.main(["--data", d, "--vae", ck, "--out", out, "--batch", "2", "--threads", "1"])
    lat = np.load(os.path.join(out, "latents.npy"))
    assert lat.dtype == np.float16 and lat.shape == (5, 4, 4, 2, 2)
    rows = [json.loads(l) for l in open(os.path.join(out, "captions.jsonl"))]
    assert len(rows) == 5 and all("caption" in r for r in rows)
    assert json.load(open(os.path.join(out, "meta.json")))["latent_shape"] == [4, 4, 2, 2]
    assert len(LatentSet(out)) == 5


def test_encode_latents_under_bf16_autocast_stays_close_to_fp32(tmp_path):
    """--amp on (bf16 on a CPU with AVX512-BF16, fp32 with a warning elsewhere) writes latents within bf16's
    rounding of the fp32 ones: the DiT trains on float16 latents, so ~1 % relative error is below its noise."""
    from training.vae import encode_latents

    d = str(tmp_path / "shards")
    write_fixture(d, shard_sizes=(3,), height=32, width=32, split_every=3)
    ck = str(tmp_path / "ckpt")
    VT.main(["--data", d, "--out", ck, "--minutes", "5", "--batch", "2", "--log-every", "0", "--threads", "1",
             "--base", "8", "--latent-channels", "4", "--calib-clips", "4", "--max-steps", "1"])
    outs = {}
    for amp in ("off", "on"):
        out = str(tmp_path / f"latents-{amp}")
        encode_latents.main(["--data", d, "--vae", ck, "--out", out, "--batch", "2", "--threads", "1", "--amp", amp])
        outs[amp] = np.load(os.path.join(out, "latents.npy")).astype(np.float32)
    ref, got = outs["off"], outs["on"]
    assert got.shape == ref.shape
    assert float(np.linalg.norm(got - ref) / np.linalg.norm(ref)) < 0.03
