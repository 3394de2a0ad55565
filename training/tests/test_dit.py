import json
import os
import struct
import zlib

import numpy as np
import pytest
import torch

from training.dit.export import export_transformer
from training.dit.flow import EMA, draw_conditions, flow_loss, sample, sample_sigma, sigma_schedule
from training.dit.model import DiT, KineoMini, apply_rope, grid_positions, rope_tables

from .test_text import run_onnx

torch.set_num_threads(1)

TINY = dict(latent_channels=4, latent_shape=(2, 4, 4), patch=(1, 2, 2), dim=32, depth=2, heads=4)


def tiny_kineo(vocab=40, seed=0):
    torch.manual_seed(seed)
    return KineoMini(vocab, 4, (2, 4, 4), (1, 2, 2), dim=32, depth=2, heads=4, text_dim=32, text_layers=2,
                     text_heads=4, max_tokens=8)


def perturb(m: torch.nn.Module, std=0.05, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * std)
    return m


def test_rope_preserves_norm_and_is_shift_invariant():
    hd = 12
    g = torch.Generator().manual_seed(0)
    pos = torch.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [5.0, 7.0, 4.0]])
    cos, sin = rope_tables(pos, hd)
    x = torch.randn(4, hd, generator=g)
    assert torch.allclose(apply_rope(x, cos, sin).norm(dim=-1), x.norm(dim=-1), atol=1e-5)
    q, k = torch.randn(hd, generator=g), torch.randn(hd, generator=g)

    def score(pq, pk):
        c, s = rope_tables(torch.tensor([pq, pk], dtype=torch.float32), hd)
        rq = apply_rope(q[None], c[:1], s[:1])[0]
        rk = apply_rope(k[None], c[1:], s[1:])[0]
        return float(rq @ rk)

    base = score([1, 2, 3], [4, 0, 2])
    for d in ([1, 0, 0], [0, 3, 0], [0, 0, 5], [2, 1, 7]):
        shifted = score([1 + d[0], 2 + d[1], 3 + d[2]], [4 + d[0], d[1], 2 + d[2]])
        assert abs(shifted - base) < 1e-4, (d, base, shifted)
    # ... and it does depend on the offset along every axis
    for d in ([1, 0, 0], [0, 1, 0], [0, 0, 1]):
        assert abs(score([1, 2, 3], [4 + d[0], d[1], 2 + d[2]]) - base) > 1e-4
    assert grid_positions(2, 3, 4).shape == (24, 3)


def test_dit_shape_zero_init_and_mask():
    torch.manual_seed(0)
    m = DiT(**TINY, text_dim=16).eval()
    x = torch.randn(2, 4, 2, 4, 4)
    t = torch.tensor([0.3, 0.9])
    ctx = torch.randn(2, 8, 16)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]])
    with torch.no_grad():
        out = m(x, t, ctx, mask)
    assert out.shape == x.shape
    assert torch.count_nonzero(out) == 0
    # patchify / unpatchify round trip
    assert torch.equal(m.unpatchify(m.patchify(x)), x)
    perturb(m)
    with torch.no_grad():
        out = m(x, t, ctx, mask)
        ctx2 = ctx.clone()
        ctx2[0, 3:] = torch.randn(5, 16)
        ctx2[1, 1:] = torch.randn(7, 16) * 10
        out2 = m(x, t, ctx2, mask)
        ctx3 = ctx.clone()
        ctx3[0, 1] += 1.0
        out3 = m(x, t, ctx3, mask)
    assert out.abs().max() > 1e-3
    assert torch.equal(out, out2)
    assert not torch.allclose(out[0], out3[0])


def test_kineo_padding_tokens_do_not_matter():
    m = perturb(tiny_kineo()).eval()
    x = torch.randn(1, 4, 2, 4, 4)
    ids = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 0, 0, 0, 0, 0]])
    ids2 = ids.clone()
    ids2[0, 3:] = torch.tensor([9, 10, 11, 12, 13])
    with torch.no_grad():
        assert torch.equal(m(x, torch.tensor([0.5]), ids, mask), m(x, torch.tensor([0.5]), ids2, mask))


