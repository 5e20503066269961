"""Data: the fixed case split, the compact preprocessed cache, and tumour-biased patch sampling.

The cache holds, per case, the MODEL_PIPELINE.md input (2 mm, brain crop, z-score) as float16
and the three region masks pooled to 2 mm as eighths (uint8 0..8, i.e. the fraction of the 8
1 mm voxels inside the region) — soft targets that lose nothing in the down-sampling. Loading
the cache needs numpy only, so the GPU machine (no nibabel) trains from it.
"""
from __future__ import annotations

import os

import numpy as np

from .preprocess import load_case, region_masks

# Fixed split by case (24 BraTS 2018 cases). Validation holds every site: 2013, CBICA, TCIA
# (HGG and the TCIA10 LGG); meta-validation is used only for the importance logits.
VAL_CASES = (
    "Brats18_2013_23_1",
    "Brats18_CBICA_AQQ_1",
    "Brats18_CBICA_ASG_1",
    "Brats18_TCIA01_378_1",
    "Brats18_TCIA10_639_1",
)
META_VAL_CASES = ("Brats18_CBICA_APR_1", "Brats18_TCIA02_135_1")
TRAIN_CASES = (
    "Brats18_2013_20_1",
    "Brats18_2013_3_1",
    "Brats18_CBICA_ABM_1",
    "Brats18_CBICA_AME_1",
    "Brats18_CBICA_AOP_1",
    "Brats18_CBICA_APZ_1",
    "Brats18_CBICA_AQN_1",
    "Brats18_CBICA_AQO_1",
    "Brats18_CBICA_AQP_1",
    "Brats18_CBICA_ARW_1",
    "Brats18_CBICA_ASA_1",
    "Brats18_CBICA_ASW_1",
    "Brats18_TCIA01_201_1",
    "Brats18_TCIA01_499_1",
    "Brats18_TCIA02_606_1",
    "Brats18_TCIA03_265_1",
    "Brats18_TCIA10_628_1",
)
TUMOUR_BIAS = 2.0 / 3.0
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFAULT_CACHE = os.path.join(REPO_ROOT, "models", "training", "cache")


def data_root() -> str:
    """$METAKD_DATA, else <repo>/../shared/data."""
    return os.environ.get("METAKD_DATA", os.path.join(REPO_ROOT, "..", "shared", "data"))


def brats_dir() -> str:
    return os.path.join(data_root(), "brats18")


def pool_regions(seg_kji: np.ndarray) -> np.ndarray:
    """1 mm labels → uint8 [3, k, j, i] count (0..8) of region voxels per 2 mm voxel."""
    masks = region_masks(seg_kji)
    k, j, i = (s // 2 for s in seg_kji.shape)
    m = masks[:, : 2 * k, : 2 * j, : 2 * i].reshape(3, k, 2, j, 2, i, 2)
    return m.sum(axis=(2, 4, 6), dtype=np.uint8)


def build_cache_entry(case: str, cache_dir: str = DEFAULT_CACHE, case_dir: str | None = None) -> str:
    """Preprocess one case into <cache_dir>/<case>.npz (atomic write); returns the path.
    `case_dir` defaults to the shared BraTS 2018 folder's <case> (pipeline.py --data passes its own)."""
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"{case}.npz")
    pre, seg = load_case(case_dir or os.path.join(brats_dir(), case))
    labels = pool_regions(seg)
    sl = (slice(None),) + tuple(slice(s, e) for s, e in zip(pre.crop_start, pre.crop_end))
    tmp = path + ".tmp.npz"
    np.savez_compressed(
        tmp,
        image=pre.image.astype(np.float16),
        labels=labels[sl],
        crop_start=np.array(pre.crop_start),
        crop_end=np.array(pre.crop_end),
    )
    os.replace(tmp, path)
    return path


def load_cases(cases, cache_dir: str = DEFAULT_CACHE) -> list:
    """Load cached cases (building missing entries, which needs nibabel and the data)."""
    out = []
    for case in cases:
        path = os.path.join(cache_dir, f"{case}.npz")
        if not os.path.exists(path):
            build_cache_entry(case, cache_dir)
        with np.load(path) as z:
            image, labels = z["image"], z["labels"]
        tumour = np.argwhere(labels[1] > 0)
        # voxels per label channel (ET, WT, TC) for balanced centring; WT is `tumour`
        voxels = (np.argwhere(labels[0] > 0), tumour, np.argwhere(labels[2] > 0))
        out.append({"case": case, "image": image, "labels": labels, "tumour": tumour, "voxels": voxels})
    return out


