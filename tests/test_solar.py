"""Solaire: uptake ratio, KPI cards, figures and the page itself on the fixture database."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest

from conftest import metric_values, metrics, open_page
from ecotransition.core import compare, fmt
from ecotransition.core import metrics as M
from ecotransition.core.selection import Selection
from ecotransition.data import sql
from ecotransition.surfaces import export
from ecotransition.themes import solar

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture()
def values(conn):
    return metric_values(conn)


@pytest.fixture()
def communes(conn):
    return sql.run(conn, "communes_list", epci=None)


@pytest.fixture()
def table(values, communes):
    return solar.commune_table(values, communes, 2024)


def expected_totals(conn, year, where="TRUE", params=None):
    """The area's totals straight from the tables, independently of the module."""
    q = f"""
        SELECT sum(p.sites), sum(p.power_kw), sum(p.energy_mwh), sum(pot.potential_mwh)
        FROM solar_production p JOIN communes c ON c.code = p.commune_code
        JOIN epci e ON e.code = c.epci_code
        LEFT JOIN solar_potential pot ON pot.commune_code = p.commune_code
        WHERE p.year = $year AND {where}"""
    return conn.execute(q, {"year": year, **(params or {})}).fetchall()[0]


def page(**state):
    return open_page("pages/solaire.py", **state)




# ---------------------------------------------------------------- module

def test_uptake_ratio_is_production_over_rooftop_potential(conn, table):
    rows = conn.execute("""
        SELECT p.commune_code, p.energy_mwh / s.potential_mwh * 100
        FROM solar_production p JOIN solar_potential s USING (commune_code) WHERE p.year = 2024
    """).fetchall()
    got = table.set_index("commune_code")["uptake"]
    assert len(got) == len(rows) == 150
    for code, ratio in rows:
        assert got[code] == pytest.approx(ratio)


def test_commune_table_ranks_and_changes(conn, table):
    assert len(table) == 150
    assert table["uptake"].is_monotonic_decreasing
    assert table["rank"].tolist()[:3] == [1, 2, 3]
    best = table.iloc[0]
    e24, e23, pot = conn.execute("""
        SELECT max(energy_mwh) FILTER (year = 2024), max(energy_mwh) FILTER (year = 2023), max(s.potential_mwh)
        FROM solar_production p JOIN solar_potential s USING (commune_code) WHERE commune_code = $c
    """, {"c": best["commune_code"]}).fetchall()[0]
    assert best["uptake"] == pytest.approx(e24 / pot * 100)
    assert best["uptake_change"] == pytest.approx((e24 - e23) / pot * 100)
    # The top commune of the table is the highest ratio of the database.
    top_code = conn.execute("""
        SELECT p.commune_code FROM solar_production p JOIN solar_potential s USING (commune_code)
        WHERE year = 2024 ORDER BY p.energy_mwh / s.potential_mwh DESC LIMIT 1""").fetchall()[0][0]
    assert best["commune_code"] == top_code


def test_top_bottom_figure_shows_extremes(table):
    fig = solar.top_bottom_figure(table, n=10, highlight=table.iloc[0]["commune_code"], year=2024)
    top, bottom = fig.data
    assert list(top.y)[-1] == table.iloc[0]["commune"]          # highest ratio at the top of the chart
    assert list(bottom.y)[-1] == table.iloc[-1]["commune"]      # lowest ratio at the bottom
    assert list(top.marker.color)[-1] == "#000000"              # the selected commune stands out
    assert fig.layout.separators == ", "
    assert any("démonstration" in (a.text or "") for a in fig.layout.annotations)


def test_cards_keep_missing_years_missing(values, communes):
    """A year without production reads n.d. on every solar card, never 0."""
    cards = solar.kpis(values, communes, Selection(), 2009, pd.DataFrame(columns=["id"]),
                       pd.DataFrame({"date": [], "users": [], "source": []}))
    by_label = {k.label: k for k in cards}
    assert by_label["Sites photovoltaïques"].value == "n.d."
    assert by_label["Taux de valorisation"].value == "n.d."
    assert by_label["Production photovoltaïque"].value == "n.d."