def test_flow_training_lowers_loss_and_sampler():
    m = tiny_kineo()
    g = torch.Generator().manual_seed(0)
    # 4 latents sharing structure (like real latents do), so 60 steps can learn something clear
    x0 = torch.randn(1, 4, 2, 4, 4, generator=g) + 0.3 * torch.randn(4, 4, 2, 4, 4, generator=g)
    ids = torch.randint(2, 40, (4, 8), generator=g)
    mask = torch.ones(4, 8, dtype=torch.long)
    mask[:, 5:] = 0
    # fixed evaluation set: 4 latents x 8 sigmas
    ex, eids, emask = x0.repeat(8, 1, 1, 1, 1), ids.repeat(8, 1), mask.repeat(8, 1)
    esig = torch.linspace(0.05, 0.95, 8).repeat_interleave(4)
    enoise = torch.randn(ex.shape, generator=g)

    def eval_loss(model):
        with torch.no_grad():
            return float(flow_loss(model, ex, eids, emask, p_uncond=0.0, sigma=esig, noise=enoise))

    before = eval_loss(m)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    ema = EMA(m, 0.9)
    for _ in range(60):
        loss = flow_loss(m, x0, ids, mask, generator=g)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema.update(m)
    after = eval_loss(m)
    assert after < 0.75 * before, (before, after)
    em = ema.model_copy(m)
    assert eval_loss(em) < before

    # sampler
    noise = torch.randn(2, 4, 2, 4, 4, generator=g)
    z = sample(m, ids[:2], mask[:2], steps=2, shift=3.0, guidance=4.0, noise=noise)
    assert z.shape == noise.shape and torch.isfinite(z).all()
    cond = sample(m, ids[:2], mask[:2], steps=2, shift=3.0, guidance=None, noise=noise)
    g1 = sample(m, ids[:2], mask[:2], steps=2, shift=3.0, guidance=1.0, noise=noise)
    assert torch.allclose(cond, g1, atol=1e-5), float((cond - g1).abs().max())
    assert not torch.allclose(cond, z, atol=1e-3)


def test_sigma_helpers():
    s = sigma_schedule(4, shift=3.0)
    assert s[0] == 1.0 and s[-1] == 0.0 and torch.all(s[1:] < s[:-1])
    assert torch.allclose(s[2], torch.tensor(3 * 0.5 / (1 + 2 * 0.5)))
    sig = sample_sigma(1000, torch.Generator().manual_seed(0))
    assert 0 < float(sig.min()) and float(sig.max()) < 1 and abs(float(sig.mean()) - 0.5) < 0.05


@pytest.mark.parametrize("pooled", [False, True])
def test_transformer_onnx_parity(tmp_path, pooled):
    torch.manual_seed(0)
    m = perturb(DiT(**TINY, text_dim=16, pooled_text=pooled)).eval()
    path = tmp_path / "transformer.onnx"
    export_transformer(m, str(path), max_tokens=8)
    g = torch.Generator().manual_seed(3)
    for b in (2, 1):
        timestep = torch.rand(b, 2, generator=g)
        timestep[0, 0] = 0.0  # a given frame
        inputs = {"latents": torch.randn(b, 4, 2, 4, 4, generator=g), "timestep": timestep,
                  "text_states": torch.randn(b, 8, 16, generator=g),
                  "text_mask": torch.tensor([[1, 1, 1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]])[:b]}
        with torch.no_grad():
            ref = m(*inputs.values()).numpy()
        assert np.abs(ref).max() > 1e-2
        got = run_onnx(tmp_path, path, {k: v.numpy() for k, v in inputs.items()}, f"tr{b}")
        assert set(got) == {"velocity"} and got["velocity"].shape == ref.shape
        err = float(np.abs(got["velocity"] - ref).max())
        assert err < 1e-4, (b, err)
    # one graph takes every latent grid: wide (16:9), tall (9:16) and longer windows, RoPE computed in the graph
    for t, h, w in ((2, 4, 8), (2, 8, 4), (3, 4, 6)):
        inputs = {"latents": torch.randn(1, 4, t, h, w, generator=g), "timestep": torch.rand(1, t, generator=g),
                  "text_states": torch.randn(1, 8, 16, generator=g), "text_mask": torch.ones(1, 8, dtype=torch.long)}
        with torch.no_grad():
            ref = m(*inputs.values()).numpy()
        got = run_onnx(tmp_path, path, {k: v.numpy() for k, v in inputs.items()}, f"grid{t}{h}{w}")
        assert got["velocity"].shape == (1, 4, t, h, w)
        assert float(np.abs(got["velocity"] - ref).max()) < 1e-4, (t, h, w)


