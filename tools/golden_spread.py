"""Cross-host tolerances of a golden table: the largest relative difference per metric-mean column between
the golden table and the same table made on another host (or with the kernels held to another ISA), times
a safety factor, written beside the golden table with the host the golden values hold on.

    python tools/golden_spread.py --golden tests/golden/tinymnist-summary.csv \\
        --other /tmp/avx2/summary.csv --other-host "same machine, ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2"

Run it on the host the golden values were made on (its key is recorded as `made_on`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from golden_host import host_key  # noqa: E402

FLOOR = 1e-4  # the same-host tolerance: FID and KID go through LAPACK and BLAS, which move them by up to 5e-5


def spread(golden: pd.DataFrame, other: pd.DataFrame) -> dict[str, float]:
    """Largest relative difference per float column that is not a standard deviation."""
    found = {}
    for column in golden.columns:
        if golden[column].dtype.kind not in "fc" or column.endswith("_std"):
            continue
        a, b = golden[column].to_numpy(float), other[column].to_numpy(float)
        both = np.isfinite(a) & np.isfinite(b)
        if not both.any():
            continue
        found[column] = float(np.max(np.abs(a[both] - b[both]) / np.maximum(np.abs(a[both]), 1e-12)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--golden", type=Path, required=True)
    parser.add_argument("--other", type=Path, required=True, help="the same table made on the other host")
    parser.add_argument("--other-host", required=True, help="what the other host was, in words")
    parser.add_argument("--factor", type=float, default=2.0, help="safety factor over the measured spread")
    args = parser.parse_args()
    measured = spread(pd.read_csv(args.golden), pd.read_csv(args.other))
    tolerance = {
        column: max(FLOOR, float(f"{math.ceil(args.factor * value * 1e4) / 1e4:.4g}"))
        for column, value in measured.items()
    }
    record = {
        "made_on": host_key(),
        "same_host_rtol": FLOOR,
        "cross_host": {
            "measured_against": args.other_host,
            "measured_relative_spread": {column: float(f"{value:.3g}") for column, value in measured.items()},
            "factor": args.factor,
            "rtol": tolerance,
        },
    }
    out = args.golden.with_suffix(".host.json")
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{out}: {json.dumps(tolerance)}")


if __name__ == "__main__":
    main()
