#!/usr/bin/env bash
# The results run behind docs/results.md: six tasks (three math, three logic), 50 items
# each drawn by the seeded shuffle (seed 0), strategies direct, cot and tool, the default
# model (qwen2.5-coder-1.5b through llama.cpp). Hours on a 2-core CPU.
#
# Resumable: every finished sample is on disk; run this script again after an
# interruption and each task continues where it stopped. Run it in the background:
#
#   nohup scripts/run_results.sh > /work/runs/results/run.log 2>&1 &
#
# then build the page from whatever has finished:
#
#   .venv/bin/python scripts/make_results_page.py
#
# Environment: RESULTS_DIR (default /work/runs/results), REASONER_DATA_DIR (default
# ../shared/datasets from the repository root).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT="${RESULTS_DIR:-/work/runs/results}"
DATA="${REASONER_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
TASKS=(gsm8k prontoqa svamp proofwriter gsm_system logical_deduction)
mkdir -p "$OUT"

status=0
for task in "${TASKS[@]}"; do
  echo "=== $task $(date -u +%FT%TZ)"
  .venv/bin/reasoner eval "$task" --strategy direct,cot,tool --limit 50 --seed 0 \
    --model qwen2.5-coder-1.5b --data-dir "$DATA" --out "$OUT/$task" || status=$?
done
echo "=== done $(date -u +%FT%TZ) (status $status)"
exit "$status"
