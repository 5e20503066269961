"""Train MetaKD (or, with --ablation, the same network without distillation and meta step).

  /usr/bin/python3 models/training/train.py --out models/training/runs/metakd --max-iters 4450
  torchrun --nproc_per_node 2 models/training/train.py --out RUN --device cpu --max-iters 100
  train.py --out RUN2 --init-from RUN/latest.pt --reset-alpha --meta-lr 1e-3 --max-iters 1150   (continuation)

The budget is in iterations (--max-iters, or --budget-file: the GPU cross-validation fixes one
budget for all runs once it has measured their speed); the learning-rate schedule, the stage
switch and the distillation ramp are functions of the iteration only. --max-minutes is only a
wall-clock guard: a run it stops is recorded as not completed. Every random draw of iteration
`it` comes from its own stream (data.iteration_rng), so MetaKD and the ablation with the same
seed and cases see the same patches, sequence subsets and augmentations, resumed or not.
Resumes from <out>/latest.pt when present. Under torchrun it runs DDP (gloo on CPU, nccl on
CUDA); rank 0 logs and checkpoints, and its budget decides for every rank.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import platform
import signal
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metakd import checkpoint as ckpt  # noqa: E402
from metakd.augment import augment  # noqa: E402
from metakd.data import (  # noqa: E402
    CENTRINGS,
    DEFAULT_CACHE,
    META_VAL_CASES,
    STREAM_AUGMENT,
    STREAM_META,
    STREAM_SUBSET,
    TRAIN_CASES,
    VAL_CASES,
    Prefetcher,
    iteration_rng,
    load_cases,
    sample_batch,
)
from metakd.losses import KD_NORMS, dice_bce, distillation, entropy, importance  # noqa: E402
from metakd.network import NUM_MODALITIES, MetaKDNet, count_parameters  # noqa: E402

POLY_POWER = 0.9


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Train MetaKD on the cached BraTS 2018 cases.")
    ap.add_argument("--out", default="models/training/runs/metakd", help="run folder (checkpoints, log)")
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--ablation", action="store_true", help="no distillation, no meta step")
    ap.add_argument("--max-iters", type=int, default=0, help="the budget in iterations")
    ap.add_argument("--budget-file", default="", help="JSON {iterations: N} written later by gpu_cv.py; "
                    "until it exists the run stays in stage 1 at the peak learning rate")
    ap.add_argument("--max-minutes", type=float, default=0.0, help="wall-clock guard for this invocation only (0 = none)")
    ap.add_argument("--stop-at", type=float, default=0.0, help="guard: stop at this Unix time (gpu_cv.py's "
                    "deadline, exact whatever the start-up took; 0 = none)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu", choices=["cuda", "cpu"])
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--patch", type=int, nargs=3, default=[80, 96, 80], metavar=("K", "J", "I"))
    ap.add_argument("--enc-widths", type=int, nargs=4, default=[16, 32, 64, 128])
    ap.add_argument("--skip-widths", type=int, nargs=3, default=[4, 8, 16])
    ap.add_argument("--dec-widths", type=int, nargs=4, default=[16, 8, 16, 64])
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=3e-5)
    ap.add_argument("--kd-weight", type=float, default=0.1)
    ap.add_argument("--meta-every", type=int, default=10)
    ap.add_argument("--meta-lr", type=float, default=1e-2)
    ap.add_argument("--kd-max-weight", type=float, default=0.0, help="deviation: cap on α_t/α_s (0 = no cap)")
    ap.add_argument("--kd-norm", choices=KD_NORMS, default="none", help="deviation: mean1 = α_t/α_s weights "
                    "divided by their mean over the 12 ordered pairs")
    ap.add_argument("--kd-start", choices=["start", "warmup"], default="start", help="deviation: warmup = no "
                    "distillation during the all-sequence stage 1, then ramped in over --kd-ramp-iters")
    ap.add_argument("--kd-ramp-iters", type=int, default=0, help="ramp length in iterations")
    ap.add_argument("--kd-ramp-frac", type=float, default=0.0, help="ramp length as a budget fraction "
                    "(used when --kd-ramp-iters is 0)")
    ap.add_argument("--alpha-min", type=float, default=0.0, help="deviation: lower bound per modality on α")
    ap.add_argument("--alpha-entropy", type=float, default=0.0, help="deviation: meta loss − λ·H(α)")
    ap.add_argument("--ema", type=float, default=0.0, help="recipe: EMA decay of the weights (0 = off); "
                    "checkpoints then carry the EMA weights, which evaluation uses")
    ap.add_argument("--centring", choices=CENTRINGS, default="tumour", help="recipe: patch centres")
    ap.add_argument("--val-cases", nargs="*", default=list(VAL_CASES), help="recorded only (never read)")
    ap.add_argument("--milestones", type=float, nargs="*", default=[],
                    help="budget fractions at which float16 weights go to <out>/milestones/ (1.0 always)")
    ap.add_argument("--save-every-iters", type=int, default=0, help="full checkpoint every N iterations")
    ap.add_argument("--trace", default="", help="JSON lines: per iteration the batch, subset and augmentation")
    ap.add_argument("--init-from", default="", help="start a new run from this checkpoint's weights and optimiser")
    ap.add_argument("--reset-alpha", action="store_true", help="with --init-from: importance logits back to 0")
    ap.add_argument("--stage1-frac", type=float, default=0.25, help="budget fraction with all modalities")
    ap.add_argument("--train-cases", nargs="*", default=list(TRAIN_CASES))
    ap.add_argument("--meta-cases", nargs="*", default=list(META_VAL_CASES))
    ap.add_argument("--seed", type=int, default=20240512)
    ap.add_argument("--threads", type=int, default=2, help="CPU threads per process")
    ap.add_argument("--amp", choices=["auto", "off"], default="auto", help="bf16 autocast on CUDA")
    ap.add_argument("--save-every", type=float, default=60.0, help="seconds between checkpoints")
    ap.add_argument("--log-every", type=int, default=10)
    args = ap.parse_args(argv)
    if args.max_iters <= 0 and not args.budget_file:
        ap.error("give a budget in iterations: --max-iters N or --budget-file")
    return args


def setup_distributed(args):
    """(rank, world, device) — DDP when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if args.device == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    else:
        device = torch.device("cpu")
        torch.set_num_threads(args.threads)
    if world > 1:
        dist.init_process_group("nccl" if args.device == "cuda" else "gloo")
    return rank, world, device


