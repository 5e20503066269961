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


def save(out_dir, model, opt, meta_logits, meta_opt, iteration, elapsed, info) -> str:
    """Write <out_dir>/latest.pt atomically; returns its path."""
    path = os.path.join(out_dir, LATEST)
    tmp = path + ".tmp"
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "meta_logits": meta_logits.detach().cpu(),
            "meta_optimizer": meta_opt.state_dict(),
            "iteration": iteration,
            "elapsed": elapsed,
            "info": info,
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
    }
