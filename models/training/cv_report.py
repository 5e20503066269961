"""Paired cross-validated report, MetaKD − ablation, from evaluate_cv.py's per-case files.

  /usr/bin/python3 models/training/cv_report.py --cv CV_OUT --eval EVAL_DIR --out models/training/results/cv

Writes <out>/report.json (for the manifest) and <out>/report.md (for the model card).

Per variant and outer fold f, the small-ET rule's threshold T is chosen among THRESHOLDS on the
out-of-fold predictions of the OTHER folds (mean ET Dice over their cases, seeds and the 15
combinations; ties → the smaller T): fold f's labels never choose the threshold applied to fold
f. A case's score per region = mean over seeds, then over the 15 combinations. The paired
difference d_c = MetaKD − ablation per case; reported: mean, 95 % t interval, 95 % bootstrap
percentile interval (10,000 resamples of cases, fixed seed), paired t p and Wilcoxon
signed-rank p (two-sided). A region's verdict says "MetaKD beats the ablation" (or the reverse)
only when BOTH intervals exclude 0 on the same side; otherwise "no difference shown". Per
combination the same statistics are listed as exploratory (45 comparisons, no verdicts).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evaluate_cv import et_dice_with_rule, subset_key  # noqa: E402
from metakd.inference import ET_MIN_VOXELS, subsets  # noqa: E402
from metakd.preprocess import MODALITIES  # noqa: E402

REGIONS = ("et", "tc", "wt")
THRESHOLDS = (0, 16, 31, 62, 125, 250)
BOOTSTRAP = 10_000
BOOTSTRAP_SEED = 20240512
CONFIDENCE = 0.95
VARIANTS = ("metakd", "ablation")


def load(eval_dir: str) -> list:
    cases = []
    for name in sorted(os.listdir(eval_dir)):
        if name.endswith(".json"):
            with open(os.path.join(eval_dir, name), encoding="utf-8") as f:
                cases.append(json.load(f))
    if not cases:
        raise SystemExit(f"no per-case evaluation files in {eval_dir}")
    return cases


def dice_of(rec: dict, region: str, threshold: int, truth_empty: bool) -> float:
    if region == "et":
        return et_dice_with_rule(rec["etRaw"], rec["etVoxels"], truth_empty, threshold)
    return rec[region]


def runs_of(case: dict, variant: str) -> list:
    return [n for n, i in sorted(case["runInfo"].items()) if i["variant"] == variant and n in case["runs"]]


def mean_et(cases: list, variant: str, threshold: int) -> float:
    vals = [dice_of(c["runs"][n][k], "et", threshold, c["truthEtVoxels1mm"] == 0)
            for c in cases for n in runs_of(c, variant) for k in c["runs"][n]]
    return float(np.mean(vals)) if vals else float("nan")


def choose_thresholds(cases: list) -> dict:
    """{variant: {fold: T}} chosen on the other folds' cases (see module doc)."""
    folds = sorted({c["fold"] for c in cases})
    out = {}
    for v in VARIANTS:
        out[v] = {}
        for f in folds:
            other = [c for c in cases if c["fold"] != f]
            if not other:  # a single fold: nothing outside it, keep the shipped rule
                out[v][f] = ET_MIN_VOXELS
                continue
            scores = [(mean_et(other, v, t), -i) for i, t in enumerate(THRESHOLDS)]
            out[v][f] = THRESHOLDS[-max(scores)[1]]
    return out


def case_scores(cases: list, thresholds: dict) -> dict:
    """{variant: {case: {subset: {region: mean over seeds}}}}."""
    out = {v: {} for v in VARIANTS}
    for c in cases:
        empty = c["truthEtVoxels1mm"] == 0
        for v in VARIANTS:
            names = runs_of(c, v)
            if not names:
                continue
            t = thresholds[v][c["fold"]]
            out[v][c["case"]] = {
                subset_key(sub): {r: float(np.mean([dice_of(c["runs"][n][subset_key(sub)], r, t, empty) for n in names]))
                                  for r in REGIONS}
                for sub in subsets()
            }
    return out


def table(per_case: dict) -> dict:
    """The manifest's EvaluationTable shape over all cross-validated cases."""
    rows = []
    for sub in subsets():
        key = subset_key(sub)
        cases = {c: per_case[c][key] for c in sorted(per_case)}
        rows.append({"modalities": [MODALITIES[m] for m in sub],
                     "dice": {r: float(np.mean([d[r] for d in cases.values()])) for r in REGIONS},
                     "perCase": cases})
    return {"rows": rows, "mean": {r: float(np.mean([row["dice"][r] for row in rows])) for r in REGIONS}}


