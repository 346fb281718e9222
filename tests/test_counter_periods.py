"""Counters: the current year against the same days of the year before, the rolling 12-month
total, and the anomaly flags on /chaine-des-parcs (on tests/fixtures/gaps.sql and the demo)."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pandas as pd
import pytest

from conftest import counter_db, counter_site_db, data_sums, open_page, shown, shown_table
from ecotransition.data import sql
from ecotransition.themes import parks

NNBSP = "\u202f"

# ---------------------------------------------------------------- same period of the year before

def test_the_channel_years_give_the_passages_of_the_days_both_years_counted_in_full(gaps):
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    assert set(pd.to_datetime(cy["to_date"]).dt.date) == {date(2025, 1, 10)}
    got = {(r.channel_id, r.year): (None if pd.isna(r.compared_visits) else r.compared_visits,
                                    None if pd.isna(r.compared_previous) else r.compared_previous, r.compared_days)
           for r in cy.itertuples()}
    # Lens counts 2 an hour, Hénin 1. 2024 against 2023: the 365 dates of 2023, less 1-10 March (not
    # measured at Lens in 2024) and 27 and 29 October (the fixture writes 24 hours on the 25-hour days
    # 29 October 2023 and 27 October 2024: not counted in full); 29 February 2024 has no pair.
    assert got == {("cpt-lens-pie", 2023): (None, None, 0), ("cpt-henin-vel", 2023): (None, None, 0),
                   ("cpt-lens-pie", 2024): (353 * 48, 353 * 48, 353), ("cpt-henin-vel", 2024): (363 * 24, 363 * 24, 363),
                   # 1-10 January 2025 at Lens; Hénin sent nothing after 2024 while Lens went on.
                   ("cpt-lens-pie", 2025): (480, 480, 10), ("cpt-henin-vel", 2025): (None, None, 0)}


def test_an_incomplete_year_is_compared_with_the_same_days_never_a_full_year(gaps):
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    assert parks.partial_year_end(cy, 2025) == date(2025, 1, 10)
    assert parks.partial_year_end(cy, 2024) is None
    # 1-10 January 2025 against 1-10 January 2024 at Lens (Hénin has not counted 2025): 480 / 480.
    assert parks.constant_perimeter_change(cy, 2025) == (0.0, 1)
    assert parks.period_text(cy, 2025) == "1er janvier – 10 janvier 2025 (mêmes jours en 2024)"
    assert parks.period_text(cy, 2024) == "2024 (évolution hors 29 février)"


def test_a_whole_leap_year_is_compared_with_the_year_before_on_the_same_365_dates(gaps):
    # #12f item 2: 2024 against 2023 on the gaps fixture, where every hour counts the same: 0,0 %.
    # The rule before (channels counted each month, whole years) set Lens's 356 days of 2024 and
    # Hénin's 366 (25 872 passages) against 365 and 365 (26 280): −1,6 %.
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    assert parks.constant_perimeter_change(cy, 2024) == (0.0, 2)
    assert parks.same_days(cy, 2024) == (353 * 48 + 363 * 24, 353 * 48 + 363 * 24, 2) == (25656, 25656, 2)
    assert parks.leap_day_left_out(cy, 2024) == date(2024, 2, 29)
    card = parks.kpis(cy, 2024, pd.DataFrame(), pd.DataFrame({"source": []}), "PMA")[0]
    assert (card.value, card.delta) == (f"25{NNBSP}872", "0,0\u00a0% par rapport à 2023")
    assert card.caption.startswith("2024 (évolution hors 29 février) · Source")
    assert card.help == (f"PMA. Évolution sur les mêmes jours : 25{NNBSP}656 passages en 2024 contre 25{NNBSP}656 en "
                         "2023, les jours comptés en entier les deux années par 2 canaux de comptage. Le 29 février "
                         "2024 n'est pas compté : 2023 n'en a pas.")


def leap_db(first: str, last: str, per_hour: dict[int, int], channels=("c1",), until: dict | None = None):
    """Channels counting `per_hour[year]` (or `per_hour[channel][year]`) passages every hour from
    `first` to `last` (whole days; a channel of `until` to that day), 24 rows on every day."""
    hours = pd.date_range(first, pd.Timestamp(last) + pd.Timedelta(hours=23), freq="h")
    frames = []
    for ch in channels:
        rate = per_hour.get(ch, per_hour)
        h = hours[hours < pd.Timestamp((until or {}).get(ch, last)) + pd.Timedelta(days=1)]
        frames.append(pd.DataFrame({"channel_id": ch, "start_datetime": h, "end_datetime": h + pd.Timedelta(hours=1),
                                    "count": [rate[t.year] for t in h], "source": "test"}))
    return counter_db(pd.concat(frames, ignore_index=True))


def test_whole_years_compare_the_same_dates_2024_against_2023_and_2025_against_2024():
    # 1 passage an hour in 2023, 2 in 2024: +100 %, where 366 days against 365 read +100,5 %
    # (17 568 against 8 760). 363 dates: 29 February has no pair, and the 25-hour days (29 October
    # 2023, 27 October 2024) lack a row in this fixture, so are not counted in full.
    cy = sql.run(leap_db("2023-01-01", "2024-12-31", {2023: 1, 2024: 2}), "visits_channel_years", epci=None, commune=None)
    assert {r.year: r.visits for r in cy.itertuples()} == {2023: 8760, 2024: 17568}
    assert parks.same_days(cy, 2024) == (363 * 48, 363 * 24, 1)
    assert parks.constant_perimeter_change(cy, 2024) == (pytest.approx(1.0), 1)
    assert parks.period_text(cy, 2024) == "2024 (évolution hors 29 février)"
    # 2 an hour in 2024, 3 in 2025: +50 %, where 365 days against 366 read +49,6 % (26 280 / 17 568).
    cy = sql.run(leap_db("2024-01-01", "2025-12-31", {2024: 2, 2025: 3}), "visits_channel_years", epci=None, commune=None)
    assert {r.year: r.visits for r in cy.itertuples()} == {2024: 17568, 2025: 26280}
    assert parks.same_days(cy, 2025) == (363 * 72, 363 * 48, 1)
    assert parks.constant_perimeter_change(cy, 2025) == (pytest.approx(0.5), 1)
    assert parks.leap_day_note(cy, 2025) == " Le 29 février 2024 n'est pas compté : 2025 n'en a pas."
    assert parks.period_text(cy, 2025) == "2025 (évolution hors 29 février)"
    # Two years without 29 February: nothing left out, nothing said.
    cy = sql.run(leap_db("2025-01-01", "2026-12-31", {2025: 3, 2026: 3}), "visits_channel_years", epci=None, commune=None)
    assert parks.leap_day_left_out(cy, 2026) is None and parks.period_text(cy, 2026) == 2026


def test_the_same_period_leaves_29_february_out_against_a_year_without_it():
    # The tester's case (#12, item 3): data to 29 February 2024, 48 passages a day in 2024, 24 in
    # 2023. The same 59 days both years: 2 832 against 1 416, +100 % (with 29 February, 2 880
    # over 60 days against 1 416 over 59 read +103,4 %).
    c = leap_db("2023-01-01", "2024-02-29", {2023: 1, 2024: 2})
    cy = sql.run(c, "visits_channel_years", epci=None, commune=None)
    assert {r.year: (r.visits, r.compared_days) for r in cy.itertuples()} == {2023: (8760, 0), 2024: (2880, 59)}
    assert parks.same_days(cy, 2024) == (2832, 1416, 1)
    assert parks.constant_perimeter_change(cy, 2024) == (pytest.approx(1.0), 1)
    assert parks.leap_day_left_out(cy, 2024) == date(2024, 2, 29)
    assert parks.period_text(cy, 2024) == "1er janvier – 29 février 2024 (mêmes jours en 2023, hors 29 février)"
    card = parks.kpis(cy, 2024, pd.DataFrame(), pd.DataFrame({"source": []}), "PMA")[0]
    assert card.value == f"2{NNBSP}880" and card.delta == "+100,0\u00a0% par rapport à 2023"
    assert card.help == (f"PMA. Année en cours : passages du 1er janvier au 29 février 2024, comparés aux mêmes jours "
                         f"de 2023. Évolution sur les mêmes jours : 2{NNBSP}832 passages en 2024 contre 1{NNBSP}416 en "
                         "2023, les jours comptés en entier les deux années par 1 canal de comptage. Le 29 février "
                         "2024 n'est pas compté : 2023 n'en a pas.")
    # The chart: one point a day, none on 29 February, each curve ending on the card's sums.
    fig = parks.same_period_figure(sql.run(c, "visits_same_days", epci=None, commune=None, year=2024), cy, 2024)
    for trace in fig.data:
        x = [str(v)[:10] for v in trace.x]
        assert len(x) == len(set(x)) == 59 and "2024-02-29" not in x
    assert [(t.name, float(t.y[-1]), str(t.x[-1])[:10]) for t in fig.data] == [
        ("2023", 1416.0, "2024-02-28"), ("2024", 2832.0, "2024-02-28")]


def test_the_same_period_leaves_out_the_29_february_of_the_year_before():
    # Reverse (#12, item 3): data to 10 March 2025, 72 a day in 2025, 48 in 2024: 69 days each,
    # 4 968 against 3 312, +50 % (70 days of 2024 with 29 February: 3 360, +47,9 %).
    c = leap_db("2024-01-01", "2025-03-10", {2024: 2, 2025: 3})
    cy = sql.run(c, "visits_channel_years", epci=None, commune=None)
    assert parks.constant_perimeter_change(cy, 2025) == (pytest.approx(0.5), 1)
    assert parks.period_text(cy, 2025) == "1er janvier – 10 mars 2025 (mêmes jours en 2024, hors 29 février)"
    assert parks.leap_day_note(cy, 2025) == " Le 29 février 2024 n'est pas compté : 2025 n'en a pas."
    fig = parks.same_period_figure(sql.run(c, "visits_same_days", epci=None, commune=None, year=2025), cy, 2025)
    x2024 = [str(v)[:10] for v in fig.data[0].x]
    assert len(x2024) == len(set(x2024)) == 69
    assert [(t.name, float(t.y[-1])) for t in fig.data] == [("2024", 3312.0), ("2025", 4968.0)]
    # Before 29 February nothing is left out, nor said.
    c = leap_db("2024-01-01", "2025-02-28", {2024: 2, 2025: 3})
    cy = sql.run(c, "visits_channel_years", epci=None, commune=None)
    assert parks.leap_day_left_out(cy, 2025) is None and parks.leap_day_note(cy, 2025) == ""
    assert parks.period_text(cy, 2025) == "1er janvier – 28 février 2025 (mêmes jours en 2024)"


def test_the_card_and_the_chart_compare_the_same_channels_and_days_as_the_tester():
    # #12f item 9, the tester's shape: to 15 June 2025, `vel` counted all along (10 an hour in 2024,
    # 11 in 2025), `pie` all of 2024 (5 an hour) but only January to April 2025 (6 an hour). Both
    # channels are compared, each on its days counted both years: vel 166 days (1 January – 15 June,
    # 29 February left out), pie 120 (January – April). 2025: 166 × 264 + 120 × 144 = 61 104, every
    # passage of the card; 2024: 166 × 240 + 120 × 120 = 54 240. The rule before compared `vel`
    # alone (pie was not counted in May and June 2025) and titled the chart « 1 canal ».
    c = leap_db("2024-01-01", "2025-06-15", {"vel": {2024: 10, 2025: 11}, "pie": {2024: 5, 2025: 6}},
                channels=("vel", "pie"), until={"pie": "2025-04-30"})
    cy = sql.run(c, "visits_channel_years", epci=None, commune=None)
    assert {(r.channel_id, r.year): r.compared_days for r in cy.itertuples()} == {
        ("vel", 2024): 0, ("vel", 2025): 166, ("pie", 2024): 0, ("pie", 2025): 120}
    assert parks.same_days(cy, 2025) == (61104, 54240, 2)
    card = parks.kpis(cy, 2025, pd.DataFrame(), pd.DataFrame({"source": []}), "Avion")[0]
    assert (card.value, card.delta) == (f"61{NNBSP}104", "+12,7\u00a0% par rapport à 2024")
    assert f"Évolution sur les mêmes jours : 61{NNBSP}104 passages en 2025 contre 54{NNBSP}240 en 2024" in card.help
    fig = parks.same_period_figure(sql.run(c, "visits_same_days", epci=None, commune=None, year=2025), cy, 2025)
    assert fig.layout.title.text.startswith(
        "Depuis le 1er janvier : 2025 et les mêmes jours de 2024 (2 canaux, jours comptés en entier les deux années)")
    assert [(t.name, float(t.y[-1]), str(t.x[-1])[:10]) for t in fig.data] == [
        ("2024", 54240.0, "2025-06-15"), ("2025", 61104.0, "2025-06-15")]
    # 30 April: both channels so far; from 1 May, vel alone adds its days.
    y2024 = dict(zip([str(v)[:10] for v in fig.data[0].x], fig.data[0].y))
    assert y2024["2025-04-30"] == 120 * 240 + 120 * 120 and y2024["2025-05-01"] == 120 * 360 + 240


def cy_frame():
    """Three channels, data to 15 June 2024: `a` counted all along, `b` installed in March 2023
    (its days from then compared), `c` installed in 2024 (no day of 2023 to compare)."""
    rows = [("a", 2023, 2500, 0, None, None), ("a", 2024, 1100, 166, 1100, 1000),
            ("b", 2023, 900, 0, None, None), ("b", 2024, 500, 107, 400, 300),
            ("c", 2024, 700, 0, None, None)]
    cy = pd.DataFrame(rows, columns=["channel_id", "year", "visits", "compared_days", "compared_visits",
                                     "compared_previous"])
    return cy.assign(to_date=date(2024, 6, 15), site_id=cy["channel_id"], mobility_type="PEDESTRIAN",
                     is_demo=False, missing_hours=0.0, hours=1.0, months=6)


def test_the_same_period_change_uses_the_days_each_channel_counted_both_years():
    cy = cy_frame()
    # 1 500 passages to 15 June 2024 against 1 300 on the same days of 2023 at `a` and `b`: +15,4 %,
    # where the whole of 2023 (3 400) would have read as a fall.
    assert parks.constant_perimeter_change(cy, 2024) == (pytest.approx(1500 / 1300 - 1), 2)
    card = parks.kpis(cy, 2024, pd.DataFrame(), pd.DataFrame({"source": []}), "PMA")[0]
    assert (card.value, card.delta) == (f"2{NNBSP}300", "+15,4\u00a0% par rapport à 2023")
    assert card.caption.startswith("1er janvier – 15 juin 2024 (mêmes jours en 2023, hors 29 février) · Source : "
                                   "comptages importés")
    assert "Année en cours : passages du 1er janvier au 15 juin 2024, comparés aux mêmes jours de 2023." in card.help


def test_the_same_period_chart_ends_on_the_sums_the_card_compares(gaps):
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    pairs = sql.run(gaps, "visits_same_days", epci=None, commune=None, year=2025)
    fig = parks.same_period_figure(pairs, cy, 2025)
    assert [(t.name, float(t.y[-1]), str(t.x[-1])[:10]) for t in fig.data] == [
        ("2024", 480.0, "2025-01-10"), ("2025", 480.0, "2025-01-10")]
    assert parks.same_period_figure(sql.run(gaps, "visits_same_days", epci=None, commune=None, year=2024),
                                    cy, 2024) is None      # a complete year: no such chart


def test_the_same_period_chart_is_marked_demonstration_by_its_own_rows(gaps):
    # A channel that is demonstration in some year: the chart of imported rows carries no badge.
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None).assign(is_demo=True)
    pairs = sql.run(gaps, "visits_same_days", epci=None, commune=None, year=2025)
    assert not pairs["is_demo"].any()
    assert parks.same_period_figure(pairs, cy, 2025).layout.annotations == ()
    # A generated day among those it adds up (5 January 2024, paired with 5 January 2025): the badge.
    demo = pairs.assign(is_demo=pd.to_datetime(pairs["day"]) == pd.Timestamp("2025-01-05"))
    assert [a.text for a in parks.same_period_figure(demo, cy, 2025).layout.annotations] == [
        "⚠ Données de démonstration"]


def test_a_generated_day_marks_the_pair_it_belongs_to(gaps_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(gaps_db.read_bytes())
    with duckdb.connect(str(path)) as c:
        c.execute("UPDATE counter_daily SET source = 'démonstration' WHERE day = DATE '2024-01-05'")
        sql.create_views(c)
        pairs = sql.run(c, "visits_same_days", epci=None, commune=None, year=2025)
    assert [str(d)[:10] for d in pairs.loc[pairs["is_demo"], "day"]] == ["2025-01-05"]


def _days(channel, first, values, demo):
    """counter_days rows of one channel from 1 June 2024 + `first` days: `values` passages a day,
    generated (`demo`) or imported."""
    return pd.DataFrame({
        "channel_id": channel, "day": [pd.Timestamp("2024-06-01") + pd.Timedelta(days=first + k)
                                        for k in range(len(values))],
        "visits": [float(v) for v in values], "measures": 24, "missing_measures": 0,
        "is_demo": demo, "imported": not demo})


def test_a_flag_is_demonstration_only_when_its_own_rows_are_generated():
    # Two demonstration channels into which staff imported a few days of real measures:
    # c1: a stuck week (1-7 July) in the imported days, then no row at all from 13 July (a gap
    #     after generated rows); c2: a five-day drop (1-5 July), three days generated, two imported.
    daily = pd.concat([
        _days("c1", 0, [100] * 30, True), _days("c1", 30, [0] * 7, False), _days("c1", 37, [100] * 5, True),
        _days("c2", 0, [100] * 30, True), _days("c2", 30, [10] * 3, True), _days("c2", 33, [10] * 2, False),
        _days("c2", 35, [100] * 10, True)], ignore_index=True)
    channels = pd.DataFrame({"channel_id": ["c1", "c2"], "site_name": ["Compteur A", "Compteur B"],
                             "mobility_type": "PEDESTRIAN", "is_demo": True, "commune_code": "62498",
                             "lat": [50.44, 50.45], "lon": 2.81})
    runs = pd.DataFrame(columns=["channel_id", "run_start", "run_end", "measures", "value"])
    f = parks.flags_for_area(daily, runs, pd.DataFrame(), channels)
    assert list(zip(f["channel_id"], f["label"], f["start"], f["end"], f["is_demo"], f["source"])) == [
        ("c1", "lacune", date(2024, 7, 13), date(2024, 7, 15), True,
         "démonstration (anomalie simulée ou aléa de la série générée)"),
        ("c1", "zéros prolongés", date(2024, 7, 1), date(2024, 7, 7), False, "comptages importés"),
        ("c2", "baisse soudaine", date(2024, 7, 1), date(2024, 7, 5), False,
         "comptages importés ; démonstration"),
    ]


def test_a_channel_that_stops_sending_is_missing_in_every_completeness(gaps):
    # Hénin's bikes sent nothing after 31 December 2024 while Lens counted to 10 January 2025:
    # its 10 days (240 hours) are missing in the monthly table, the cards, the table per counter,
    # the screen's and the metric layer's hours, as they are a « lacune » on the series.
    monthly = sql.run(gaps, "visits_series", grain="month", epci=None, commune=None, site=None, mode=None,
                      annee=2025)
    t = parks.series_table(monthly, "month")
    assert [(r.mobility_type, None if pd.isna(r.visits) else r.visits, r.missing_hours, r.hours, r.completeness,
             r.days) for r in t.itertuples()] == [
        # January counted 10 days of 31: the month is partial, its completeness says so (t12i finding 6).
        ("BIKE", None, 240.0, 240.0, 0.0, 0), ("PEDESTRIAN", 480.0, 0.0, 240.0, pytest.approx(100 * 10 / 31), 10)]
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    cards = {c.label: c.value for c in parks.kpis(cy, 2025, pd.DataFrame(), pd.DataFrame({"source": []}), "PMA")}
    assert (cards["Heures manquantes"], cards["Compteurs actifs"]) == ("50,00\u00a0%", "1")
    sites = parks.by_site(cy, 2025)
    assert [(r.site_id, r.missing_hours, r.completeness) for r in sites.itertuples()] == [
        ("cpt-lens", 0.0, 100.0), ("cpt-henin", 240.0, 0.0)]
    screen = sql.run(gaps, "screen_visits_yearly").query("year == 2025")
    assert [(r.mobility_type, r.sites, r.missing_hours, r.hours) for r in screen.itertuples()] == [
        ("BIKE", 0, 240, 240), ("PEDESTRIAN", 1, 0, 240)]
    m = sql.run(gaps, "metrics_visits").query("year == 2025")
    assert [(r.code, r.items, r.unknown, r.hours) for r in m.itertuples()] == [("62427", 0, 240, 240), ("62498", 1, 0, 240)]
    # The flags count the same days: one « lacune » of 10 days.
    daily = sql.run(gaps, "counter_days", epci=None, commune=None)
    gaps_ = parks.flags_for_area(daily, pd.DataFrame(columns=["channel_id", "run_start", "run_end", "measures", "value"]),
                                 pd.DataFrame(), cy).query("channel_id == 'cpt-henin-vel'")
    assert [(r.label, r.start, r.end, r.days) for r in gaps_.itertuples()] == [
        ("lacune", date(2025, 1, 1), date(2025, 1, 10), 10)]


def test_a_channel_declared_ended_expects_no_day_after_its_end(gaps_db, tmp_path):
    # t12i finding 1: Hénin's bikes stopped on 31 December 2024 (the test above: 10 days of « lacune »,
    # « Heures manquantes 50 % » next to « 1 compteur actif »). Declared ended that day in the channels
    # file (the schema's ended_at), 2025 expects nothing of it; declared ended on 5 January, its 1-5
    # January stay missing (120 hours) and 6-10 January are not expected. The file was written before
    # channels had an end: it opens (db.ADDED_COLUMNS) and the import adds the column.
    from ecotransition.data.db import open_readonly
    from ecotransition.imports import import_file

    path = tmp_path / "ended.duckdb"
    path.write_bytes(gaps_db.read_bytes())
    with duckdb.connect(str(path)) as c:
        c.execute("ALTER TABLE counter_channels DROP COLUMN end_date")
    with open_readonly(path) as c:
        assert len(sql.run(c, "counter_days", epci=None, commune=None).query("channel_id == 'cpt-henin-vel' "
                                                                           "and day >= '2025-01-01'")) == 10

    notes = []

    def declare(ended_at):
        channels = tmp_path / "canaux.csv"
        channels.write_text("channel_id,site_id,mobility_type,time_step,ended_at\n"
                            f"cpt-henin-vel,cpt-henin,BIKE,3600,{ended_at}\n", encoding="utf-8")
        result = import_file("counter_channels", channels, path)
        assert (result.status, result.rows_loaded) == ("chargé", 1), result.message
        notes.append(result.notes)
        c = open_readonly(path)
        cy = sql.run(c, "visits_channel_years", epci=None, commune=None)
        cards = {k.label: k.value for k in parks.kpis(cy, 2025, pd.DataFrame(), pd.DataFrame({"source": []}), "PMA")}
        daily = sql.run(c, "counter_days", epci=None, commune=None)
        flags = parks.flags_for_area(daily, pd.DataFrame(columns=["channel_id", "run_start", "run_end", "measures",
                                                                  "value"]), pd.DataFrame(), cy)
        henin = flags.query("channel_id == 'cpt-henin-vel'")
        m = sql.run(c, "metrics_visits").query("year == 2025")
        screen = sql.run(c, "screen_visits_yearly").query("year == 2025")
        got = (cards["Heures manquantes"], cards["Compteurs actifs"],
               [(r.label, r.start, r.end, r.days) for r in henin.itertuples()],
               [(r.code, r.items, r.unknown, r.hours) for r in m.itertuples()],
               [(r.mobility_type, r.sites, r.missing_hours, r.hours) for r in screen.itertuples()],
               c.execute("SELECT end_date FROM counter_channels WHERE channel_id = 'cpt-henin-vel'").fetchall()[0][0])
        c.close()
        return got

    # The schema's instant: counting ended at midnight, 31 December was the last day counted.
    assert declare("2025-01-01T00:00:00+01:00") == (
        "0,00\u00a0%", "1", [], [("62498", 1, 0, 240)], [("PEDESTRIAN", 1, 0, 240)], date(2024, 12, 31))
    # One note, not also « seule la date est gardée », which contradicted it (t12j finding 9).
    assert [n for n in notes[-1] if "heure" in n] == [
        "1 fin de comptage avec une heure : le jour à Paris est gardé, la veille pour 1 à minuit (dernier jour compté)"]
    # Before the end, a gap stays a gap: 1-5 January, 120 of 360 hours.
    assert declare("05/01/2025") == (
        "33,33\u00a0%", "1", [("lacune", date(2025, 1, 1), date(2025, 1, 5), 5)],
        [("62427", 0, 120, 120), ("62498", 1, 0, 240)], [("BIKE", 0, 120, 120), ("PEDESTRIAN", 1, 0, 240)],
        date(2025, 1, 5))
    assert notes[-1] == []
    # An empty end: counting again, the 10 days missing as before.
    assert declare("")[:3] == ("50,00\u00a0%", "1", [("lacune", date(2025, 1, 1), date(2025, 1, 10), 10)])


def test_days_measured_after_a_declared_end_are_said_and_stay_counted(gaps_db, tmp_path):
    # Lens counts to 10 January 2025; an end declared on 5 January (a wrong date) keeps its 6-10
    # January counted (48 a day) and measured, and the import says so.
    from ecotransition.data.db import open_readonly
    from ecotransition.imports import import_file

    path = tmp_path / "late.duckdb"
    path.write_bytes(gaps_db.read_bytes())
    channels = tmp_path / "canaux.csv"
    channels.write_text("channel_id,site_id,mobility_type,time_step,ended_at\n"
                        "cpt-lens-pie,cpt-lens,PEDESTRIAN,3600,2025-01-05\n", encoding="utf-8")
    result = import_file("counter_channels", channels, path)
    assert result.notes == ["canal « cpt-lens-pie » : 5 jours mesurés après sa fin déclarée (05/01/2025), "
                            "comptés quand même"]
    with open_readonly(path) as c:
        days = sql.run(c, "counter_days", epci=None, commune=None).query("channel_id == 'cpt-lens-pie' "
                                                                        "and day >= '2025-01-01'")
    assert (len(days), days["visits"].sum(), days["missing_measures"].sum()) == (10, 480, 0)
    # Measures imported later for days after that end are said too (a re-check tester's N6).
    measures = tmp_path / "mesures.csv"
    measures.write_text("channel_id,counter_id,start_datetime,end_datetime,count\n"
                        + "".join(f"cpt-lens-pie,cpt-lens,2025-01-{d:02d}T12:00:00+01:00,,7\n" for d in (4, 11, 12)),
                        encoding="utf-8")
    result = import_file("counter_measures", measures, path)
    assert result.status == "chargé", result.message
    assert "canal « cpt-lens-pie » : 2 jours mesurés après sa fin déclarée (05/01/2025), comptés quand même" \
        in result.notes


def test_the_calendar_of_hand_built_frames_stops_at_a_declared_end():
    # anomalies.calendar, the same rule on frames without counter_calendar's rows: « a » stops on 2 June
    # and is declared ended on 3 June (one missing day); « b » counts to 6 June.
    from ecotransition.core import anomalies

    daily = pd.DataFrame({"channel_id": ["a", "a", "b", "b"], "day": pd.to_datetime(["2024-06-01", "2024-06-02",
                                                                                     "2024-06-01", "2024-06-06"]),
                          "visits": 1.0, "measures": 24, "missing_measures": 0,
                          "end_date": pd.to_datetime(["2024-06-03", "2024-06-03", None, None])})
    cal = anomalies.calendar(daily)
    assert [(r.channel_id, r.day.day, r.missing_measures) for r in cal.itertuples()] == [
        ("a", 1, 0), ("a", 2, 0), ("a", 3, 24), ("b", 1, 0), ("b", 2, 24), ("b", 3, 24), ("b", 4, 24), ("b", 5, 24),
        ("b", 6, 0)]


def test_the_page_with_the_demo_counters_declared_ended_and_a_current_import(writable_db, tmp_path, monkeypatch):
    # t12i finding 1, the tester's scenario: every demonstration channel ends on 31/12/2024, staff import one
    # current channel (3, 4, … 9, 3… passages an hour, 1 January - 10 March 2025, 69 days), the app's day 12 March 2025.
    # Before the end is declared: 12 demo channels × 69 days of « lacune » in 2025 and their hours missing;
    # declared ended on 31/12/2024 (the channels file's ended_at), none, and one active counter.
    from ecotransition.imports import import_file

    monkeypatch.setenv("ECOTRANSITION_TODAY", "2025-03-12")
    (tmp_path / "sites.csv").write_text("site_id,site_name,fr_insee_code,xlong,ylat\n"
                                        "t-new,Nouveau compteur,62119,2.55,50.50\n", encoding="utf-8")
    (tmp_path / "canal.csv").write_text("channel_id,site_id,mobility_type,direction,time_step\n"
                                        "t-new-velo,t-new,BIKE,,3600\n", encoding="utf-8")
    hours = pd.date_range("2025-01-01", "2025-03-11", freq="h", inclusive="left", tz="Europe/Paris")
    (tmp_path / "mesures.csv").write_text("channel_id,start_datetime,end_datetime,count\n" + "".join(
        f"t-new-velo,{h.isoformat()},{(h + pd.Timedelta(hours=1)).isoformat()},{k % 7 + 3}\n"
        for k, h in enumerate(hours)), encoding="utf-8")
    for dataset, name in (("counter_sites", "sites.csv"), ("counter_channels", "canal.csv"),
                          ("counter_measures", "mesures.csv")):
        assert import_file(dataset, tmp_path / name, writable_db).status == "chargé"

    def page():
        at = open_page("pages/chaine-des-parcs.py", annee=2025)
        cards = {m.label: m.value for m in at.metric}
        summary = next(shown(c.value) for c in at.caption if c.value.startswith("Anomalies des compteurs"))
        return cards["Passages comptés"], cards["Compteurs actifs"], cards["Heures manquantes"], summary.split(" — ")[0]

    # 1 656 hours: 236 cycles of 3 to 9 (42) and 3 + 4 + 5 + 6, 9 930 passages; 12 × 69 days (19 872 hours)
    # missing of 13 × 69 × 24 (21 528 hours).
    assert page() == ("9\u202f930", "1", "92,31\u00a0%",
                      "Anomalies des compteurs en 2025 : 828 jours-canaux signalés sur 897 (lacune 828)")
    with duckdb.connect(str(writable_db), read_only=True) as c:
        demo = c.execute("SELECT channel_id, site_id, mobility_type, direction, time_step "
                         "FROM counter_channels WHERE source = 'démonstration' ORDER BY channel_id").fetchall()
    assert len(demo) == 12 and {d[3] for d in demo} == {None}   # « deux sens » is no direction of the schema
    # The file staff write to end channels: their ids and the end, nothing else (site_id was required).
    (tmp_path / "fin.csv").write_text("channel_id;ended_at\n" + "".join(f"{d[0]};31/12/2024\n" for d in demo),
                                      encoding="utf-8")
    ended = import_file("counter_channels", tmp_path / "fin.csv", writable_db)
    assert ended.status == "chargé", [str(i) for i in ended.issues]
    assert page() == ("9\u202f930", "1", "0,00\u00a0%", "Anomalies des compteurs en 2025 : aucun jour-canal signalé sur 69.")
    with duckdb.connect(str(writable_db), read_only=True) as c:
        assert c.execute("SELECT channel_id, site_id, mobility_type, direction, time_step FROM counter_channels "
                         "WHERE channel_id LIKE 'demo-%' ORDER BY channel_id").fetchall() == demo
        # Still demonstration channels: ending them makes none of their generated values real (t12j finding 5).
        assert c.execute("SELECT DISTINCT end_date, source FROM counter_channels WHERE channel_id LIKE 'demo-%'"
                         ).fetchall() == [(date(2024, 12, 31), "démonstration")]
    # The same file again, and a file that ends nothing new: no update.
    again = import_file("counter_channels", tmp_path / "fin.csv", writable_db)
    assert (again.status, again.updated) == ("inchangé", 0), again.message
    # A new channel still needs its site, named with its line; nothing changes.
    before = data_sums(writable_db)
    (tmp_path / "neuf.csv").write_text("channel_id;site_id;ended_at\nt-new-velo;;\nt-autre;;31/12/2024\n",
                                       encoding="utf-8")
    refused = import_file("counter_channels", tmp_path / "neuf.csv", writable_db)
    assert refused.status == "refusé"
    assert [str(i) for i in refused.issues] == [
        "ligne 3, site_id : site obligatoire pour un nouveau canal (inconnu de la base)"]
    assert data_sums(writable_db) == before


# ---------------------------------------------------------------- rolling 12 months

def test_the_rolling_total_adds_up_each_month_and_the_eleven_before(gaps):
    monthly = sql.run(gaps, "visits_series", grain="month", epci=None, commune=None, site=None, mode=None, annee=None)
    t = parks.series_table(monthly, "rolling")
    got = {(str(r.period), r.mobility_type): r.visits for r in t.itertuples()}
    # The first total is December 2023 (no sum of fewer than 12 months before it).
    assert min(t["period"]) == date(2023, 12, 1)
    assert got[("2023-12-01", "BIKE")] == 8760 and got[("2024-12-01", "BIKE")] == 8784
    assert got[("2023-12-01", "PEDESTRIAN")] == 17520
    # 2024 without 1-10 March at Lens: 366 × 48 − 10 × 48; then January 2025 replaces 31 days by 10.
    assert got[("2024-12-01", "PEDESTRIAN")] == 17088
    assert got[("2025-01-01", "PEDESTRIAN")] == 17088 - 31 * 48 + 10 * 48 == 16080
    jan = t[(t["period"] == date(2025, 1, 1))].iloc[0]
    assert bool(jan["incomplete"]) and jan["label"] == "12 mois, février 2024 – janvier 2025"
    # A year chosen: the 12 totals ending in its months, the months before feeding the first ones.
    assert sorted(set(parks.series_table(monthly, "rolling", 2024)["period"])) == [date(2024, m, 1) for m in range(1, 13)]


def test_a_window_with_a_month_without_any_measure_has_no_total():
    months = pd.date_range("2023-01-01", periods=15, freq="MS")
    visits = [100.0] * 15
    visits[5] = float("nan")                  # June 2023: every hour missing
    monthly = pd.DataFrame({"period": months.date, "mobility_type": "BIKE", "visits": visits,
                            "missing_hours": [0] * 5 + [720] + [0] * 9, "hours": 720, "days": 30, "is_demo": False})
    t = parks.rolling_year(monthly)
    assert list(t["visits"].isna()) == [True, True, True, True]    # Dec 2023 – Mar 2024 all contain June 2023


def test_a_mode_whose_counters_ended_keeps_its_rolling_total_while_a_window_holds_its_months():
    # t12j finding 6: every bike channel declared ended on 31/12/2024, pedestrians counted into March 2025:
    # the bikes' rolling total stopped at December while the pedestrians' windows kept their ended
    # channels' months. After the end a mode counts nothing (not missing), for 11 months at most.
    months = pd.date_range("2024-01-01", "2026-03-01", freq="MS")
    rows = [{"period": m.date(), "mobility_type": "PEDESTRIAN", "visits": 10.0, "missing_hours": 0, "hours": 720,
             "days": 30, "is_demo": False} for m in months]
    rows += [{"period": m.date(), "mobility_type": "BIKE", "visits": 100.0, "missing_hours": 0, "hours": 720,
              "days": 30, "is_demo": True} for m in months if m.year == 2024]
    t = parks.rolling_year(pd.DataFrame(rows))
    bikes = {str(r.period.date()): r.visits for r in t.itertuples() if r.mobility_type == "BIKE"}
    assert bikes == {"2024-12-01": 1200, **{f"2025-{m:02d}-01": 100.0 * (12 - m) for m in range(1, 12)}}
    assert bool(t[(t["mobility_type"] == "BIKE") & (t["period"] == pd.Timestamp("2025-03-01"))]["is_demo"].iloc[0])
    assert len(t[t["mobility_type"] == "PEDESTRIAN"]) == 16


# ---------------------------------------------------------------- the page

@pytest.fixture()
def gaps_app(gaps_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_DB", str(gaps_db))
    return gaps_db


def charts(at) -> dict:
    return {json.loads(c.proto.spec)["layout"].get("title", {}).get("text"): json.loads(c.proto.spec)
            for c in at.get("plotly_chart")}


def test_the_page_compares_the_current_year_with_the_same_days(gaps_app):
    at = open_page("pages/chaine-des-parcs.py", annee=2025)
    card = next(m for m in at.metric if m.label == "Passages comptés")
    assert (card.value, card.delta) == ("480", "0,0\u00a0% par rapport à 2024")
    assert any(shown(c.value).startswith("1er janvier – 10 janvier 2025 (mêmes jours en 2024) · Source")
               for c in at.caption)
    assert ("Depuis le 1er janvier : 2025 et les mêmes jours de 2024 (1 canal, jours comptés en entier les deux années)") in charts(at)


def test_the_page_offers_the_rolling_total_in_the_url(gaps_app):
    at = open_page("pages/chaine-des-parcs.py", pas="12 mois glissants")
    assert "Passages comptés sur 12 mois glissants (chaque mois et les 11 précédents)" in charts(at)


def test_the_page_lists_and_counts_the_flags_of_the_demo(built_db):
    at = open_page("pages/chaine-des-parcs.py")
    captions = [c.value for c in at.caption]
    # The demo's real hours (23 on 31 March, 25 on 27 October) shift its outages by one wall-clock hour in
    # summer: one more channel-day of « lacune » than when every day had 24.
    assert any(c.startswith(f"Anomalies des compteurs en 2024 : 41 jours\\-canaux signalés sur 4{NNBSP}392 "
                            "\\(zéros prolongés 7, valeur figée 1, baisse soudaine 14, hausse soudaine 1, lacune 18\\)")
               for c in captions), captions
    # Wrapped text, every column on the page: French dates, the source of each flag.
    table = next(shown_table(t) for t in at.table if "Détail" in t.value.columns)
    stuck = table[(table["Anomalie"] == "zéros prolongés")].iloc[0]
    assert (stuck["Canal (compteur · mode)"], stuck["Premier jour"], stuck["Dernier jour"], stuck["Jours"],
            stuck["Source"]) == ("Parc départemental d'Olhain – compteur 1 · Piétons", "05/08/2024", "11/08/2024", "7",
                                 "démonstration (anomalie simulée ou aléa de la série générée)")
    flat = table[(table["Anomalie"] == "valeur figée")].iloc[0]
    assert flat["Détail"] == "12 passages à chaque mesure pendant 24 mesures, le 14 mai 2024 de 0 h à 24 h"
    assert set(table.loc[table["Premier jour"].str.endswith("2024"), "Anomalie"]) >= {
        "zéros prolongés", "valeur figée", "baisse soudaine", "hausse soudaine", "lacune"}
    spec = charts(at)["Passages comptés par mois"]
    assert {t["name"] for t in spec["data"]} >= {"Anomalie : zéros prolongés", "Anomalie : valeur figée",
                                                 "Anomalie : baisse soudaine", "Anomalie : hausse soudaine"}


def test_a_threshold_refused_shows_a_warning_and_the_page_uses_its_default(gaps_app, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_FLAG_GAP_HOURS", "trois")
    monkeypatch.setenv("ECOTRANSITION_FLAG_DROP_RATIO", "-1")
    at = open_page("pages/chaine-des-parcs.py")
    warnings = [shown(w.value) for w in at.warning if "Réglage des anomalies" in w.value]
    assert warnings == [
        "Réglage des anomalies des compteurs : ECOTRANSITION_FLAG_DROP_RATIO = « -1 » est refusé : il faut un "
        "nombre strictement entre 0 et 1 (0,3 : 30 %), écrit en chiffres (3 ; 0,5 ; 1 000 ; pas « 1.000 », millier ou "
        "décimales ?). La valeur par défaut (0,3) est utilisée.",
        "Réglage des anomalies des compteurs : ECOTRANSITION_FLAG_GAP_HOURS = « trois » est refusé : il faut un "
        "nombre entier de 1 à 24, écrit en chiffres (3 ; 0,5 ; 1 000 ; pas « 1.000 », millier ou décimales ?). "
        "La valeur par défaut (3) est utilisée."]
    assert any("lacune = au moins 3 heures non mesurées" in shown(c.value) for c in at.caption)


def test_the_page_says_demonstration_only_for_the_years_whose_rows_are_generated(gaps_db, tmp_path, monkeypatch):
    # #12, item 12: the gaps fixture with its 2023 passages marked generated; 2024 and 2025 imported.
    path = tmp_path / "mixed.duckdb"
    path.write_bytes(gaps_db.read_bytes())
    with duckdb.connect(str(path)) as c:
        c.execute("UPDATE counter_daily SET source = 'démonstration' WHERE year(day) = 2023")
    monkeypatch.setenv("ECOTRANSITION_DB", str(path))

    def told(at):
        banner = any("Données de démonstration" in i.value for i in at.info)
        caption = next(shown(c.value) for c in at.caption if "comptages de passages" in shown(c.value))
        return banner, caption.split(" · ")[-1]

    assert told(open_page("pages/chaine-des-parcs.py", annee=2025)) == (
        False, "comptages de passages et chiffres du rapport d'activité 2023")
    assert told(open_page("pages/chaine-des-parcs.py", annee=2023)) == (
        True, "comptages de passages (démonstration) et chiffres du rapport d'activité 2023")
    # No year chosen: the series draws every year, 2023 included.
    assert told(open_page("pages/chaine-des-parcs.py"))[0] is True


def test_a_flag_crossing_the_years_bounds_is_clipped_to_the_year_in_the_table_and_on_the_chart():
    # t12g finding 4: a gap from 01/09/2024 to 10/03/2025 (191 days) on a 2025 page.
    import plotly.graph_objects as go

    flags = pd.DataFrame({
        "channel_id": ["c1", "c1"], "rule": ["gap", "drop"], "label": ["lacune", "baisse soudaine"],
        "start": [date(2024, 9, 1), date(2025, 2, 1)], "end": [date(2025, 3, 10), date(2025, 5, 31)],
        "days": [191, 120], "detail": ["4 584 heures non mesurées", "10 passages par jour en moyenne"],
        "channel": ["Parc · Vélos"] * 2, "period": ["du 1 septembre 2024 au 10 mars 2025", "x"],
        "is_demo": [False, False], "source": ["comptages importés"] * 2})
    got = parks.flags_of(flags, pd.DataFrame({"channel_id": ["c1"]}), 2025)
    assert list(zip(got["start"], got["end"], got["days"], got["period"])) == [
        (date(2025, 1, 1), date(2025, 3, 10), 69, "du 1er janvier 2025 au 10 mars 2025"),
        (date(2025, 2, 1), date(2025, 5, 31), 120, "du 1er février 2025 au 31 mai 2025")]
    assert list(got["detail"]) == [
        "4 584 heures non mesurées sur toute la période signalée, qui continue hors de 2025 : du 1er septembre 2024 au "
        "10 mars 2025 (191 jours)",
        "10 passages par jour en moyenne"]
    assert parks.flags_of(flags, pd.DataFrame({"channel_id": ["c1"]}), 2024)["days"].tolist() == [122]
    # The chart of January to March 2025 by month: bands and markers within it, the axis not stretched.
    fig = go.Figure()
    parks._mark_flags(fig, flags, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-01"), "month")
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [
        (pd.Timestamp("2025-02-01"), pd.Timestamp("2025-04-01")),     # drop, cut at the end of March
        (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-11"))]     # gap, from 1 January
    assert [[pd.Timestamp(x) for x in t.x] for t in fig.data] == [[pd.Timestamp("2025-03-02")],   # drop
                                                                  [pd.Timestamp("2025-02-04")]]   # gap


def test_the_counts_note_says_demonstration_only_for_the_demonstration_rows_shown():
    # t12g finding 6: an imported counter (2024-2025) beside a demo one (2024 only).
    cy = pd.DataFrame({"channel_id": ["imp", "imp", "demo"], "year": [2024, 2025, 2024],
                       "is_demo": [False, False, True]})
    none = pd.DataFrame({"source": []})

    def counts(year):
        note = parks.dataset_notes(cy, none, year)[0]
        return note["source"], note["caveats"].split(" ; une heure")[0]

    assert counts(2025) == ("comptages importés",
                            "comptages importés au format « Schéma comptage des mobilités »")
    assert counts(2024) == ("comptages importés ; démonstration (séries horaires générées)",
                            "le rapport ne publie pas de comptages : les compteurs et passages de démonstration "
                            "sont générés (marqués « démonstration » partout où ils sont montrés), les autres "
                            "sont importés")
    only = parks.dataset_notes(cy[cy["channel_id"] == "imp"], none, None)[0]
    assert only["source"] == "comptages importés" and "démonstration" not in only["caveats"]
    assert parks.dataset_notes(cy[cy["channel_id"] == "demo"], none, None)[0]["source"] == (
        "démonstration (séries horaires générées)")


def test_a_demonstration_counter_without_a_row_in_the_year_is_demonstration_not_imported(gaps_db, tmp_path,
                                                                                         monkeypatch):
    # A re-check tester's N3: a demonstration counter whose series ended before the year chosen
    # was « comptages importés » on every card and note. Here Hénin's bikes (stopped 31/12/2024)
    # are a demonstration channel with generated rows; Lens stays imported and counts in 2025.
    path = tmp_path / "n3.duckdb"
    path.write_bytes(gaps_db.read_bytes())
    with duckdb.connect(str(path)) as c:
        c.execute("UPDATE counter_daily SET source = 'démonstration' WHERE channel_id = 'cpt-henin-vel'")
        c.execute("UPDATE counter_channels SET source = 'démonstration' WHERE channel_id = 'cpt-henin-vel'")
    cy = sql.run(duckdb.connect(str(path), read_only=True), "visits_channel_years", epci=None, commune=None)
    henin = cy[cy["site_id"] == "cpt-henin"]
    # The rule: passages by their own rows; a year without any, by the channels' own source.
    assert parks.counts_origin(henin, 2025) == (True, False)
    assert parks.counts_origin(cy, 2025) == (False, True)      # Lens's passages are what is counted
    assert parks.counts_origin(henin.iloc[0:0], 2025) == (False, False)
    assert parks.counts_source(*parks.counts_origin(henin.iloc[0:0], 2025)) == ""
    assert [(r.site_id, r.source) for r in parks.by_site(cy, 2025).itertuples()] == [
        ("cpt-lens", "comptages importés"), ("cpt-henin", "démonstration")]
    monthly = sql.run(duckdb.connect(str(path), read_only=True), "visits_series", grain="month", epci=None,
                      commune=None, site=None, mode=None, annee=2025)
    table = parks.series_sources(parks.series_table(monthly, "month"), cy, "month")
    assert [(r.mobility_type, r.source) for r in table.itertuples()] == [
        ("BIKE", "démonstration"), ("PEDESTRIAN", "comptages importés")]
    # A rolling total of December 2024 adds up 2024's months only (2024 is demonstration at Hénin's too).
    assert parks.series_sources(pd.DataFrame({"period": [date(2024, 12, 1)], "mobility_type": ["BIKE"]}), cy,
                                "rolling")["source"].tolist() == ["démonstration"]
    assert parks.series_sources(table, cy.iloc[0:0], "month")["source"].tolist() == ["", ""]
    none = parks.kpis(henin.iloc[0:0], 2025, pd.DataFrame(), pd.DataFrame({"source": []}), "PMA")
    assert [(c.caption, c.demo) for c in none[:2]] == [("2025", False), ("2025", False)]   # no « Source : »

    monkeypatch.setenv("ECOTRANSITION_DB", str(path))
    at = open_page("pages/chaine-des-parcs.py", annee=2025, compteur="cpt-henin")
    captions = [shown(c.value) for c in at.caption]
    assert [c for c in captions if c.startswith("2025 · Source")] == [
        "2025 · Source : démonstration · ⚠ données de démonstration"] * 3
    assert next(c for c in captions if "comptages de passages" in c).split(" · ")[-1] == (
        "comptages de passages (démonstration) et chiffres du rapport d'activité 2023")
    assert any("Données de démonstration" in i.value for i in at.info)
    note = next(shown(m.value) for m in at.markdown if "**Source**" in m.value and "Millésime" in m.value
                and "Schéma comptage" in m.value)
    assert "**Source** : démonstration (séries horaires générées)" in note and "importés" not in note
    sites = next(d.value for d in at.dataframe if "site_id" in d.value.columns and "source" in d.value.columns)
    assert list(zip(sites["site_id"], sites["source"])) == [("cpt-henin", "démonstration")]
    series = next(d.value for d in at.dataframe if "completeness" in d.value.columns and "label" in d.value.columns)
    assert list(zip(series["label"], series["source"])) == [("janvier 2025", "démonstration")]


# ---------------------------------------------------------------- a channel ended during a day

@pytest.mark.parametrize("day, hours, end, missing", [
    # Removed at noon on 10 March 2025 (ended_at 2025-03-10T12:00): its 12 morning hours are its day.
    ("2025-03-10", list(range(12)), "2025-03-10", 0),
    ("2025-03-10", list(range(12)), None, 12),             # still counting: the afternoon is missing
    ("2025-03-10", [h for h in range(12) if h != 5], "2025-03-10", 1),   # a hole before the end stays one
    # 30 March 2025 has no 02:00: 00:00-11:00 are 11 measures, all of the day up to the end.
    ("2025-03-30", [h for h in range(12) if h != 2], "2025-03-30", 0),
    # 26 October 2025 has two 01:00-02:00 … 02:00: up to 11:00 are 13 measures.
    ("2025-10-26", list(range(12)), "2025-10-26", 0),
])
def test_a_channel_ended_during_a_day_is_expected_until_its_last_measure(day, hours, end, missing):
    # t12i: a channel declared ended at noon had its afternoon counted as « lacune » (12 hours missing).
    from ecotransition.data import sql

    c = counter_site_db((("c", "PEDESTRIAN", 3600),))
    c.execute("UPDATE counter_channels SET end_date = $e", {"e": end})
    rows = [(f"{day} {h:02d}:00:00", 120 if pd.Timestamp(day).month < 10 or h < 2 else 60) for h in hours]
    if day == "2025-10-26":   # the repeated hour: 02:00 +02:00 then 02:00 +01:00
        rows = [(f"{day} {h:02d}:00:00", 120 if h < 2 else 60) for h in hours] + [(f"{day} 02:00:00", 120)]
    for start, offset in rows:
        c.execute("INSERT INTO counter_measures VALUES ('c', $s::TIMESTAMP, $s::TIMESTAMP + INTERVAL 1 HOUR, 1, 'test', "
                  "$o, $o)", {"s": start, "o": offset})
    sql.materialize(c, "counter_daily")
    assert c.execute("SELECT measures, missing_measures FROM counter_daily").fetchall() == [(len(rows) + missing, missing)]