def test_dit_takes_any_grid_and_its_rope_matches_the_grid():
    m = perturb(DiT(**TINY, text_dim=16)).eval()
    g = torch.Generator().manual_seed(5)
    states, mask = torch.randn(1, 8, 16, generator=g), torch.ones(1, 8, dtype=torch.long)
    wide = torch.randn(1, 4, 2, 4, 8, generator=g)
    with torch.no_grad():
        out = m(wide, torch.rand(1, generator=g), states, mask)
    assert out.shape == wide.shape
    cos, sin = m.rope((2, 2, 4))
    ref_cos, ref_sin = rope_tables(grid_positions(2, 2, 4), m.dim // m.heads)
    assert torch.allclose(cos[0, 0], ref_cos) and torch.allclose(sin[0, 0], ref_sin)
    from training.dit.model import rope_tables_symbolic
    sym_cos, _ = rope_tables_symbolic((2, 2, 4), m.dim // m.heads)
    assert torch.allclose(sym_cos, ref_cos, atol=1e-6)
    with pytest.raises(ValueError, match="not divisible by patch"):
        m(torch.randn(1, 4, 2, 4, 5), torch.rand(1), states, mask)


def test_pooled_text_starts_silent_then_conditions_every_block():
    from training.dit.train import model_from_checkpoint

    base = perturb(tiny_kineo()).eval()
    ck = {"model_config": base.config(), "model": base.state_dict()}
    grown, was_grown = model_from_checkpoint(ck, pooled_text=True)
    assert was_grown and grown.config()["pooled_text"] is True and "pooled_text" not in base.config()
    x, t = torch.randn(2, 4, 2, 4, 4), torch.tensor([0.4, 0.8])
    ids = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0], [5, 9, 7, 8, 0, 0, 0, 0]])
    mask = (ids > 0).long()
    with torch.no_grad():
        assert torch.equal(grown.eval()(x, t, ids, mask), base(x, t, ids, mask))  # zero-initialised: no change
        grown.dit.y_pool[2].weight.normal_(0, 0.1)
        states, smask = grown.encode_text(ids, mask)
        shifted = grown.dit(x, t, states, smask)
        # the same token states with the pooled mean removed from the path: only the modulation differs
        grown.dit.y_pool[2].weight.zero_()
        assert not torch.allclose(shifted, grown.dit(x, t, states, smask))
    again, was_grown = model_from_checkpoint({"model_config": grown.config(), "model": grown.state_dict()})
    assert not was_grown and again.dit.y_pool is not None
    with pytest.raises(SystemExit, match="does not fit"):
        model_from_checkpoint({"model_config": base.config(), "model": {**base.state_dict(), "extra": torch.zeros(1)}},
                              pooled_text=True)


