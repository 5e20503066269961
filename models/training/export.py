"""Export the trained model: ONNX graphs, check against PyTorch, manifest.json, MODEL_CARD.md.

  /usr/bin/python3 models/training/export.py --metakd RUN_A/latest.pt --ablation RUN_B/latest.pt \
      --metakd-eval RUN_A/evaluation.json --ablation-eval RUN_B/evaluation.json --out models/metakd-brats
  /usr/bin/python3 models/training/export.py --checkpoint RUN/latest.pt --out DIR --graphs-only

The shipped graphs are the MetaKD variant's (--ship ablation ships the ablation's weights instead);
both evaluation tables go into the manifest. Needs node + onnxruntime-node for the check.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evaluate import load_net  # noqa: E402
from metakd import inference as inf  # noqa: E402
from metakd import preprocess as pp  # noqa: E402
from metakd.data import VAL_CASES, brats_dir  # noqa: E402
from metakd.losses import importance  # noqa: E402
from metakd.model_card import model_card  # noqa: E402
from metakd.onnx_export import FEATURE_NAMES, OPSET, export_graphs, sha256, verify  # noqa: E402

TOLERANCE = 1e-3
VERIFY_PRESENCE = [[1, 1, 1, 1], [0, 0, 1, 0], [1, 0, 1, 1]]
MAX_SHIPPED_BYTES = 30 * 1024 * 1024


def verify_graphs(net, out_dir: str, real_case: str | None) -> dict:
    """Compare ORT and PyTorch on a real validation case (or a random input without data)."""
    if real_case and os.path.isdir(real_case):
        pre, _ = pp.load_case(real_case)
        shape = inf.padded_shape(pre.image.shape[1:], inf.PATCH, net.size_multiple)
        image = np.zeros((4,) + shape, np.float32)
        image[(slice(None),) + tuple(slice(0, s) for s in pre.image.shape[1:])] = pre.image
        source = os.path.basename(real_case)
    else:
        image = np.random.default_rng(0).standard_normal((4, 16, 24, 32)).astype(np.float32)
        source = "random"
    res = verify(net, out_dir, image, VERIFY_PRESENCE)
    res["input"] = source
    if res["maxAbsDiff"] > TOLERANCE:
        raise SystemExit(f"ONNX check failed: max |ORT − PyTorch| = {res['maxAbsDiff']:.2e} > {TOLERANCE}")
    return res


def graph_file(out_dir: str, name: str) -> dict:
    path = os.path.join(out_dir, f"{name}.onnx")
    return {"path": f"{name}.onnx", "sha256": sha256(path), "bytes": os.path.getsize(path)}


def table_only(ev: dict) -> dict:
    return {"rows": ev["rows"], "mean": ev["mean"]}


def budget(state: dict) -> dict:
    """Iterations, seconds and hardware over the run and the runs it was continued from."""
    parts, node = [], {"iteration": state["iteration"], "elapsed": state["elapsed"], **state["info"]}
    while node:
        parts.append(node)
        node = node.get("parent")
    hardware = []
    for p in reversed(parts):
        if p["hardware"] not in hardware:
            hardware.append(p["hardware"])
    return {
        "iterations": sum(int(p["iteration"]) for p in parts),
        "seconds": sum(float(p["elapsed"]) for p in parts),
        "hardware": " then ".join(hardware),
        "parts": [(int(p["iteration"]), float(p["args"]["max_minutes"])) for p in reversed(parts)],
    }


def continuation_note(info: dict, abl_state: dict) -> str:
    """What the continuation changed (deviation from the single-schedule method), or ''."""
    if not info.get("parent"):
        return ""
    a = info["args"]
    abl_parts = budget(abl_state)["parts"]
    return (
        f" Then both were continued from those checkpoints, again at the same time on one GPU, for "
        f"{a['max_minutes']} min each with a fresh poly schedule (peak lr {a['lr']}, all batches with a "
        f"random sequence subset; ablation {abl_parts[-1][0]} iterations). Deviation for MetaKD in the "
        f"continuation: the importance logits restarted at 0 (the first run's α had collapsed onto T1ce, "
        f"giving distillation weights ~37), meta Adam lr {a['meta_lr']} instead of 1e-2, and α_t/α_s "
        f"capped at {a['kd_max_weight']}."
    )


def build_manifest(state: dict, abl_state: dict, net, out_dir: str, evals: dict, check: dict, version: str) -> dict:
    info = state["info"]
    alpha = importance(state["meta_logits"].float(), float(info["args"].get("alpha_min", 0.0))).tolist()
    fmt = lambda t: "/".join(f"{t['mean'][r]:.3f}" for r in ("et", "tc", "wt"))  # noqa: E731
    total, abl_total = budget(state), budget(abl_state)
    root = info
    while root.get("parent"):
        root = root["parent"]
    first = root["args"]  # the first run's settings; a continuation adds continuation_note
    notes = (
        f"{info['variant']} weights shipped. MetaKD and the ablation (same network, no distillation, no "
        f"meta step) were trained at the same time on one GPU with the same budget "
        f"({first['max_minutes']} min each, batch {first['batch']}, patch "
        f"{first['patch']}, AdamW lr {first['lr']} poly, bf16 autocast; ablation "
        f"{abl_total['parts'][0][0]} iterations).{continuation_note(info, abl_state)} Total: MetaKD "
        f"{total['iterations']} iterations / {total['seconds']:.0f} s, ablation {abl_total['iterations']} / "
        f"{abl_total['seconds']:.0f} s. 15-combination mean Dice ET/TC/WT: MetaKD "
        f"{fmt(evals['metakd'])}, ablation {fmt(evals['ablation'])}. ONNX vs PyTorch on "
        f"{check['input']}: max |Δprob| {check['maxAbsDiff']:.1e}."
    )
    return {
        "schemaVersion": 1,
        "name": "metakd-brats",
        "version": version,
        "description": "Brain-tumour segmentation (ET, TC, WT) robust to missing MRI sequences, "
        "trained on 17 BraTS 2018 cases. Research review only; not a diagnostic device.",
        "method": "MetaKD (arXiv 2405.07155)",
        "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "modalities": list(pp.MODALITIES),
        "input": {
            "spacingMm": [pp.SPACING_MM] * 3,
            "orientation": "LPS",
            "resampling": "trilinear",
            "cropping": {"type": "nonzero-bbox", "marginVoxels": pp.CROP_MARGIN},
            "normalisation": {"type": "zscore-nonzero", "clip": list(pp.CLIP)},
        },
        "inference": {
            "patchSize": list(inf.PATCH),
            "overlap": inf.OVERLAP,
            "gaussianSigmaScale": inf.SIGMA_SCALE,
            "sizeMultiple": net.size_multiple,
        },
        "output": {
            "channels": ["et", "wt", "tc"],
            "activation": "sigmoid",
            "threshold": inf.THRESHOLD,
            "labels": {"ncr": 1, "ed": 2, "et": 4},
            "etMinVoxels": inf.ET_MIN_VOXELS,
        },
        "graphs": {
            "encoder": graph_file(out_dir, "encoder"),
            "decoder": graph_file(out_dir, "decoder"),
            "featureNames": list(FEATURE_NAMES),
            "featureChannels": list(net.encoder.out_widths),
            "opset": OPSET,
        },
        "importance": dict(zip(pp.MODALITIES, alpha)),
        "training": {
            "data": "BraTS 2018 training cases (24 labelled cases in ../shared/data/brats18), "
            "2 mm grid, brain-box crop, z-score on non-zero voxels",
            "split": info["split"],
            "iterations": total["iterations"],
            "hardware": total["hardware"],
            "durationSeconds": round(total["seconds"], 1),
            "seed": int(info["seed"]),
            "parameters": int(info["parameters"]),
            "notes": notes,
        },
        "evaluation": {
            "protocol": "5 validation cases never used for training or meta-validation; each of the 15 "
            "sequence combinations preprocessed with only its sequences; sliding-window inference, labels "
            "and small-ET rule as in this manifest; Dice on the 1 mm expert labels (ET={4}, TC={1,4}, "
            "WT={1,2,4}; both empty = 1); table mean = mean of the 15 rows",
            "cases": list(evals["metakd"]["cases"]),
            "metakd": table_only(evals["metakd"]),
            "ablation": table_only(evals["ablation"]),
        },
    }


def write_json(path: str, obj) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--checkpoint", help="with --graphs-only: the checkpoint to export")
    ap.add_argument("--graphs-only", action="store_true", help="graphs + check only, no manifest")
    ap.add_argument("--metakd")
    ap.add_argument("--ablation")
    ap.add_argument("--metakd-eval")
    ap.add_argument("--ablation-eval")
    ap.add_argument("--ship", choices=["metakd", "ablation"], default="metakd")
    ap.add_argument("--version", default="1.0.0", help="manifest version (1.1.0 = the continued model)")
    ap.add_argument("--verify-case", default=os.path.join(brats_dir(), VAL_CASES[0]))
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    if args.graphs_only:
        net, _ = load_net(args.checkpoint)
        export_graphs(net, args.out)
        res = verify_graphs(net, args.out, args.verify_case)
        write_json(os.path.join(args.out, "verify.json"), res)
        print(json.dumps(res))
        return
    ship_ckpt = args.metakd if args.ship == "metakd" else args.ablation
    net, state = load_net(ship_ckpt)
    _, abl_state = load_net(args.ablation)
    evals = {}
    for name, path in (("metakd", args.metakd_eval), ("ablation", args.ablation_eval)):
        with open(path, encoding="utf-8") as f:
            evals[name] = json.load(f)
    if list(evals["metakd"]["cases"]) != list(VAL_CASES):
        raise SystemExit("evaluation must cover exactly the validation cases")
    export_graphs(net, args.out)
    check = verify_graphs(net, args.out, args.verify_case)
    manifest = build_manifest(state, abl_state, net, args.out, evals, check, args.version)
    shipped = sum(manifest["graphs"][g]["bytes"] for g in ("encoder", "decoder"))
    if shipped > MAX_SHIPPED_BYTES:
        raise SystemExit(f"shipped graphs are {shipped} bytes > {MAX_SHIPPED_BYTES}")
    write_json(os.path.join(args.out, "manifest.json"), manifest)
    with open(os.path.join(args.out, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(model_card(manifest, check))
    print(f"wrote {args.out}: graphs {shipped} bytes, ONNX check max |Δ| {check['maxAbsDiff']:.2e}")


if __name__ == "__main__":
    main()
