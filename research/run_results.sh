#!/usr/bin/env bash
# The long measurements behind docs/results.md and the router issue's note, with the
# default model (qwen2.5-coder-1.5b through llama.cpp), seed 0. Hours on a 2-core CPU.
#
#   phase 1 (the results page, 50 items, direct, cot and tool): gsm8k (python),
#           logical_deduction (smt), svamp, gsm_system, prontoqa, proofwriter (prolog),
#           the two Prolog tasks last: their tool samples are the slowest;
#   phase 2 (the backend families phase 1 leaves out, 30 items, direct and tool):
#           math500 (sympy), sudoku (sat);
#   phase 3 (votes: five candidates a question, chain-of-thought against programs, the same
#           items): votes-math (gsm8k, gsm_system, svamp, 50 items), votes-pooled (gsm8k,
#           gsm_system: five programs and five chains of thought in one vote, tool@5+cot@5),
#           votes-math500 (math500, 30 items, with a single chain-of-thought row too),
#           votes-logic (prontoqa, proofwriter, logical_deduction, 50 items), votes-auto
#           (gsm_system, 50 items: tool@5 with --vote-backends auto, candidates from the
#           router's runner-up too if it is close, as python and sympy often are there);
#   phase 4 (the six tasks' tool row again, same 50 items, with the project's current
#           defaults: the example library, the structural router, loops cut while written),
#           one directory, tool-rerun, beside the phase 1 rows it is compared with.
#
# `reasoner compare $OUT/<task>` reads each, with the first-try and after-repair run
# rates of the tool strategy.
#
# Resumable: every finished sample is on disk, and the seeded shuffle keeps the first 30
# items inside the first 50, so a task run at one limit continues at a larger one.
# Run it again after an interruption and each task continues where it stopped:
#
#   nohup research/run_results.sh >> research/results/run.log 2>&1 &
#
# The run directories live in the repository (research/results/TASK) and are committed as the
# run goes: the page's numbers can be checked sample by sample, and a run begun on one
# machine continues on another from a clone.
#
# then build the page from whatever has finished:
#
#   .venv/bin/python -m research.results_page
#
# Environment: RESULTS_DIR (default research/results/), REASONER_DATA_DIR (default
# ../shared/datasets from the repository root), PHASES (default "1 2"; "3" for the votes,
# "4" for the rerun).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT="${RESULTS_DIR:-research/results}"
DATA="${REASONER_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
mkdir -p "$OUT"
status=0

run() {  # run TASK STRATEGIES LIMIT
  echo "=== $1 $2 limit $3 $(date -u +%FT%TZ)"
  .venv/bin/reasoner eval "$1" --strategy "$2" --limit "$3" --seed 0 \
    --model qwen2.5-coder-1.5b --data-dir "$DATA" --out "$OUT/$1" || status=$?
}

together() {  # together DIR STRATEGIES LIMIT TASK... [-- EVAL OPTION...]: one run directory for several tasks
  local dir=$1 strategies=$2 limit=$3 tasks=() options=()
  shift 3
  while (($#)) && [[ $1 != -- ]]; do tasks+=("$1"); shift; done
  (($#)) && shift && options=("$@")
  echo "=== $dir (${tasks[*]}) $strategies ${options[*]} limit $limit $(date -u +%FT%TZ)"
  .venv/bin/reasoner eval "${tasks[@]}" --strategy "$strategies" --limit "$limit" --seed 0 \
    --model qwen2.5-coder-1.5b --data-dir "$DATA" --out "$OUT/$dir" "${options[@]}" || status=$?
}

for phase in ${PHASES:-1 2}; do
  case "$phase" in
    1) for task in gsm8k logical_deduction svamp gsm_system prontoqa proofwriter; do
         run "$task" direct,cot,tool 50
       done ;;
    2) for task in math500 sudoku; do run "$task" direct,tool 30; done ;;
    3) together votes-math cot@5,tool@5 50 gsm8k gsm_system svamp
       together votes-pooled tool@5+cot@5 50 gsm8k gsm_system
       together votes-math500 cot,cot@5,tool@5 30 math500
       together votes-logic cot@5,tool@5 50 prontoqa proofwriter logical_deduction
       together votes-auto tool@5 50 gsm_system -- --vote-backends auto ;;
    4) together tool-rerun tool 50 gsm8k svamp gsm_system prontoqa proofwriter logical_deduction ;;
  esac
done
echo "=== done $(date -u +%FT%TZ) (status $status)"
exit "$status"