def test_train_script_and_export(tmp_path, capsys):
    from training.dit import export as ex
    from training.dit import train as tr

    rng = np.random.default_rng(0)
    data = tmp_path / "lat"
    data.mkdir()
    np.save(data / "latents.npy", rng.standard_normal((6, 4, 2, 4, 4)).astype(np.float16) * 2 + 1)
    caps = ["a cat moving left", "two dogs", "a ball", "a red ball bounces", "", "a cat and a dog"]
    with open(data / "captions.jsonl", "w") as f:
        for i, c in enumerate(caps):
            f.write(json.dumps({"caption": c, "split": "val" if i == 5 else "train"}) + "\n")
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"format": "kineo-vocab/1", "maxTokens": 8,
                                 "tokens": ["<pad>", "<unk>", "a", "cat", "dog", "dogs", "ball", "two", "moving",
                                            "left", "and", "bounces"]}))
    out = tmp_path / "ckpt"
    common = ["--latents", str(data), "--vocab", str(vocab), "--out", str(out), "--minutes", "5", "--batch", "3",
              "--dim", "32", "--depth", "1", "--text-dim", "32", "--text-layers", "1", "--threads", "1",
              "--previews", "2", "--preview-steps", "2"]
    r = tr.main(common + ["--max-steps", "3"])
    assert r["step"] == 3
    r = tr.main(common + ["--max-steps", "5", "--resume"])
    assert r["step"] == 5
    ck = torch.load(out / "ckpt.pt")
    assert abs(ck["latent_norm"]["mean"][0] - 1.0) < 0.5 and abs(ck["latent_norm"]["std"][0] - 2.0) < 0.5
    png = (out / "loss.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    assert (w, h) == (720, 400)
    assert np.load(out / "preview_latents.npy").shape == (1, 4, 2, 4, 4)  # one val row
    model = tr.build_model_from_ckpt(ck).eval()
    ex.export_text_encoder(model.text, str(tmp_path / "text_encoder.onnx"))
    ex.export_transformer(model.dit, str(tmp_path / "transformer.onnx"), max_tokens=model.config()["max_tokens"])
    assert (tmp_path / "text_encoder.onnx").stat().st_size > 0 and (tmp_path / "transformer.onnx").stat().st_size > 0

    # a resume can grow the pooled-text path: fresh optimizer, EMA keeps its other weights, the export carries it
    capsys.readouterr()
    r = tr.main(common + ["--max-steps", "7", "--resume", "--pooled-text"])
    assert r["step"] == 7
    logged = capsys.readouterr().out
    assert logged.count("fresh optimizer") == 1 and "the model grew (step 5)" in logged
    assert "packed weights" not in logged
    ck2 = torch.load(out / "ckpt.pt")
    assert ck2["model_config"]["pooled_text"] is True and "dit.y_pool.0.weight" in ck2["ema"]["shadow"]
    assert float(ck2["model"]["dit.y_pool.2.weight"].abs().max()) > 0  # it trained
    r = tr.main(common + ["--max-steps", "8", "--resume"])  # a checkpoint that has it keeps it without the flag
    assert r["step"] == 8 and torch.load(out / "ckpt.pt")["model_config"]["pooled_text"] is True
    assert tr.build_model_from_ckpt(torch.load(out / "ckpt.pt")).config()["pooled_text"] is True


def test_train_mixes_latent_grids_one_grid_per_batch(tmp_path, capsys):
    import training.dit.train as tr
    rng = np.random.default_rng(0)
    dirs = []
    for name, (h, w) in {"square": (4, 4), "wide": (4, 8), "tall": (8, 4)}.items():
        d = tmp_path / name
        d.mkdir()
        np.save(d / "latents.npy", rng.standard_normal((6, 4, 2, h, w)).astype(np.float16))
        with open(d / "captions.jsonl", "w") as f:
            for i in range(6):
                f.write(json.dumps({"caption": "a cat moving left", "split": "val" if i == 5 else "train"}) + "\n")
        dirs.append(str(d))
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"format": "kineo-vocab/1", "maxTokens": 8,
                                 "tokens": ["<pad>", "<unk>", "a", "cat", "moving", "left"]}))
    common = ["--vocab", str(vocab), "--out", str(tmp_path / "ckpt"), "--minutes", "5", "--batch", "2",
              "--dim", "32", "--depth", "1", "--text-dim", "32", "--text-layers", "1", "--threads", "1",
              "--previews", "0", "--max-steps", "6"]
    r = tr.main(["--latents", ",".join(dirs), "--mix", "1,1,1"] + common)
    assert r["step"] == 6
    logged = capsys.readouterr().out
    assert "(4, 2, 4, 8) x 6" in logged and "(4, 2, 8, 4) x 6" in logged and "33% of batches" in logged
    with pytest.raises(SystemExit, match="--mix"):
        tr.main(["--latents", ",".join(dirs), "--mix", "1,1"] + common)


def test_per_frame_timesteps_match_the_clip_timestep_and_condition_each_frame():
    m = perturb(tiny_kineo()).eval()
    x = torch.randn(2, 4, 2, 4, 4, generator=torch.Generator().manual_seed(5))
    ids = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0], [5, 9, 7, 8, 0, 0, 0, 0]])
    mask = (ids > 0).long()
    t = torch.tensor([0.3, 0.9])
    with torch.no_grad():
        clip = m(x, t, ids, mask)
        assert torch.allclose(clip, m(x, t[:, None].repeat(1, 2), ids, mask), atol=1e-6)  # one sigma on every frame
        given = m(x, torch.tensor([[0.0, 0.3], [0.9, 0.9]]), ids, mask)
        assert not torch.allclose(given[0], clip[0])  # frame 0 at timestep 0 changes clip 0 ...
        assert torch.allclose(given[1], clip[1], atol=1e-6)  # ... and only clip 0
    with pytest.raises(ValueError, match="T' = 2"):
        m(x, torch.zeros(2, 3), ids, mask)


