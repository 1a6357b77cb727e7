#!/usr/bin/env bash
# One call of a GPU lease, from a bare machine to packed results (CONTRIBUTING.md,
# "Full-scale results"):
#
#   OUT=<folder for the files that go back> scripts/full-scale.sh
#
# 1. set-up: the machine's own Python and packages (torch, numpy, matplotlib,
#    scikit-learn, tqdm); nothing is installed, and nothing of the book's toolchain
#    (jupyter-book, jupytext, nbformat) is needed;
# 2. resume: a run already on this machine ($RUN), else the results of the last
#    lease ($RESUME_FROM, book/full: finished jobs are not run again);
# 3. every job at the full scale within $MINUTES minutes, each model until its steps
#    or its share of the time run out (a hard stop at $LIMIT seconds, in case);
# 4. the results packed into $OUT, at most 8 files, even after a failure.
#
# tests/test_rehearsal.py runs this very script at the smoke scale on the CPU:
#   SCALE=smoke MINUTES=0.5 LIMIT=300 RUN=... RESUME_FROM=... OUT=... scripts/full-scale.sh
set -uo pipefail
cd "$(dirname "$0")/.."
SCALE="${SCALE:-full}"
MINUTES="${MINUTES:-7}"
LIMIT="${LIMIT:-480}"
RUN="${RUN:-_build/full-run}"
RESUME_FROM="${RESUME_FROM:-book/full}"
PYTHON="${PYTHON:-python3}"
: "${OUT:?set OUT to the folder whose files come back}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg PYTHONUNBUFFERED=1

"$PYTHON" - "$SCALE" <<'PY' || exit 3
import sys

import matplotlib, numpy, sklearn, torch, tqdm  # noqa: F401, what the run needs

cuda = torch.cuda.is_available()
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, "
      f"{torch.cuda.get_device_name() if cuda else 'no GPU'}", flush=True)
if sys.argv[1] == "full" and not cuda:
    sys.exit("the full scale runs on a GPU, and torch sees none")
PY

if [ ! -f "$RUN/results.json" ] && [ -f "$RESUME_FROM/results.json" ]; then
    mkdir -p "$RUN" && cp -r "$RESUME_FROM/." "$RUN/"
fi

status=0
timeout "$LIMIT" "$PYTHON" -m lecturecode figures --scale "$SCALE" --out "$RUN" \
    --budget-minutes "$MINUTES" || status=$?
"$PYTHON" -m lecturecode pack "$RUN" "$OUT" || status=4
exit "$status"
