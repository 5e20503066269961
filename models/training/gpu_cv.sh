#!/usr/bin/env bash
# The prepared GPU cross-validation run (issue 15): every fold × variant × seed at the same time on
# one GPU, one fair iteration budget for all (calibrated from their measured speed unless ITERS
# is set), float16 weights + logs into $OUT (≈ 45 MB for 20 runs of the shipped network).
#   OUT=<dir> bash models/training/gpu_cv.sh
# Env: TIMEOUT_S (hard kill, default 540), DEADLINE_S (gpu_cv.py packs before it, default 510),
#      SEEDS (2), FIRST_SEED (0; 1 = train the second seed in a second window), FOLDS ("0 1 2 3 4"), ITERS (fixed budget; empty = calibrate), PY (python3),
#      RECIPE / METAKD_ARGS (replace gpu_cv.py's train.py arguments for all runs / MetaKD only),
#      EXTRA (more gpu_cv.py arguments without spaces inside one). Needs models/training/cache/*.npz
#      (carry it: `carry: ["models/training/cache"]`). Running it again on the still-warm machine
#      resumes the unfinished runs (same budget).
set -u
cd "$(dirname "$0")/../.."
: "${OUT:?set OUT}"
TIMEOUT_S=${TIMEOUT_S:-540}
DEADLINE_S=${DEADLINE_S:-510}
SEEDS=${SEEDS:-2}
FIRST_SEED=${FIRST_SEED:-0}
FOLDS=${FOLDS:-0 1 2 3 4}
PY=${PY:-python3}
ITERS=${ITERS:-}
mkdir -p "$OUT"
n=$(ls models/training/cache/*.npz 2>/dev/null | wc -l)
[ "$n" -ge 24 ] || { echo "cache has $n of 24 cases: run models/training/prepare.py and carry models/training/cache" >&2; exit 2; }
args=(--out "$OUT" --deadline-s "$DEADLINE_S" --seeds "$SEEDS" --first-seed "$FIRST_SEED" --folds $FOLDS --python "$PY")
[ -n "$ITERS" ] && args+=(--iters "$ITERS")
[ -n "${RECIPE:-}" ] && args+=(--recipe "$RECIPE")
[ -n "${METAKD_ARGS:-}" ] && args+=(--metakd-args "$METAKD_ARGS")
# shellcheck disable=SC2086  # EXTRA is a list of arguments
timeout -k 10 "$TIMEOUT_S" "$PY" models/training/gpu_cv.py "${args[@]}" ${EXTRA:-}
rc=$?
tail -n 3 "$OUT"/gpu_cv.log 2>/dev/null
du -sh "$OUT"
exit $rc
