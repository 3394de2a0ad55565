"""bf16 autocast choice (training.common.device.use_amp) and the flow loss under it on the CPU."""
import pytest
import torch

from training.common.device import cpu_has_fast_bf16, use_amp
from training.dit.flow import flow_loss

from .test_dit import tiny_kineo

CPU = torch.device("cpu")


def test_auto_and_off_keep_cpu_runs_fp32():
    assert use_amp(CPU, "auto") is False
    assert use_amp(CPU, "off") is False
    assert use_amp(CPU, "on") is cpu_has_fast_bf16()
    with pytest.raises(SystemExit):
        use_amp(CPU, "bf16")


def _loss(m, amp):
    g = torch.Generator().manual_seed(3)
    x0 = torch.randn(2, 4, 2, 4, 4, generator=g)
    ids = torch.randint(2, 40, (2, 8), generator=g)
    mask = torch.ones(2, 8, dtype=torch.long)
    sigma, noise = torch.tensor([0.3, 0.7]), torch.randn(2, 4, 2, 4, 4, generator=g)
    return flow_loss(m, x0, ids, mask, p_uncond=0.0, sigma=sigma, noise=noise, amp=amp)


def test_cpu_bf16_loss_is_float32_close_to_fp32_and_trains():
    torch.manual_seed(0)
    m = tiny_kineo()
    for p in m.parameters():  # a model that is not exactly zero
        torch.nn.init.normal_(p, std=0.05)
    ref = _loss(m, False)
    low = _loss(m, True)
    assert low.dtype == torch.float32
    assert float(low) == pytest.approx(float(ref), rel=0.05)
    assert float(low) != float(ref)  # bf16 really ran (fp32 would give the identical value)
    low.backward()
    grads = [p.grad for p in m.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert all(g.dtype == torch.float32 for g in grads)  # master weights and their grads stay fp32
