"""Model-input preprocessing, exactly as notes/MODEL_PIPELINE.md (sections 1-7) prescribes.

numpy + nibabel only (no torch) so that reference.py, which writes the TypeScript parity
fixture, can run where torch is absent. Arrays handed around here are [k, j, i] (i fastest),
the same memory order as a core Volume in the app.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

MODALITIES = ("flair", "t1", "t1ce", "t2")
SPACING_MM = 2.0
CROP_MARGIN = 2
CLIP = (-5.0, 5.0)
STD_FLOOR = 1e-8
# nibabel affine diagonal of an LPS-aligned BraTS volume (RAS world: i→L, j→P, k→S).
LPS_DIAG = np.array([-1.0, -1.0, 1.0])


@dataclass
class Preprocessed:
    """One case on the model grid: cropped, normalised input and where the crop sits."""

    image: np.ndarray  # float32 [4, k, j, i], missing modalities all zero
    crop_start: tuple  # (k, j, i) model-grid voxel of the crop's first voxel
    crop_end: tuple  # (k, j, i) exclusive
    grid_shape: tuple  # (k, j, i) full model grid
    grid_origin_lps: tuple  # LPS mm of the first model voxel centre (x, y, z)
    spacing_mm: float


def to_lps_kji(data: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Flip a nibabel [i, j, k] array so i→L, j→P, k→S, then transpose to [k, j, i].

    Only axis-aligned 1 mm inputs are supported here (the BraTS layout); the TypeScript side
    handles arbitrary geometry by world coordinates.
    """
    rot = affine[:3, :3]
    if not np.allclose(rot, np.diag(np.diag(rot))):
        raise ValueError("only axis-aligned volumes are supported by the Python preprocessing")
    diag = np.diag(rot)
    for axis in range(3):
        if np.sign(diag[axis]) != LPS_DIAG[axis]:
            data = np.flip(data, axis=axis)
    return np.ascontiguousarray(np.transpose(data, (2, 1, 0)))


def pool2(vol_kji: np.ndarray) -> np.ndarray:
    """2×2×2 average pooling with floor (odd last slice dropped) = trilinear at 2 mm centres."""
    k, j, i = (s // 2 for s in vol_kji.shape)
    v = vol_kji[: 2 * k, : 2 * j, : 2 * i].astype(np.float64)
    v = v.reshape(k, 2, j, 2, i, 2).mean(axis=(1, 3, 5))
    return v.astype(np.float32)


def grid_origin(affine: np.ndarray, shape_ijk: tuple) -> tuple:
    """LPS position of the first 2 mm voxel centre (half a model voxel inside the FOV corner)."""
    corners = []
    for ci in (-0.5, shape_ijk[0] - 0.5):
        for cj in (-0.5, shape_ijk[1] - 0.5):
            for ck in (-0.5, shape_ijk[2] - 0.5):
                ras = affine @ np.array([ci, cj, ck, 1.0])
                corners.append([-ras[0], -ras[1], ras[2]])
    low = np.min(np.array(corners), axis=0)
    return tuple(float(x) for x in low + SPACING_MM / 2)


def nonzero_crop(images: np.ndarray, present: np.ndarray, margin: int = CROP_MARGIN):
    """Bounding box of voxels ≠ 0 in any present modality, grown by margin, clamped."""
    mask = np.zeros(images.shape[1:], dtype=bool)
    for m in range(images.shape[0]):
        if present[m]:
            mask |= images[m] != 0
    shape = mask.shape
    if not mask.any():
        return (0, 0, 0), tuple(shape)
    start, end = [], []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        idx = np.nonzero(mask.any(axis=other))[0]
        start.append(max(0, int(idx[0]) - margin))
        end.append(min(shape[axis], int(idx[-1]) + 1 + margin))
    return tuple(start), tuple(end)


def zscore_nonzero(vol: np.ndarray, clip=CLIP) -> np.ndarray:
    """(x − mean) / max(std, 1e-8) over voxels ≠ 0 (float64 stats); zeros stay 0; clip."""
    nz = vol != 0
    out = np.zeros(vol.shape, dtype=np.float32)
    if not nz.any():
        return out
    vals = vol[nz].astype(np.float64)
    mean = vals.mean()
    std = max(vals.std(), STD_FLOOR)
    norm = (vals - mean) / std
    if clip is not None:
        norm = np.clip(norm, clip[0], clip[1])
    out[nz] = norm.astype(np.float32)
    return out


def preprocess_arrays(pooled: np.ndarray, present: np.ndarray) -> tuple:
    """Crop + normalise pooled [4, k, j, i] model-grid arrays; returns (image, start, end)."""
    start, end = nonzero_crop(pooled, present)
    sl = tuple(slice(s, e) for s, e in zip(start, end))
    image = np.zeros((4,) + tuple(e - s for s, e in zip(start, end)), dtype=np.float32)
    for m in range(4):
        if present[m]:
            image[m] = zscore_nonzero(pooled[m][sl])
    return image, start, end


def case_files(case_dir: str) -> dict:
    """The four modality files and the label file of a BraTS 2018 case folder."""
    cid = os.path.basename(os.path.normpath(case_dir))
    files = {m: os.path.join(case_dir, f"{cid}_{m}.nii.gz") for m in MODALITIES}
    files["seg"] = os.path.join(case_dir, f"{cid}_seg.nii.gz")
    return files


def load_raw(case_dir: str) -> dict:
    """Read a BraTS case: the four modalities pooled to the 2 mm grid, geometry, 1 mm labels."""
    import nibabel as nib  # local: callers that only need the array maths need no nibabel

    files = case_files(case_dir)
    pooled, affine, shape_ijk = [], None, None
    for name in MODALITIES:
        img = nib.load(files[name])
        affine, shape_ijk = img.affine, img.shape
        pooled.append(pool2(to_lps_kji(np.asarray(img.dataobj, dtype=np.float32), img.affine)))
    seg = None
    if os.path.exists(files["seg"]):
        s = nib.load(files["seg"])
        seg = to_lps_kji(np.asarray(s.dataobj).astype(np.uint8), s.affine)
    return {"pooled": np.stack(pooled), "affine": affine, "shape_ijk": shape_ijk, "seg": seg}


def preprocess_raw(raw: dict, present=(1, 1, 1, 1)) -> Preprocessed:
    """Crop + normalise a loaded case with only the `present` modalities (others all zero)."""
    present = np.asarray(present, dtype=bool)
    pooled = raw["pooled"] * present.reshape(4, 1, 1, 1)
    image, start, end = preprocess_arrays(pooled, present)
    return Preprocessed(
        image=image,
        crop_start=start,
        crop_end=end,
        grid_shape=tuple(pooled.shape[1:]),
        grid_origin_lps=grid_origin(raw["affine"], raw["shape_ijk"]),
        spacing_mm=SPACING_MM,
    )


def load_case(case_dir: str, present=(1, 1, 1, 1)):
    """Read a BraTS case and preprocess it; returns (Preprocessed, seg_1mm_kji or None)."""
    raw = load_raw(case_dir)
    return preprocess_raw(raw, present), raw["seg"]


def region_masks(seg: np.ndarray) -> np.ndarray:
    """BraTS labels → bool [3, …] in output channel order ET, WT, TC."""
    et = seg == 4
    wt = (seg == 1) | (seg == 2) | (seg == 4)
    tc = (seg == 1) | (seg == 4)
    return np.stack([et, wt, tc])
