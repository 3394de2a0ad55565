"""Rectified flow for kineo-mini: training loss, EMA, and the reference Euler + CFG sampler.

Conventions (the TypeScript engine re-implements the sampler with exactly these):

* sigma in [0, 1]; ``x_sigma = (1 - sigma) * x0 + sigma * eps``; the model predicts the velocity
  ``v = eps - x0`` (so ``dx/dsigma = v``). The DiT's ``timestep`` input *is* sigma (it embeds
  ``1000 * sigma`` internally).
* training sigma ~ logit-normal: ``sigmoid(N(0, 1))``.
* caption dropout 10 %: the caption is replaced by the unconditional caption -- all ``<pad>``
  ids (0) with ``mask = [1, 0, 0, ...]`` (one key, so cross-attention is well defined).
* sampling: ``sigmas = linspace(1, 0, steps + 1)``, shifted ``s * sigma / (1 + (s - 1) * sigma)``;
  start from ``x = eps ~ N(0, I)``; for each step ``x += (sigma_next - sigma) * v(x, sigma)``.
  CFG runs cond and uncond as one batch-2 call (text states for both computed once):
  ``v = v_uncond + g * (v_cond - v_uncond)``.
"""
from __future__ import annotations

import copy
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..common.device import autocast

CAPTION_DROPOUT = 0.1


def _device(generator: Optional[torch.Generator]) -> torch.device:
    return generator.device if generator is not None else torch.device("cpu")


def sample_sigma(n: int, generator: Optional[torch.Generator] = None, mean: float = 0.0, std: float = 1.0):
    """Logit-normal sigmas (n,), on the generator's device."""
    return torch.sigmoid(torch.randn(n, generator=generator, device=_device(generator)) * std + mean)


