#!/usr/bin/env bash
# Mutation score of the modules whose bugs would not crash (objectives, samplers, metrics, resume,
# atomic writes), with mutmut 3: each mutant is one small change to the code, "killed" when a test
# fails. Slow (an hour or more on 2 cores), so not in CI; the figures go in the README.
# Usage: bash tools/mutation_score.sh   (in the project's environment, from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q "mutmut>=3.3,<4"
rm -rf mutants
mutmut run --max-children "${MUTATION_JOBS:-2}" || true
# Per module: killed / total (a mutant that survives is one the tests cannot tell from the code).
mutmut results --all true 2>/dev/null | python tools/mutation_table.py