def hardware(device) -> str:
    if device.type == "cuda":
        return f"1× {torch.cuda.get_device_name(device)} (torch {torch.__version__})"
    return f"CPU {platform.machine()} {os.cpu_count()} cores (torch {torch.__version__})"


def random_present(batch: int, all_present: bool, rng: np.random.Generator) -> np.ndarray:
    """Stage 1: all ones. Stage 2: per sample, k uniform in 1..4, then a random k-subset."""
    present = np.ones((batch, NUM_MODALITIES), dtype=np.float32)
    if not all_present:
        for n in range(batch):
            k = int(rng.integers(1, NUM_MODALITIES + 1))
            present[n] = 0
            present[n, rng.choice(NUM_MODALITIES, size=k, replace=False)] = 1
    return present


def read_budget(args) -> int:
    """The iteration budget: --max-iters, else the budget file's once it exists, else 0 (unknown)."""
    if args.max_iters > 0:
        return args.max_iters
    if args.budget_file and os.path.exists(args.budget_file):
        with open(args.budget_file, encoding="utf-8") as f:
            return int(json.load(f)["iterations"])
    return 0


def stage1_end(args, total: int) -> int:
    """Iterations with all sequences (stage 1); unknown budget → still stage 1."""
    return round(args.stage1_frac * total) if total > 0 else 1 << 62


