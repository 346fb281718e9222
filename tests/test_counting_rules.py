"""Counting rules of the counter series (issue #12, tester's items 1, 4 and 6): a day expects its
real length over the channel's time step, absent measures are missing ones, hours are measures
times the step, and consecutive measures are a step apart in time (UTC), not on the wall clock."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from conftest import counter_site_db
from ecotransition.core import anomalies as A
from ecotransition.data import sql


def local_rows(channel: str, first_utc: str, last_utc: str, freq: str, count, drop=()) -> pd.DataFrame:
    """Measures of `channel` at every instant from `first_utc` to `last_utc` (UTC), stored as the
    app stores them: Paris wall-clock start and its offset in minutes; `count(local)` gives the
    count; local starts in `drop` (strings) have no row at all."""
    instants = pd.date_range(first_utc, last_utc, freq=freq, tz="UTC")
    local = instants.tz_convert("Europe/Paris")
    naive = local.tz_localize(None)
    frame = pd.DataFrame({
        "channel_id": channel, "start_datetime": naive,
        "end_datetime": naive + pd.Timedelta(freq),
        "count": pd.array([count(t) for t in naive], dtype="Int64"), "source": "test",
        "utc_offset": [int(t.utcoffset().total_seconds() // 60) for t in local],
    })
    keep = ~frame["start_datetime"].astype(str).isin(set(drop))
    return frame.loc[keep]


@pytest.fixture()
def db():
    """Channel h1 (hourly, 10 an hour) from 30 September to 28 October 2024, with no row on
    1 October from 10 h to 14 h (5 hours) nor on 3 October; the clocks go back on 27 October (25
    hours). Channel q1 (quarter-hourly, 1 a quarter) from 1 to 5 June 2024, without 10:00-10:30 on
    2 June (3 quarters), nothing on 3 June, without 8:00-10:45 on 5 June (12 quarters = 3 hours)."""
    c = counter_site_db((("h1", "BIKE", 3600), ("q1", "PEDESTRIAN", 900)))
    hole = [f"2024-10-01 {h:02d}:00:00" for h in range(10, 15)]
    hourly = local_rows("h1", "2024-09-29 22:00", "2024-10-28 22:00", "1h", lambda t: 10, drop=hole)
    hourly = hourly.loc[hourly["start_datetime"].dt.date != date(2024, 10, 3)]
    quarters = [f"2024-06-02 10:{m:02d}:00" for m in (0, 15, 30)]
    quarters += [str(t) for t in pd.date_range("2024-06-05 08:00", "2024-06-05 10:45", freq="15min")]
    quarter = local_rows("q1", "2024-05-31 22:00", "2024-06-05 21:45", "15min", lambda t: 1, drop=quarters)
    quarter = quarter.loc[quarter["start_datetime"].dt.date != date(2024, 6, 3)]
    frame = pd.concat([hourly, quarter], ignore_index=True)
    c.register("frame", frame)
    c.execute("INSERT INTO counter_measures (channel_id, start_datetime, end_datetime, count, source, utc_offset) "
              "SELECT * FROM frame")
    for name in sql.DERIVED:
        sql.materialize(c, name)
    sql.create_views(c)
    yield c
    c.close()


def day_row(c, table: str, channel: str, day: str) -> tuple:
    return c.execute(f"SELECT visits, measures, missing_measures FROM {table} WHERE channel_id = ? AND day = ?",
                     [channel, day]).fetchall()[0]


def test_measures_absent_inside_a_day_are_missing_like_empty_counts(db):
    assert day_row(db, "counter_daily", "h1", "2024-10-01") == (190, 24, 5)     # 19 rows of 10
    assert day_row(db, "counter_daily", "h1", "2024-10-02") == (240, 24, 0)
    # The day with no row at all: the calendar's missing day, 24 hours.
    assert day_row(db, "counter_calendar", "h1", "2024-10-03") == (None, 24, 24)
    assert day_row(db, "counter_daily", "q1", "2024-06-02") == (93, 96, 3)
    assert day_row(db, "counter_calendar", "q1", "2024-06-03") == (None, 96, 96)


def test_a_day_expects_its_real_length_when_the_clocks_change(db):
    # 27 October 2024 has 25 hours, all counted: complete, not one measure too many.
    assert day_row(db, "counter_daily", "h1", "2024-10-27") == (250, 25, 0)
    assert db.execute("SELECT paris_day_seconds(DATE '2024-03-31'), paris_day_seconds(DATE '2025-10-26'), "
                      "paris_day_seconds(DATE '2024-06-01')").fetchall() == [(82800, 90000, 86400)]
    got = A.day_seconds(pd.Series(pd.to_datetime(["2024-03-31", "2025-10-26", "2024-06-01"])))
    assert list(got) == [82800, 90000, 86400]


def test_the_gap_rule_counts_absent_hours_and_hours_not_measures(db):
    daily = sql.run(db, "counter_days", epci=None, commune=None)
    got = A.day_flags(daily)
    gaps = got.loc[got["rule"] == "gap"]
    assert list(zip(gaps["channel_id"], gaps["start"], gaps["end"], gaps["days"], gaps["detail"])) == [
        ("h1", date(2024, 10, 1), date(2024, 10, 1), 1, "5 heures non mesurées"),
        ("h1", date(2024, 10, 3), date(2024, 10, 3), 1, "24 heures non mesurées"),
        # 3 quarters missing on 2 June are 0.75 hour: not a gap; 3 June is 24 hours, not 96.
        ("q1", date(2024, 6, 3), date(2024, 6, 3), 1, "24 heures non mesurées"),
        # 5 June: 3 hours; then q1 sends nothing while h1 goes on to 28 October: missing, and
        # 27 October is 25 hours (3 + 144 × 24 + 25).
        ("q1", date(2024, 6, 5), date(2024, 10, 28), 146, "3\u202f484 heures non mesurées"),
    ]


def test_a_missing_quarter_hour_day_built_by_hand_is_24_hours():
    daily = pd.DataFrame({"channel_id": "q", "day": pd.to_datetime(["2024-06-01", "2024-06-03"]),
                          "step": 900, "visits": [96.0, 96.0], "measures": 96, "missing_measures": 0})
    cal = A.calendar(daily)
    assert cal.loc[cal["day"] == "2024-06-02", ["measures", "missing_measures"]].values.tolist() == [[96, 96]]
    assert list(A.day_flags(daily)["detail"]) == ["24 heures non mesurées"]


def test_missing_hours_of_the_visit_queries_are_hours(db):
    monthly = sql.run(db, "visits_monthly", epci=None, commune=None)
    june = monthly.loc[monthly["month"].astype(str) == "2024-06-01"].iloc[0]
    # 3 + 96 + 12 quarters missing of 5 days of 96, then 25 days not sent (q1 stopped).
    assert (june["missing_hours"], june["hours"]) == (27.75 + 25 * 24, 30 * 24.0)
    october = monthly.loc[(monthly["month"].astype(str) == "2024-10-01") & (monthly["mobility_type"] == "BIKE")].iloc[0]
    # 1 to 28 October, 27 October of 25 hours; 5 + 24 hours missing.
    assert (october["missing_hours"], october["hours"]) == (29.0, 28 * 24 + 1.0)
    over = sql.run(db, "overview_visits", epci=None, commune=None)
    q = over.loc[(over["channel_id"] == "q1")].iloc[0]
    assert (str(q["month"])[:10], q["missing_hours"], q["hours"]) == ("2024-06-01", 27.75 + 25 * 24, 30 * 24.0)


def test_a_daily_channels_missing_days_are_their_real_length():
    """Channel d1 counts once a day (step 86 400) from 1 March to 31 October 2025, with no row on
    30 March (23 hours) nor 26 October (25 hours): a day-long measure covers its local day, so each
    missing day is its own length, and March measures 743 hours, not 31 × 24 = 744."""
    c = counter_site_db((("d1", "BIKE", 86400),))
    days = [d for d in pd.date_range("2025-03-01", "2025-10-31", freq="D")
            if str(d.date()) not in ("2025-03-30", "2025-10-26")]
    local = pd.DatetimeIndex(days).tz_localize("Europe/Paris")
    c.register("frame", pd.DataFrame({
        "channel_id": "d1", "start_datetime": days, "end_datetime": [d + pd.Timedelta(days=1) for d in days],
        "count": pd.array([100] * len(days), dtype="Int64"), "source": "test",
        "utc_offset": [int(t.utcoffset().total_seconds() // 60) for t in local]}))
    c.execute("INSERT INTO counter_measures (channel_id, start_datetime, end_datetime, count, source, utc_offset) "
              "SELECT * FROM frame")
    for name in sql.DERIVED:
        sql.materialize(c, name)
    sql.create_views(c)
    try:
        gaps = A.day_flags(sql.run(c, "counter_days", epci=None, commune=None))
        assert list(zip(gaps["start"], gaps["detail"])) == [
            (date(2025, 3, 30), "23 heures non mesurées"), (date(2025, 10, 26), "25 heures non mesurées")]
        monthly = sql.run(c, "visits_monthly", epci=None, commune=None)
        got = {str(r.month)[:7]: (r.visits, r.hours, r.missing_hours) for r in monthly.itertuples()}
        assert got["2025-03"] == (3000, 743.0, 23.0)
        assert got["2025-10"] == (3000, 745.0, 25.0)
        assert got["2025-06"] == (3000, 720.0, 0.0)
        series = sql.run(c, "visits_series", grain="day", epci=None, commune=None, site=None, mode=None, annee=None)
        spring = series.loc[series["period"].astype(str) == "2025-03-30"].iloc[0]
        assert pd.isna(spring["visits"]) and (spring["hours"], spring["missing_hours"]) == (23.0, 23.0)
    finally:
        c.close()


@pytest.fixture()
def flat():
    """Channel f1, hourly: counts 20, 21, 22… except 5 for 6 real hours across each clock change:
    30 March 2024 22 h to 31 March 4 h (no 2 h that night) and 26 October 23 h to 27 October 3 h
    (2 h twice)."""
    c = counter_site_db((("f1", "BIKE", 3600),))
    frames = []
    for first, last, run_first in (("2024-03-30 12:00", "2024-03-31 12:00", "2024-03-30 21:00"),
                                   ("2024-10-26 12:00", "2024-10-27 12:00", "2024-10-26 21:00")):
        instants = pd.date_range(first, last, freq="h", tz="UTC")
        run = set(pd.date_range(run_first, periods=6, freq="h", tz="UTC"))
        local = instants.tz_convert("Europe/Paris")
        frames.append(pd.DataFrame({
            "channel_id": "f1", "start_datetime": local.tz_localize(None),
            "end_datetime": local.tz_localize(None) + pd.Timedelta(hours=1),
            "count": pd.array([5 if t in run else 20 + k for k, t in enumerate(instants)], dtype="Int64"),
            "source": "test", "utc_offset": [int(t.utcoffset().total_seconds() // 60) for t in local]}))
    c.register("frame", pd.concat(frames, ignore_index=True))
    c.execute("INSERT INTO counter_measures (channel_id, start_datetime, end_datetime, count, source, utc_offset) "
              "SELECT * FROM frame")
    yield c
    c.close()


def test_a_flat_run_across_a_clock_change_is_one_run_of_real_hours(flat):
    runs = sql.run(flat, "counter_flat_runs", min_measures=2, min_value=4, epci=None, commune=None)
    assert list(zip(runs["run_start"].astype(str), runs["run_end"].astype(str), runs["measures"], runs["value"])) == [
        ("2024-03-30 22:00:00", "2024-03-31 04:00:00", 6, 5),
        ("2024-10-26 23:00:00", "2024-10-27 03:00:00", 6, 5),
    ]
    assert len(A.flat_flags(runs)) == 2       # FLAT_HOURS = 6: both flagged


def test_a_channels_import_keeps_the_step_the_measures_have_and_corrects_a_stored_wrong_one(writable_db):
    """The declared step is not trusted (t12h finding 1): a channel with measures keeps theirs, and a
    database that stored a wrong one (86 400 for hourly measures) is corrected by the next import
    of the channel, its days recounted."""
    from ecotransition.imports import LOADED, UNCHANGED, import_file

    day = ("SELECT measures, missing_measures FROM counter_daily WHERE channel_id = 'demo-cpt-001-vel' "
           "AND day = '2024-06-03'")
    with duckdb.connect(str(writable_db)) as c:
        site = c.execute("SELECT site_id FROM counter_channels WHERE channel_id = 'demo-cpt-001-vel'").fetchall()[0][0]
        other = c.execute("SELECT sum(measures) FROM counter_daily WHERE channel_id <> 'demo-cpt-001-vel'").fetchall()
        before = c.execute(day).fetchall()
        # As a database filled before the rule stored it; one hour of the day removed.
        c.execute("UPDATE counter_channels SET time_step = 86400 WHERE channel_id = 'demo-cpt-001-vel'")
        c.execute("DELETE FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' AND start_datetime = ("
                  "SELECT min(start_datetime) FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                  "AND start_datetime::DATE = '2024-06-03' AND count IS NOT NULL)")
        sql.create_macros(c)
        sql.materialize(c, "counter_daily", "channel_id = 'demo-cpt-001-vel'")
        assert c.execute(day).fetchall() == [(23, before[0][1])]     # the absent hour unseen
    # The file declares 900 s: 3 600 s stay, the stored 86 400 s corrected, the day expects 24.
    data = f"channel_id,site_id,mobility_type,time_step\ndemo-cpt-001-vel,{site},BIKE,900\n".encode()
    result = import_file("counter_channels", data, writable_db, file_name="canaux.csv")
    assert result.status == LOADED
    assert ("pas de temps du canal « demo-cpt-001-vel » : 3\u202f600 s d'après ses mesures (900 s déclarées)"
            in result.message.replace("\xa0", "\u202f"))
    with duckdb.connect(str(writable_db), read_only=True) as c:
        assert c.execute("SELECT time_step FROM counter_channels WHERE channel_id = 'demo-cpt-001-vel'").fetchall() \
            == [(3600,)]
        assert c.execute(day).fetchall() == [(24, before[0][1] + 1)]
        assert c.execute("SELECT sum(measures) FROM counter_daily WHERE channel_id <> 'demo-cpt-001-vel'").fetchall() == other
    # The same file again changes nothing (the stored step is already the measured one).
    assert import_file("counter_channels", data, writable_db, file_name="canaux2.csv").status == UNCHANGED
