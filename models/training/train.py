"""Train MetaKD (or, with --ablation, the same network without distillation and meta step).

  /usr/bin/python3 models/training/train.py --out models/training/runs/metakd --max-minutes 30
  torchrun --nproc_per_node 2 models/training/train.py --out RUN --device cpu --max-iters 100
  train.py --out RUN2 --init-from RUN/latest.pt --reset-alpha --meta-lr 1e-3 --max-minutes 2   (continuation)

Resumes from <out>/latest.pt when present (a run may be interrupted at any time); the budget
(--max-iters / --max-minutes) counts over all resumed parts. Under torchrun it runs DDP (gloo on
CPU, nccl on CUDA); rank 0 logs and checkpoints.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metakd import checkpoint as ckpt  # noqa: E402
from metakd.augment import augment  # noqa: E402
from metakd.data import (  # noqa: E402
    DEFAULT_CACHE,
    META_VAL_CASES,
    TRAIN_CASES,
    VAL_CASES,
    Prefetcher,
    load_cases,
    sample_batch,
)
from metakd.losses import dice_bce, distillation  # noqa: E402
from metakd.network import NUM_MODALITIES, MetaKDNet, count_parameters  # noqa: E402

POLY_POWER = 0.9


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Train MetaKD on the cached BraTS 2018 cases.")
    ap.add_argument("--out", default="models/training/runs/metakd", help="run folder (checkpoints, log)")
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--ablation", action="store_true", help="no distillation, no meta step")
    ap.add_argument("--max-iters", type=int, default=0, help="0 = no iteration limit")
    ap.add_argument("--max-minutes", type=float, default=0.0, help="0 = no time limit")
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
    ap.add_argument("--kd-max-weight", type=float, default=0.0, help="cap on α_t/α_s (0 = no cap)")
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
    if args.max_iters <= 0 and args.max_minutes <= 0:
        ap.error("give a budget: --max-iters and/or --max-minutes")
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


def budget_fraction(args, it: int, elapsed: float) -> float:
    fr = 0.0
    if args.max_iters > 0:
        fr = max(fr, it / args.max_iters)
    if args.max_minutes > 0:
        fr = max(fr, elapsed / (60.0 * args.max_minutes))
    return fr


def meta_step(model, meta_logits, meta_opt, meta_cases, args, rng, device, world, amp):
    """Update only the importance logits on a meta-validation batch (α-scaled bottlenecks)."""
    x, y = sample_batch(meta_cases, args.batch, args.patch, rng)
    x, y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    present = torch.ones(x.shape[0], NUM_MODALITIES, device=device)
    with torch.no_grad(), amp():
        feats = model.encode(x)
    alpha = torch.softmax(meta_logits, 0)
    # α·M so that equal importance leaves the features as the decoder was trained on them.
    with amp():
        logits = model.decoder(feats, present, alpha * NUM_MODALITIES)
    loss = dice_bce(logits, y)
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
        "split": {"train": args.train_cases, "metaVal": args.meta_cases, "val": list(VAL_CASES)},
        "args": vars(args),
        "config": model.config,
        "seed": args.seed,
    }


def train_step(ddp, opt, batch, meta_logits, args, frac, device, gen, rng, amp) -> tuple:
    """One optimiser step on an augmented batch; returns (Dice+BCE, distillation) as floats."""
    x, y = augment(torch.from_numpy(batch[0]).to(device), torch.from_numpy(batch[1]).to(device), gen)
    present = torch.from_numpy(random_present(args.batch, frac < args.stage1_frac, rng)).to(device)
    alpha = torch.softmax(meta_logits, 0)
    with amp():
        logits, bott = ddp(x, present)
    seg = dice_bce(logits, y)
    kd = distillation(bott, present, alpha, args.kd_max_weight) if not args.ablation else torch.zeros((), device=device)
    loss = seg + args.kd_weight * kd
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(seg.detach()), float(kd.detach())


def main(argv=None) -> None:
    args = parse_args(argv)
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
    rng = np.random.default_rng([args.seed, rank, it])
    batch_rng = np.random.default_rng([args.seed, rank, it, 1])
    gen = torch.Generator().manual_seed(args.seed * 1000 + rank * 100003 + it)
    train_cases = load_cases(args.train_cases, args.cache)
    meta_cases = load_cases(args.meta_cases, args.cache)
    ddp = model
    if world > 1:
        ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    use_amp = device.type == "cuda" and args.amp == "auto"

    def amp():
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_amp)

    variant = "ablation" if args.ablation else "metakd"
    info = run_info(args, model, device, world)
    info["parent"] = parent
    log(f"{variant}: {info['parameters']} parameters on {info['hardware']}, world {world}, amp {use_amp}")
    batches = Prefetcher(train_cases, args.batch, args.patch, batch_rng)
    start, last_save, t_log = time.time(), time.time(), time.time()
    model.train()
    while True:
        elapsed = elapsed0 + time.time() - start
        ctrl = torch.tensor([budget_fraction(args, it, elapsed), elapsed], dtype=torch.float64)
        if world > 1:
            dist.broadcast(ctrl, 0)  # every rank takes rank 0's clock: same stage, same stop
        frac, elapsed = float(ctrl[0]), float(ctrl[1])
        if frac >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = args.lr * (1 - frac) ** POLY_POWER
        seg, kd = train_step(ddp, opt, batches.next(), meta_logits, args, frac, device, gen, rng, amp)
        it += 1
        mloss = None
        if not args.ablation and it % args.meta_every == 0:
            mloss = meta_step(model, meta_logits, meta_opt, meta_cases, args, rng, device, world, amp)
        if it % args.log_every == 0 or it == 1:
            a = torch.softmax(meta_logits.detach(), 0).tolist()
            dt = (time.time() - t_log) / (args.log_every if it > 1 else 1)
            t_log = time.time()
            log(
                f"it {it} t {elapsed:.0f}s stage {1 if frac < args.stage1_frac else 2} lr {opt.param_groups[0]['lr']:.2e} "
                f"seg {seg:.4f} kd {kd:.4f} meta {mloss if mloss is None else round(mloss, 4)} "
                f"alpha {[round(v, 3) for v in a]} {dt:.3f}s/it"
            )
        if rank == 0 and time.time() - last_save > args.save_every:
            ckpt.save(args.out, model, opt, meta_logits, meta_opt, it, elapsed0 + time.time() - start, info)
            last_save = time.time()
    batches.close()
    if rank == 0:
        ckpt.save(args.out, model, opt, meta_logits, meta_opt, it, elapsed, info)
        log(f"done: {it} iterations, {elapsed:.0f} s, alpha {torch.softmax(meta_logits.detach(), 0).tolist()}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