def kd_factor(args, it: int, total: int) -> float:
    """Multiplier on the distillation weight for iteration `it` (0-based count of done steps)."""
    if args.kd_start == "start":
        return 1.0
    s = stage1_end(args, total)
    if it < s:
        return 0.0
    ramp = args.kd_ramp_iters or round(getattr(args, "kd_ramp_frac", 0.0) * total)
    return min(1.0, (it - s + 1) / ramp) if ramp > 0 else 1.0


def aug_generator(seed: int, rank: int, it: int) -> torch.Generator:
    state = np.random.SeedSequence([seed, rank, it, STREAM_AUGMENT]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


def meta_step(model, meta_logits, meta_opt, meta_cases, args, rng, device, world, amp):
    """Update only the importance logits on a meta-validation batch (α-scaled bottlenecks).
    `rng` is the meta step's own stream: the ablation, which has no meta step, draws the same
    training data."""
    x, y = sample_batch(meta_cases, args.batch, args.patch, rng, args.centring)
    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    present = torch.ones(x.shape[0], NUM_MODALITIES, device=device)
    with torch.no_grad(), amp():
        feats = model.encode(x)
    alpha = importance(meta_logits, args.alpha_min)
    # α·M so that equal importance leaves the features as the decoder was trained on them.
    with amp():
        logits = model.decoder(feats, present, alpha * NUM_MODALITIES)
    loss = dice_bce(logits, y)
    if args.alpha_entropy > 0:
        loss = loss - args.alpha_entropy * entropy(alpha)
    (grad,) = torch.autograd.grad(loss, [meta_logits])
    if world > 1:
        dist.all_reduce(grad)
        grad /= world
    meta_opt.zero_grad()
    meta_logits.grad = grad
    meta_opt.step()
    return float(loss.detach())


def init_from(args, model, opt, meta_logits, meta_opt, device) -> dict:
    """Continuation: weights and AdamW state from --init-from; the importance logits and their Adam
    state too unless --reset-alpha. The new run counts its own iterations and budget (a fresh
    schedule); returns what the parent run was, for the manifest's training budget."""
    state = ckpt.read(args.init_from)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    if not args.reset_alpha:
        with torch.no_grad():
            meta_logits.copy_(state["meta_logits"].to(device))
        meta_opt.load_state_dict(state["meta_optimizer"])
        for g in meta_opt.param_groups:
            g["lr"] = args.meta_lr
    parent = state["info"]
    return {
        "checkpoint": args.init_from,
        "iteration": int(state["iteration"]),
        "elapsed": float(state["elapsed"]),
        "hardware": parent["hardware"],
        "args": parent["args"],
        "parent": parent.get("parent"),
    }


def run_info(args, model, device, world: int) -> dict:
    """What the checkpoint records about the run (read by export.py for the manifest)."""
    return {
        "variant": "ablation" if args.ablation else "metakd",
        "parameters": count_parameters(model),
        "hardware": hardware(device) + (f" × {world} processes" if world > 1 else ""),
        "split": {"train": args.train_cases, "metaVal": [] if args.ablation else args.meta_cases,
                  "val": list(args.val_cases)},
        "args": vars(args),
        "config": model.config,
        "seed": args.seed,
    }


def train_step(ddp, opt, batch, meta_logits, args, stage1, kdf, device, gen, rng, amp, trace=None) -> tuple:
    """One optimiser step on an augmented batch; returns (Dice+BCE, distillation) as floats."""
    x, y = augment(torch.from_numpy(batch[0]).to(device), torch.from_numpy(batch[1]).to(device), gen)
    present_np = random_present(args.batch, stage1, rng)
    if trace is not None:
        trace["present"] = present_np.astype(int).tolist()
        trace["augmented"] = hashlib.sha1(x.detach().float().cpu().numpy().tobytes()).hexdigest()[:16]
    present = torch.from_numpy(present_np).to(device)
    alpha = importance(meta_logits, args.alpha_min)
    with amp():
        logits, bott = ddp(x, present)
    seg = dice_bce(logits, y)
    if args.ablation:
        kd = torch.zeros((), device=device)
    else:
        kd = distillation(bott, present, alpha, args.kd_max_weight, args.kd_norm)
    loss = seg + args.kd_weight * kdf * kd
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(seg.detach()), float(kd.detach())


class Ema:
    """Exponential moving average of the weights (decay warmed up as min(d, (1+n)/(10+n)))."""

    def __init__(self, model, decay: float, state=None):
        self.decay = decay
        src = state if state is not None else model.state_dict()
        device = next(model.parameters()).device
        self.weights = {k: copy.deepcopy(v.detach()).float().to(device) for k, v in src.items()}

    @torch.no_grad()
    def update(self, model, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        for k, v in model.state_dict().items():
            if v.is_floating_point():
                self.weights[k].mul_(d).add_(v.detach().float(), alpha=1 - d)
            else:
                self.weights[k].copy_(v)


def milestone_iterations(args, total: int) -> set:
    return {round(f * total) for f in list(args.milestones) + [1.0] if 0 < f <= 1} if total > 0 else set()


def write_progress(out: str, it: int, elapsed: float, total: int, done: bool = False, completed: bool = False) -> None:
    """<out>/progress.json (atomic): what gpu_cv.py reads to measure speed."""
    path = os.path.join(out, "progress.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"iteration": it, "elapsed": round(elapsed, 2), "budget": total, "done": done,
                   "completed": completed, "time": time.time()}, f)
    os.replace(path + ".tmp", path)


def main(argv=None) -> None:
    args = parse_args(argv)
    terminated = []  # SIGTERM (gpu_cv.py's hard stop, `timeout`): stop like the guard, saving a checkpoint
    signal.signal(signal.SIGTERM, lambda *_: terminated.append(True))
    rank, world, device = setup_distributed(args)
    os.makedirs(args.out, exist_ok=True)
    log = ckpt.Logger(os.path.join(args.out, "train.log"), enabled=rank == 0)
    torch.manual_seed(args.seed)  # same initial weights on every rank
    model = MetaKDNet(args.enc_widths, args.skip_widths, args.dec_widths).to(device)
    meta_logits = torch.zeros(NUM_MODALITIES, device=device, requires_grad=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    meta_opt = torch.optim.Adam([meta_logits], lr=args.meta_lr)
    state = ckpt.load_latest(args.out, model, opt, meta_logits, meta_opt, device)
    it, elapsed0 = state["iteration"], state["elapsed"]
    if it:
        log(f"resumed from {args.out}/latest.pt at iteration {it} ({elapsed0:.0f} s)")
        parent = state.get("parent")
    elif args.init_from:
        parent = init_from(args, model, opt, meta_logits, meta_opt, device)
        log(f"initialised from {args.init_from} (iteration {parent['iteration']}, {parent['elapsed']:.0f} s)")
    else:
        parent = None
    ema = Ema(model, args.ema, state.get("ema")) if args.ema > 0 else None
    train_cases = load_cases(args.train_cases, args.cache)
    meta_cases = load_cases(args.meta_cases, args.cache) if not args.ablation else []
    ddp = model
    if world > 1:
        ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    use_amp = device.type == "cuda" and args.amp == "auto"

    def amp():
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_amp)

    def weights():
        return ema.weights if ema is not None else model.state_dict()

    def extra():
        return {"ema": ema.weights} if ema is not None else None

    variant = "ablation" if args.ablation else "metakd"
    info = run_info(args, model, device, world)
    info["parent"] = parent
    log(f"{variant}: {info['parameters']} parameters on {info['hardware']}, world {world}, amp {use_amp}")
    batches = Prefetcher(train_cases, args.batch, args.patch, args.seed, rank, it, args.centring, trace=bool(args.trace))
    trace_file = open(args.trace, "a", encoding="utf-8") if args.trace and rank == 0 else None
    start, last_save, t_log = time.time(), time.time(), time.time()
    total, announced, completed = 0, False, False
    model.train()
    while True:
        elapsed = elapsed0 + time.time() - start
        # the guard counts this invocation only (a resumed run gets the full guard again)
        guard = (args.max_minutes > 0 and time.time() - start >= 60.0 * args.max_minutes) or (
            args.stop_at > 0 and time.time() >= args.stop_at) or bool(terminated)
        ctrl = torch.tensor([(total or read_budget(args)) if rank == 0 else 0, elapsed, float(guard)], dtype=torch.float64)
        if world > 1:
            dist.broadcast(ctrl, 0)  # every rank takes rank 0's budget and clock: same stage, same stop
        total, elapsed, guard = int(ctrl[0]), float(ctrl[1]), bool(ctrl[2])
        if total > 0 and not announced:
            log(f"budget {total} iterations (stage 1 until {stage1_end(args, total)}, {args.kd_start} distillation)")
            announced = True
        if total > 0 and it >= total:
            completed = True
            break
        if guard:
            log(f"stopped by the wall-clock guard at iteration {it} of {total or '?'} (not completed)")
            break
        frac = it / total if total > 0 else 0.0
        for g in opt.param_groups:
            g["lr"] = args.lr * (1 - frac) ** POLY_POWER
        stage1 = it < stage1_end(args, total)
        kdf = kd_factor(args, it, total)
        x, y, record = batches.next()
        tr = {"it": it + 1, "batch": record} if trace_file else None
        rng = iteration_rng(args.seed, rank, it, STREAM_SUBSET)
        seg, kd = train_step(ddp, opt, (x, y), meta_logits, args, stage1, kdf, device, aug_generator(args.seed, rank, it), rng, amp, tr)
        it += 1
        if ema is not None:
            ema.update(model, it)
        mloss = None
        if not args.ablation and it % args.meta_every == 0:
            mrng = iteration_rng(args.seed, rank, it, STREAM_META)
            mloss = meta_step(model, meta_logits, meta_opt, meta_cases, args, mrng, device, world, amp)
        if trace_file:
            trace_file.write(json.dumps(tr) + "\n")
        if it % args.log_every == 0 or it == 1:
            a = importance(meta_logits.detach(), args.alpha_min).tolist()
            dt = (time.time() - t_log) / (args.log_every if it > 1 else 1)
            t_log = time.time()
            log(
                f"it {it} t {elapsed:.0f}s stage {1 if stage1 else 2} lr {opt.param_groups[0]['lr']:.2e} "
                f"seg {seg:.4f} kd {kd:.4f} meta {mloss if mloss is None else round(mloss, 4)} "
                f"alpha {[round(v, 3) for v in a]} {dt:.3f}s/it kdf {kdf:.2f}"
            )
            if rank == 0:
                write_progress(args.out, it, elapsed0 + time.time() - start, total)
        if rank == 0 and it in milestone_iterations(args, total):
            info["budget"] = total
            path = os.path.join(args.out, "milestones", f"it{it:06d}.pt")
            ckpt.save_weights(path, weights(), meta_logits, it, elapsed0 + time.time() - start, info)
        by_iters = args.save_every_iters > 0 and it % args.save_every_iters == 0
        by_time = args.save_every > 0 and time.time() - last_save > args.save_every
        if rank == 0 and (by_iters or by_time):
            info["budget"] = total
            ckpt.save(args.out, model, opt, meta_logits, meta_opt, it, elapsed0 + time.time() - start, info, extra())
            last_save = time.time()
    batches.close()
    if trace_file:
        trace_file.close()
    if rank == 0:
        info["budget"], info["completed"] = total, completed
        ckpt.save(args.out, model, opt, meta_logits, meta_opt, it, elapsed, info, extra())
        write_progress(args.out, it, elapsed, total, done=True, completed=completed)
        log(f"done: {it} iterations, {elapsed:.0f} s, alpha {importance(meta_logits.detach(), args.alpha_min).tolist()}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