def test_formats():
    assert M.energy(91608.5) == f"91,6{NBSP}GWh"
    assert M.energy(421.9) == f"422{NBSP}MWh"
    assert M.power(104146.5) == f"104,1{NBSP}MWc"
    assert M.points(0.0058) == f"+0,58{NBSP}pt"
    assert M.points(-0.0012) == f"-0,12{NBSP}pt"


def test_comparison_per_inhabitant(conn, values, communes):
    comp = compare.per_inhabitant(values, communes, Selection(epci="CALL"), 2024, compare.SOLAR_METRICS)
    comp = comp[comp["metric"] == "pv_sites_per_1000"].set_index("zone")
    sites, pop = conn.execute("""
        SELECT sum(p.sites), sum(c.population) FROM solar_production p JOIN communes c ON c.code = p.commune_code
        JOIN epci e ON e.code = c.epci_code WHERE p.year = 2024 AND e.short_name = 'CALL'""").fetchall()[0]
    all_sites, all_pop = conn.execute("""
        SELECT sum(p.sites), sum(c.population) FROM solar_production p JOIN communes c ON c.code = p.commune_code
        WHERE p.year = 2024""").fetchall()[0]
    assert comp.at["CALL", "per_inhabitant"] == pytest.approx(sites / pop * 1000)
    assert comp.at["PMA", "per_inhabitant"] == pytest.approx(all_sites / all_pop * 1000)
    assert comp.at["CALL", "gap"] == pytest.approx((sites / pop) / (all_sites / all_pop) - 1)


def test_cadastre_figure_marks_launch_and_report_figure(conn):
    cad = sql.run(conn, "cadastre_users")
    weekly = solar.cadastre_weekly(cad)
    assert weekly["users"].sum() == cad["users"].sum()
    fig = solar.cadastre_figure(cad, 2200)
    assert any("26 septembre 2023" in (a.text or "") for a in fig.layout.annotations)
    assert any(s.type == "line" and str(s.x0).startswith("2023-09-26") for s in fig.layout.shapes)
    star = [t for t in fig.data if t.name and f"2{NNBSP}200" in t.name]
    assert star and list(star[0].y) == [2200]
    # French month names on the date axis (plotly's own would be English).
    assert "janv. 2024" in fig.layout.xaxis.ticktext


def test_commune_table_exports_for_french_excel(table):
    data = export.to_csv(table, solar.TABLE_LABELS)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig").splitlines()
    assert text[0].startswith("Commune;Code INSEE;Agglomération;Habitants;Sites PV")
    first = text[1].split(";")
    assert first[0] == table.iloc[0]["commune"]
    assert "," in first[8] and "." not in first[8]  # decimal comma in the ratio column


# ---------------------------------------------------------------- page

def test_page_default_view(conn, built_db):
    at = page()
    m = metrics(at)
    s24, kw24, e24, pot = expected_totals(conn, 2024)
    s23, kw23, e23, pot23 = expected_totals(conn, 2023)
    assert m["Sites photovoltaïques"] == (fmt.number(s24), f"+{fmt.percent((s24 - s23) / s23)} par rapport à 2023")
    assert m["Puissance installée"][0] == M.power(kw24)
    assert m["Production photovoltaïque"][0] == M.energy(e24)
    assert m["Taux de valorisation"] == (fmt.percent(e24 / pot, 2),
                                         f"{M.points(e24 / pot - e23 / pot23)} par rapport à 2023")
    # The report's figures, with their own year and source.
    assert m["Potentiel des toitures"][0] == f"3{NNBSP}000{NBSP}GWh"
    assert m["Cadastre solaire : 2 mois"][0] == f"2{NNBSP}200"
    users24 = conn.execute("SELECT sum(users) FROM cadastre_usage WHERE year(date) = 2024").fetchall()[0][0]
    assert m["Cadastre solaire : 2024"][0] == fmt.number(users24)
    captions = [html.unescape(c.value) for c in at.caption]  # kpi_cards escapes the captions
    assert "2023 · Source : Rapport d'activité 2023 PMA" in captions
    assert "2024 · Source : démonstration · ⚠ données de démonstration" in captions
    assert any("Données de démonstration" in i.value for i in at.info)
    # Table of the 150 communes with French labels and an export.
    df = at.dataframe[1].value
    assert len(df) == 150 and list(df.columns[:3]) == ["commune", "commune_code", "epci"]
    assert [b.proto.label for b in at.get("download_button")] == ["Exporter en CSV (Excel)", "Exporter en XLSX"] * 2
    assert len(at.get("plotly_chart")) == 4  # the per-inhabitant comparison is a table here
    # Without a selection, the comparison puts the three agglomerations beside the PMA.
    comp = at.dataframe[0].value
    assert list(comp.columns) == ["Indicateur", "Unité", "CABBALR", "CAHC", "CALL", "PMA"]
    sites, pop = conn.execute("""SELECT sum(p.sites), sum(c.population) FROM solar_production p
        JOIN communes c ON c.code = p.commune_code WHERE p.year = 2024""").fetchall()[0]
    assert comp.set_index("Indicateur").at["Sites photovoltaïques pour 1 000 habitants", "PMA"] == pytest.approx(
        sites / pop * 1000, abs=0.05)  # one decimal, as shown


