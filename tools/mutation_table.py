"""Per-module mutation score from `mutmut results --all true` on standard input.

score = killed / checked, where a mutant is killed when a test fails (or times out) with it in place.
"""

from __future__ import annotations

import collections
import re
import sys


def main() -> None:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in sys.stdin:
        match = re.match(r"\s*(genlib\.[\w.]+)\.x[_ǁ]\S+__mutmut_\d+: (.+)$", line)  # functions x_f, methods xǁClassǁm
        if match:
            counts[match.group(1)][match.group(2).strip()] += 1
    print("| module | mutants | checked | killed | survived | no test reaches it | score |")
    print("|---|---|---|---|---|---|---|")
    for module, states in sorted(counts.items()):
        killed = states["killed"] + states["timeout"]
        checked = killed + states["survived"] + states["no tests"]
        score = f"{100 * killed / checked:.0f}%" if checked else "-"
        print(
            f"| `{module}` | {sum(states.values())} | {checked} | {killed} | {states['survived']} "
            f"| {states['no tests']} | {score} |"
        )


if __name__ == "__main__":
    main()
