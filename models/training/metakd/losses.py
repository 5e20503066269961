"""Losses: soft Dice + BCE on the three region channels, and the modality-weighted distillation."""
from __future__ import annotations

import torch
import torch.nn.functional as F

DICE_SMOOTH = 1.0


def dice_bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Soft Dice (per channel, over batch and space) + BCE, on float32."""
    logits = logits.float()
    prob = torch.sigmoid(logits)
    dims = (0, 2, 3, 4)
    inter = (prob * target).sum(dims)
    denom = prob.sum(dims) + target.sum(dims)
    dice = 1 - (2 * inter + DICE_SMOOTH) / (denom + DICE_SMOOTH)
    return dice.mean() + F.binary_cross_entropy_with_logits(logits, target)


def distillation(
    bottlenecks: torch.Tensor, present: torch.Tensor, alpha: torch.Tensor, max_weight: float = 0.0
) -> torch.Tensor:
    """Σ over ordered pairs (teacher t → student s) of present modalities, t ≠ s, of
    (α_t / α_s) · L1(bottleneck_s, bottleneck_t.detach()); mean over the batch.

    α is detached here (the logits are learned only by the meta step). The weight is large when
    an important modality teaches an unimportant one; max_weight > 0 caps it (a collapsed α made
    it ~37 in the first GPU run).
    """
    a = alpha.detach().float()
    b = bottlenecks.float()
    m = b.shape[1]
    total = b.new_zeros(b.shape[0])
    for t in range(m):
        teacher = b[:, t].detach()
        for s in range(m):
            if s == t:
                continue
            l1 = (b[:, s] - teacher).abs().flatten(1).mean(1)
            w = a[t] / a[s]
            if max_weight > 0:
                w = w.clamp(max=max_weight)
            total = total + present[:, t] * present[:, s] * w * l1
    return total.mean()
