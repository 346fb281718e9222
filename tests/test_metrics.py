"""One definition per figure: the metric layer on the small database with gaps, and every
surface that shows a figure (overview, thematic pages, map, screen) showing the same value.

The fixture (tests/fixtures/gaps.sql): Lens and Liévin (CALL), Hénin-Beaumont and Carvin
(CAHC). 2024 production: Lens 540 MWh, Liévin 420, Hénin-Beaumont 300, Carvin none. Rooftop
potential: Lens 10 000 MWh, Hénin-Beaumont 6 000, Carvin 4 000, Liévin none. So the 2024
taux de valorisation is (540 + 300) ÷ (10 000 + 6 000) = 5,25 % over 2 communes of 4 — not
1 260 ÷ 20 000 = 6,30 % (the potential of communes without production in the denominator),
nor 1 260 ÷ 16 000 = 7,88 % (production of communes without potential in the numerator).
Counters: Lens 2 passages an hour (nothing 1-10 March 2024), Hénin 1 an hour; 2024 =
356 × 48 + 366 × 24 = 25 872 passages; Lens has counted ten days of 2025 only.
"""

from __future__ import annotations

import html

import pandas as pd
import pytest

from conftest import metric_values, open_page, shown
from ecotransition.core import compare, fmt
from ecotransition.core import metrics as M
from ecotransition.core.labels import PMA_LABEL
from ecotransition.core.selection import Selection
from ecotransition.data import sql
from ecotransition.surfaces import maps, overview, screen
from ecotransition.themes import parks, solar

NNBSP, NBSP = "\u202f", "\u00a0"
UPTAKE_2024 = f"5,25{NBSP}%"
UPTAKE_COVERAGE = "2 communes sur 4 ; hors Carvin : production non renseignée, Liévin : potentiel non renseigné"
VISITS_2024 = f"25{NNBSP}872"


@pytest.fixture()
def data(gaps):
    return {"values": metric_values(gaps), "communes": sql.run(gaps, "communes_list", epci=None),
            "geo": sql.run(gaps, "communes_geo")}


# --------------------------------------------------------------------------- the layer


def test_ratio_covers_the_same_communes_in_numerator_and_denominator(data):
    r = M.reading(data["values"], data["communes"], "solar_uptake", 2024)
    assert r.value == pytest.approx(840 / 16000)
    assert (r.text, r.covered, r.total) == (UPTAKE_2024, 2, 4)
    assert r.coverage == UPTAKE_COVERAGE
    assert r.codes == ("62427", "62498")


def test_sums_say_which_communes_are_missing_and_never_read_zero(data):
    v, c = data["values"], data["communes"]
    sites = M.reading(v, c, "pv_sites", 2024)
    assert (sites.value, sites.coverage) == (280, "3 communes sur 4 ; hors Carvin : production non renseignée")
    carvin = M.reading(v, c, "pv_sites", 2024, ["62215"])
    assert carvin.value is None and carvin.text == "n.d."
    assert M.reading(v, c, "pv_sites", 2023).coverage is None        # every commune known in 2023
    assert M.reading(v, c, "solar_potential_mwh", None).text == f"20,0{NBSP}GWh"


def test_projects_without_amount_leave_their_commune_out_of_the_ratio(data):
    r = M.reading(data["values"], data["communes"], "investment_eur_per_inhabitant", None)
    # 2 M€ over the three communes whose amounts are known (Lens, Liévin, Carvin).
    assert r.value == pytest.approx(2_000_000 / (31415 + 30785 + 17124))
    assert r.coverage == "3 communes sur 4 ; hors Hénin-Beaumont : montant non publié"


def test_year_rules(data):
    v = data["values"]
    assert M.default_year(v, "solar_uptake") == 2024
    # Ten days of 2025 do not make 2025 the counters' year: the last year counted to 31 December.
    assert M.years(v, "visits") == [2023, 2024, 2025]
    assert M.default_year(v, "visits") == 2024
    assert M.resolve_year(v, "visits", 2025) == 2025        # asked for: shown, with its own coverage
    assert M.default_year(v, "population") is None


