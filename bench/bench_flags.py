"""The anomaly flags of the counter channels (ecotransition.core.anomalies): what each step costs
for the whole Pôle, the area /donnees counts and /chaine-des-parcs shows with no filter.

Steps: the daily rows (counter_days), the flat runs in the stored measures (counter_flat_runs),
the rules in pandas (themes.parks.flags_for_area), and for comparison one agglomeration (CALL).
The page caches each result (store.query / store.shared) until the counters' tables change, so
these are the costs of the first view after a build or an import.

    python bench/bench_flags.py [--db PATH] [--repeat 3] [--events 100000]

--events N: also the events about the counters (near a counter or naming its site or park,
closures read in their words: queries/counter_event_days.sql) over N events, the database's
repeated with distinct titles (a whole agenda imported): as the pages run it, on a copy of the
database holding those events, and through anomalies.event_days on the frames (the unit tests'
path: the same query on an in-memory copy of the frames).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_queries import timed  # noqa: E402  (the median of `repeat` runs, and the last result)

from ecotransition.core import anomalies  # noqa: E402
from ecotransition.core.paths import db_path  # noqa: E402
from ecotransition.data import sql  # noqa: E402
from ecotransition.data.db import open_readonly  # noqa: E402
from ecotransition.themes import parks  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--events", type=int, default=0)
    args = ap.parse_args()
    t = anomalies.Thresholds()
    conn = open_readonly(Path(args.db))
    measures = conn.execute("SELECT count(*) FROM counter_measures").fetchone()[0]
    channels_n = conn.execute("SELECT count(*) FROM counter_channels").fetchone()[0]
    print(f"{args.db}: {measures:,} measures, {channels_n} channels; median of {args.repeat}")
    print(f"{'area':<8} {'step':<34} {'seconds':>8}  result")
    # What the build and each counters import add: the channels' step measured on their measures.
    s_steps, steps = timed(lambda: sql.run(conn, "counter_steps", channels=None), args.repeat)
    print(f"{'PMA':<8} {'counter_steps (SQL, build)':<34} {s_steps:8.3f}  {len(steps):,} channels")
    for label, area in (("PMA", dict(epci=None, commune=None)), ("CALL", dict(epci="CALL", commune=None))):
        s_daily, daily = timed(lambda: sql.run(conn, "counter_days", **area), args.repeat)
        s_runs, runs = timed(lambda: sql.run(conn, "counter_flat_runs", min_measures=t.flat_hours,
                                             min_value=t.flat_min_value, **area), args.repeat)
        channels = sql.run(conn, "visits_channel_years", **area)
        events = sql.run(conn, "events_list", annee=None)
        s_rules, flags = timed(lambda: parks.flags_for_area(daily, runs, events, channels, t), args.repeat)
        print(f"{label:<8} {'counter_days (SQL)':<34} {s_daily:8.3f}  {len(daily):,} channel-days")
        print(f"{label:<8} {'counter_flat_runs (SQL)':<34} {s_runs:8.3f}  {len(runs):,} runs")
        print(f"{label:<8} {'rules (pandas)':<34} {s_rules:8.3f}  {len(flags):,} flags")
        print(f"{label:<8} {'total':<34} {s_daily + s_runs + s_rules:8.3f}  "
              f"{parks.flags_summary(flags, daily, channels)}")
    if args.events:
        import pandas as pd
        ev = sql.run(conn, "events_list", annee=None)
        big = pd.concat([ev] * (args.events // max(1, len(ev)) + 1), ignore_index=True).head(args.events)
        big = big.assign(title=[f"{title} n°{k}" for k, title in enumerate(big["title"])])
        channels = sql.run(conn, "visits_channel_years", epci=None, commune=None)
        s_ev, days = timed(lambda: anomalies.event_days(big, channels, t), args.repeat)
        print(f"{'PMA':<8} {f'event_days ({len(big):,} events)':<34} {s_ev:8.3f}  {len(days):,} channel-days")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "agenda.duckdb"
            shutil.copy(args.db, copy)
            with duckdb.connect(str(copy)) as w:
                rows = big.assign(id=[f"bench-{k}" for k in range(len(big))])[
                    ["id", "title", "start_date", "end_date", "place", "commune_code", "lat", "lon", "theme",
                     "participants", "description", "source"]]
                w.execute("DELETE FROM events")
                w.register("agenda", rows)
                w.execute("INSERT INTO events BY NAME SELECT * FROM agenda")
            agenda = open_readonly(copy)
            s_db, near = timed(lambda: sql.run(agenda, "counter_event_days", epci=None, commune=None,
                                               **anomalies.closure_params(t)), args.repeat)
            agenda.close()
        print(f"{'PMA':<8} {f'counter_event_days (database)':<34} {s_db:8.3f}  {len(near):,} channel-days, "
              f"{int(near['closed'].sum())} closed")
    conn.close()


if __name__ == "__main__":
    main()