def test_page_filtered_commune_and_year(conn, built_db):
    at = page(commune="62119", annee=2023)
    m = metrics(at)
    where = "p.commune_code = $c"
    s23, kw23, e23, pot = expected_totals(conn, 2023, where, {"c": "62119"})
    s22, _, _, _ = expected_totals(conn, 2022, where, {"c": "62119"})
    assert m["Sites photovoltaïques"] == (fmt.number(s23), f"+{fmt.percent((s23 - s22) / s22)} par rapport à 2022")
    assert m["Production photovoltaïque"][0] == M.energy(e23)
    assert m["Potentiel des toitures"][0] == M.energy(pot)  # the commune's share, not the 3 000 GWh
    assert any(h.value == "Comparaison par habitant (2023)" for h in at.subheader)
    ratio = metrics(at)["Taux de valorisation face au PMA"]
    assert ratio[1].endswith(f"par rapport au PMA ({fmt.percent(expected_totals(conn, 2023)[2] / 3_000_000, 2)})")
    comp = at.dataframe[0].value.set_index("Indicateur")
    assert list(comp.columns) == ["Unité", "Béthune (62119)", "CABBALR", "PMA", "Écart Béthune (62119) / PMA (%)"]
    pop = conn.execute("SELECT population FROM communes WHERE code = '62119'").fetchall()[0][0]
    assert comp.at["Production photovoltaïque par habitant", "Béthune (62119)"] == pytest.approx(e23 * 1000 / pop, abs=0.05)
    assert at.dataframe[1].value["commune_code"].tolist() == ["62119"]
    assert any("Béthune" in c.value and "commune sur 150" in c.value for c in at.caption)


def test_page_measure_control_changes_chart(built_db):
    at = page(epci="CAHC")
    at.segmented_control(key="mesure").set_value("Sites").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Sites photovoltaïques par année et par agglomération"
    assert {t["name"] for t in spec["data"]} == {"CAHC"}


# ---------------------------------------------------------------- browser



@pytest.mark.browser
def test_measure_lives_in_the_url_in_chromium(server, browser):
    from conftest import offline_page, wait_ready

    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page.goto(f"{server}/solaire?mesure=Sites&epci=CAHC")
    wait_ready(page)
    page.wait_for_selector(".js-plotly-plot .gtitle")
    titles = page.eval_on_selector_all(".js-plotly-plot .gtitle", "els => els.map(e => e.textContent)")
    assert "Sites photovoltaïques par année et par agglomération" in titles
    page.get_by_role("radio", name="Puissance", exact=True).click()
    page.wait_for_function("() => location.search.includes('mesure=Puissance')")
    wait_ready(page)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot .gtitle')]
                              .some(t => t.textContent === 'Puissance installée par année et par agglomération')""")
    assert "epci=CAHC" in page.url
    # French number formats in the table (the reader's locale) and missing values as n.d.
    assert page.locator('[data-testid="stException"]').count() == 0
    assert outside == []
    page.context.close()
