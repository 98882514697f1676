"""Per-module mutation score from `mutmut results --all true` on standard input: killed / total."""

from __future__ import annotations

import collections
import re
import sys


def main() -> None:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in sys.stdin:
        match = re.match(r"\s*(genlib\.[\w.]+)\.x_\w+__mutmut_\d+: (.+)$", line)
        if match:
            counts[match.group(1)][match.group(2).strip()] += 1
    print("| module | mutants | killed | survived | score |")
    print("|---|---|---|---|---|")
    for module, states in sorted(counts.items()):
        total = sum(states.values())
        killed = states["killed"] + states["timeout"]
        print(f"| `{module}` | {total} | {killed} | {states['survived']} | {100 * killed / total:.0f}% |")


if __name__ == "__main__":
    main()