def test_visits_coverage_and_change_on_the_same_counters(data, gaps):
    v, c = data["values"], data["communes"]
    cur, prev = M.reading(v, c, "visits", 2024), M.reading(v, c, "visits", 2023)
    assert cur.value == 356 * 48 + 366 * 24 and prev.value == 365 * 48 + 365 * 24
    # A year without counts is missing, not zero.
    before = M.reading(v, c, "visits", 2019)
    assert before.value is None and before.text == "n.d." and before.items == 0
    assert cur.coverage == f"2 compteurs, {fmt.percent(240 / (2 * 366 * 24), 1)} des heures non mesurées (non comptées)"
    # Counted visits change counter by counter (themes.parks), never commune by commune here.
    assert M.change(cur, prev) is None
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    # 2024 against 2023 on the same dates each counter counted in full both years (29 February, Lens's
    # 1-10 March and the fixture's short 25-hour days left out): every hour counts the same, 0 %
    # (the whole years, 356 + 366 days against 365 + 365, read 25 872 / 26 280 − 1 = −1,6 %).
    assert parks.constant_perimeter_change(cy, 2024) == (0.0, 2)
    # 2025, the current year: its ten days at Lens against the same ten days of 2024 (480 and 480
    # passages), never against the whole of 2024; Hénin has not counted 2025.
    assert parks.constant_perimeter_change(cy, 2025) == (0.0, 1)


def test_change_of_perimeter_is_not_growth(data):
    v, c = data["values"], data["communes"]
    cur, prev = M.reading(v, c, "pv_sites", 2024), M.reading(v, c, "pv_sites", 2023)
    assert M.change(cur, prev) is None and M.delta_text(cur, prev) is None


# --------------------------------------------------------------------------- every surface, one value


def surfaces_taux(data) -> dict[str, str]:
    v, c = data["values"], data["communes"]
    sel = Selection()
    cards = {k.label: k for k in overview.solar_kpis(v, c, pd.DataFrame(columns=[
        "year", "users", "first_day", "last_day", "is_demo", "source"]), 2024, None, sel)}
    page = {k.label: k for k in solar.kpis(v, c, sel, 2024, pd.DataFrame(columns=["id"]),
                                           pd.DataFrame({"date": [], "users": [], "source": []}))}
    mapdata = maps.MapData(communes=data["geo"], values=v, parks=pd.DataFrame(), counters=pd.DataFrame(),
                           events=pd.DataFrame(), investments=pd.DataFrame())
    view = maps.map_view(mapdata, "solar_uptake", None)
    profile = maps.commune_profile(v, data["geo"], "62498", None).set_index("Indicateur")
    slide = screen.solaire(v, data["geo"], pd.DataFrame(columns=["id", "year", "value", "unit", "label", "source"]),
                           screen.PALETTES["sombre"])
    return {
        "overview card": cards["Taux de valorisation"].value,
        "solar card": page["Taux de valorisation"].value,
        "map legend": view.total.text,
        "map profile": profile.loc["Taux de valorisation solaire", maps.PROFILE_PMA],
        "screen": UPTAKE_2024 if UPTAKE_2024 in slide.message else slide.message,
        "trend": fmt.percent(solar.uptake_trend(v, c, sel).set_index(["zone", "year"]).at[
            (PMA_LABEL, 2024),
            "uptake"], 2),
    }


def test_taux_de_valorisation_reads_the_same_on_every_surface(data):
    shown = surfaces_taux(data)
    assert set(shown.values()) == {UPTAKE_2024}, shown


