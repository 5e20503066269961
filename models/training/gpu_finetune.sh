#!/usr/bin/env bash
# Continuation experiment (equal budget): MetaKD and the ablation each continue from their shipped
# checkpoint for ITERS more iterations (the 2026-11 run was time-based: 2.2 min, MetaKD 1,152 and the
# ablation 1,379 iterations; budgets are iterations since issue 15), at the same time on one GPU, with the same fresh poly schedule
# (peak LR), all in stage 2 (random subsets). MetaKD additionally restarts its importance logits
# at 0 (α uniform), meta Adam lr META_LR, and caps α_t/α_s at KD_CAP — the first run's α had
# collapsed onto T1ce (weight ~37). Then times one whole-case PyTorch segmentation on the GPU.
# Usage: OUT=<dir> CARRY=<dir with cache/ metakd.pt ablation.pt> bash models/training/gpu_finetune.sh
# Env: ITERS (1152), MINUTES (wall-clock guard, 2.5), LR (5e-4), META_LR (1e-3), KD_CAP (4), DEADLINE_S (hard stop for training,
#      160), TOTAL_S (hard stop for the timing too, 185), DEVICE (cuda), PY (python3), EXTRA.
set -u
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
ITERS=${ITERS:-1152}
MINUTES=${MINUTES:-2.5}
LR=${LR:-5e-4}
META_LR=${META_LR:-1e-3}
KD_CAP=${KD_CAP:-4}
DEADLINE_S=${DEADLINE_S:-160}
TOTAL_S=${TOTAL_S:-185}
DEVICE=${DEVICE:-cuda}
PY=${PY:-python3}
EXTRA=${EXTRA:-}
CARRY=${CARRY:-models/training/runs/devcarry}
mkdir -p "$OUT"
T0=$(date +%s)
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
  $PY -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__)"
  ls "$CARRY" "$CARRY/cache" | wc -l; } > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

cont() { # name, checkpoint, extra args...
  local name=$1 init=$2; shift 2
  timeout "$DEADLINE_S" $PY models/training/train.py --out "$OUT/$name" --device "$DEVICE" \
    --cache "$CARRY/cache" --init-from "$init" --max-iters "$ITERS" --max-minutes "$MINUTES" --lr "$LR" --stage1-frac 0 \
    --batch 4 --save-every 30 --log-every 25 $EXTRA "$@"
}
cont metakd "$CARRY/metakd.pt" --reset-alpha --meta-lr "$META_LR" --kd-max-weight "$KD_CAP" > "$OUT/metakd.out" 2>&1 &
P1=$!
cont ablation "$CARRY/ablation.pt" --ablation > "$OUT/ablation.out" 2>&1 &
P2=$!
wait $P1; echo "metakd rc $?"
wait $P2; echo "ablation rc $?"
rm -f "$OUT"/*/latest.pt.tmp
tail -n 3 "$OUT/metakd.out" "$OUT/ablation.out"
LEFT=$((TOTAL_S - ($(date +%s) - T0)))
if [ "$LEFT" -gt 10 ] && [ -f "$OUT/metakd/latest.pt" ]; then
  timeout "$LEFT" $PY models/training/gpu_time.py --checkpoint "$OUT/metakd/latest.pt" \
    --cache "$CARRY/cache" --out "$OUT/gpu_time.json" || echo "gpu_time rc $?"
fi
ls -la "$OUT" "$OUT"/*/
