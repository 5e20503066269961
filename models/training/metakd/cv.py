"""Cross-validation plan: 5 folds over the 24 labelled BraTS 2018 cases, stratified by site.

Fold assignment (recorded here as literals, and checked by test/integration/training against
`stratified_folds`): sort the cases by (site, name), site ∈ {2013, CBICA, TCIA}, and deal them out
round-robin, case i → fold i mod 5. Every fold then holds 2-3 CBICA, 1-2 TCIA and at most one
2013 case (the 2013 site has only 3). The BraTS 2023 case in ../shared/data/brats23 is not used:
its labels follow the 2023 convention (ET = 3) and its files another layout; one case would not
change the verdict.

Inside a fold: the fold's cases are validation only. Of the other 19, `meta_cases` picks
N_META (3) meta-validation cases, one per site, rotating with the fold. MetaKD fits its weights
on the remaining 16 and its importance α on the 3; the ablation (no α) trains on all 19
(ABLATION_META = "train"): both variants get the same labelled cases, and MetaKD pays for its
meta-validation split as it would in practice. ABLATION_META = "holdout" gives the ablation the
same 16 training cases instead (the distillation-only question).
"""
from __future__ import annotations

from .data import META_VAL_CASES, TRAIN_CASES, VAL_CASES

ALL_CASES = tuple(sorted(TRAIN_CASES + META_VAL_CASES + VAL_CASES))
SITES = ("2013", "CBICA", "TCIA")
N_FOLDS = 5
N_META = 3
BASE_SEED = 20240512
VARIANTS = ("metakd", "ablation")
ABLATION_META_MODES = ("train", "holdout")

FOLDS = (
    ("Brats18_2013_20_1", "Brats18_CBICA_AOP_1", "Brats18_CBICA_AQP_1", "Brats18_CBICA_ASW_1", "Brats18_TCIA02_606_1"),
    ("Brats18_2013_23_1", "Brats18_CBICA_APR_1", "Brats18_CBICA_AQQ_1", "Brats18_TCIA01_201_1", "Brats18_TCIA03_265_1"),
    ("Brats18_2013_3_1", "Brats18_CBICA_APZ_1", "Brats18_CBICA_ARW_1", "Brats18_TCIA01_378_1", "Brats18_TCIA10_628_1"),
    ("Brats18_CBICA_ABM_1", "Brats18_CBICA_AQN_1", "Brats18_CBICA_ASA_1", "Brats18_TCIA01_499_1", "Brats18_TCIA10_639_1"),
    ("Brats18_CBICA_AME_1", "Brats18_CBICA_AQO_1", "Brats18_CBICA_ASG_1", "Brats18_TCIA02_135_1"),
)


def site(case: str) -> str:
    """Brats18_<site…>_<id>_1 → 2013, CBICA or TCIA (TCIA01/02/03/10 are one site group)."""
    part = case.split("_")[1]
    if part in ("2013", "CBICA"):
        return part
    if part.startswith("TCIA"):
        return "TCIA"
    raise ValueError(f"unknown BraTS 2018 site in case name {case!r}")


def stratified_folds(cases=ALL_CASES, k: int = N_FOLDS) -> tuple:
    """Round-robin over the cases sorted by (site, name): case i → fold i mod k."""
    ordered = sorted(cases, key=lambda c: (SITES.index(site(c)), c))
    return tuple(tuple(c for i, c in enumerate(ordered) if i % k == f) for f in range(k))


def fold_of(case: str) -> int:
    for f, cases in enumerate(FOLDS):
        if case in cases:
            return f
    raise KeyError(case)


def meta_cases(fold: int, n_meta: int = N_META, folds=FOLDS) -> tuple:
    """n_meta meta-validation cases from outside the fold: sites in turn (2013, CBICA, TCIA),
    within a site the case at index (fold + round) mod its count."""
    rest = sorted(c for f in folds for c in f if c not in folds[fold])
    by_site = {s: sorted(c for c in rest if site(c) == s) for s in SITES}
    picked = []
    rnd = 0
    while len(picked) < n_meta:
        for s in SITES:
            pool = [c for c in by_site[s] if c not in picked]
            if pool and len(picked) < n_meta:
                picked.append(pool[(fold + rnd) % len(pool)])
        rnd += 1
    return tuple(sorted(picked))


def split(fold: int, variant: str, ablation_meta: str = "train", n_meta: int = N_META, folds=FOLDS) -> dict:
    """{train, meta, val} case lists of one variant in one fold (`folds` defaults to FOLDS; the
    CPU smoke test passes a small fold set)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    if ablation_meta not in ABLATION_META_MODES:
        raise ValueError(f"unknown ablation_meta {ablation_meta!r}")
    val = folds[fold]
    meta = meta_cases(fold, n_meta, folds)
    train = tuple(sorted(c for f in folds for c in f if c not in val and c not in meta))
    if variant == "ablation":
        if ablation_meta == "train":
            train = tuple(sorted(train + meta))
        meta = ()
    return {"train": list(train), "meta": list(meta), "val": list(val)}


def final_plan(seeds: int = 1, variants=VARIANTS, n_meta: int = N_META) -> list:
    """The final models on all labelled cases (no validation): MetaKD fits α on the meta cases
    of fold 0's rotation drawn from all 24 (`meta_cases` with an empty fold), the ablation trains
    on all 24."""
    everything = (ALL_CASES,)
    meta = meta_cases(0, n_meta, ((),) + everything)
    runs = []
    for s in range(seeds):
        for v in variants:
            train = [c for c in ALL_CASES if v == "ablation" or c not in meta]
            runs.append({"name": f"final-{v}-s{s}", "fold": -1, "variant": v, "seedIndex": s,
                         "seed": seed_for(N_FOLDS, s), "train": train, "meta": list(meta) if v == "metakd" else [],
                         "val": []})
    return runs


def seed_for(fold: int, seed_index: int) -> int:
    """The same seed for both variants of a fold (same initial weights and random streams)."""
    return BASE_SEED + 1000 * seed_index + fold


def run_name(fold: int, variant: str, seed_index: int) -> str:
    return f"f{fold}-{variant}-s{seed_index}"


def plan(fold_ids, seeds: int, variants=VARIANTS, ablation_meta: str = "train", n_meta: int = N_META,
         folds=FOLDS, first_seed: int = 0) -> list:
    """Every (fold, variant, seed) run with its cases and seed; seed indices first_seed …
    first_seed + seeds − 1 (a second GPU window can train the second seed)."""
    runs = []
    for fold in fold_ids:
        for s in range(first_seed, first_seed + seeds):
            for v in variants:
                sp = split(fold, v, ablation_meta, n_meta, folds)
                runs.append({"name": run_name(fold, v, s), "fold": fold, "variant": v, "seedIndex": s,
                             "seed": seed_for(fold, s), **sp})
    return runs
