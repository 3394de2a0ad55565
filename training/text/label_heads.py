"""Auxiliary label heads on the text encoder: keep every caption attribute readable from the text states.

Trained only through the DiT's flow loss, v1's text encoder let the object words fade: its states for "a cat …" and
"a banana …" had cosine 0.99 (backgrounds: 0.18), so the DiT could not tell the objects apart and drew one blob for
all of them. These linear classifiers read the world labels (object, motion, background, …) from the masked mean of
the text states; their cross-entropy, added to the flow loss with a small weight (``training.dit.train --text-aux``),
makes the encoder keep each attribute apart. They are a training aid only: nothing here is exported.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import masked_mean


def label_classes(rows: Sequence[dict]) -> Dict[str, List[str]]:
    """Every label head seen in ``rows`` (``{"labels": {...}}``) -> its sorted values, as strings."""
    classes: Dict[str, set] = {}
    for r in rows:
        for head, value in (r.get("labels") or {}).items():
            classes.setdefault(head, set()).add(str(value))
    return {h: sorted(v) for h, v in sorted(classes.items())}


def label_targets(rows: Sequence[dict], classes: Dict[str, List[str]]) -> Dict[str, np.ndarray]:
    """int64 (N,) class index per head; -1 where a row lacks the head or has a value outside ``classes``."""
    index = {h: {v: i for i, v in enumerate(vals)} for h, vals in classes.items()}
    out = {h: np.full(len(rows), -1, dtype=np.int64) for h in classes}
    for i, r in enumerate(rows):
        for head, value in (r.get("labels") or {}).items():
            if head in index:
                out[head][i] = index[head].get(str(value), -1)
    return out


class LabelHeads(nn.Module):
    def __init__(self, dim: int, classes: Dict[str, List[str]]):
        super().__init__()
        self.classes = {h: list(v) for h, v in classes.items()}
        self.heads = nn.ModuleDict({h: nn.Linear(dim, len(v)) for h, v in self.classes.items()})

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        pooled = masked_mean(states, mask)
        return {h: head(pooled.float()) for h, head in self.heads.items()}

    def loss(self, states: torch.Tensor, mask: torch.Tensor,
             targets: Dict[str, torch.Tensor]) -> Tuple[torch.Tensor, Dict[str, float]]:
        """Mean cross-entropy over the heads (rows marked -1 ignored) and each head's accuracy."""
        logits = self(states, mask)
        losses, acc = [], {}
        for h, lg in logits.items():
            y = targets[h].to(lg.device)
            keep = y >= 0
            if not bool(keep.any()):
                continue
            losses.append(F.cross_entropy(lg[keep], y[keep]))
            acc[h] = float((lg[keep].argmax(-1) == y[keep]).float().mean())
        total = torch.stack(losses).mean() if losses else states.new_zeros(())
        return total, acc