def test_conditioning_patterns_follow_their_probabilities():
    g = torch.Generator().manual_seed(0)
    given, still = draw_conditions(4000, 4, [0.5, 0.2, 0.1, 0.2], g)
    assert given.shape == still.shape == (4000, 4) and not (still & ~given).any()
    none = ~given.any(1)
    first_last = still[:, 0] & still[:, -1]
    prefix = given.any(1) & ~still.any(1)
    assert abs(float(none.float().mean()) - 0.5) < 0.03
    assert abs(float((still[:, 0] & ~still[:, -1]).float().mean()) - 0.2) < 0.03
    assert abs(float(first_last.float().mean()) - 0.1) < 0.02
    assert abs(float(prefix.float().mean()) - 0.2) < 0.03
    k = given[prefix].sum(1)
    assert set(k.tolist()) == {1, 2, 3}  # 1 .. T'-1 leading frames, never the whole clip
    assert all(bool(row[:n].all()) and not bool(row[n:].any()) for row, n in zip(given[prefix], k.tolist()))
    with pytest.raises(ValueError, match="4 non-negative"):
        draw_conditions(2, 4, [1, 0, 0], g)


def test_given_frames_enter_clean_at_timestep_zero_and_leave_the_loss():
    m = perturb(tiny_kineo())
    g = torch.Generator().manual_seed(1)
    x0 = torch.randn(2, 4, 2, 4, 4, generator=g)
    noise = torch.randn(x0.shape, generator=g)
    sigma = torch.tensor([0.5, 0.7])
    ids = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0], [5, 9, 7, 8, 0, 0, 0, 0]])
    mask = (ids > 0).long()
    given = torch.tensor([[True, False], [False, False]])
    src = x0.clone()
    src[0, :, 0] = 3.0  # a still picture's latent in place of frame 0
    loss = flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, given=given, given_latents=src)
    with torch.no_grad():
        x_in = (1 - sigma.view(-1, 1, 1, 1, 1)) * x0 + sigma.view(-1, 1, 1, 1, 1) * noise
        x_in[0, :, 0] = 3.0
        v = m(x_in, torch.tensor([[0.0, 0.5], [0.7, 0.7]]), ids, mask)
        err = (v - (noise - x0)).pow(2)
        keep = torch.ones_like(err)
        keep[0, :, 0] = 0
        expected = (err * keep).sum() / keep.sum()
    assert abs(float(loss) - float(expected)) < 1e-5
    # the sampler holds the given frames where they are
    z = sample(m, ids, mask, steps=2, guidance=3.0, noise=noise, given=given, given_latents=src)
    assert torch.equal(z[0, :, 0], src[0, :, 0]) and not torch.equal(z[1, :, 0], src[1, :, 0])


def test_context_noise_puts_given_frames_at_their_own_noise_level():
    m = perturb(tiny_kineo())
    g = torch.Generator().manual_seed(2)
    x0 = torch.randn(2, 4, 2, 4, 4, generator=g)
    noise = torch.randn(x0.shape, generator=g)
    sigma = torch.tensor([0.6, 0.8])
    ids = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0], [5, 9, 7, 8, 0, 0, 0, 0]])
    mask = (ids > 0).long()
    given = torch.tensor([[True, False], [True, False]])
    level = torch.tensor([[0.1, 0.0], [0.0, 0.0]])  # clip 0's context noised to 0.1, clip 1's clean
    loss = flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, given=given, given_sigma=level)
    clean = flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, given=given, given_sigma=torch.zeros(2, 2))
    assert abs(float(clean) - float(flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, given=given))) < 1e-6
    with torch.no_grad():
        s = sigma.view(-1, 1, 1, 1, 1)
        x_in = (1 - s) * x0 + s * noise
        x_in[:, :, 0] = x0[:, :, 0]
        x_in[0, :, 0] = 0.9 * x0[0, :, 0] + 0.1 * noise[0, :, 0]
        v = m(x_in, torch.tensor([[0.1, 0.6], [0.0, 0.8]]), ids, mask)
        err = (v - (noise - x0)).pow(2)[:, :, 1]
    assert abs(float(loss) - float(err.mean())) < 1e-5 and abs(float(loss) - float(clean)) > 1e-6
