"""Write the reference model input of one case for the TypeScript preprocessing parity test.

  /usr/bin/python3 models/training/reference.py --case ../shared/data/brats18/<id> --out DIR [--present 1,0,1,1]

Writes DIR/input.f32 (float32 little-endian, shape [4, k, j, i], i fastest: the cropped,
z-scored model input, missing modalities all zero) and DIR/input.json (shape, crop start/end in
model-grid voxels [k, j, i], grid shape, LPS centre of the first model voxel, spacing). Needs
numpy + nibabel only (no torch).
"""
from __future__ import annotations

import argparse
import json
import os
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metakd.preprocess import CLIP, CROP_MARGIN, MODALITIES, load_case  # noqa: E402


def write_reference(case_dir: str, out_dir: str, present=(1, 1, 1, 1)) -> dict:
    """Preprocess `case_dir` and write input.f32 + input.json into `out_dir`; returns the JSON."""
    pre, _ = load_case(case_dir, present)
    os.makedirs(out_dir, exist_ok=True)
    pre.image.astype("<f4").tofile(os.path.join(out_dir, "input.f32"))
    meta = {
        "case": os.path.basename(os.path.normpath(case_dir)),
        "modalities": list(MODALITIES),
        "present": [bool(p) for p in present],
        "dtype": "float32",
        "byteOrder": "little",
        "shape": [4] + list(pre.image.shape[1:]),
        "layout": "[modality, k, j, i], i fastest",
        "cropStart": list(pre.crop_start),
        "cropEnd": list(pre.crop_end),
        "gridShape": list(pre.grid_shape),
        "gridOriginLps": list(pre.grid_origin_lps),
        "spacingMm": [pre.spacing_mm] * 3,
        "marginVoxels": CROP_MARGIN,
        "clip": list(CLIP),
    }
    with open(os.path.join(out_dir, "input.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
    return meta


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", required=True, help="BraTS case folder (<id>_flair/_t1/_t1ce/_t2.nii.gz)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--present", default="1,1,1,1", help="presence mask in order flair,t1,t1ce,t2")
    args = ap.parse_args(argv)
    present = tuple(int(v) for v in args.present.split(","))
    if len(present) != 4 or not any(present):
        ap.error("--present needs four 0/1 values, at least one 1")
    meta = write_reference(args.case, args.out, present)
    print(json.dumps({k: meta[k] for k in ("case", "shape", "cropStart", "cropEnd")}))


if __name__ == "__main__":
    main()
