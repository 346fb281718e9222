"""Chaîne des parcs: visits aggregated in SQL, gaps kept as gaps, events on the series, the page."""

from __future__ import annotations

import base64
import json
import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import constant_perimeter, metrics, open_page
from ecotransition.core import fmt
from ecotransition.data import sql
from ecotransition.themes import parks

NNBSP, NBSP = "\u202f", "\u00a0"
ALL = dict(epci=None, commune=None, site=None, mode=None, annee=None)


def page(**state):
    return open_page("pages/chaine-des-parcs.py", **state)


def values(arr) -> list:
    """A plotly JSON array: a list, or a typed array {dtype, bdata} (plotly >= 6 encodes numpy arrays)."""
    if isinstance(arr, dict) and "bdata" in arr:
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)




def chart(at, title: str) -> dict:
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


# ---------------------------------------------------------------- SQL aggregation

@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_series_sums_match_the_hourly_rows(conn, grain):
    got = sql.run(conn, "visits_series", grain=grain, **ALL)
    total, missing, hours = conn.execute(
        "SELECT sum(count), count(*) FILTER (count IS NULL), count(*) FROM counter_measures").fetchall()[0]
    assert got["visits"].sum() == total
    assert got["missing_hours"].sum() == missing
    assert got["hours"].sum() == hours
    assert set(got["mobility_type"]) == {"BIKE", "PEDESTRIAN"}


def test_a_day_with_every_hour_missing_is_null_not_zero(conn):
    channel, site, mode, day = conn.execute("""
        SELECT m.channel_id, ch.site_id, ch.mobility_type, m.start_datetime::DATE AS d
        FROM counter_measures m JOIN counter_channels ch USING (channel_id)
        GROUP BY ALL HAVING count(m.count) = 0 ORDER BY ALL LIMIT 1""").fetchall()[0]
    got = sql.run(conn, "visits_series", grain="day", **{**ALL, "site": site, "mode": mode})
    row = got[pd.to_datetime(got["period"]) == pd.Timestamp(day)].iloc[0]
    assert pd.isna(row["visits"])
    assert (row["missing_hours"], row["hours"]) == (24, 24)
    # Its month is partial: counted, with those hours reported as missing.
    month = sql.run(conn, "visits_series", grain="month", **{**ALL, "site": site, "mode": mode})
    m = month[pd.to_datetime(month["period"]) == pd.Timestamp(day).replace(day=1)].iloc[0]
    assert m["visits"] > 0 and m["missing_hours"] >= 24
    # And the chart draws a gap there, never a zero.
    table = parks.series_table(got, "day")
    fig = parks.series_figure(table, "day")
    line = next(t for t in fig.data if t.mode == "lines")
    assert line.connectgaps is False
    idx = [pd.Timestamp(x) for x in line.x].index(pd.Timestamp(day))
    assert line.y[idx] is None or np.isnan(line.y[idx])
    assert any(t.legendgroup == "gap" for t in fig.data)


def test_week_and_filters(conn):
    got = sql.run(conn, "visits_series", grain="week", **{**ALL, "commune": "62528", "annee": 2023})
    assert all(pd.Timestamp(p).dayofweek == 0 for p in got["period"])  # ISO weeks start on Monday
    expected = conn.execute("""
        SELECT sum(m.count) FROM counter_measures m JOIN counter_channels ch USING (channel_id)
        JOIN counter_sites s USING (site_id)
        WHERE s.commune_code = '62528' AND year(m.start_datetime) = 2023""").fetchall()[0][0]
    assert got["visits"].sum() == expected


def test_truncated_first_and_last_weeks_are_marked_partial(conn):
    got = sql.run(conn, "visits_series", grain="week", **{**ALL, "mode": "BIKE"})
    first_day, last_day = conn.execute("SELECT min(start_datetime)::DATE, max(start_datetime)::DATE "
                                       "FROM counter_measures").fetchall()[0]
    t = parks.series_table(got, "week")
    first, last = t.iloc[0], t.iloc[-1]
    assert first["days"] == 7 - pd.Timestamp(first_day).dayofweek and first["incomplete"]
    assert last["days"] == pd.Timestamp(last_day).dayofweek + 1 and last["incomplete"]
    full = t[(t["days"] == 7) & (t["missing_hours"] == 0)]
    assert len(full) and not full["incomplete"].any()


