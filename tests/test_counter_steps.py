"""A channel's time step is the one its measures have (issue #12, tester t12h findings 1, 2, 4):
hourly rows on a channel declaring 86 400 s, quarter-hours on a channel declaring none, and a
daily channel's 23-hour day, imported as files into a copy of the built database."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from ecotransition.core import anomalies as A
from ecotransition.data import sql
from ecotransition.imports import LOADED, import_file
from ecotransition.themes import parks

SITES = "site_id,site_name,fr_insee_code,xlong,ylat\nt-s1,Parc des pas,62498,2.81,50.44\n"
# Declared as real exports do: 86 400 for hourly measures (t-hd) and daily ones (t-day).
CHANNELS = "channel_id,site_id,mobility_type,direction,time_step\nt-hd,t-s1,BIKE,,86400\nt-day,t-s1,PEDESTRIAN,,86400\n"
# A channels file may omit the step: stored NULL until measures say it.
CHANNELS_NO_STEP = "channel_id,site_id,mobility_type\nt-qc,t-s1,UNDEFINED\n"


def _rows(channel: str, starts: pd.DatetimeIndex, length: pd.Timedelta, counts) -> list[str]:
    return [f"{channel},c,{s.isoformat()},{(s + length).isoformat()},{'' if n is None else n}"
            for s, n in zip(starts, counts)]


def measures_file() -> str:
    lines = ["channel_id,counter_id,start_datetime,end_datetime,count"]
    # t-hd: 10 every hour from 1 January 2024 to 28 February 2025, one empty hour (5 June 2024
    # 12 h) and two absent ones (6 June 2024 10 h and 11 h).
    hours = pd.date_range("2024-01-01", "2025-03-01", freq="h", tz="Europe/Paris", inclusive="left")
    absent = {pd.Timestamp("2024-06-06 10:00", tz="Europe/Paris"), pd.Timestamp("2024-06-06 11:00", tz="Europe/Paris")}
    hours = hours[~hours.isin(list(absent))]
    empty = pd.Timestamp("2024-06-05 12:00", tz="Europe/Paris")
    lines += _rows("t-hd", hours, pd.Timedelta(hours=1), [None if h == empty else 10 for h in hours])
    # t-qc: quarter-hours from 4 to 6 June 2024 (1, 2, 3, 1…), none on 5 June from 10 h to 16 h,
    # and 7 six times on 6 June from 10 h (the last starting at 11 h 15).
    quarters = pd.date_range("2024-06-04", "2024-06-07", freq="15min", tz="Europe/Paris", inclusive="left")
    day5 = pd.Timestamp("2024-06-05", tz="Europe/Paris")
    quarters = quarters[~((quarters >= day5 + pd.Timedelta(hours=10)) & (quarters < day5 + pd.Timedelta(hours=16)))]
    stuck = pd.Timestamp("2024-06-06 10:00", tz="Europe/Paris")
    lines += _rows("t-qc", quarters, pd.Timedelta(minutes=15),
                   [7 if stuck <= q < stuck + pd.Timedelta(minutes=90) else 1 + k % 3 for k, q in enumerate(quarters)])
    # t-day: Eco-Compteur days (T00:00:00+01:00 all year), 300 a day from 25 March to 5 April 2024,
    # none on 31 March (the 23-hour day).
    for d in pd.date_range("2024-03-25", "2024-04-05", freq="D"):
        if d != pd.Timestamp("2024-03-31"):
            lines.append(f"t-day,c,{d:%Y-%m-%d}T00:00:00+01:00,{d + pd.Timedelta(days=1):%Y-%m-%d}T00:00:00+01:00,300")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def stepped(built_db, tmp_path_factory):
    """The built database plus t-hd, t-qc and t-day, and the import results (name -> message)."""
    path = tmp_path_factory.mktemp("steps") / "steps.duckdb"
    path.write_bytes(built_db.read_bytes())
    messages = {}
    for name, dataset, text in (("sites", "counter_sites", SITES), ("channels", "counter_channels", CHANNELS),
                                ("channels_no_step", "counter_channels", CHANNELS_NO_STEP),
                                ("measures", "counter_measures", measures_file())):
        result = import_file(dataset, text.encode(), path, file_name=f"{name}.csv")
        assert result.status == LOADED, result.message
        messages[name] = result.message
    return path, messages


def _query(path, query: str, **params):
    with duckdb.connect(str(path), read_only=True) as c:
        return c.execute(query, params).fetchall()


def test_the_measures_import_stores_the_step_the_measures_have_and_says_so(stepped):
    path, messages = stepped
    assert _query(path, "SELECT channel_id, time_step FROM counter_channels WHERE channel_id LIKE 't-%' "
                        "ORDER BY channel_id") == [("t-day", 86400), ("t-hd", 3600), ("t-qc", 900)]
    assert "pas de temps du canal « t-hd » : 3\u202f600 s d'après ses mesures (86\u202f400 s déclarées)" \
        in messages["measures"].replace("\xa0", "\u202f")
    assert "pas de temps du canal « t-qc » : 900 s d'après ses mesures (aucun pas déclaré)" in messages["measures"]
    assert "t-day" not in messages["measures"]      # its declared step is its measures'


def test_absent_and_empty_hours_of_an_hourly_channel_declared_daily(stepped):
    path, _ = stepped
    got = _query(path, "SELECT day, measures, missing_measures FROM counter_daily WHERE channel_id = 't-hd' "
                       "AND day IN ('2024-03-31', '2024-06-05', '2024-06-06') ORDER BY day")
    # 23 hours on the March change; 1 empty hour; 2 absent hours (they were « 1 of 1 » and « 0 of 0 »).
    assert got == [(date(2024, 3, 31), 23, 0), (date(2024, 6, 5), 24, 1), (date(2024, 6, 6), 24, 2)]


def test_february_hours_and_the_missing_hours_card_of_an_hourly_channel_declared_daily(stepped):
    path, _ = stepped
    with duckdb.connect(str(path), read_only=True) as c:
        series = sql.run(c, "visits_series", epci=None, commune=None, site="t-s1", mode="BIKE", annee=2025,
                         grain="month")
        cy = sql.run(c, "visits_channel_years", epci=None, commune=None)
    feb = series.loc[series["period"] == pd.Timestamp("2025-02-01")]
    assert (feb["hours"].iloc[0], feb["missing_hours"].iloc[0], feb["visits"].iloc[0]) == (672, 0, 6720)  # not 16 128
    cy = parks.select_channels(cy, site="t-s1", mode="BIKE")
    card = next(k for k in parks.kpis(cy, 2024, pd.DataFrame(), pd.DataFrame({"source": []}), "Parc des pas",
                                          mode="BIKE")
                if k.label == "Heures manquantes")
    assert card.value.replace("\u202f", " ").replace("\u00a0", " ") == "0,03 %"     # was 0,01 %
    assert card.help.replace("\u202f", " ").replace("\u00a0", " ") == \
        "3 heures sans mesure sur 8 784 : elles ne sont pas comptées comme des zéros."


def _flags(path):
    t = A.Thresholds()
    with duckdb.connect(str(path), read_only=True) as c:
        daily = sql.run(c, "counter_days", epci=None, commune=None)
        runs = sql.run(c, "counter_flat_runs", min_measures=t.flat_hours, min_value=t.flat_min_value,
                       epci=None, commune=None)
    daily = daily.loc[daily["channel_id"].str.startswith("t-")]
    runs = runs.loc[runs["channel_id"].str.startswith("t-")]
    return A.flags(daily, runs, t, events=pd.DataFrame(columns=["title", "description", "place", "start_date",
                                                                "end_date", "commune_code", "lat", "lon"]),
                   channels=pd.DataFrame(columns=["channel_id", "site_id", "commune_code", "lat", "lon",
                                                  "site_name", "park_id"]))


def test_flags_follow_the_measured_step(stepped):
    path, _ = stepped
    f = _flags(stepped[0])
    rows = sorted((r.channel_id, r.rule, str(r.start), str(r.end), r.detail) for r in f.itertuples())
    assert rows == [
        # One stuck value for 14 months, cut by the empty hour and the absent ones: « valeur figée »,
        # as on a channel declaring 3 600 (none before: runs chained a declared day apart).
        ("t-day", "flat", "2024-03-25", "2024-03-30",
         "300 passages à chaque mesure pendant 6 mesures, du 25 mars 2024 0 h au 31 mars 2024 0 h"),
        # The 23-hour day without its row: 1 measure missing, a lacune (it expected 82 800 // 86 400 = 0).
        ("t-day", "gap", "2024-03-31", "2024-03-31", "23 heures non mesurées"),   # its real length
        # t-day and t-qc stop while t-hd counts on to 28 February 2025: missing, 329 days and 267
        # (t-day's 27 October 2024 of 25 hours: 329 × 24 + 1).
        ("t-day", "gap", "2024-04-06", "2025-02-28", "7\u202f897 heures non mesurées"),
        ("t-hd", "flat", "2024-01-01", "2024-06-05",
         "10 passages à chaque mesure pendant 3\u202f755 mesures, du 1er janvier 2024 0 h au 5 juin 2024 12 h"),
        ("t-hd", "flat", "2024-06-05", "2024-06-06",
         "10 passages à chaque mesure pendant 21 mesures, du 5 juin 2024 13 h au 6 juin 2024 10 h"),
        ("t-hd", "flat", "2024-06-06", "2025-02-28",
         "10 passages à chaque mesure pendant 6\u202f421 mesures, du 6 juin 2024 12 h au 1er mars 2025 0 h"),
        # Six hours of quarter-hours absent: a 6-hour lacune (was none, 96 « hours » a day).
        ("t-qc", "flat", "2024-06-06", "2024-06-06",
         "7 passages à chaque mesure pendant 6 mesures, le 6 juin 2024 de 10 h à 11 h 30"),
        ("t-qc", "gap", "2024-06-05", "2024-06-05", "6 heures non mesurées"),
        ("t-qc", "gap", "2024-06-07", "2025-02-28", "6\u202f409 heures non mesurées"),
    ]
    # One empty hour on 5 June and two absent on 6 June: under GAP_HOURS (3), no lacune of t-hd.
    assert not ((f["channel_id"] == "t-hd") & (f["rule"] == "gap")).any()


def test_a_daily_channels_missing_23_hour_day_expects_one_measure(stepped):
    path, _ = stepped
    got = _query(path, "SELECT day, measures, missing_measures, measured FROM counter_calendar "
                       "WHERE channel_id = 't-day' AND day BETWEEN '2024-03-30' AND '2024-04-01' ORDER BY day")
    assert got == [(date(2024, 3, 30), 1, 0, True), (date(2024, 3, 31), 1, 1, False), (date(2024, 4, 1), 1, 0, True)]
    with duckdb.connect(str(path), read_only=True) as c:
        march = sql.run(c, "visits_series", epci=None, commune=None, site="t-s1", mode="PEDESTRIAN", annee=2024,
                        grain="month")
    row = march.loc[march["period"] == pd.Timestamp("2024-03-01")].iloc[0]
    # 6 days counted (25–30 March) and the missing one: its day's 23 hours, never silently absent.
    assert (row["visits"], row["missing_hours"], row["days"]) == (1800, 23, 6)


def test_the_flat_detail_ends_at_the_last_measures_own_end():
    runs = pd.DataFrame({
        "channel_id": ["q", "d"],
        "run_start": [pd.Timestamp("2024-06-10 10:00"), pd.Timestamp("2024-06-01")],
        "run_end": [pd.Timestamp("2024-06-10 11:15"), pd.Timestamp("2024-06-06")],
        "run_stop": [pd.Timestamp("2024-06-10 11:30"), pd.Timestamp("2024-06-07")],
        "measures": [6, 6], "value": [12, 300]})
    near = pd.DataFrame(columns=["channel_id", "day", "closed"])
    assert list(A.flat_flags(runs, near=near)["detail"]) == [
        "12 passages à chaque mesure pendant 6 mesures, le 10 juin 2024 de 10 h à 11 h 30",   # was « à 12 h »
        "300 passages à chaque mesure pendant 6 mesures, du 1er juin 2024 0 h au 7 juin 2024 0 h",  # was « 6 juin 1 h »
    ]


def test_the_build_stores_the_step_its_measures_have(conn):
    # The demonstration's channels are hourly: the build sets their step by the imports' rule.
    steps = sql.run(conn, "counter_steps", channels=None)
    stored = dict(conn.execute("SELECT channel_id, time_step FROM counter_channels").fetchall())
    assert len(steps) == len(stored) == 12
    assert {c: stored[c] for c in steps["channel_id"]} == dict(zip(steps["channel_id"], steps["step"])) \
        == {c: 3600 for c in stored}
