"""Build the compact training cache (models/training/cache/*.npz) from the BraTS NIfTI files.

Usage: /usr/bin/python3 models/training/prepare.py [--cache DIR] [--cases A B ...]
Needs numpy + nibabel; training itself then needs only the cache (the GPU machine has no nibabel).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metakd.data import DEFAULT_CACHE, META_VAL_CASES, TRAIN_CASES, VAL_CASES, build_cache_entry  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--cases", nargs="*", default=list(TRAIN_CASES + META_VAL_CASES + VAL_CASES))
    args = ap.parse_args()
    for case in args.cases:
        path = build_cache_entry(case, args.cache)
        print(f"{case}: {os.path.getsize(path) / 1e6:.2f} MB", flush=True)


if __name__ == "__main__":
    main()