def test_seasonality_is_the_mean_of_complete_days(conn):
    got = sql.run(conn, "visits_seasonality", **{**ALL, "mode": "BIKE", "annee": 2024})
    daily = conn.execute("""
        SELECT m.start_datetime::DATE AS d, sum(m.count) AS v, count(*) FILTER (m.count IS NULL) AS miss, count(*) AS n
        FROM counter_measures m JOIN counter_channels ch USING (channel_id)
        WHERE ch.mobility_type = 'BIKE' AND year(m.start_datetime) = 2024 GROUP BY ALL""").df()
    daily = daily[daily["miss"] < 0.05 * daily["n"]]
    d = pd.to_datetime(daily["d"])
    cell = daily[(d.dt.month == 7) & (d.dt.dayofweek == 5)]  # July, Saturday (ISO 6)
    row = got[(got["month"] == 7) & (got["weekday"] == 6)].iloc[0]
    assert row["avg_visits"] == pytest.approx(cell["v"].mean())
    assert row["days"] == len(cell)
    assert len(got) == 84


def test_channel_years_totals(conn):
    cy = sql.run(conn, "visits_channel_years", epci="CALL", commune=None)
    expected = conn.execute("""
        SELECT sum(m.count) FROM counter_measures m JOIN counter_channels ch USING (channel_id)
        JOIN counter_sites s USING (site_id) JOIN communes c ON c.code = s.commune_code
        JOIN epci e ON e.code = c.epci_code WHERE e.short_name = 'CALL'""").fetchall()[0][0]
    assert cy["visits"].sum() == expected
    assert set(cy["epci"]) == {"CALL"}


# ---------------------------------------------------------------- shaping and figures

def test_absent_periods_become_gaps_but_not_before_the_first_measure():
    s = pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
        "mobility_type": ["BIKE", "BIKE", "PEDESTRIAN"],
        "visits": [10.0, 30.0, 5.0], "missing_hours": [0.0, 0.0, 0.0], "hours": [744.0, 744.0, 696.0],
        "is_demo": [True, True, True],
    })
    t = parks.complete_periods(s, "month")
    bike = t[t["mobility_type"] == "BIKE"].set_index("period")["visits"]
    assert list(bike.index) == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    assert pd.isna(bike["2024-02-01"])                     # no row at all: a gap, not 0
    ped = t[t["mobility_type"] == "PEDESTRIAN"]
    assert len(ped) == 1                                    # nothing invented before/after the counter


def test_incomplete_periods_are_marked():
    s = pd.DataFrame({
        "period": pd.to_datetime(["2024-01-01", "2024-01-02"]), "mobility_type": ["BIKE", "BIKE"],
        "visits": [100.0, 80.0], "missing_hours": [0.0, 6.0], "hours": [24.0, 24.0], "is_demo": [True, True],
    })
    t = parks.series_table(s, "day")
    assert t["incomplete"].tolist() == [False, True]
    assert t["completeness"].tolist() == [100.0, 75.0]
    assert t["label"].tolist() == ["1er janvier 2024", "2 janvier 2024"]
    fig = parks.series_figure(t, "day")
    marks = [tr for tr in fig.data if tr.legendgroup == "incomplete"]
    assert len(marks) == 1 and list(marks[0].y) == [80.0]


def test_events_on_the_series_are_escaped_and_labelled():
    table = parks.series_table(pd.DataFrame({
        "period": pd.date_range("2023-06-01", "2023-09-30", freq="D"), "mobility_type": "PEDESTRIAN",
        "visits": 100.0, "missing_hours": 0.0, "hours": 24.0, "is_demo": True}), "day")
    ev = pd.DataFrame({
        "title": ["Parc en fête", "<img src=x onerror=alert(1)>"],
        "start_date": [pd.Timestamp("2023-07-01").date(), pd.Timestamp("2023-08-15").date()],
        "end_date": [pd.Timestamp("2023-08-31").date(), None],
        "place": ["Parc du Louvre-Lens, Lens", None], "theme": ["Chaîne des parcs", "Chaîne des parcs"],
        "participants": [90000, None], "commune_code": ["62498", "62498"], "epci": ["CALL", "CALL"],
    })
    fig = parks.series_figure(table, "day", ev)
    marks = next(t for t in fig.data if t.name == "Événements (table des événements)")
    assert "Parc en fête" in marks.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in marks.text
    assert all("<img" not in h for h in marks.hovertext)
    assert "Participants : n.d." in marks.hovertext[1]                 # never 0
    assert f"Participants : 90{NNBSP}000" in marks.hovertext[0]
    spans = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(spans) == 1 and str(spans[0].x0).startswith("2023-07-01")
    assert fig.layout.xaxis.ticktext[0] == "juin 2023"


