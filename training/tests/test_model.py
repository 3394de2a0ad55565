import torch

from training.judge.model import Judge, count_macs, count_params


def test_forward_shapes(vocab_sizes):
    torch.manual_seed(0)
    m = Judge(vocab_sizes).eval()
    x = torch.rand(3, 16, 64, 64, 3)
    with torch.no_grad():
        out = m(x)
    for h, n in vocab_sizes.items():
        assert out[f"logits_{h}"].shape == (3, n)
    ff = out["frame_features"]
    assert ff.shape == (3, 16, m.frame_dim) and 128 <= m.frame_dim <= 512
    assert set(out) == set(m.output_names)
    assert all(torch.isfinite(v).all() for v in out.values())
    macs = count_macs(m)
    assert 50e6 < macs < 350e6
    assert count_params(m) * 4 < 8 * 1024 * 1024


def test_a_greyscale_judge_sees_luma_only_and_keeps_its_config(vocab_sizes, tmp_path):
    from training.judge.export import export_onnx
    from training.judge.train import build_model_from_ckpt
    torch.manual_seed(0)
    m = Judge(vocab_sizes, greyscale=True).eval()
    x = torch.rand(2, 16, 64, 64, 3)
    luma = x[..., :1] * 0.299 + x[..., 1:2] * 0.587 + x[..., 2:3] * 0.114
    grey = luma.expand(-1, -1, -1, -1, 3).contiguous()
    swapped = x[..., [2, 0, 1]]  # other colours, mostly other luma too: the shapes are what must count
    with torch.no_grad():
        a, b = m(x), m(grey)
        assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)  # colour carries nothing the judge sees
        assert not torch.allclose(a["logits_object"], m(swapped)["logits_object"])
    cfg = m.config()
    assert cfg["greyscale"] is True and "greyscale" not in Judge(vocab_sizes).config()  # old configs unchanged
    again = build_model_from_ckpt({"model_config": cfg, "model": m.state_dict()})
    assert again.greyscale
    assert export_onnx(again, str(tmp_path / "j.onnx"))[-1] == "frame_features"
