"""Batch augmentation on the training device (torch): small rotations, flips, intensity scale/shift.

Runs on whatever device the batch lives on, so the GPU does the resampling during GPU training.
Background (exactly 0, the pipeline's "outside the brain / missing" value) stays 0.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

ROTATE_PROB = 0.5
MAX_ANGLE_AXIAL_DEG = 15.0  # rotation in the axial (i, j) plane
MAX_ANGLE_OTHER_DEG = 5.0
FLIP_PROB = 0.5
SCALE_RANGE = 0.1
SHIFT_RANGE = 0.1


def _rotation_matrix(angles) -> torch.Tensor:
    """3×3 rotation for grid_sample coordinates (x=i, y=j, z=k)."""
    ax, ay, az = angles
    rx = torch.tensor([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = torch.tensor([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = torch.tensor([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return (rz @ ry @ rx).float()


def augment(images: torch.Tensor, labels: torch.Tensor, gen: torch.Generator):
    """images [B,4,k,j,i], labels [B,3,k,j,i] soft targets; returns augmented copies."""
    b = images.shape[0]
    rnd = lambda *s: torch.rand(*s, generator=gen)  # noqa: E731 - CPU generator, device-independent
    out_i, out_l = [], []
    for n in range(b):
        img, lab = images[n : n + 1], labels[n : n + 1]
        if rnd(1).item() < ROTATE_PROB:
            other = math.radians(MAX_ANGLE_OTHER_DEG)
            axial = math.radians(MAX_ANGLE_AXIAL_DEG)
            a = (rnd(3) * 2 - 1) * torch.tensor([other, other, axial])
            theta = torch.zeros(1, 3, 4)
            theta[0, :, :3] = _rotation_matrix(a.tolist())
            theta = theta.to(img.device)
            grid = F.affine_grid(theta, list(img.shape), align_corners=False)
            nz = (img != 0).float()
            img = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
            # keep the "0 = background" convention: voxels that sample mostly background become 0
            keep = F.grid_sample(nz, grid, mode="bilinear", padding_mode="zeros", align_corners=False) > 0.5
            img = img * keep
            lab = F.grid_sample(lab, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        flips = [d for d, r in zip((2, 3, 4), rnd(3).tolist()) if r < FLIP_PROB]
        if flips:
            img, lab = torch.flip(img, flips), torch.flip(lab, flips)
        scale = (1 + (rnd(1, 4, 1, 1, 1) * 2 - 1) * SCALE_RANGE).to(img.device)
        shift = ((rnd(1, 4, 1, 1, 1) * 2 - 1) * SHIFT_RANGE).to(img.device)
        img = torch.where(img != 0, img * scale + shift, img)
        out_i.append(img)
        out_l.append(lab)
    return torch.cat(out_i), torch.cat(out_l)