def test_constant_perimeter_change_compares_each_counter_on_the_days_it_counted_both_years():
    # a: counted all of both years; b: new in 2024 (no day of 2023); c: out of order five months of
    # 2023, compared on the other seven (50 passages in 2024 on those days, 40 in 2023).
    cy = pd.DataFrame({"channel_id": ["a", "a", "b", "c", "c"], "year": [2023, 2024, 2024, 2023, 2024],
                       "visits": [100, 110, 500, 40, 90], "compared_days": [0, 365, 0, 0, 212],
                       "compared_visits": [None, 110, None, None, 50], "compared_previous": [None, 100, None, None, 40]})
    change, n = parks.constant_perimeter_change(cy, 2024)
    assert change == pytest.approx(160 / 140 - 1) and n == 2


def test_by_site_keeps_missing_modes_missing():
    cy = pd.DataFrame({
        "site_id": ["s1", "s1", "s2"], "site_name": ["A", "A", "B"], "park": ["P", "P", None],
        "commune": ["X", "X", "Y"], "epci": ["CALL", "CALL", "CAHC"], "mobility_type": ["BIKE", "PEDESTRIAN", "BIKE"],
        "year": [2024] * 3, "visits": [10.0, 20.0, np.nan], "missing_hours": [0.0, 0.0, 24.0],
        "hours": [24.0, 24.0, 24.0],
    })
    t = parks.by_site(cy, 2024).set_index("site_id")
    assert t.loc["s1", "total"] == 30 and pd.isna(t.loc["s2", "total"]) and pd.isna(t.loc["s2", "PEDESTRIAN"])
    assert t.loc["s2", "completeness"] == 0


# ---------------------------------------------------------------- page

def test_page_default_view(conn, built_db):
    at = page()
    m = metrics(at)
    v24, bike, sites = conn.execute("""
        SELECT sum(count), sum(count) FILTER (channel_id LIKE '%-vel'), count(DISTINCT ch.site_id)
        FROM counter_measures JOIN counter_channels ch USING (channel_id)
        WHERE year(start_datetime) = 2024""").fetchall()[0]
    cur, prev = constant_perimeter(conn, 2024)
    assert m["Passages comptés"] == (fmt.number(v24), f"{fmt.signed_percent((cur - prev) / prev)} par rapport à 2023")
    assert m["Part des vélos"][0] == fmt.percent(bike / v24)
    missing, hours = conn.execute("SELECT count(*) FILTER (count IS NULL AND year(start_datetime) = 2024), "
                                  "count(*) FILTER (year(start_datetime) = 2024) FROM counter_measures").fetchall()[0]
    assert m["Heures manquantes"][0] == fmt.percent(missing / hours, 2)
    assert m["Compteurs actifs"][0] == fmt.number(sites)
    assert m["Hectares de parcs"][0] == f"4{NNBSP}200{NBSP}ha"
    assert m["Voies vertes"][0] == f"420{NBSP}km"
    assert m["Visiteurs de Parc en fête"][0] == f"90{NNBSP}000"
    assert m["Sites cités par le rapport"][0] == "10"
    spec = chart(at, "Passages comptés par mois")
    lines = [t for t in spec["data"] if t.get("mode") == "lines"]
    assert {t["name"] for t in lines} == {"Piétons", "Vélos"}
    assert all(t["connectgaps"] is False for t in lines)
    events = next(t for t in spec["data"] if t.get("name") == "Événements (table des événements)")
    assert "Parc en fête" in events["text"]
    assert any("Données de démonstration" in i.value for i in at.info)
    # The grids: passages by period, then passages by counter (the flags are a text table).
    # Shown in French whatever the browser's language (babel's narrow no-break space, decimal comma).
    table = at.dataframe[1].value
    assert len(table) == sites and sum(int(t.replace(NNBSP, "")) for t in table["total"]) == v24
    assert all(re.fullmatch(r"\d{1,3}(\u202f\d{3})*", t) for t in table["total"])
    assert all(re.fullmatch(r"\d{1,3},\d", t) for t in table["completeness"])
    series = at.dataframe[0].value
    monthly = conn.execute("""SELECT sum(count) FROM counter_measures JOIN counter_channels USING (channel_id)
                              WHERE start_datetime >= '2024-01-01' AND start_datetime < '2024-02-01'
                              GROUP BY mobility_type ORDER BY mobility_type""").fetchall()
    january = series[series["label"] == "janvier 2024"]
    assert january["visits"].tolist() == [fmt.number(v) for (v,) in monthly]       # BIKE, PEDESTRIAN
    assert len(at.get("download_button")) == 8