def paired_stats(d: np.ndarray) -> dict:
    """Mean, t and bootstrap 95 % intervals, paired t and Wilcoxon p of differences d."""
    from scipy import stats

    n = len(d)
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else float("nan")
    if n > 1 and sd > 0:
        half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / np.sqrt(n))
        t_ci = [mean - half, mean + half]
        t_p = float(stats.ttest_1samp(d, 0.0).pvalue)
    else:
        t_ci, t_p = [mean, mean], (1.0 if n > 1 else float("nan"))
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    boot = d[rng.integers(0, n, size=(BOOTSTRAP, n))].mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - CONFIDENCE) / 2, 0.5 + CONFIDENCE / 2])
    if np.any(d != 0):
        w_p = float(stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)
    else:
        w_p = 1.0
    return {"n": n, "meanDiff": mean, "sd": sd, "ci95T": t_ci, "ci95Bootstrap": [float(lo), float(hi)],
            "pPairedT": t_p, "pWilcoxon": w_p}


def verdict(region: str, st: dict) -> dict:
    """The only place a comparison sentence is made: a winner only when both 95 % intervals
    exclude 0 on the same side."""
    above = st["ci95T"][0] > 0 and st["ci95Bootstrap"][0] > 0
    below = st["ci95T"][1] < 0 and st["ci95Bootstrap"][1] < 0
    r = region.upper()
    span = f"mean difference {st['meanDiff']:+.3f}, 95 % t interval [{st['ci95T'][0]:+.3f}, {st['ci95T'][1]:+.3f}], " \
           f"bootstrap [{st['ci95Bootstrap'][0]:+.3f}, {st['ci95Bootstrap'][1]:+.3f}], Wilcoxon p {st['pWilcoxon']:.3g}, n {st['n']}"
    if above:
        outcome, text = "metakd", f"MetaKD beats the ablation on {r} ({span})."
    elif below:
        outcome, text = "ablation", f"The ablation beats MetaKD on {r} ({span})."
    else:
        outcome, text = "none", f"No difference shown on {r}: the 95 % interval includes 0 ({span})."
    return {"region": region, "outcome": outcome, "text": text}


def alpha_of(info: dict) -> list:
    logits = np.array(info["metaLogits"], dtype=np.float64)
    e = np.exp(logits - logits.max())
    soft = e / e.sum()
    a = info.get("alphaMin", 0.0)
    return [float(v) for v in a + (1 - len(soft) * a) * soft]