def noisy(x0: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    s = sigma.reshape(-1, *([1] * (x0.dim() - 1)))
    return (1.0 - s) * x0 + s * noise


def uncond_tokens(batch: int, max_tokens: int, device=None):
    ids = torch.zeros(batch, max_tokens, dtype=torch.long, device=device)
    mask = torch.zeros(batch, max_tokens, dtype=torch.long, device=device)
    mask[:, 0] = 1
    return ids, mask


def drop_captions(ids: torch.Tensor, mask: torch.Tensor, p: float, generator: Optional[torch.Generator] = None):
    """Replace each caption with the unconditional one with probability ``p``."""
    if p <= 0:
        return ids, mask
    drop = torch.rand(ids.shape[0], generator=generator, device=_device(generator)).to(ids.device) < p
    u_ids, u_mask = uncond_tokens(ids.shape[0], ids.shape[1], ids.device)
    d = drop[:, None]
    return torch.where(d, u_ids, ids), torch.where(d, u_mask, mask)


def flow_loss(model, x0, ids, mask, generator: Optional[torch.Generator] = None, p_uncond: float = CAPTION_DROPOUT,
              sigma: Optional[torch.Tensor] = None, noise: Optional[torch.Tensor] = None,
              amp: bool = False, weight: Optional[torch.Tensor] = None,
              given: Optional[torch.Tensor] = None, given_latents: Optional[torch.Tensor] = None,
              given_sigma: Optional[torch.Tensor] = None) -> torch.Tensor:
    """MSE between the predicted and the true velocity ``eps - x0`` (``model`` is a KineoMini).

    Random numbers come from ``generator`` (on its device) and are moved to ``x0``'s device; ``amp`` runs the
    model under bf16 autocast, on a GPU or the CPU (:func:`..common.device.use_amp` decides; the loss stays float32). ``weight`` (B, T', H', W'),
    optional, weights each latent cell's squared error (see :func:`object_weights`); the weighted mean is
    divided by the mean weight, so the loss keeps the unweighted scale.

    ``given`` (B, T') bool marks latent frames given as conditions (LTX-Video / Wan 2.2 TI2V): they enter clean, taken
    from ``given_latents`` (B, C, T', H', W'; default ``x0``), with timestep 0, and are left out of the loss.
    ``given_sigma`` (B, T'), optional: the given frames enter at that noise level instead (with the same noise and
    that timestep) -- context-noise augmentation, so a long clip's next window does not copy the previous window's
    errors exactly and the drift does not compound (Diffusion Forcing, SVD's conditioning augmentation)."""
    b = x0.shape[0]
    if sigma is None:
        sigma = sample_sigma(b, generator)
    if noise is None:
        noise = torch.randn(x0.shape, generator=generator, device=_device(generator))
    sigma, noise = sigma.to(x0.device), noise.to(x0.device)
    ids, mask = drop_captions(ids, mask, p_uncond, generator)
    x_in, t_in = noisy(x0, noise, sigma), sigma
    if given is not None:
        given = given.to(x0.device)
        src = x0 if given_latents is None else given_latents.to(x0.device, x0.dtype)
        t_given = torch.zeros_like(given, dtype=sigma.dtype)
        if given_sigma is not None:
            t_given = given_sigma.to(x0.device, sigma.dtype)
            src = src + t_given[:, None, :, None, None].to(src.dtype) * (noise.to(src.dtype) - src)
        x_in = torch.where(given[:, None, :, None, None], src, x_in)
        t_in = torch.where(given, t_given, sigma[:, None])
    with autocast(x0.device, amp):
        v = model(x_in, t_in, ids, mask)
    if weight is None and given is None:
        return F.mse_loss(v.float(), noise - x0)
    w = (torch.ones((b, *x0.shape[2:]), device=x0.device) if weight is None
         else weight.to(x0.device, torch.float32))  # (B, T', H', W')
    if given is not None:
        w = w * (~given)[:, :, None, None].float()
    w = w.unsqueeze(1)  # (B, 1, T', H', W'), broadcast over channels
    return ((v.float() - (noise - x0)).pow(2) * w).mean() / w.mean().clamp_min(1e-8)


def object_weights(coverage: torch.Tensor, strength: float, motion: float = 0.0) -> torch.Tensor:
    """Per-cell loss weights ``1 + strength * coverage + motion * trail`` from the objects' cell coverage in
    [0, 1], (B, T', H', W').

    The objects cover ~5-9 % of a clip's pixels, so an unweighted MSE spends almost all of its gradient on the
    backgrounds: the shipped v1 learned backgrounds (98 %) and object colours but not object identity (6.5 %).

    ``trail`` is how much more of a cell the objects cover in the previous or the next latent frame than in this
    one: the cells a moving object has just left or is about to reach. Weighting only the covered cells makes
    painting an object where it is not cheap next to missing it where it is, so a model unsure of the trajectory
    smears the object along it (v1-v3 drew damped, smeared motion); ``motion`` makes that smear cost as much. A
    still object has no trail, so this weights moving objects only."""
    cov = coverage.float()
    w = 1.0 + strength * cov
    return w + motion * motion_trail(cov) if motion > 0 else w


def motion_trail(coverage: torch.Tensor) -> torch.Tensor:
    """(B, T', H', W') -> ``max(cov[t-1], cov[t+1]) - cov[t]``, clamped at 0 (no neighbour beyond the ends)."""
    prev = F.pad(coverage[:, :-1], (0, 0, 0, 0, 1, 0))  # cov[t-1], 0 at t = 0
    nxt = F.pad(coverage[:, 1:], (0, 0, 0, 0, 0, 1))     # cov[t+1], 0 at the last frame
    return (torch.maximum(prev, nxt) - coverage).clamp_min(0.0)


# Conditioning patterns drawn per training clip (the first k latent frames, k >= 1, is how a clip is extended)
COND_PATTERNS = ("none", "first", "first_last", "prefix")


def draw_conditions(b: int, frames: int, probs, generator: Optional[torch.Generator] = None):
    # ``generator`` is a CPU generator: the draws are tiny, and CPU numbers make them the same on every device
    """(given (B, T') bool, still (B, T') bool): which latent frames each clip gets as conditions, drawn with
    ``probs`` over :data:`COND_PATTERNS`, and which of those are a still picture's latent (the first / last frame
    held still: ``first.npy`` / ``last.npy``) rather than the clip's own latents (the tail of a previous window)."""
    p = torch.tensor([float(v) for v in probs], dtype=torch.float64)
    if len(p) != len(COND_PATTERNS) or (p < 0).any() or p.sum() <= 0:
        raise ValueError(f"condition probabilities must be {len(COND_PATTERNS)} non-negative numbers")
    kind = torch.multinomial(p / p.sum(), b, replacement=True, generator=generator)
    k = 1 + torch.randint(0, max(frames - 1, 1), (b,), generator=generator)
    given = torch.zeros(b, frames, dtype=torch.bool)
    still = torch.zeros(b, frames, dtype=torch.bool)
    first = (kind == 1) | (kind == 2)
    given[first, 0] = still[first, 0] = True
    both = kind == 2
    given[both, -1] = still[both, -1] = True
    prefix = kind == 3
    ar = torch.arange(frames)[None]
    given |= prefix[:, None] & (ar < k[:, None])
    return given, still


class EMA:
    """Exponential moving average of parameters (and a copy of buffers).

    decay ramps up as ``min(decay, (1 + n) / (10 + n))`` over the first updates.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999):
        self.decay = decay
        self.updates = 0
        self.shadow: Dict[str, torch.Tensor] = {k: v.detach().clone().float()
                                                for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module):
        self.updates += 1
        d = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        params = dict(model.named_parameters())
        for k, v in model.state_dict().items():
            if k in params and v.dtype.is_floating_point:
                self.shadow[k].mul_(d).add_(v.detach().float(), alpha=1.0 - d)
            else:
                self.shadow[k].copy_(v)

    def copy_to(self, model: nn.Module):
        model.load_state_dict({k: v.to(model.state_dict()[k].dtype) for k, v in self.shadow.items()})

    def model_copy(self, model: nn.Module) -> nn.Module:
        m = copy.deepcopy(model)
        self.copy_to(m)
        return m.eval()

    def state_dict(self) -> dict:
        return {"decay": self.decay, "updates": self.updates, "shadow": self.shadow}

    def load_state_dict(self, d: dict):
        self.decay, self.updates = d["decay"], int(d["updates"])
        dev = next(iter(self.shadow.values())).device if self.shadow else torch.device("cpu")
        shadow = {k: v.to(dev).clone().float() for k, v in d["shadow"].items()}
        for k, v in self.shadow.items():  # weights added since the checkpoint (a grown model) start from the model's
            shadow.setdefault(k, v)
        self.shadow = shadow


def shift_sigma(sigma: torch.Tensor, shift: float) -> torch.Tensor:
    return shift * sigma / (1.0 + (shift - 1.0) * sigma)


def sigma_schedule(steps: int, shift: float = 1.0) -> torch.Tensor:
    """(steps + 1,) from 1 down to 0."""
    return shift_sigma(torch.linspace(1.0, 0.0, steps + 1), shift)


@torch.no_grad()
def sample(model, ids: torch.Tensor, mask: torch.Tensor, steps: int = 25, shift: float = 1.0,
           guidance: Optional[float] = 4.0, noise: Optional[torch.Tensor] = None,
           generator: Optional[torch.Generator] = None, given: Optional[torch.Tensor] = None,
           given_latents: Optional[torch.Tensor] = None, shape: Optional[Sequence[int]] = None) -> torch.Tensor:
    """Euler sampler (``shape`` (T', H', W'): another latent grid than the model's own, e.g. a 16:9 clip). ``guidance=None`` runs the conditional model only; otherwise CFG in one batch.

    ``model`` is a KineoMini; returns latents (B, C, T', H', W') in the model's (normalised) space. ``given``
    (B, T') bool with ``given_latents`` (B, C, T', H', W'): latent frames held at those values with timestep 0.
    """
    model.eval()
    dit = model.dit
    b = ids.shape[0]
    device = ids.device
    if noise is None:
        noise = torch.randn((b, dit.latent_channels, *(shape or dit.latent_shape)), generator=generator,
                            device=_device(generator))
    x = noise.to(device).float().clone()
    if guidance is None:
        states, m = model.text(ids, mask)
    else:
        u_ids, u_mask = uncond_tokens(b, ids.shape[1], device)
        states, m = model.text(torch.cat([ids, u_ids]), torch.cat([mask, u_mask]))
    sig = sigma_schedule(steps, shift).to(device)
    keep = None
    if given is not None:
        keep = given.to(device)[:, None, :, None, None]
        x = torch.where(keep, given_latents.to(device).float(), x)
    for i in range(steps):
        s = sig[i].expand(b)
        if given is not None:
            s = torch.where(given.to(device), torch.zeros_like(s)[:, None], s[:, None])
        if guidance is None:
            v = dit(x, s, states, m)
        else:
            vc, vu = dit(torch.cat([x, x]), torch.cat([s, s]), states, m).chunk(2)
            v = vu + guidance * (vc - vu)
        x = x + (sig[i + 1] - sig[i]) * v
        if keep is not None:
            x = torch.where(keep, given_latents.to(device).float(), x)
    return x