def _axis_start(size: int, patch: int, centre: int, rng: np.random.Generator) -> int:
    if size >= patch:
        return int(np.clip(centre - patch // 2, 0, size - patch))
    return int(rng.integers(size - patch, 1))  # patch larger than the volume: random zero padding


def extract(arr: np.ndarray, start, patch) -> np.ndarray:
    """arr [C, k, j, i] → [C, *patch] starting at `start` (may be negative), zero outside."""
    out = np.zeros((arr.shape[0],) + tuple(patch), dtype=arr.dtype)
    src, dst = [slice(None)], [slice(None)]
    for s, p, n in zip(start, patch, arr.shape[1:]):
        lo, hi = max(s, 0), min(s + p, n)
        src.append(slice(lo, hi))
        dst.append(slice(lo - s, hi - s))
    out[tuple(dst)] = arr[tuple(src)]
    return out


CENTRINGS = ("tumour", "balanced")
# Balanced centring: a patch centre is drawn from one of these classes with equal probability
# (index into the cached label channels ET=0, WT=1, TC=2; None = anywhere in the crop).
BALANCED_CLASSES = (0, 2, 1, None)


def _centre(c: dict, rng: np.random.Generator, centring: str):
    """A patch centre [k, j, i] for case `c`.

    tumour: a whole-tumour voxel with probability 2/3, else anywhere (the shipped recipe).
    balanced: ET, TC, WT and "anywhere" (background) each with probability 1/4; a class the case
    does not have falls back to WT, then anywhere.
    """
    shape = c["image"].shape[1:]
    if centring == "balanced":
        cls = BALANCED_CLASSES[int(rng.integers(len(BALANCED_CLASSES)))]
        voxels = c["voxels"][cls] if cls is not None else ()
        if cls is not None and not len(voxels):
            voxels = c["voxels"][1]
        if len(voxels):
            return voxels[int(rng.integers(len(voxels)))]
        return [int(rng.integers(s)) for s in shape]
    if len(c["tumour"]) and rng.random() < TUMOUR_BIAS:
        return c["tumour"][int(rng.integers(len(c["tumour"])))]
    return [int(rng.integers(s)) for s in shape]


def sample_batch(cases: list, batch: int, patch, rng: np.random.Generator, centring: str = "tumour", record=None):
    """Random cases and patch centres (`_centre`); labels as soft targets in [0, 1].
    `record`, if a list, receives (case, start) per sample (the training trace)."""
    images, labels = [], []
    for _ in range(batch):
        c = cases[int(rng.integers(len(cases)))]
        shape = c["image"].shape[1:]
        centre = _centre(c, rng, centring)
        start = [_axis_start(s, p, int(ce), rng) for s, p, ce in zip(shape, patch, centre)]
        if record is not None:
            record.append((c["case"], tuple(start)))
        images.append(extract(c["image"], start, patch))
        labels.append(extract(c["labels"], start, patch))
    return np.stack(images).astype(np.float32), np.stack(labels).astype(np.float32) / 8.0


def iteration_rng(seed: int, rank: int, iteration: int, stream: int) -> np.random.Generator:
    """The random stream of one purpose (STREAM_*) at one iteration: a pure function of
    (seed, rank, iteration, stream). Nothing depends on what other streams drew before, so the
    data a run sees does not depend on the variant (the meta step has its own stream) nor on
    where a run was interrupted and resumed."""
    return np.random.default_rng([seed, rank, iteration, stream])


STREAM_SUBSET, STREAM_BATCH, STREAM_META, STREAM_AUGMENT = 0, 1, 2, 3


class Prefetcher:
    """Samples training batches on a background thread (numpy copies release the GIL), so the
    GPU does not wait for patch extraction. The batch of iteration `it` is drawn from
    iteration_rng(seed, rank, it, STREAM_BATCH), so prefetching ahead changes nothing."""

    def __init__(self, cases: list, batch: int, patch, seed: int, rank: int, first_iteration: int,
                 centring: str = "tumour", depth: int = 4, trace: bool = False):
        import queue
        import threading

        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._args = (cases, batch, patch, centring)
        self._seed, self._rank, self._it, self._trace = seed, rank, first_iteration, trace
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import queue

        while not self._stop.is_set():
            cases, batch, patch, centring = self._args
            rng = iteration_rng(self._seed, self._rank, self._it, STREAM_BATCH)
            record = [] if self._trace else None
            item = sample_batch(cases, batch, patch, rng, centring, record) + (record,)
            self._it += 1
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.5)
                    break
                except queue.Full:
                    continue

    def next(self):
        """(images, labels, record or None) for the next iteration."""
        return self._queue.get()

    def close(self) -> None:
        self._stop.set()
