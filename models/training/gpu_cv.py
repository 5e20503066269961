"""Cross-validation training on one GPU: every fold × variant × seed at the same time.

  OUT=<dir> bash models/training/gpu_cv.sh            # the device run (wraps this with `timeout`)
  python3 models/training/gpu_cv.py --out OUT --deadline-s 500 [--iters N] [--seeds 2] [--folds 0 1 2 3 4]

One train.py process per run (metakd/cv.py's plan), all launched at once on one device. Fair by
construction: all runs get the same iteration budget N. With --iters N is given; otherwise it
is fixed once, for all runs, from their measured speed: the runs start at the peak learning
rate in stage 1 (all sequences) without a budget; after --calibrate-s seconds of steady
progress this script takes the slowest run's iterations per second, sets
N = (iterations done so far) + slowest rate × (seconds left before the deadline) × --safety,
and writes it to <runs>/budget.json, which every run reads (train.py --budget-file). The
schedule, stage switch and distillation ramp then follow N by iteration.

Each run writes float16 weights at the milestones (50 %, 75 %, 100 % of N). At the end OUT gets,
per run, the weights of the largest milestone that every run reached (normally N itself), so the
comparison stays at equal iterations even when time runs out; plus logs, the plan, the budget and
the environment. Re-running the same command (same --runs folder, machine still warm) resumes
unfinished runs from their checkpoints. Needs the cache (models/training/cache/*.npz) and
numpy + torch only.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from metakd import cv  # noqa: E402
from metakd.data import DEFAULT_CACHE  # noqa: E402

# What the GPU cross-validation trains with, for both variants (see README "Recipe flags").
RECIPE = "--batch 4 --patch 80 96 80 --stage1-frac 0.3 --centring balanced --ema 0.999"
# MetaKD's deviations from the paper (README "MetaKD deviations"); the ablation has no α.
METAKD = "--meta-lr 3e-3 --alpha-min 0.05 --alpha-entropy 0.01 --kd-norm mean1 --kd-start warmup --kd-ramp-frac 0.1"
MILESTONES = (0.5, 0.75)
PACK_RESERVE_S = 25  # seconds kept after the training guard for the final saves and packing
MAX_OUT_BYTES = 60 * 1024 * 1024


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="what comes back from the device ($OUT)")
    ap.add_argument("--runs", default="", help="run folders, staying on the device (default runs/cv, "
                    "with --final runs/final)")
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--folds", type=int, nargs="*", default=list(range(cv.N_FOLDS)))
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=0, help="seed index of the first seed (second window: 1)")
    ap.add_argument("--ablation-meta", choices=cv.ABLATION_META_MODES, default="train")
    ap.add_argument("--n-meta", type=int, default=cv.N_META)
    ap.add_argument("--smoke-cases", nargs="*", default=[],
                    help="CPU smoke only: folds built from these cases (stratified_folds, --smoke-folds)")
    ap.add_argument("--smoke-folds", type=int, default=2)
    ap.add_argument("--final", action="store_true", help="train the final models on all 24 cases instead "
                    "(cv.final_plan; --seeds of each variant; no validation)")
    ap.add_argument("--deadline-s", type=float, default=500.0, help="seconds from start to the end of packing")
    ap.add_argument("--iters", type=int, default=0, help="fixed budget (skips the calibration)")
    ap.add_argument("--calibrate-s", type=float, default=60.0)
    ap.add_argument("--calibrate-after", type=int, default=25, help="iterations every run must have done first")
    ap.add_argument("--safety", type=float, default=0.9)
    ap.add_argument("--max-budget", type=int, default=0, help="upper bound on the calibrated budget (0 = none)")
    ap.add_argument("--round-to", type=int, default=50)
    ap.add_argument("--recipe", default=RECIPE, help="train.py arguments for every run")
    ap.add_argument("--metakd-args", default=METAKD, help="train.py arguments for the MetaKD runs only")
    ap.add_argument("--log-every", type=int, default=10, help="also how often progress.json is written")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)
    if not args.runs:
        args.runs = os.path.join(HERE, "runs", "final" if args.final else "cv")
    return args


def read_json(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path: str, obj) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
    os.replace(path + ".tmp", path)


def environment(args) -> str:
    lines = []
    try:
        lines.append(subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv"],
                                    capture_output=True, text=True, timeout=20).stdout.strip())
    except (OSError, subprocess.SubprocessError) as e:
        lines.append(f"nvidia-smi: {e}")
    probe = "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__)"
    lines.append(subprocess.run([args.python, "-c", probe], capture_output=True, text=True).stdout.strip())
    lines.append(f"cpus {os.cpu_count()}")
    return "\n".join(lines) + "\n"


def train_command(args, run: dict, budget_file: str, stop_at: float) -> list:
    cmd = [args.python, os.path.join(HERE, "train.py"), "--out", os.path.join(args.runs, run["name"]),
           "--cache", args.cache, "--device", args.device, "--seed", str(run["seed"]),
           "--train-cases", *run["train"], "--meta-cases", *run["meta"], "--val-cases", *run["val"],
           "--budget-file", budget_file, "--milestones", *map(str, MILESTONES),
           "--save-every", "60", "--log-every", str(args.log_every), "--threads", "1",
           "--stop-at", f"{stop_at:.1f}"]
    cmd += shlex.split(args.recipe)
    if run["variant"] == "ablation":
        cmd.append("--ablation")
    else:
        cmd += shlex.split(args.metakd_args)
    return cmd


def stage1_frac(recipe: str) -> float:
    """--stage1-frac in the recipe (train.py's default 0.25 otherwise)."""
    words = shlex.split(recipe)
    return float(words[words.index("--stage1-frac") + 1]) if "--stage1-frac" in words else 0.25


def progress(args, runs) -> dict:
    return {r["name"]: read_json(os.path.join(args.runs, r["name"], "progress.json")) or {} for r in runs}


def calibrate(args, runs, procs, budget_file: str, t0: float, log) -> dict | None:
    """Measure the slowest run, fix N for all (see module doc); None if the runs died first."""
    def running():
        return [n for n, p in procs.items() if p.poll() is None]

    # wait until every live run is past start-up (CUDA init, cuDNN autotuning); a run that died
    # is left out (it is reported as failed), and half the deadline ends the wait regardless
    while running() and time.time() - t0 < args.deadline_s / 2:
        pr = progress(args, runs)
        if all(pr[n].get("iteration", 0) >= args.calibrate_after for n in running()):
            break
        time.sleep(1)
    if not running():
        return None
    a = progress(args, runs)
    time.sleep(args.calibrate_s)
    b = progress(args, runs)
    rates = {}
    for name in running() or list(procs):
        dt = b[name].get("time", 0) - a[name].get("time", 0)
        di = b[name].get("iteration", 0) - a[name].get("iteration", 0)
        rates[name] = di / dt if dt > 0 else 0.0
    slowest = min(rates.values())
    done = max(p.get("iteration", 0) for p in b.values())
    behind = min(b[n].get("iteration", 0) for n in rates)
    left = args.deadline_s - PACK_RESERVE_S - (time.time() - t0)
    n = int(behind + slowest * max(left, 0) * args.safety)
    if args.max_budget > 0:
        n = min(n, args.max_budget)
    if args.round_to > 1 and n > args.round_to:
        n -= n % args.round_to
    # No run may already be past the end of stage 1 (it would have drawn stage-2 iterations as
    # stage 1, unlike the others): N ≥ (done + 1) / stage1_frac, fairness before fit.
    frac = stage1_frac(args.recipe)
    need = int(-(-(done + 1) // frac)) if frac > 0 else done + 1
    if n < need:
        log(f"calibrated budget {n} would end stage 1 before iteration {done}; using {need}")
        n = need
    budget = {"iterations": n, "slowestItPerS": round(slowest, 3), "ratesItPerS": {k: round(v, 3) for k, v in rates.items()},
              "doneAtDecision": done, "secondsLeftAtDecision": round(left, 1), "safety": args.safety,
              "decidedAfterS": round(time.time() - t0, 1)}
    write_json(budget_file, budget)
    log(f"budget: {n} iterations for every run (slowest {slowest:.2f} it/s, {left:.0f} s left, {done} done)")
    return budget


def pack(args, runs, budget: dict | None, t0: float, log) -> dict:
    """Copy logs and the weights of the largest milestone every run reached into OUT."""
    reached = {}
    for r in runs:
        folder = os.path.join(args.runs, r["name"], "milestones")
        its = {int(f[2:8]) for f in os.listdir(folder) if f.endswith(".pt")} if os.path.isdir(folder) else set()
        reached[r["name"]] = its
    common = set.intersection(*reached.values()) if reached else set()
    chosen = max(common) if common else None
    os.makedirs(os.path.join(args.out, "weights"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "logs"), exist_ok=True)
    size = 0
    for r in runs:
        d = os.path.join(args.runs, r["name"])
        for name in ("train.log", "stdout.txt", "progress.json"):
            if os.path.exists(os.path.join(d, name)):
                shutil.copy(os.path.join(d, name), os.path.join(args.out, "logs", f"{r['name']}.{name}"))
        if chosen is not None:
            src = os.path.join(d, "milestones", f"it{chosen:06d}.pt")
            size += os.path.getsize(src)
            if size > MAX_OUT_BYTES:
                log(f"weights over {MAX_OUT_BYTES} bytes: {r['name']} and later left out")
                continue
            shutil.copy(src, os.path.join(args.out, "weights", f"{r['name']}.pt"))
    summary = {
        "budget": budget,
        "weightsIteration": chosen,
        "completed": chosen is not None and budget is not None and chosen == budget.get("iterations"),
        "reached": {k: sorted(v) for k, v in reached.items()},
        "seconds": round(time.time() - t0, 1),
        "recipe": args.recipe,
        "metakdArgs": args.metakd_args,
        "ablationMeta": args.ablation_meta,
        "device": args.device,
    }
    write_json(os.path.join(args.out, "summary.json"), summary)
    log(f"packed weights at iteration {chosen} for {len(runs)} runs ({size / 1e6:.1f} MB)")
    return summary


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.runs, exist_ok=True)
    logf = open(os.path.join(args.out, "gpu_cv.log"), "a", encoding="utf-8")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} +{time.time() - t0:.0f}s {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    folds = cv.stratified_folds(args.smoke_cases, args.smoke_folds) if args.smoke_cases else cv.FOLDS
    if args.final:
        runs = cv.final_plan(args.seeds, cv.VARIANTS, args.n_meta)
    else:
        runs = cv.plan(args.folds, args.seeds, cv.VARIANTS, args.ablation_meta, args.n_meta, folds, args.first_seed)
    write_json(os.path.join(args.out, "plan.json"), {"folds": folds, "runs": runs})
    with open(os.path.join(args.out, "env.txt"), "w", encoding="utf-8") as f:
        f.write(environment(args))
    budget_file = os.path.join(args.runs, "budget.json")
    if args.iters > 0 and not os.path.exists(budget_file):
        write_json(budget_file, {"iterations": args.iters, "fixed": True})
    stop_at = t0 + args.deadline_s - PACK_RESERVE_S
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    procs = {}
    for r in runs:
        p = read_json(os.path.join(args.runs, r["name"], "progress.json")) or {}
        if p.get("completed"):
            continue
        os.makedirs(os.path.join(args.runs, r["name"]), exist_ok=True)
        out = open(os.path.join(args.runs, r["name"], "stdout.txt"), "a", encoding="utf-8")
        procs[r["name"]] = subprocess.Popen(train_command(args, r, budget_file, stop_at), cwd=REPO, env=env,
                                            stdout=out, stderr=subprocess.STDOUT)
    log(f"{len(procs)} of {len(runs)} runs started on {args.device}; training stops by +{stop_at - t0:.0f} s")
    budget = read_json(budget_file)
    if budget is None:
        budget = calibrate(args, runs, procs, budget_file, t0, log)
    hard_stop = t0 + args.deadline_s - PACK_RESERVE_S / 2
    while any(p.poll() is None for p in procs.values()) and time.time() < hard_stop:
        time.sleep(2)
    for name, p in procs.items():
        if p.poll() is None:
            log(f"{name}: still running at the hard stop, terminated")
            p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
    failed = {n: p.returncode for n, p in procs.items() if p.returncode not in (0, None)}
    if failed:
        log(f"failed runs (rc): {failed}")
    summary = pack(args, runs, budget, t0, log)
    summary["failed"] = failed
    write_json(os.path.join(args.out, "summary.json"), summary)
    logf.close()
    return 0 if summary["weightsIteration"] is not None and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