def report(cases: list, cv_dir: str) -> dict:
    thresholds = choose_thresholds(cases)
    scores = case_scores(cases, thresholds)
    paired_cases = sorted(set(scores["metakd"]) & set(scores["ablation"]))
    region_stats, verdicts, per_subset = {}, [], []
    for r in REGIONS:
        d = np.array([np.mean([scores["metakd"][c][k][r] - scores["ablation"][c][k][r] for k in scores["metakd"][c]])
                      for c in paired_cases])
        st = paired_stats(d)
        st["perCase"] = dict(zip(paired_cases, (float(x) for x in d)))
        region_stats[r] = st
        verdicts.append(verdict(r, st))
    for sub in subsets():
        key = subset_key(sub)
        row = {"modalities": key.split("+")}
        for r in REGIONS:
            d = np.array([scores["metakd"][c][key][r] - scores["ablation"][c][key][r] for c in paired_cases])
            st = paired_stats(d)
            row[r] = {k: st[k] for k in ("meanDiff", "ci95T", "ci95Bootstrap", "pWilcoxon")}
        per_subset.append(row)
    alphas = {n: alpha_of(i) for c in cases for n, i in c["runInfo"].items() if i["variant"] == "metakd"}
    iters = sorted({i["iteration"] for c in cases for i in c["runInfo"].values()})
    summary = None
    if cv_dir and os.path.exists(os.path.join(cv_dir, "summary.json")):
        with open(os.path.join(cv_dir, "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
    return {
        "protocol": "cross-validation over the labelled BraTS 2018 cases (folds in models/training/metakd/cv.py); "
        "every run evaluated on its fold's validation cases only, all 15 sequence combinations, each "
        "preprocessed with only its sequences; MODEL_PIPELINE.md inference; Dice on the 1 mm expert labels; "
        "a case's score = mean over seeds; small-ET threshold per fold chosen on the other folds",
        "cases": paired_cases,
        "folds": sorted({c["fold"] for c in cases}),
        "seeds": sorted({i["seedIndex"] for c in cases for i in c["runInfo"].values()}),
        "iterations": iters,
        "etMinVoxels": {v: {str(f): t for f, t in thresholds[v].items()} for v in VARIANTS},
        # for the final model's manifest [output.etMinVoxels]: chosen on all out-of-fold predictions
        "etMinVoxelsFinal": {v: THRESHOLDS[-max((mean_et(cases, v, t), -i) for i, t in enumerate(THRESHOLDS))[1]]
                             for v in VARIANTS},
        "metakd": table(scores["metakd"]),
        "ablation": table(scores["ablation"]),
        "paired": region_stats,
        "pairedPerCombination": per_subset,
        "verdict": verdicts,
        "alpha": alphas,
        "gpu": summary,
    }


def markdown(rep: dict) -> str:
    lines = ["# Cross-validated comparison: MetaKD − ablation", ""]
    lines.append(f"{len(rep['cases'])} cases, folds {rep['folds']}, seeds {rep['seeds']}, "
                 f"iterations per run {rep['iterations']}. Protocol: {rep['protocol']}.")
    g = rep.get("gpu") or {}
    if g.get("budget"):
        lines.append(f"Budget: {g['budget'].get('iterations')} iterations for every run; weights at iteration "
                     f"{g.get('weightsIteration')}; recipe `{g.get('recipe')}`; MetaKD `{g.get('metakdArgs')}`; "
                     f"ablation trains on the meta-validation cases: {g.get('ablationMeta') == 'train'}.")
    lines += ["", "## Verdict (per region, 15-combination mean per case, paired over cases)", ""]
    lines += [f"- {v['text']}" for v in rep["verdict"]]
    lines += ["", "| region | mean diff | 95 % t | 95 % bootstrap | p (paired t) | p (Wilcoxon) | n |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in REGIONS:
        s = rep["paired"][r]
        lines.append(f"| {r.upper()} | {s['meanDiff']:+.3f} | [{s['ci95T'][0]:+.3f}, {s['ci95T'][1]:+.3f}] | "
                     f"[{s['ci95Bootstrap'][0]:+.3f}, {s['ci95Bootstrap'][1]:+.3f}] | {s['pPairedT']:.3g} | "
                     f"{s['pWilcoxon']:.3g} | {s['n']} |")
    lines += ["", "## Cross-validated Dice (mean over cases; each case from the models that never saw it)", "",
              "| sequences | MetaKD ET | MetaKD TC | MetaKD WT | ablation ET | ablation TC | ablation WT |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for a, b in zip(rep["metakd"]["rows"], rep["ablation"]["rows"]):
        lines.append(f"| {'+'.join(a['modalities'])} | " + " | ".join(f"{x['dice'][r]:.3f}" for x in (a, b) for r in REGIONS) + " |")
    lines.append("| **mean of 15** | " + " | ".join(f"**{rep[v]['mean'][r]:.3f}**" for v in VARIANTS for r in REGIONS) + " |")
    lines += ["", "## Per combination, MetaKD − ablation (exploratory: 45 comparisons, no verdicts)", "",
              "| sequences | ET diff [95 % t] | TC diff [95 % t] | WT diff [95 % t] |", "| --- | --- | --- | --- |"]
    for row in rep["pairedPerCombination"]:
        cells = " | ".join(f"{row[r]['meanDiff']:+.3f} [{row[r]['ci95T'][0]:+.3f}, {row[r]['ci95T'][1]:+.3f}]" for r in REGIONS)
        lines.append(f"| {'+'.join(row['modalities'])} | {cells} |")
    lines += ["", "Small-ET rule threshold (2 mm voxels) per fold, chosen on the other folds: "
              + "; ".join(f"{v}: " + ", ".join(f"fold {f} → {t}" for f, t in rep["etMinVoxels"][v].items()) for v in VARIANTS)
              + "; for a final model, chosen on all out-of-fold predictions: "
              + ", ".join(f"{v} {rep['etMinVoxelsFinal'][v]}" for v in VARIANTS) + "."]
    if rep["alpha"]:
        lines += ["", "Learned α (flair, t1, t1ce, t2) per MetaKD run: "
                  + "; ".join(f"{n} [{', '.join(f'{a:.3f}' for a in al)}]" for n, al in sorted(rep["alpha"].items())) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", required=True, help="evaluate_cv.py output folder")
    ap.add_argument("--cv", default="", help="a gpu_cv.py output folder (summary.json, for the budget line)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    rep = report(load(args.eval), args.cv)
    os.makedirs(args.out, exist_ok=True)
    for name, text in (("report.json", json.dumps(rep, indent=1)), ("report.md", markdown(rep))):
        path = os.path.join(args.out, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    for v in rep["verdict"]:
        print(v["text"])


if __name__ == "__main__":
    main()
