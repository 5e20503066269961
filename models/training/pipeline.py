"""The whole reproduction: cache → train MetaKD and the ablation (same budget) → evaluate → export.

  npm run train                     # = /usr/bin/python3 models/training/pipeline.py
  python3 models/training/pipeline.py --iters 4450 --batch 4 --install   # the shipped recipe (on a GPU)

On CUDA both variants train at the same time on the one GPU (as for the shipped model); on CPU
one after the other. --install writes the result into models/metakd-brats (otherwise into
<runs>/export). Re-running resumes unfinished training runs.

Fine-tuning on a site's own cases (the app's `metakd project export <id> --out DIR --layout brats`):

  python3 models/training/pipeline.py --data DIR --init-from models/training/runs/repro/metakd/latest.pt \
      --iters 500

--data reads DIR/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz instead of ../shared/data (cases
without all four sequences are listed and left out; see metakd/data_source.py), caches them under
<runs>/cache and trains the MetaKD variant only (no ablation, no evaluation on the BraTS
validation cases: the site's cases are its own test). --init-from takes a training checkpoint
(latest.pt), not an ONNX graph: the shipped ONNX files hold no optimiser state or importance
logits. Options after the known ones go to train.py unchanged (e.g. --patch 32 32 32).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from metakd.data import DEFAULT_CACHE, META_VAL_CASES, TRAIN_CASES, VAL_CASES  # noqa: E402
from metakd.data_source import build_cache, split_cases  # noqa: E402


def run(cmd: list) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)


def finetune(args, extra: list, py: str) -> None:
    """--data: cache the folder's cases, train the MetaKD variant on them, say where the weights are."""
    runs = args.runs or os.path.join(HERE, "runs", "finetune")
    cache = os.path.join(runs, "cache")
    cases, skipped = build_cache(os.path.abspath(args.data), cache)
    for case, why in skipped:
        print(f"left out {case}: {why}", flush=True)
    if not cases:
        raise SystemExit(f"no complete case in {args.data} (each needs <case>_{{flair,t1,t1ce,t2,seg}}.nii.gz)")
    train, meta = split_cases(cases)
    print(f"{len(cases)} case(s): train {', '.join(train)}; meta-validation {', '.join(meta)}", flush=True)
    out = os.path.join(runs, "metakd")
    cmd = [py, os.path.join(HERE, "train.py"), "--out", out, "--cache", cache, "--device", args.device,
           "--max-iters", str(args.iters), "--max-minutes", str(args.minutes), "--batch", str(args.batch),
           "--train-cases", *train, "--meta-cases", *meta, "--val-cases"]
    if args.init_from:
        cmd += ["--init-from", args.init_from]
    run(cmd + extra)
    weights = os.path.join(out, "latest.pt")
    print(f"weights: {weights}\nONNX for the app: {py} {os.path.join(HERE, 'export.py')} --checkpoint {weights} "
          f"--out DIR --graphs-only --verify-case {os.path.join(os.path.abspath(args.data), cases[0])}", flush=True)


def main(argv=None) -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", choices=["cuda", "cpu"])
    ap.add_argument("--iters", type=int, default=4450, help="training budget per variant (iterations)")
    ap.add_argument("--minutes", type=float, default=0.0, help="wall-clock guard per variant (0 = none)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--runs", default="", help="run folder (default runs/repro, with --data runs/finetune)")
    ap.add_argument("--install", action="store_true", help="write into models/metakd-brats")
    ap.add_argument("--data", default="", help="train on DIR/<case>/<case>_*.nii.gz (BraTS naming) instead")
    ap.add_argument("--init-from", default="", help="with --data: start from this training checkpoint (latest.pt)")
    args, extra = ap.parse_known_args(argv)
    py = sys.executable
    if args.data:
        finetune(args, extra, py)
        return
    if extra:
        ap.error(f"unrecognised arguments: {' '.join(extra)}")
    args.runs = args.runs or os.path.join(HERE, "runs", "repro")
    cases = TRAIN_CASES + META_VAL_CASES + VAL_CASES
    if not all(os.path.exists(os.path.join(DEFAULT_CACHE, f"{c}.npz")) for c in cases):
        run([py, os.path.join(HERE, "prepare.py")])
    common = ["--device", args.device, "--max-iters", str(args.iters), "--max-minutes", str(args.minutes),
              "--batch", str(args.batch)]
    jobs = {
        "metakd": [py, os.path.join(HERE, "train.py"), "--out", os.path.join(args.runs, "metakd")] + common,
        "ablation": [py, os.path.join(HERE, "train.py"), "--out", os.path.join(args.runs, "ablation"), "--ablation"]
        + common,
    }
    if args.device == "cuda":
        procs = [subprocess.Popen(cmd, cwd=REPO) for cmd in jobs.values()]
        if any(p.wait() != 0 for p in procs):
            raise SystemExit("training failed")
    else:
        for cmd in jobs.values():
            run(cmd)
    for name in jobs:
        d = os.path.join(args.runs, name)
        run([py, os.path.join(HERE, "evaluate.py"), "--checkpoint", os.path.join(d, "latest.pt"), "--out", os.path.join(d, "evaluation.json")])
    out = os.path.join(REPO, "models", "metakd-brats") if args.install else os.path.join(args.runs, "export")
    m, a = os.path.join(args.runs, "metakd"), os.path.join(args.runs, "ablation")
    run(
        [py, os.path.join(HERE, "export.py"), "--out", out, "--metakd", os.path.join(m, "latest.pt"), "--ablation",
         os.path.join(a, "latest.pt"), "--metakd-eval", os.path.join(m, "evaluation.json"), "--ablation-eval",
         os.path.join(a, "evaluation.json")]
    )


if __name__ == "__main__":
    main()
