"""ONNX export of the encoder and decoder graphs (opset 17, dynamic batch and spatial axes) and
their check against PyTorch through onnxruntime-node (the runtime the app uses)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

from .network import DecoderExport, EncoderExport, MetaKDNet, for_export

OPSET = 17
FEATURE_NAMES = ("f0", "f1", "f2", "f3")
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VERIFY_SCRIPT = os.path.join(REPO_ROOT, "models", "training", "verify_onnx.mjs")


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _NoInitializerDedup:
    """torch 1.13's exporter merges equal-valued initializers and then renames values, leaving
    nodes that name a removed initializer (seen with freshly initialised norms, all ones): the
    graph does not load. Merging only saves bytes, so it is switched off during our export."""

    NAME = "_jit_pass_onnx_deduplicate_initializers"

    def __enter__(self):
        self.saved = getattr(torch._C, self.NAME, None)
        if self.saved is not None:
            setattr(torch._C, self.NAME, lambda graph, params, *rest: params)

    def __exit__(self, *exc):
        if self.saved is not None:
            setattr(torch._C, self.NAME, self.saved)


def _export(module, args, path, input_names, output_names, dynamic_axes) -> None:
    tmp = path + ".tmp"
    with _NoInitializerDedup():
        _export_raw(module, args, tmp, input_names, output_names, dynamic_axes)
    os.replace(tmp, path)


def _export_raw(module, args, tmp, input_names, output_names, dynamic_axes) -> None:
    torch.onnx.export(
        module,
        args,
        tmp,
        input_names=list(input_names),
        output_names=list(output_names),
        dynamic_axes=dynamic_axes,
        opset_version=OPSET,
        do_constant_folding=True,
    )


@torch.no_grad()
def export_graphs(net: MetaKDNet, out_dir: str, patch=(80, 96, 80)) -> dict:
    """Write encoder.onnx and decoder.onnx; returns {name: path}."""
    net = for_export(net)
    os.makedirs(out_dir, exist_ok=True)
    enc_path, dec_path = os.path.join(out_dir, "encoder.onnx"), os.path.join(out_dir, "decoder.onnx")
    image = torch.zeros(1, 1, *patch)
    enc_axes = {"image": {0: "B", 2: "k", 3: "j", 4: "i"}}
    for lv, name in enumerate(FEATURE_NAMES):
        enc_axes[name] = {0: "B", 2: f"k{lv}", 3: f"j{lv}", 4: f"i{lv}"}
    _export(EncoderExport(net), (image,), enc_path, ["image"], FEATURE_NAMES, enc_axes)
    feats = net.encode(torch.zeros(1, 4, *patch))
    dec_axes = {"present": {0: "B"}, "probs": {0: "B", 2: "k", 3: "j", 4: "i"}}
    for lv, name in enumerate(FEATURE_NAMES):
        dec_axes[name] = {0: "B", 3: f"k{lv}", 4: f"j{lv}", 5: f"i{lv}"}
    args = tuple(feats) + (torch.ones(1, 4),)
    _export(DecoderExport(net), args, dec_path, list(FEATURE_NAMES) + ["present"], ["probs"], dec_axes)
    import onnx  # checks the graphs are well formed

    for p in (enc_path, dec_path):
        onnx.checker.check_model(onnx.load(p))
    return {"encoder": enc_path, "decoder": dec_path}


@torch.no_grad()
def torch_probs(net: MetaKDNet, image: np.ndarray, presence) -> np.ndarray:
    """PyTorch reference: [4,k,j,i] input, list of presence vectors → probs [B,3,k,j,i]."""
    x = torch.from_numpy(image)[None].repeat(len(presence), 1, 1, 1, 1)
    feats = net.encode(x)  # missing modalities' features are masked inside the decoder
    return torch.sigmoid(net.decoder(feats, torch.tensor(presence, dtype=torch.float32))).numpy()


def verify(net: MetaKDNet, graph_dir: str, image: np.ndarray, presence) -> dict:
    """Run the graphs in onnxruntime-node and compare with PyTorch; returns max |Δ| and shapes."""
    image = np.ascontiguousarray(image, dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
        image.astype("<f4").tofile(inp)
        k, j, i = image.shape[1:]
        cmd = ["node", VERIFY_SCRIPT, graph_dir, inp, str(k), str(j), str(i), json.dumps(presence), out]
        res = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"onnxruntime-node check failed: {res.stderr.strip()[-2000:]}")
        ort = np.fromfile(out, dtype="<f4").reshape(len(presence), 3, k, j, i)
    ref = torch_probs(net.eval(), image, presence)
    return {"maxAbsDiff": float(np.abs(ort - ref).max()), "shape": list(ref.shape)}
