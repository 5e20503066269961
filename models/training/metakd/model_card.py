"""MODEL_CARD.md text, generated from the manifest so the two never disagree."""
from __future__ import annotations

import json
import os

CONTINUATION_DIR = os.path.join(os.path.dirname(__file__), "..", "results", "continuation")

# What each re-release changed (card section "Changes"); a version without a note has none.
RELEASE_NOTES = {
    "1.0.1": "Export-only graph rewrite of `decoder.onnx`, identical weights (the same 8-minute "
    "checkpoint as 1.0.0; the evaluation tables above come from PyTorch and are unchanged). No "
    "Resize any more: by linearity, each level's 3³ conv over concat(up(x), skip) runs as "
    "conv(skip) plus 2³ phase kernels on x at half resolution, interleaved (8/27 of the "
    "multiply-adds), and the full-resolution head's first 1×1 conv over concat(up(x), f0) as a "
    "half-resolution part added by broadcasting plus a full-resolution part on f0 (nearest "
    "repeats by an exact MatMul along i and broadcasting along j, k). Same function up to float32 "
    "summation order (ONNX vs PyTorch above). Speed: bench/results/model-speed.md. `encoder.onnx` "
    "is byte-identical to 1.0.0's.",
}


def _row(name: str, d: dict) -> str:
    return f"| {name} | {d['et']:.3f} | {d['tc']:.3f} | {d['wt']:.3f} |"


def _table(tables: dict) -> str:
    lines = ["| sequences | " + " | ".join(f"{v} ET | {v} TC | {v} WT" for v in tables) + " |"]
    lines.append("| --- |" + " --- |" * (3 * len(tables)))
    rows = list(zip(*(t["rows"] for t in tables.values())))
    for group in rows:
        cells = " | ".join(f"{r['dice']['et']:.3f} | {r['dice']['tc']:.3f} | {r['dice']['wt']:.3f}" for r in group)
        lines.append(f"| {'+'.join(group[0]['modalities'])} | {cells} |")
    means = " | ".join(f"**{t['mean']['et']:.3f}** | **{t['mean']['tc']:.3f}** | **{t['mean']['wt']:.3f}**" for t in tables.values())
    lines.append(f"| **mean of 15** | {means} |")
    return "\n".join(lines)


def _outcome(ev: dict) -> str:
    """One honest sentence comparing the two 15-combination means."""
    a, b = ev["metakd"]["mean"], ev["ablation"]["mean"]
    wins = [r.upper() for r in ("et", "tc", "wt") if a[r] > b[r]]
    losses = [r.upper() for r in ("et", "tc", "wt") if a[r] <= b[r]]
    return (
        f"Outcome: on the 15-combination means MetaKD beats the ablation on {len(wins)} of 3 regions"
        + (f" ({', '.join(wins)})" if wins else "")
        + (f"; the ablation is as good or better on {', '.join(losses)}" if losses else "")
        + ". No significance test was run: with 5 validation cases, one case moves a mean by up to 0.2."
    )


def _continuation_section(folder: str = CONTINUATION_DIR) -> str:
    """The continuation experiment (not shipped): prose from model-card-section.md, the full-set
    row and the 15-combination mean from the experiment's evaluation files, GPU time from
    gpu_time.json. Empty when the folder is absent (e.g. a fresh reproduction)."""
    prose_path = os.path.join(folder, "model-card-section.md")
    if not os.path.isfile(prose_path):
        return ""
    with open(prose_path, encoding="utf-8") as f:
        prose = f.read()
    prose = prose.split("-->", 1)[1].lstrip("\n") if prose.startswith("<!--") else prose
    evals = {}
    for name, label in (("metakd", "MetaKD"), ("ablation", "ablation")):
        with open(os.path.join(folder, f"{name}-evaluation.json"), encoding="utf-8") as f:
            ev = json.load(f)
        full = [r for r in ev["rows"] if len(r["modalities"]) == 4]
        evals[label] = {"rows": full, "mean": ev["mean"]}
    with open(os.path.join(folder, "gpu_time.json"), encoding="utf-8") as f:
        gpu = json.load(f)
    return prose.format(
        table=_table(evals),
        median_ms=gpu["medianMs"],
        min_ms=gpu["minMs"],
        max_ms=gpu["maxMs"],
        runs=gpu["runs"],
        warmup=gpu["warmup"],
    ).rstrip("\n") + "\n\n"


def _changes(version: str) -> str:
    note = RELEASE_NOTES.get(version)
    return f"## Changes in {version}\n{note}\n\n" if note else ""


def model_card(m: dict, check: dict) -> str:
    tr, ev = m["training"], m["evaluation"]
    tables = {"MetaKD": ev["metakd"], "ablation": ev["ablation"]}
    alpha = ", ".join(f"{k} {v:.3f}" for k, v in m["importance"].items())
    return f"""# MetaKD BraTS model card ({m['name']} {m['version']})

## Intended use
Research review of brain-tumour MRI when some of the four standard sequences (FLAIR, T1, T1ce, T2)
are missing: the app shows the segmentation of enhancing tumour (ET), tumour core (TC) and whole
tumour (WT) together with the validation Dice expected for the sequences at hand. **Not a
diagnostic device**; every result must be reviewed by a qualified reader.

## Input expected
Skull-stripped, co-registered brain MRI (BraTS-style). The app resamples every present sequence to
a {m['input']['spacingMm'][0]} mm LPS grid, crops to the non-zero brain box (+{m['input']['cropping']['marginVoxels']} voxels) and z-scores each
sequence over its non-zero voxels (clip {m['input']['normalisation']['clip']}). Raw clinical scans that are not
skull-stripped or not co-registered are out of distribution.

## Method
MetaKD (arXiv 2405.07155), implemented from the paper's description: one shared-weight 3-D U-Net
encoder per sequence, missing bottlenecks replaced by the mean of the present ones, features of the
four sequences fused at every level, one thin decoder with three sigmoid outputs; soft Dice + BCE +
0.1 × modality-weighted pairwise bottleneck distillation (weight α_teacher/α_student, teacher
detached), with the importance α meta-learned on a held-out split. Learned α: {alpha}.
{tr['parameters']:,} parameters; graphs `encoder.onnx` ({m['graphs']['encoder']['bytes']:,} bytes) and `decoder.onnx`
({m['graphs']['decoder']['bytes']:,} bytes), opset {m['graphs']['opset']}. ONNX vs PyTorch on {check['input']}: max |Δ probability|
{check['maxAbsDiff']:.1e}.

## Training data and budget
{tr['data']}. Split by case — train {len(tr['split']['train'])}, meta-validation {len(tr['split']['metaVal'])},
validation {len(tr['split']['val'])} ({', '.join(tr['split']['val'])}). {tr['iterations']} iterations,
{tr['durationSeconds']:.0f} s on {tr['hardware']}, seed {tr['seed']}.

{tr.get('notes', '')}

Reproduce: `npm run train` (see models/training/README.md) — cache, GPU training of both variants,
evaluation and export.

## Results (validation, Dice)
{ev['protocol']}.

{_table(tables)}

{_outcome(ev)}

{_continuation_section()}{_changes(m['version'])}## Limits
- Trained on 17 cases for minutes: far from converged; small validation set (5 cases), so the
  per-combination numbers carry a large uncertainty (one case moves a mean by up to 0.2).
- ET is the weakest region, particularly without T1ce; tumours with very small ET may get none.
- 2 mm processing: fine structures below ~2 mm are lost; labels are returned to the source grid
  by nearest neighbour.
- The training data are BraTS 2018 cases (three sites); other scanners and protocols may do worse.
"""
