"""What the one completeness rule costs: each query that reads the view counter_calendar (the
stored daily sums plus a day of missing measures for every day a channel sent nothing while the
others went on) against the same query on the stored daily sums alone (counter_daily, the
absent days not counted), on one read connection as the app opens it.

    python bench/bench_calendar.py [--db PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_queries import timed  # noqa: E402  (the median of `repeat` runs, and the last result)

from ecotransition.core.paths import db_path  # noqa: E402
from ecotransition.data import sql  # noqa: E402
from ecotransition.data.db import open_readonly  # noqa: E402

# query -> parameters (the pages' defaults: the whole Pôle, every year)
QUERIES = {
    "visits_series": dict(grain="month", epci=None, commune=None, site=None, mode=None, annee=None),
    "visits_channel_years": dict(epci=None, commune=None),
    "counter_days": dict(epci=None, commune=None),
    "metrics_visits": {},
    "overview_visits": dict(epci=None, commune=None),
    "screen_visits_yearly": {},
    "map_counter_sites": {},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", default=str(db_path()))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    conn = open_readonly(Path(args.db))
    daily = conn.execute("SELECT count(*) FROM counter_daily").fetchone()[0]
    absent = conn.execute("SELECT count(*) FILTER (NOT measured) FROM counter_calendar").fetchone()[0]
    print(f"{args.db}: {daily:,} daily sums, {absent:,} channel-days without any row; median of {args.repeat}")
    print(f"{'query':<22} {'calendar s':>10} {'daily only s':>12} {'rows':>8}")
    for name, params in QUERIES.items():
        q = sql.load(name)
        # The same query over the stored sums alone: every row measured, no day added, hours by the
        # step only (no day length).
        before = q.sql.replace("FROM counter_calendar", (
            "FROM (SELECT d.*, TRUE AS measured, d.measures * coalesce(ch.time_step, 3600) / 3600.0 AS hours, "
            "d.missing_measures * coalesce(ch.time_step, 3600) / 3600.0 AS missing_hours "
            "FROM counter_daily d LEFT JOIN counter_channels ch USING (channel_id))"))
        cur = conn.cursor()
        s_new, rows = timed(lambda: sql.run(cur, name, **params), args.repeat)
        s_old, _ = timed(lambda: cur.execute(before, {k: v for k, v in params.items() if k in q.params}).df(),
                         args.repeat)
        print(f"{name:<22} {s_new:10.3f} {s_old:12.3f} {len(rows):8,}")
    conn.close()


if __name__ == "__main__":
    main()
