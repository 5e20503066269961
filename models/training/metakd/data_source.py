"""Training data from a folder of cases in BraTS naming instead of the shared BraTS 2018 set.

`pipeline.py --data DIR` reads DIR/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz — what the app's
project export writes with `--layout brats` (a site's own signed-off annotations) and what BraTS
ships. Each case is preprocessed into the same compact cache as the shared cases (data.py), so
train.py trains on it unchanged.

A case needs all four sequences and a label file: the cache has no per-case record of a missing
sequence, so training would take an all-zero channel for a real one (stage 1 trains with every
sequence present). Incomplete cases are listed with the reason and left out. Images not on a
1 mm grid (the model's preprocessing pools 1 mm voxels to 2 mm) are resampled to 1 mm first
(nibabel.processing: trilinear for images, nearest for labels).
"""
from __future__ import annotations

import os

from .data import build_cache_entry
from .preprocess import MODALITIES, case_files

SPACING_TOL_MM = 0.01


def scan(data_dir: str) -> tuple:
    """(complete case names, [(case, reason), …] of the ones left out), sorted by name."""
    cases, skipped = [], []
    for name in sorted(os.listdir(data_dir)):
        d = os.path.join(data_dir, name)
        if not os.path.isdir(d) or name.startswith("."):
            continue
        files = case_files(d)
        missing = [k for k in (*MODALITIES, "seg") if not os.path.exists(files[k])]
        if missing:
            skipped.append((name, "no " + ", ".join(f"{name}_{k}.nii.gz" for k in missing)))
        else:
            cases.append(name)
    return cases, skipped


def _on_1mm_grid(case_dir: str, staging: str) -> str:
    """The case folder when its files are on a 1 mm grid, else a 1 mm copy under `staging`."""
    import nibabel as nib
    from nibabel.processing import resample_to_output

    files = case_files(case_dir)
    zooms = [nib.load(files[k]).header.get_zooms()[:3] for k in (*MODALITIES, "seg")]
    if all(abs(z - 1.0) <= SPACING_TOL_MM for zs in zooms for z in zs):
        return case_dir
    out = os.path.join(staging, os.path.basename(os.path.normpath(case_dir)))
    os.makedirs(out, exist_ok=True)
    for k in (*MODALITIES, "seg"):
        img = resample_to_output(nib.load(files[k]), voxel_sizes=(1.0, 1.0, 1.0), order=0 if k == "seg" else 1)
        nib.save(img, os.path.join(out, os.path.basename(files[k])))
    return out


def build_cache(data_dir: str, cache_dir: str) -> tuple:
    """Cache every complete case of `data_dir` (again only when a source file is newer than its
    cache entry); returns (cases, skipped)."""
    cases, skipped = scan(data_dir)
    staging = os.path.join(cache_dir, "1mm")
    for case in cases:
        src = os.path.join(data_dir, case)
        entry = os.path.join(cache_dir, f"{case}.npz")
        newest = max(os.path.getmtime(f) for f in case_files(src).values())
        if os.path.exists(entry) and os.path.getmtime(entry) >= newest:
            continue
        build_cache_entry(case, cache_dir, _on_1mm_grid(src, staging))
    return cases, skipped


def split_cases(cases: list) -> tuple:
    """(train, meta) — MetaKD fits its importance α on a held-back eighth (at least one case);
    with a single case that case serves both."""
    if len(cases) < 2:
        return list(cases), list(cases)
    n_meta = max(1, len(cases) // 8)
    return list(cases[:-n_meta]), list(cases[-n_meta:])
