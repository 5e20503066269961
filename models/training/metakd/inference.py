"""Inference exactly as MODEL_PIPELINE.md §7-12: padding, Gaussian-weighted sliding window over
separately encoded modalities, labels 1/2/4 with the small-ET rule, nearest back to 1 mm, Dice.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from .preprocess import MODALITIES, load_raw, preprocess_raw, region_masks

PATCH = (80, 96, 80)  # [k, j, i]: one window covers every brain-cropped BraTS case at 2 mm
OVERLAP = 0.5
SIGMA_SCALE = 1.0 / 8.0
THRESHOLD = 0.5
ET_MIN_VOXELS = 62  # ≈ 0.5 mL at 2 mm: smaller predicted ET becomes necrotic core (label 1)
LABEL_NCR, LABEL_ED, LABEL_ET = 1, 2, 4


def subsets() -> list:
    """The 15 non-empty modality subsets as index tuples (by size, then manifest order)."""
    return [c for k in range(1, 5) for c in itertools.combinations(range(4), k)]


def round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def window_starts(size: int, patch: int, overlap: float) -> list:
    """Starts per axis: n = ceil((S − P)/step) + 1, round(linspace(0, S − P, n))."""
    if size == patch:
        return [0]
    step = patch * (1 - overlap)
    n = int(math.ceil((size - patch) / step)) + 1
    return [int(v) for v in round_half_away(np.linspace(0, size - patch, n))]


def gaussian_map(patch, sigma_scale: float = SIGMA_SCALE) -> np.ndarray:
    """Product of per-axis Gaussians, max 1, values below the smallest positive clamped to it."""
    g = np.ones(patch, dtype=np.float64)
    for axis, p in enumerate(patch):
        d = np.arange(p) - (p - 1) / 2.0
        shape = [1, 1, 1]
        shape[axis] = p
        g = g * np.exp(-(d**2) / (2 * (p * sigma_scale) ** 2)).reshape(shape)
    g /= g.max()
    g = np.maximum(g, g[g > 0].min())
    return g.astype(np.float32)


def padded_shape(shape, patch, multiple: int) -> tuple:
    return tuple(max(p, int(math.ceil(s / multiple)) * multiple) for s, p in zip(shape, patch))


class Segmenter:
    """Runs the network per MODEL_PIPELINE.md with per-modality encoding (cached per window)."""

    def __init__(self, net, patch=PATCH, overlap=OVERLAP, multiple: int = 8):
        self.net, self.patch, self.overlap, self.multiple = net.eval(), tuple(patch), overlap, multiple
        self.gauss = torch.from_numpy(gaussian_map(self.patch))

    def windows(self, shape) -> list:
        padded = padded_shape(shape, self.patch, self.multiple)
        axes = [window_starts(s, p, self.overlap) for s, p in zip(padded, self.patch)]
        return padded, list(itertools.product(*axes))

    @torch.no_grad()
    def encode(self, vol: np.ndarray) -> list:
        """One modality [k, j, i] → per window, the encoder's feature list (batch 1)."""
        padded, wins = self.windows(vol.shape)
        x = np.zeros(padded, dtype=np.float32)
        x[tuple(slice(0, s) for s in vol.shape)] = vol
        out = []
        for w in wins:
            sl = tuple(slice(s, s + p) for s, p in zip(w, self.patch))
            out.append(self.net.encoder(torch.from_numpy(np.ascontiguousarray(x[sl]))[None, None]))
        return out

    @torch.no_grad()
    def decode(self, shape, encodings: list, present) -> np.ndarray:
        """encodings: per modality a list (per window) or None when missing → probs [3, *shape]."""
        padded, wins = self.windows(shape)
        acc = torch.zeros((3,) + tuple(padded))
        norm = torch.zeros(tuple(padded))
        pres = torch.tensor([[1.0 if p else 0.0 for p in present]])
        for n, w in enumerate(wins):
            ref = next(e for e in encodings if e is not None)[n]
            feats = []
            for level in range(len(ref)):
                per_mod = [e[n][level] if e is not None else torch.zeros_like(ref[level]) for e in encodings]
                feats.append(torch.stack(per_mod, dim=1))
            probs = torch.sigmoid(self.net.decoder(feats, pres))[0]
            sl = tuple(slice(s, s + p) for s, p in zip(w, self.patch))
            acc[(slice(None),) + sl] += probs * self.gauss
            norm[sl] += self.gauss
        out = acc / norm.clamp(min=1e-12)
        return out[(slice(None),) + tuple(slice(0, s) for s in shape)].numpy()


def probs_to_labels(probs: np.ndarray, et_min: int = ET_MIN_VOXELS) -> np.ndarray:
    """[3 (ET, WT, TC), …] → labels 0/1/2/4 with the small-ET post-process."""
    et, wt, tc = probs[0] > THRESHOLD, probs[1] > THRESHOLD, probs[2] > THRESHOLD
    label = np.zeros(probs.shape[1:], dtype=np.uint8)
    label[wt] = LABEL_ED
    label[wt & tc] = LABEL_NCR
    label[wt & tc & et] = LABEL_ET
    if (label == LABEL_ET).sum() < et_min:
        label[label == LABEL_ET] = LABEL_NCR
    return label


def to_1mm(label_crop: np.ndarray, pre, shape_1mm) -> np.ndarray:
    """Nearest model voxel for every 1 mm voxel (m = i // 2 for BraTS), outside → 0."""
    grid = np.zeros(pre.grid_shape, dtype=np.uint8)
    grid[tuple(slice(s, e) for s, e in zip(pre.crop_start, pre.crop_end))] = label_crop
    up = grid.repeat(2, 0).repeat(2, 1).repeat(2, 2)
    out = np.zeros(shape_1mm, dtype=np.uint8)
    sl = tuple(slice(0, min(a, b)) for a, b in zip(up.shape, shape_1mm))
    out[sl] = up[sl]
    return out


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    p, t = pred.sum(), truth.sum()
    if p == 0 and t == 0:
        return 1.0
    return float(2.0 * np.logical_and(pred, truth).sum() / (p + t))


def region_dice(label: np.ndarray, seg: np.ndarray) -> dict:
    """Dice for ET, TC, WT on the 1 mm grid."""
    pm, tm = region_masks(label), region_masks(seg)
    return {"et": dice(pm[0], tm[0]), "tc": dice(pm[2], tm[2]), "wt": dice(pm[1], tm[1])}


def evaluate_case(segmenter: Segmenter, case_dir: str) -> dict:
    """All 15 subsets for one case → {subset tuple: {et, tc, wt}}. Each subset is preprocessed
    with only its modalities (crop and z-score depend on what is present), as the app does;
    encodings are reused when a modality's crop is the same."""
    cache, out = {}, {}
    raw = load_raw(case_dir)
    seg = raw["seg"]
    for sub in subsets():
        present = [m in sub for m in range(4)]
        pre = preprocess_raw(raw, present)
        encs = []
        for m in range(4):
            if not present[m]:
                encs.append(None)
                continue
            key = (m, pre.crop_start, pre.crop_end)
            if key not in cache:
                cache[key] = segmenter.encode(pre.image[m])
            encs.append(cache[key])
        probs = segmenter.decode(pre.image.shape[1:], encs, present)
        label = to_1mm(probs_to_labels(probs), pre, seg.shape)
        out[sub] = region_dice(label, seg)
    return out


def subset_names(sub) -> list:
    return [MODALITIES[m] for m in sub]
