"""Evaluate the cross-validation weights (gpu_cv.py's $OUT) on the CPU: every run on its fold's
validation cases, all 15 sequence combinations, the MODEL_PIPELINE.md protocol.

  /usr/bin/python3 models/training/evaluate_cv.py --cv CV_OUT --out models/training/results/cv/evaluation

CV_OUT holds plan.json and weights/<run>.pt (float16). Writes one JSON per validation case
(<out>/<case>.json, atomic; a case already done for every run is skipped, so an interrupted
evaluation resumes). Each case is read and preprocessed once per combination, then every run
of its fold segments it. Per run and combination it records the Dice of TC and WT, the ET Dice
WITHOUT the small-ET rule (`etRaw`) and the number of predicted ET voxels on the 2 mm grid
(`etVoxels`): the ET Dice under any rule threshold T follows exactly (ET removed when
etVoxels < T: Dice 1 if the expert ET is empty, else 0), so cv_report.py can choose T by
cross-validation without running the networks again. `et` is the Dice under the shipped rule
(ET_MIN_VOXELS).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evaluate import load_net  # noqa: E402
from metakd.data import brats_dir  # noqa: E402
from metakd.inference import (  # noqa: E402
    ET_MIN_VOXELS,
    LABEL_ET,
    Segmenter,
    dice,
    probs_to_labels,
    region_dice,
    subsets,
    to_1mm,
)
from metakd.preprocess import load_raw, preprocess_raw  # noqa: E402


def subset_key(sub) -> str:
    from metakd.preprocess import MODALITIES

    return "+".join(MODALITIES[m] for m in sub)


def et_dice_with_rule(et_raw: float, et_voxels: int, truth_empty: bool, threshold: int) -> float:
    """ET Dice under the small-ET rule with `threshold` (voxels at 2 mm)."""
    if et_voxels < threshold:
        return 1.0 if truth_empty else 0.0
    return et_raw


def evaluate_case(segmenters: dict, case_dir: str) -> dict:
    """{run: {subset: {etRaw, etVoxels, et, tc, wt}}} and the expert ET size for one case."""
    raw = load_raw(case_dir)
    seg = raw["seg"]
    truth_et = int((seg == LABEL_ET).sum())
    caches = {name: {} for name in segmenters}
    out = {name: {} for name in segmenters}
    for sub in subsets():
        present = [m in sub for m in range(4)]
        pre = preprocess_raw(raw, present)
        for name, segm in segmenters.items():
            encs = []
            for m in range(4):
                if not present[m]:
                    encs.append(None)
                    continue
                key = (m, pre.crop_start, pre.crop_end)
                if key not in caches[name]:
                    caches[name][key] = segm.encode(pre.image[m])
                encs.append(caches[name][key])
            probs = segm.decode(pre.image.shape[1:], encs, present)
            label2 = probs_to_labels(probs, et_min=0)
            et_voxels = int((label2 == LABEL_ET).sum())
            label = to_1mm(label2, pre, seg.shape)
            d = region_dice(label, seg)
            et_raw = dice(label == LABEL_ET, seg == LABEL_ET)
            out[name][subset_key(sub)] = {
                "etRaw": et_raw,
                "etVoxels": et_voxels,
                "et": et_dice_with_rule(et_raw, et_voxels, truth_et == 0, ET_MIN_VOXELS),
                "tc": d["tc"],
                "wt": d["wt"],
            }
    return {"truthEtVoxels1mm": truth_et, "runs": out}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", required=True, nargs="+", help="gpu_cv.py output folder(s) (plan.json, weights/); "
                    "several when the seeds were trained in separate GPU windows")
    ap.add_argument("--out", required=True, help="folder for the per-case JSON files")
    ap.add_argument("--cases", nargs="*", default=[], help="only these validation cases")
    ap.add_argument("--max-cases-per-fold", type=int, default=0, help="smoke test: the first N of each fold")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--raw-weights", action="store_true", help="ignore EMA weights (full checkpoints only)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    by_fold = {}
    for folder in args.cv:
        with open(os.path.join(folder, "plan.json"), encoding="utf-8") as f:
            plan = json.load(f)
        for r in plan["runs"]:
            path = os.path.join(folder, "weights", f"{r['name']}.pt")
            if os.path.exists(path):
                by_fold.setdefault(r["fold"], []).append((r, path))
            else:
                print(f"{r['name']}: no weights in {folder}/weights, not evaluated", flush=True)
    t0 = time.time()
    for fold, runs in sorted(by_fold.items()):
        segmenters, info = {}, {}
        for r, path in runs:
            net, state = load_net(path, use_ema=not args.raw_weights)
            segmenters[r["name"]] = Segmenter(net, multiple=net.size_multiple)
            info[r["name"]] = {"variant": r["variant"], "seedIndex": r["seedIndex"], "iteration": int(state["iteration"]),
                               "metaLogits": [float(v) for v in state["meta_logits"]],
                               "alphaMin": float(state["info"]["args"].get("alpha_min", 0.0))}
        val = runs[0][0]["val"][: args.max_cases_per_fold or None]
        for case in val:
            if args.cases and case not in args.cases:
                continue
            dest = os.path.join(args.out, f"{case}.json")
            if os.path.exists(dest):
                with open(dest, encoding="utf-8") as f:
                    if set(json.load(f)["runs"]) >= set(segmenters):
                        continue
            t1 = time.time()
            res = evaluate_case(segmenters, os.path.join(brats_dir(), case))
            res.update({"case": case, "fold": fold, "runInfo": info})
            with open(dest + ".tmp", "w", encoding="utf-8") as f:
                json.dump(res, f, indent=1)
            os.replace(dest + ".tmp", dest)
            allf = {n: res["runs"][n]["flair+t1+t1ce+t2"] for n in segmenters}
            desc = "; ".join(f"{n} ET {d['et']:.3f} TC {d['tc']:.3f} WT {d['wt']:.3f}" for n, d in allf.items())
            print(f"fold {fold} {case} ({time.time() - t1:.0f} s): all four: {desc}", flush=True)
    print(f"evaluated in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
