"""Time one whole-case segmentation in PyTorch on a GPU (issue 4: "record the GPU time per case").

  python3 models/training/gpu_time.py --checkpoint RUN/latest.pt --cache CACHE --case Brats18_2013_23_1

One segmentation = the case's cached 2 mm brain crop (host, float32) → encode the four modalities
(sliding window as MODEL_PIPELINE.md, one window for a BraTS crop) → decode one subset (all four)
with the Gaussian accumulation → probabilities back on the host. fp32, no autocast, after
warm-up; median of --runs with torch.cuda.synchronize. This is PyTorch CUDA, not onnxruntime-node.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evaluate import load_net  # noqa: E402
from metakd.inference import Segmenter  # noqa: E402

WARMUP = 3


class DeviceSegmenter(Segmenter):
    """Segmenter with the network, windows and accumulation on `device`."""

    def __init__(self, net, device, **kw):
        super().__init__(net.to(device), **kw)
        self.device = device
        self.gauss = self.gauss.to(device)

    @torch.no_grad()
    def run(self, image: np.ndarray) -> np.ndarray:
        shape = image.shape[1:]
        padded, wins = self.windows(shape)
        x = torch.zeros((4,) + tuple(padded), device=self.device)
        x[(slice(None),) + tuple(slice(0, s) for s in shape)] = torch.from_numpy(image).to(self.device)
        acc = torch.zeros((3,) + tuple(padded), device=self.device)
        norm = torch.zeros(tuple(padded), device=self.device)
        pres = torch.ones(1, 4, device=self.device)
        for w in wins:
            sl = tuple(slice(s, s + p) for s, p in zip(w, self.patch))
            per_mod = [self.net.encoder(x[(m,) + sl][None, None]) for m in range(4)]
            feats = [torch.stack([f[level] for f in per_mod], dim=1) for level in range(len(per_mod[0]))]
            acc[(slice(None),) + sl] += torch.sigmoid(self.net.decoder(feats, pres))[0] * self.gauss
            norm[sl] += self.gauss
        out = acc / norm.clamp(min=1e-12)
        return out[(slice(None),) + tuple(slice(0, s) for s in shape)].cpu().numpy()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--case", default="Brats18_2013_23_1")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--out", default="", help="JSON file to write")
    args = ap.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    net, _ = load_net(args.checkpoint)
    seg = DeviceSegmenter(net, device, multiple=net.size_multiple)
    with np.load(os.path.join(args.cache, f"{args.case}.npz")) as z:
        image = z["image"].astype(np.float32)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(WARMUP):
        seg.run(image)
    times = []
    for _ in range(args.runs):
        sync()
        t0 = time.perf_counter()
        seg.run(image)
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    result = {
        "what": "PyTorch fp32 encode 4 + decode 1 (all four), one whole 2 mm brain-cropped case, host→host",
        "case": args.case,
        "cropShape": list(image.shape[1:]),
        "windows": len(seg.windows(image.shape[1:])[1]),
        "device": f"{name} (torch {torch.__version__})",
        "warmup": WARMUP,
        "runs": args.runs,
        "medianMs": round(statistics.median(times), 2),
        "minMs": round(min(times), 2),
        "maxMs": round(max(times), 2),
    }
    print(json.dumps(result))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
