"""Time the database build at several demo scales; print time, file size and rows per table.

    python bench/bench_build.py [--scales 1 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecotransition.data.build import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            path = Path(tmp) / f"scale{scale}.duckdb"
            t0 = time.perf_counter()
            counts = build(path, scale, progress=lambda f, m: None)
            elapsed = time.perf_counter() - t0
            results.append((scale, elapsed, path.stat().st_size, counts))
    tables = sorted(results[0][3])
    print(f"{'scale':>5} {'seconds':>8} {'MiB':>7}  " + " ".join(f"{t[:16]:>16}" for t in tables))
    for scale, elapsed, size, counts in results:
        print(f"{scale:>5} {elapsed:>8.1f} {size / 2**20:>7.1f}  "
              + " ".join(f"{counts[t]:>16,}" for t in tables))


if __name__ == "__main__":
    main()
