"""Evaluate a checkpoint on the validation cases for all 15 modality subsets (MODEL_PIPELINE.md).

  /usr/bin/python3 models/training/evaluate.py --checkpoint RUN/latest.pt --out RUN/evaluation.json
Writes the manifest's EvaluationTable shape: {rows: [{modalities, dice, perCase}], mean, cases}.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metakd.checkpoint import read  # noqa: E402
from metakd.data import VAL_CASES, brats_dir  # noqa: E402
from metakd.inference import Segmenter, evaluate_case, subset_names, subsets  # noqa: E402
from metakd.network import MetaKDNet  # noqa: E402

REGIONS = ("et", "tc", "wt")


def load_net(path: str, use_ema: bool = True) -> tuple:
    """(network in eval mode, checkpoint dict) from a training checkpoint or a float16
    weights-only file (checkpoint.save_weights). A run trained with --ema is evaluated with its
    EMA weights unless use_ema is False."""
    state = read(path)
    cfg = state["info"]["config"]
    net = MetaKDNet(cfg["enc_widths"], cfg["skip_widths"], cfg["dec_widths"])
    weights = state["ema"] if use_ema and state.get("ema") is not None else state["model"]
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in weights.items()})
    return net.eval(), state


def table(per_case: dict) -> dict:
    """per_case {case: {subset: dice}} → EvaluationTable dict."""
    rows = []
    for sub in subsets():
        cases = {c: per_case[c][sub] for c in per_case}
        mean = {r: sum(d[r] for d in cases.values()) / len(cases) for r in REGIONS}
        rows.append({"modalities": subset_names(sub), "dice": mean, "perCase": cases})
    overall = {r: sum(row["dice"][r] for row in rows) / len(rows) for r in REGIONS}
    return {"rows": rows, "mean": overall}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--cases", nargs="*", default=list(VAL_CASES))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    net, state = load_net(args.checkpoint)
    seg = Segmenter(net, multiple=net.size_multiple)
    t0 = time.time()
    per_case = {}
    for case in args.cases:
        per_case[case] = evaluate_case(seg, os.path.join(brats_dir(), case))
        allf = per_case[case][(0, 1, 2, 3)]
        print(f"{case}: all four ET {allf['et']:.3f} TC {allf['tc']:.3f} WT {allf['wt']:.3f}", flush=True)
    result = table(per_case)
    result["cases"] = list(args.cases)
    result["variant"] = state["info"]["variant"]
    result["seconds"] = round(time.time() - t0, 1)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, args.out)
    m = result["mean"]
    print(f"{result['variant']}: 15-subset mean ET {m['et']:.3f} TC {m['tc']:.3f} WT {m['wt']:.3f}")
    for row in result["rows"]:
        d = row["dice"]
        print(f"  {'+'.join(row['modalities']):24s} ET {d['et']:.3f} TC {d['tc']:.3f} WT {d['wt']:.3f}")


if __name__ == "__main__":
    main()