def test_coverage_is_said_on_the_card_and_the_map(data):
    v, c = data["values"], data["communes"]
    card = {k.label: k for k in solar.cards(v, c, Selection(), 2024)}["Taux de valorisation"]
    assert UPTAKE_COVERAGE in card.caption
    mapdata = maps.MapData(communes=data["geo"], values=v, parks=pd.DataFrame(), counters=pd.DataFrame(),
                           events=pd.DataFrame(), investments=pd.DataFrame())
    legend = html.unescape(maps.legend_html(maps.map_view(mapdata, "solar_uptake", None)))
    assert f"Ensemble du Pôle : <strong>{UPTAKE_2024}</strong> ({UPTAKE_COVERAGE})" in legend


def test_sentences_state_what_the_figures_show(data, gaps):
    v, c = data["values"], data["communes"]
    sel = Selection()
    points = overview.takeaways(v, c, sql.run(gaps, "overview_visits", epci=None, commune=None),
                                sql.run(gaps, "overview_events", epci=None, commune=None), sel, 2024, 2024, 2024)
    solar_sentence = next(t.text for t in points if "potentiel" in t.text)
    # Production and potential of the same two communes as the ratio: 840 MWh of 16 000.
    assert solar_sentence == (f"En 2024, les installations photovoltaïques du Pôle métropolitain ({UPTAKE_COVERAGE}) "
                              f"ont produit 840{NBSP}MWh, soit {UPTAKE_2024} du potentiel annuel de leurs toitures "
                              f"(16,0{NBSP}GWh).")
    slide = screen.parcs(v, data["geo"], sql.run(gaps, "screen_visits_yearly"), sql.run(gaps, "visits_channel_years", epci=None, commune=None),
                         pd.DataFrame(columns=["id", "year", "value", "unit", "label", "source"]),
                         screen.PALETTES["sombre"])
    change = fmt.signed_percent(0.0)     # the same days of both years (test_visits_coverage_and_change…)
    assert slide.message == f"{change} de passages en 2024 par rapport à 2023 (mêmes jours, hors 29 février)."
    assert [f.value for f in slide.figures][:2] == [VISITS_2024, change]


def test_counted_visits_and_their_year_read_the_same_everywhere(data, gaps):
    v, c = data["values"], data["communes"]
    year = M.default_year(v, "visits")
    ov_card = overview.parks_kpis(v, c, sql.run(gaps, "visits_channel_years", epci=None, commune=None),
                                  pd.DataFrame(columns=["id"]), year, Selection())[0]
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    park_card = parks.kpis(cy, year, pd.DataFrame(columns=["id"]), sql.run(gaps, "park_sites_list"), "PMA")[0]
    profile = maps.commune_profile(v, data["geo"], "62498", None).set_index("Indicateur")
    slide = screen.parcs(v, data["geo"], sql.run(gaps, "screen_visits_yearly"), sql.run(gaps, "visits_channel_years", epci=None, commune=None),
                         pd.DataFrame(columns=["id", "year", "value", "unit", "label", "source"]),
                         screen.PALETTES["sombre"])
    # The cards say that their change leaves 29 February out (the slide's change label does).
    assert (ov_card.year, park_card.year, slide.figures[0].year) == (
        "2024 (évolution hors 29 février)", "2024 (évolution hors 29 février)", "2024")
    assert {ov_card.value, park_card.value, profile.loc["Passages comptés", maps.PROFILE_PMA],
            slide.figures[0].value} == {VISITS_2024}
    # Their change too: one definition (the days each counter counted in full both years).
    change = fmt.signed_percent(0.0)
    assert ov_card.delta == f"{change} par rapport à 2023 (mêmes jours)"
    assert park_card.delta == f"{change} par rapport à 2023"
    assert (slide.figures[1].value, slide.figures[1].label) == (change, "de passages par rapport à 2023")
    same = f"Évolution sur les mêmes jours : 25{NNBSP}656 passages en 2024 contre 25{NNBSP}656 en 2023"
    assert same in ov_card.help and same in park_card.help


