#!/usr/bin/env bash
# The open problem set's measurements (issue 26), with the default model, seed 0, all 168
# items; resumable like run_results.sh (rerun after an interruption):
#
#   open           direct, cot and tool, as the project stood when the set was frozen: run
#                  from a git worktree at that commit (FROZEN, the rules before the
#                  structural cues, the example files before the library grew);
#   open-first-k   tool with today's defaults (the structural router, the first k examples);
#   open-retrieve  the same with 2 of the 4 examples retrieved per question (--retrieve 2).
#
#   nohup research/run_open.sh >> research/results/run.log 2>&1 &
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${RESULTS_DIR:-research/results}")
DATA="${REASONER_DATA_DIR:-$(cd .. && pwd)/shared/datasets}"
status=0
FROZEN=1f176ba11c6bed618d08dec29288f7f1fe81b10a  # the commit that froze evals/data/open.jsonl
REPO=$(pwd)
open_run() {  # open_run DIR STRATEGIES [extra eval options]; CODE (default: this checkout)
  local dir=$1 strategies=$2
  shift 2
  echo "=== $dir $strategies $* $(date -u +%FT%TZ)"
  (cd "${CODE:-$REPO}" && PYTHONPATH="${CODE:-$REPO}" "$REPO/.venv/bin/python" -c "import sys; from reasoner.cli import main; sys.argv[0] = 'reasoner'; sys.exit(main())" eval open \
    --strategy "$strategies" --seed 0 --model qwen2.5-coder-1.5b --data-dir "$DATA" \
    --out "$OUT/$dir" "$@") || status=$?
}
if [ "${SKIP_BASELINE:-0}" != 1 ]; then
  frozen=$(mktemp -d)/frozen
  git worktree add --detach "$frozen" "$FROZEN" >/dev/null
  CODE=$frozen open_run open direct,cot,tool
  git worktree remove --force "$frozen"
fi
open_run open-first-k tool
open_run open-retrieve tool --retrieve 2
echo "=== done $(date -u +%FT%TZ) (status $status)"
exit "$status"
