"""Kill imports (and the server beside them) mid-way, 20 times: the database must then hold
the old data or the new, never a mix, and the app must start cleanly on it.

Each round: a Streamlit server runs on a copy of the database while `python -m
ecotransition.imports counter_measures` loads a new year of measures; both are killed
with SIGKILL after a random delay. Then the file is opened: its measures count must be the
old one or old + file rows, every other table unchanged; the server is started again and
must answer its health check; the overview runs under AppTest without an exception.

    python bench/faults.py --db data/ecotransition.duckdb [--rounds 20] [--rows 300000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from conftest import APP, start_server  # noqa: E402
from ecotransition.data.db import checksums  # noqa: E402

OTHER_TABLES = ("communes", "events", "investments", "solar_production", "counter_sites", "counter_channels")


def measures_file(db: Path, out: Path, rows: int) -> int:
    """A schema-comptage measures CSV for 2025, on the existing channels (new rows only)."""
    c = duckdb.connect(str(db), read_only=True)
    channels = [r[0] for r in c.execute("SELECT channel_id FROM counter_channels ORDER BY 1").fetchall()]
    c.close()
    per_channel = max(1, rows // len(channels))
    with duckdb.connect() as w:
        w.execute(
            f"""COPY (
                SELECT ch AS channel_id, 'demo' AS counter_id,
                       strftime(TIMESTAMP '2025-01-01' + INTERVAL (h) HOUR, '%Y-%m-%dT%H:%M:%S+01:00') AS start_datetime,
                       strftime(TIMESTAMP '2025-01-01' + INTERVAL (h + 1) HOUR, '%Y-%m-%dT%H:%M:%S+01:00') AS end_datetime,
                       (h * 7 + 3) % 50 AS count
                FROM unnest($channels) AS t(ch), range({per_channel}) AS r(h)
            ) TO '{out}' (HEADER, DELIMITER ',')""",
            {"channels": channels},
        )
    return per_channel * len(channels)


def state(db: Path) -> tuple[int, dict]:
    c = duckdb.connect(str(db), read_only=True)
    try:
        n = c.execute("SELECT count(*) FROM counter_measures").fetchall()[0][0]
        return n, checksums(c, OTHER_TABLES)
    finally:
        c.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    from streamlit.testing.v1 import AppTest

    outcomes = {"old": 0, "new": 0, "mixed": 0, "unreadable": 0, "app_failed": 0}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        db = tmp / "faults.duckdb"
        shutil.copyfile(args.db, db)
        csv = tmp / "measures-2025.csv"
        added = measures_file(db, csv, args.rows)
        old_n, old_other = state(db)
        # How long a full import takes, to spread the kills over its whole duration.
        probe = tmp / "probe.duckdb"
        shutil.copyfile(db, probe)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ecotransition.imports", "counter_measures", str(csv),
                        "--db", str(probe), "--quiet"], cwd=ROOT, check=True)
        full = time.perf_counter() - t0
        probe.unlink()
        print(f"{added:,} rows per import, a full import takes {full:.1f} s".replace(",", " "))
        for k in range(args.rounds):
            shutil.copyfile(args.db, db)  # every round starts from the old state
            server, _ = start_server(db)
            imp = subprocess.Popen([sys.executable, "-m", "ecotransition.imports", "counter_measures",
                                    str(csv), "--db", str(db), "--quiet"], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rnd.uniform(0.05, full * 1.1)
            time.sleep(delay)
            for proc in (imp, server):
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
            try:
                n, other = state(db)
                verdict = "old" if n == old_n else "new" if n == old_n + added else "mixed"
                if other != old_other:
                    verdict = "mixed"
            except duckdb.Error:
                verdict = "unreadable"
            outcomes[verdict] += 1
            server, _ = start_server(db)  # raises if the app does not come back
            server.terminate()
            server.wait(10)
            os.environ["ECOTRANSITION_DB"] = str(db)
            at = AppTest.from_file(APP, default_timeout=120)
            at.run()
            if at.exception:
                outcomes["app_failed"] += 1
            print(f"round {k + 1:>2}: killed after {delay:4.1f} s -> {verdict}"
                  f"{' (app error)' if at.exception else ''}", flush=True)
    print("outcomes:", outcomes)
    if outcomes["mixed"] or outcomes["unreadable"] or outcomes["app_failed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