def test_per_inhabitant_comparison_uses_the_same_figures_as_the_map(data):
    v, c = data["values"], data["communes"]
    comp = compare.per_inhabitant(v, c, Selection(epci="CALL"), 2024)
    sites = comp[comp["metric"] == "pv_sites_per_1000"].set_index("zone")
    assert sites.at["CALL", "per_inhabitant"] == pytest.approx(210 / (31415 + 30785) * 1000)
    # Carvin has no 2024 production: its population is left out of the PMA's ratio too.
    assert sites.at["PMA", "per_inhabitant"] == pytest.approx(280 / (31415 + 30785 + 26022) * 1000)
    assert sites.at["PMA", "coverage"] == "3 communes sur 4 ; hors Carvin : production non renseignée"
    profile = maps.commune_profile(v, data["geo"], "62498", None).set_index("Indicateur")
    assert profile.loc["Sites PV pour 1 000 habitants", maps.PROFILE_PMA] == fmt.number(
        sites.at["PMA", "per_inhabitant"], 1)
    assert compare.coverage_notes(comp)[0].startswith("PMA, Sites photovoltaïques pour 1 000 habitants : 3 communes")


# --------------------------------------------------------------------------- the pages on the fixture


@pytest.fixture()
def gaps_app(gaps_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_DB", str(gaps_db))
    return gaps_db


def test_pages_show_one_taux_and_its_coverage(gaps_app):
    overview_page = open_page("pages/vue-ensemble.py")
    solar_page = open_page("pages/solaire.py")
    for at in (overview_page, solar_page):
        card = next(m for m in at.metric if shown(m.label) == "Taux de valorisation")
        assert card.value == UPTAKE_2024
        assert any(UPTAKE_COVERAGE in html.unescape(c.value) for c in at.caption)
    parks_page = open_page("pages/chaine-des-parcs.py")
    assert next(m.value for m in parks_page.metric if shown(m.label) == "Passages comptés") == VISITS_2024
    assert next(m.value for m in overview_page.metric
                if shown(m.label) == "Passages aux compteurs des parcs") == VISITS_2024


# --------------------------------------------------------------------------- the registry


def test_registry_is_the_one_list_of_datasets(gaps):
    from ecotransition.data import registry
    from ecotransition.data.build import SEED_TABLES
    from ecotransition.data.db import CONTRACT_TABLES
    from ecotransition.imports import DATASETS, catalogue, dataset_choices

    assert CONTRACT_TABLES == registry.TABLES
    assert SEED_TABLES == ("epci", "communes", "events", "investments", "indicators", "park_sites")
    assert list(DATASETS) == list(dataset_choices()) == list(registry.IMPORTABLE)
    assert all(DATASETS[n].label == registry.get(n).label for n in DATASETS)
    # Every table of the schema is declared once (plus the derived and bookkeeping tables).
    schema = {t for (t,) in gaps.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert schema - set(registry.TABLES) == {"build_info", "counter_daily"}
    # The catalogue lists the registry's datasets, with counts read from each table.
    listed = catalogue.datasets(lambda name, **p: sql.run(gaps, name, **p)).set_index("dataset")
    assert list(listed.index) == list(registry.IMPORTABLE)
    assert listed.at["solar_production", "rows"] == 7 and listed.at["solar_potential", "rows"] == 3
    heat = catalogue.completeness(lambda name, **p: sql.run(gaps, name, **p), "CAHC")
    assert set(heat["dataset"]) == set(registry.BY_COMMUNE) and set(heat["code"]) == {"62427", "62215"}
    assert heat.set_index(["dataset", "code"]).at[("solar_potential", "62215"), "rows"] == 1


def test_selection_macro_is_the_one_filter(gaps):
    """in_selection(): the commune wins; an agglomeration keeps its communes; NULL keeps all."""
    one = lambda **p: sql.run(gaps, "overview_territory", **p)["communes"].iloc[0]  # noqa: E731
    assert (one(epci=None, commune=None), one(epci="CAHC", commune=None), one(epci=None, commune="62498")) == (4, 2, 1)
    visits = sql.run(gaps, "visits_channel_years", epci="CALL", commune=None)
    assert set(visits["site_id"]) == {"cpt-lens"}
