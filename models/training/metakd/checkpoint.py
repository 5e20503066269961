"""Atomic checkpoints (temp file + rename) and the run log."""
from __future__ import annotations

import os
import time

import torch

LATEST = "latest.pt"


class Logger:
    """Prints and appends to a log file (rank 0 only)."""

    def __init__(self, path: str, enabled: bool = True):
        self.path, self.enabled = path, enabled

    def __call__(self, msg: str) -> None:
        if not self.enabled:
            return
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def save(out_dir, model, opt, meta_logits, meta_opt, iteration, elapsed, info, extra=None) -> str:
    """Write <out_dir>/latest.pt atomically; returns its path. `extra` (e.g. {"ema": …}) is
    stored beside the standard entries."""
    path = os.path.join(out_dir, LATEST)
    tmp = path + ".tmp"
    state = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "meta_logits": meta_logits.detach().cpu(),
        "meta_optimizer": meta_opt.state_dict(),
        "iteration": iteration,
        "elapsed": elapsed,
        "info": info,
    }
    state.update(extra or {})
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def save_weights(path: str, weights: dict, meta_logits, iteration: int, elapsed: float, info: dict) -> str:
    """A weights-only checkpoint in float16 (≈ 2 MB for the shipped network): what the GPU
    cross-validation brings back. `evaluate.load_net` reads it like a training checkpoint."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    half = {k: (v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()) for k, v in weights.items()}
    torch.save(
        {
            "model": half,
            "meta_logits": meta_logits.detach().cpu(),
            "iteration": iteration,
            "elapsed": elapsed,
            "info": info,
            "weightsOnly": True,
        },
        tmp,
    )
    os.replace(tmp, path)
    return path


def read(path: str) -> dict:
    """Load a checkpoint on the CPU (works on torch 1.13 and 2.x)."""
    return torch.load(path, map_location="cpu", weights_only=False)


def load_latest(out_dir, model, opt, meta_logits, meta_opt, device) -> dict:
    """Restore from <out_dir>/latest.pt if it exists; returns {iteration, elapsed}."""
    path = os.path.join(out_dir, LATEST)
    if not os.path.exists(path):
        return {"iteration": 0, "elapsed": 0.0}
    state = read(path)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    with torch.no_grad():
        meta_logits.copy_(state["meta_logits"].to(device))
    meta_opt.load_state_dict(state["meta_optimizer"])
    return {
        "iteration": int(state["iteration"]),
        "elapsed": float(state["elapsed"]),
        "parent": state.get("info", {}).get("parent"),
        "ema": state.get("ema"),
    }