def test_page_filtered_view_and_granularity(conn, built_db):
    at = page(epci="CALL", annee=2023)
    v23, sites = conn.execute("""
        SELECT sum(m.count), count(DISTINCT s.site_id)
        FROM counter_measures m JOIN counter_channels ch USING (channel_id) JOIN counter_sites s USING (site_id)
        JOIN communes c ON c.code = s.commune_code JOIN epci e ON e.code = c.epci_code
        WHERE e.short_name = 'CALL' AND year(m.start_datetime) = 2023""").fetchall()[0]
    cur, prev = constant_perimeter(conn, 2023, "e.short_name = 'CALL'")
    m = metrics(at)
    change = fmt.percent(abs(cur - prev) / prev)
    assert m["Passages comptés"] == (fmt.number(v23), f"{'+' if cur >= prev else '-'}{change} par rapport à 2022")
    assert m["Compteurs actifs"][0] == fmt.number(sites)
    spec = chart(at, "Passages comptés par mois")
    assert all(x.startswith("2023-") for t in spec["data"] if t.get("mode") == "lines" for x in t["x"])
    at.segmented_control(key="pas").set_value("Semaine").run()
    assert not at.exception
    spec = chart(at, "Passages comptés par semaine")
    assert len(next(t for t in spec["data"] if t.get("name") == "Piétons")["x"]) == 53
    at.segmented_control(key="mode").set_value("Vélos").run()
    spec = chart(at, "Passages comptés par semaine")
    assert {t["name"] for t in spec["data"] if t.get("mode") == "lines"} == {"Vélos"}
    assert metrics(at)["Passages comptés (vélos)"][0] == fmt.number(conn.execute("""
        SELECT sum(m.count) FROM counter_measures m JOIN counter_channels ch USING (channel_id)
        JOIN counter_sites s USING (site_id) JOIN communes c ON c.code = s.commune_code
        JOIN epci e ON e.code = c.epci_code
        WHERE e.short_name = 'CALL' AND year(m.start_datetime) = 2023 AND ch.mobility_type = 'BIKE'""").fetchall()[0][0])


def test_page_shows_a_missing_month_as_a_gap(writable_db):
    with duckdb.connect(str(writable_db)) as c:
        site, name, commune = c.execute("""
            SELECT s.site_id, s.site_name, s.commune_code FROM counter_sites s
            JOIN counter_channels ch USING (site_id) JOIN counter_measures m USING (channel_id)
            WHERE m.start_datetime < '2024-02-01' AND s.commune_code IS NOT NULL
            GROUP BY ALL ORDER BY s.site_id LIMIT 1""").fetchall()[0]
        c.execute("""UPDATE counter_measures SET count = NULL
                     WHERE channel_id IN (SELECT channel_id FROM counter_channels WHERE site_id = $site)
                       AND start_datetime >= '2024-03-01' AND start_datetime < '2024-04-01'""", {"site": site})
        sql.materialize(c, "counter_daily")  # what every writer does after changing measures
    at = page(commune=commune)
    compteur = at.selectbox(key="compteur")
    compteur.select_index(compteur.options.index(name)).run()
    spec = chart(at, "Passages comptés par mois")
    for t in (t for t in spec["data"] if t.get("mode") == "lines"):
        y = {x[:10]: v for x, v in zip(t["x"], values(t["y"]))}
        assert y["2024-03-01"] is None or np.isnan(y["2024-03-01"]), t["name"]  # a gap, not a zero
        assert y["2024-02-01"] > 0
    table = at.dataframe[0].value
    march = table[table["label"] == "mars 2024"]
    # March 2024 has 743 hours (the clocks go forward on the 31st), every one missing.
    assert march["visits"].tolist() == ["n.d.", "n.d."] and march["missing_hours"].tolist() == ["743", "743"]
    assert march["completeness"].tolist() == ["0,0", "0,0"]


