#!/usr/bin/env python3
"""Builds the BraTS-space template used to align raw studies (issue 10).

Every BraTS case is resampled by the BraTS pipeline onto the same SRI24 grid (240x240x155, 1 mm),
so a voxel-wise mean of the shared cases is a template in BraTS space. Each case's T1ce is
normalised (divided by the 99th percentile of their non-zero voxels, clipped to [0, 1.5]) and
averaged with tumour voxels (any label in *_seg) left out, so the template shows healthy anatomy.
The brain mask is the voxels non-zero in at least half of the cases.

Usage: /usr/bin/python3 models/brats-template/build.py [DATA_DIR]   (default ../shared/data)
Writes t1ce.nii.gz (uint8, 0..255 = 0..1.5 of the normalised intensity) and
brainmask.nii.gz (uint8 0/1), with the BraTS affine, into this folder, and template.json
(the cases used and the sha256 of each output).
"""
import glob
import hashlib
import json
import os
import sys

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CLIP = 1.5
PERCENTILE = 99.0


def normalised(path):
    img = nib.load(path)
    x = np.asarray(img.dataobj, dtype=np.float32)
    nz = x[x > 0]
    return np.clip(x / np.percentile(nz, PERCENTILE), 0, CLIP), img.affine


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "data")
    cases = sorted(glob.glob(os.path.join(data, "brats18", "Brats18_*")))
    if not cases:
        sys.exit(f"no BraTS 2018 cases under {data}/brats18")
    sums = {"t1ce": None}
    weight = None
    nonzero = None
    affine = None
    for case in cases:
        cid = os.path.basename(case)
        seg = np.asarray(nib.load(os.path.join(case, f"{cid}_seg.nii.gz")).dataobj)
        healthy = (seg == 0).astype(np.float32)
        for mod in sums:
            x, aff = normalised(os.path.join(case, f"{cid}_{mod}.nii.gz"))
            if affine is None:
                affine = aff
            elif not np.allclose(aff, affine, atol=1e-3):
                sys.exit(f"{cid}: not on the common BraTS grid")
            sums[mod] = x * healthy if sums[mod] is None else sums[mod] + x * healthy
            if mod == "t1ce":
                nz = (x > 0).astype(np.float32)
                nonzero = nz if nonzero is None else nonzero + nz
        weight = healthy if weight is None else weight + healthy
    manifest = {"cases": [os.path.basename(c) for c in cases], "clip": CLIP,
                "percentile": PERCENTILE, "files": {}}
    out = {}
    for mod, s in sums.items():
        mean = np.where(weight > 0, s / np.maximum(weight, 1), 0)
        out[mod] = np.round(np.clip(mean / CLIP, 0, 1) * 255).astype(np.uint8)
    out["brainmask"] = (nonzero >= len(cases) / 2).astype(np.uint8)
    for name, arr in out.items():
        img = nib.Nifti1Image(arr, affine)
        img.header.set_xyzt_units("mm")
        img.set_qform(affine, code=1)
        img.set_sform(affine, code=1)
        path = os.path.join(HERE, f"{name}.nii.gz")
        nib.save(img, path)
        with open(path, "rb") as f:
            manifest["files"][f"{name}.nii.gz"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(HERE, "template.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(json.dumps({k: int(v.sum()) for k, v in out.items() if k == "brainmask"}))


if __name__ == "__main__":
    main()
