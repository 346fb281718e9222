"""Peer and limit comparisons for the Chaîne des parcs monthly visits, in one run.

- peer: what a typical Streamlit page does (pandas.read_csv of the measures exported as CSV,
  merge with channels, groupby month and mode) versus our query path (named SQL on a cursor
  of the read-only connection, DataFrame out);
- limit: our query path versus the bare DuckDB SQL for the same result on the same table, the
  stored daily sums (what our layers cost); the bare SQL on the hourly measures is printed too
  (what the daily table saves).

    python bench/bench_queries.py [--db PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from ecotransition.core.paths import db_path  # noqa: E402
from ecotransition.data import sql  # noqa: E402
from ecotransition.data.db import open_readonly  # noqa: E402

QUERY = "visits_monthly"

BARE_SQL = """
SELECT date_trunc('month', d.day)::DATE AS month, ch.mobility_type, sum(d.visits) AS visits
FROM counter_daily d JOIN counter_channels ch USING (channel_id)
GROUP BY ALL ORDER BY month, ch.mobility_type
"""
BARE_HOURLY_SQL = """
SELECT date_trunc('month', m.start_datetime)::DATE AS month, ch.mobility_type, sum(m.count) AS visits
FROM counter_measures m JOIN counter_channels ch USING (channel_id)
GROUP BY ALL ORDER BY month, ch.mobility_type
"""


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = db_path(args.db)
    with tempfile.TemporaryDirectory() as tmp:
        measures_csv, channels_csv = Path(tmp) / "measures.csv", Path(tmp) / "channels.csv"
        writer = duckdb.connect(str(path), read_only=True)  # export needs file access
        writer.execute(f"COPY (SELECT channel_id, start_datetime, end_datetime, count FROM counter_measures) "
                       f"TO '{measures_csv}' (HEADER)")
        writer.execute(f"COPY counter_channels TO '{channels_csv}' (HEADER)")
        rows = writer.execute("SELECT count(*) FROM counter_measures").fetchall()[0][0]
        writer.close()

        def typical():
            m = pd.read_csv(measures_csv, parse_dates=["start_datetime"])
            ch = pd.read_csv(channels_csv)
            m = m.merge(ch[["channel_id", "mobility_type"]], on="channel_id")
            m["month"] = m["start_datetime"].dt.to_period("M").dt.to_timestamp()
            return m.groupby(["month", "mobility_type"], as_index=False)["count"].sum(min_count=1)

        peer_s, peer_df = timed(typical, max(1, min(args.repeat, 2)))

    # Only now open the hardened connection: DuckDB refuses a second connection to the
    # same file with another configuration in one process.

    conn = open_readonly(path)
    params = {p: None for p in sql.load(QUERY).params}
    ours_s, ours = timed(lambda: sql.run(conn, QUERY, **params), args.repeat)

    def bare(statement: str):
        cur = conn.cursor()
        try:
            return cur.execute(statement).df()
        finally:
            cur.close()

    bare_s, bare_df = timed(lambda: bare(BARE_SQL), args.repeat)
    hourly_s, hourly_df = timed(lambda: bare(BARE_HOURLY_SQL), args.repeat)

    # Same numbers from the three paths, or the comparison means nothing.
    ours_total = ours["visits"].sum()
    assert ours_total == bare_df["visits"].sum() == hourly_df["visits"].sum() == peer_df["count"].sum(), \
        "results differ"
    print(f"database: {path} ({rows:,} measures)".replace(",", " "))
    print(f"{'path':<44} {'median s':>9}")
    print(f"{'pandas read_csv + groupby (typical page)':<44} {peer_s:>9.3f}")
    print(f"{'our query path (named SQL, cursor, .df())':<44} {ours_s:>9.3f}")
    print(f"{'bare DuckDB SQL (daily sums)':<44} {bare_s:>9.3f}")
    print(f"{'bare DuckDB SQL (hourly measures)':<44} {hourly_s:>9.3f}")
    print(f"peer ratio  (typical / ours): {peer_s / ours_s:6.1f}x  (target >= 5x)")
    print(f"limit ratio (ours / bare):    {ours_s / bare_s:6.2f}x  (target <= 2x)")


if __name__ == "__main__":
    main()
