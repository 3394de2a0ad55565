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