def test_page_with_an_area_without_counters(conn, built_db):
    commune = conn.execute("""SELECT code FROM communes WHERE code NOT IN
        (SELECT commune_code FROM counter_sites WHERE commune_code IS NOT NULL) ORDER BY code LIMIT 1""").fetchall()[0][0]
    at = page(commune=commune)
    m = metrics(at)
    assert m["Passages comptés"][0] == "n.d." and m["Compteurs actifs"][0] == "n.d."
    assert m["Hectares de parcs"][0] == f"4{NNBSP}200{NBSP}ha"
    assert any("Aucun compteur" in w.value for w in at.warning)


# ---------------------------------------------------------------- browser



@pytest.mark.browser
def test_granularity_lives_in_the_url_in_chromium(server, browser):
    from conftest import offline_page, wait_ready

    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page.goto(f"{server}/chaine-des-parcs?pas=Semaine&mode=V%C3%A9los")
    wait_ready(page)
    page.wait_for_selector(".js-plotly-plot .gtitle")
    titles = page.eval_on_selector_all(".js-plotly-plot .gtitle", "els => els.map(e => e.textContent)")
    assert "Passages comptés par semaine" in titles
    legend = page.locator(".js-plotly-plot").first.evaluate(
        "el => [...el.querySelectorAll('.legendtext')].map(e => e.textContent)")
    assert "Vélos" in legend and "Piétons" not in legend
    page.get_by_role("radio", name="Jour", exact=True).click()
    page.wait_for_function("() => location.search.includes('pas=Jour')")
    wait_ready(page)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]
                              .some(t => t.textContent === 'Passages comptés par jour')""")
    assert "mode=V" in page.url                    # the other control stays in the link
    assert page.locator('[data-testid="stException"]').count() == 0
    assert outside == []
    page.context.close()


def test_a_partial_period_is_said_partial_in_the_table_with_its_days_not_covered_counted_missing():
    """t12i finding 6: the rolling total ending in the current month (344 days of 365) and the
    first week of the year (5 days of 7) read « 100,0 » complete in the table while the chart
    marked them incomplete. 206 passages a day, every hour measured, to 10 March 2025."""
    months = pd.date_range("2024-01-01", "2025-03-01", freq="MS")
    days = [10 if m == pd.Timestamp("2025-03-01") else m.days_in_month for m in months]
    monthly = pd.DataFrame({"period": months, "mobility_type": "BIKE", "visits": [206.0 * d for d in days],
                            "missing_hours": 0.0, "hours": [24.0 * d for d in days], "days": days, "is_demo": False})
    t = parks.series_table(monthly, "rolling", 2025)
    assert t["label"].tolist() == ["12 mois, février 2024 – janvier 2025", "12 mois, mars 2024 – février 2025",
                                   "12 mois, avril 2024 – mars 2025"]
    assert t["visits"].tolist() == [206.0 * 366, 206.0 * 365, 206.0 * 344]
    assert t["days"].tolist() == [366, 365, 344] and t["period_days"].tolist() == [366, 365, 365]
    assert t["state"].tolist() == ["complète", "complète", "incomplète (total sous-estimé)"]
    assert t["completeness"].tolist() == pytest.approx([100.0, 100.0, 344 / 365 * 100])
    assert t["incomplete"].tolist() == [False, False, True]   # the chart's cross, the same rule
    # The week of 30 December within 2025 (1-5 January), a full one with an hour missing, the week
    # of today (10 March 2025 counted only).
    weeks = pd.DataFrame({"period": pd.to_datetime(["2024-12-30", "2025-01-06", "2025-01-13"]),
                          "mobility_type": "BIKE", "visits": [1030.0, 1442.0, 206.0], "missing_hours": [0.0, 1.0, 0.0],
                          "hours": [120.0, 168.0, 24.0], "days": [5, 7, 1], "is_demo": False})
    w = parks.series_table(weeks, "week")
    assert w["state"].tolist() == ["incomplète (total sous-estimé)", "complète", "incomplète (total sous-estimé)"]
    assert w["completeness"].tolist() == pytest.approx([500 / 7, (1 - 1 / 168) * 100, 100 / 7])
    # A month without any row is a gap, said so.
    gap = parks.series_table(monthly.drop(index=5), "month")
    assert gap.set_index("label").at["juin 2024", "state"] == "aucune mesure"
