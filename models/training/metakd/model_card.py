"""MODEL_CARD.md text, generated from the manifest so the two never disagree."""
from __future__ import annotations


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

## Limits
- Trained on 17 cases for minutes: far from converged; small validation set (5 cases), so the
  per-combination numbers carry a large uncertainty (one case moves a mean by up to 0.2).
- ET is the weakest region, particularly without T1ce; tumours with very small ET may get none.
- 2 mm processing: fine structures below ~2 mm are lost; labels are returned to the source grid
  by nearest neighbour.
- The training data are BraTS 2018 cases (three sites); other scanners and protocols may do worse.
"""
