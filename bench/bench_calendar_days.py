"""The calendar-day reading's cost (formats/counters.py `_calendar_days`) inside a real import.

Writes two 1,000,000-row measures files on 10 demonstration channels, hours from 2000 (before the
demonstration's own), written in Paris's offsets (+01:00/+02:00): one without ends (every Paris
midnight is a candidate day, so the channels' steps are worked out), one with ends (an hour each:
one aggregate decides). Imports each into a copy of --db, timing `_calendar_days` (wall and the
process CPU, DuckDB's threads included) and the whole import; prints one line per run.

    python bench/bench_calendar_days.py --db /tmp/base.duckdb [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecotransition.imports import import_file  # noqa: E402
from ecotransition.imports.formats import counters  # noqa: E402

CHANNELS = [f"demo-cpt-00{k}-{m}" for k in range(1, 6) for m in ("vel", "pie")]


def write(path: Path, ends: bool, hours: int = 100_000) -> None:
    paris, t0 = ZoneInfo("Europe/Paris"), datetime(2000, 1, 1, tzinfo=timezone.utc)
    with path.open("w") as f:
        f.write("channel_id,counter_id,start_datetime,end_datetime,count\n")
        for c in CHANNELS:
            for k in range(hours):
                start = (t0 + timedelta(hours=k)).astimezone(paris).isoformat()
                end = (t0 + timedelta(hours=k + 1)).astimezone(paris).isoformat() if ends else ""
                f.write(f"{c},C,{start},{end},{k % 13}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, help="a built database (python -m ecotransition.build --db …)")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    spent = []
    original = counters._calendar_days

    def timed(ctx):
        wall, cpu = time.perf_counter(), time.process_time()
        original(ctx)
        spent.append((time.perf_counter() - wall, time.process_time() - cpu))

    counters._calendar_days = timed
    with tempfile.TemporaryDirectory() as tmp:
        for ends in (False, True):
            data = Path(tmp) / f"paris_{'ends' if ends else 'noend'}.csv"
            write(data, ends)
            for run in range(args.repeat):
                db = Path(tmp) / "x.duckdb"
                shutil.copy(args.db, db)
                spent.clear()
                start = time.perf_counter()
                result = import_file("counter_measures", data, db)
                total = time.perf_counter() - start
                print(f"{data.name} run {run + 1}: {result.status}, {result.rows_loaded} rows, import {total:.2f} s; "
                      f"_calendar_days wall {spent[0][0]:.3f} s, CPU {spent[0][1]:.3f} s")
                db.unlink()


if __name__ == "__main__":
    main()
