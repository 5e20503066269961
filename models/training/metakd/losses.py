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


KD_NORMS = ("none", "mean1")


def importance(logits: torch.Tensor, alpha_min: float = 0.0) -> torch.Tensor:
    """α from the meta-learned logits: softmax, optionally bounded below by `alpha_min` per
    modality (α = alpha_min + (1 − M·alpha_min)·softmax), so α_t/α_s ≤ 1/alpha_min − M + 1
    (deviation flag --alpha-min; 0 = the paper's plain softmax)."""
    m = logits.shape[0]
    if not 0.0 <= alpha_min < 1.0 / m:
        raise ValueError(f"alpha_min must be in [0, 1/{m}), got {alpha_min}")
    return alpha_min + (1.0 - m * alpha_min) * torch.softmax(logits, 0)


def entropy(alpha: torch.Tensor) -> torch.Tensor:
    return -(alpha * torch.log(alpha.clamp(min=1e-12))).sum()


def pair_weights(alpha: torch.Tensor, max_weight: float = 0.0, norm: str = "none") -> torch.Tensor:
    """[M, M] teacher→student weights α_t/α_s (diagonal 0). max_weight > 0 caps each weight;
    norm "mean1" then divides by the mean over the M·(M−1) ordered pairs, so the weights
    average 1 whatever α is (deviation flags --kd-max-weight, --kd-norm)."""
    if norm not in KD_NORMS:
        raise ValueError(f"unknown kd norm {norm!r}")
    a = alpha.detach().float()
    m = a.shape[0]
    w = a.reshape(m, 1) / a.reshape(1, m)
    if max_weight > 0:
        w = w.clamp(max=max_weight)
    off = 1.0 - torch.eye(m, device=w.device)
    w = w * off
    if norm == "mean1":
        w = w / (w.sum() / (m * (m - 1)))
    return w


def distillation(
    bottlenecks: torch.Tensor, present: torch.Tensor, alpha: torch.Tensor, max_weight: float = 0.0,
    norm: str = "none",
) -> torch.Tensor:
    """Σ over ordered pairs (teacher t → student s) of present modalities, t ≠ s, of
    w_ts · L1(bottleneck_s, bottleneck_t.detach()) with w = pair_weights(α); mean over the batch.

    α is detached here (the logits are learned only by the meta step). The weight α_t/α_s is
    large when an important modality teaches an unimportant one; a collapsed α made it ~37 in
    the first GPU run, hence the optional cap / normalisation.
    """
    w = pair_weights(alpha, max_weight, norm)
    b = bottlenecks.float()
    m = b.shape[1]
    total = b.new_zeros(b.shape[0])
    for t in range(m):
        teacher = b[:, t].detach()
        for s in range(m):
            if s == t:
                continue
            l1 = (b[:, s] - teacher).abs().flatten(1).mean(1)
            total = total + present[:, t] * present[:, s] * w[t, s] * l1
    return total.mean()
