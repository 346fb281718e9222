"""The map explorer's builder, classes, click handling and offline assets (plain pytest)."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import pickle
import re
import threading

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import metric_values
from ecotransition.core import fmt
from ecotransition.core.geo import CommuneLocator
from ecotransition.data import sql
from ecotransition.surfaces import maps, offline

NNBSP, NBSP = "\u202f", "\u00a0"
XSS = "<img src=x onerror=alert(1)>"
LENS = "62498"


@pytest.fixture(scope="module")
def data(built_db) -> maps.MapData:
    c = duckdb.connect(str(built_db), read_only=True)
    try:
        return maps.load_data(lambda name, **params: sql.run(c, name, **params))
    finally:
        c.close()


@pytest.fixture(scope="module")
def solar_map(data):
    return maps.build_map(data, "solar_uptake")


def layers(m) -> list:
    return [e for e in offline.walk(m) if type(e).__name__ == "GeoJson"]


def layer_named(m, text: str):
    found = [g for g in layers(m) if text in g.layer_name]
    assert len(found) == 1, [g.layer_name for g in layers(m)]
    return found[0]


def communes_layer(m):
    return layer_named(m, "Communes :")


def style_of(layer, feature_id: str) -> dict:
    return layer.style_function({"id": feature_id, "properties": {}})


# ------------------------------------------------------------------------- layers

def test_map_has_the_150_communes_outlines_and_every_point_layer(solar_map, data):
    communes = communes_layer(solar_map)
    assert len(communes.data["features"]) == 150
    assert {f["id"] for f in communes.data["features"]} == set(data.communes["code"])
    outlines = layer_named(solar_map, "Limites des agglomérations")
    assert sorted(f["id"] for f in outlines.data["features"]) == ["CABBALR", "CAHC", "CALL"]
    assert outlines.options.get("interactive") is False  # clicks reach the communes below
    parks = layer_named(solar_map, "Sites de la Chaîne des parcs")
    assert len(parks.data["features"]) == 10
    projects = layer_named(solar_map, "Investissements (taille : montant)")
    assert len(projects.data["features"]) == len(data.investments) == 25
    themes = sorted(html.unescape(g.layer_name.split("Événements : ")[1]) for g in layers(solar_map)
                    if "Événements : " in g.layer_name)
    assert themes == sorted(data.events["theme"].unique())
    n_events = sum(len(g.data["features"]) for g in layers(solar_map) if "Événements : " in g.layer_name)
    assert n_events == data.events[["lat", "lon"]].notna().all(axis=1).sum() == 37
    counters = layer_named(solar_map, "Compteurs de passages (2024)")
    assert len(counters.data["features"]) == 6
    # Only the parks start visible on a solar map; the rest wait in the layer control.
    assert [g.show for g in (parks, projects, counters)] == [True, False, False]
    controls = [e for e in offline.walk(solar_map) if type(e).__name__ == "LayerControl"]
    assert len(controls) == 1
    # No base tiles unless asked: nothing to fetch.
    assert not [e for e in offline.walk(solar_map) if type(e).__name__ == "TileLayer"]


def test_optional_openstreetmap_background(data):
    m = maps.build_map(data, "population", background=True)
    tiles = [e for e in offline.walk(m) if type(e).__name__ == "TileLayer"]
    assert len(tiles) == 1 and "openstreetmap" in tiles[0].tiles


def test_point_sizes_follow_area_and_amount(solar_map):
    projects = layer_named(solar_map, "Investissements")
    radius = {fid: style_of(projects, fid)["radius"] for fid in ("demo-inv-08", "demo-inv-04", "inv-acc-gigafactory")}
    # 497 M€ > 15 M€; a project with no published amount gets a small dashed circle.
    assert radius["demo-inv-08"] > radius["demo-inv-04"] > radius["inv-acc-gigafactory"] == 6.0
    assert style_of(projects, "inv-acc-gigafactory")["dashArray"] == "3 3"
    assert maps.park_radius(400) > maps.park_radius(25) > 0
    assert maps.park_radius(None) == 8.0


def test_year_filters_the_point_layers(data):
    m = maps.build_map(data, "events", 2024)
    n = sum(len(g.data["features"]) for g in layers(m) if "Événements 2024" in g.layer_name)
    expected = data.events.loc[pd.to_datetime(data.events["start_date"]).dt.year == 2024]
    assert n == expected[["lat", "lon"]].notna().all(axis=1).sum() > 0
    assert all(g.show for g in layers(m) if "Événements 2024" in g.layer_name)
    projects = layer_named(m, "Investissements annoncés en 2024")
    assert [f["id"] for f in projects.data["features"]] == ["demo-inv-18"]


# ------------------------------------------------------------------- colour classes

def test_quantile_classes_separate_zero_and_missing():
    c = maps.classify(pd.Series([1, 1, 1, 1, 2, 3, 11, 0, np.nan]))
    assert c.zero and c.ranges == ((1, 1), (2, 2), (3, 11))
    assert [t for _, t in c.labels(fmt.number)] == ["0 (aucun)", "1", "2", "3 à 11"]
    assert c.color(0) == maps.ZERO_COLOR
    assert c.color(np.nan) == c.color(None) == maps.MISSING_FILL == "url(#ea-hatch)"
    assert c.color(1) == maps.VIRIDIS_5[0] and c.color(11) == maps.VIRIDIS_5[4]

    five = maps.classify(pd.Series(range(1, 11)))
    assert five.ranges == ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10))
    assert five.colors == tuple(maps.VIRIDIS_5)
    assert [five.color(v) for v in (2, 3, 10)] == [maps.VIRIDIS_5[0], maps.VIRIDIS_5[1], maps.VIRIDIS_5[4]]
    assert maps.classify(pd.Series([np.nan, None])).colors == ()


def test_population_legend_in_french_formats(data):
    view = maps.map_view(data, "population", None)
    assert [t for _, t in view.legend] == [
        "46 à 718", f"750 à 1{NNBSP}545", f"1{NNBSP}570 à 2{NNBSP}936",
        f"3{NNBSP}027 à 6{NNBSP}932", f"6{NNBSP}978 à 31{NNBSP}415",
    ]
    assert [c for c, _ in view.legend] == maps.VIRIDIS_5
    assert view.missing == 0 and view.demo is False
    html_legend = maps.legend_html(view)
    assert "Population municipale (habitants)" in html_legend and "données de démonstration" not in html_legend


def test_commune_colours_match_their_class(data, solar_map):
    view = maps.map_view(data, "solar_uptake", None)
    assert view.period.year == 2024 and view.demo is True
    # The metric layer's format of the taux de valorisation: two decimals, as on every surface.
    assert [t for _, t in view.legend][0] == f"1,26{NBSP}% à 2,22{NBSP}%"
    vals = maps.commune_values(data.values, data.communes, "solar_uptake", view.period)["value"]
    layer = communes_layer(solar_map)
    for code in data.communes["code"]:
        assert style_of(layer, code)["fillColor"] == view.classes.color(vals[code])
        assert style_of(layer, code)["className"] == "ea-commune"


def test_missing_values_are_hatched_and_labelled_nd_never_zero(data):
    # Counted visits: only the 6 communes with a counter have a value.
    view = maps.map_view(data, "visits", None)
    assert view.missing == 144
    assert view.legend[-1] == (maps.MISSING_SWATCH, "n.d. (non disponible) : 144 communes")
    m = maps.build_map(data, "visits")
    layer = communes_layer(m)
    tips = {f["id"]: f["properties"]["t"] for f in layer.data["features"]}
    assert style_of(layer, "62001")["fillColor"] == "url(#ea-hatch)"
    assert "Passages comptés (compteurs situés dans la commune) : n.d. · 2024" in tips["62001"]
    assert style_of(layer, LENS)["fillColor"] != "url(#ea-hatch)"
    assert f"359{NNBSP}737" in tips[LENS]
    # Ruitz's only project has no published amount: n.d., not 0 €; a commune without
    # any project has 0 €.
    period = maps.resolve_period(data.values, "investment_eur", None)
    inv = maps.commune_values(data.values, data.communes, "investment_eur", period)
    assert math.isnan(inv.loc["62727", "value"]) and inv.loc["62727", "unknown"] == 1
    assert inv.loc["62001", "value"] == 0
    m = maps.build_map(data, "investment_eur")
    assert style_of(communes_layer(m), "62727")["fillColor"] == "url(#ea-hatch)"
    assert style_of(communes_layer(m), "62001")["fillColor"] == maps.ZERO_COLOR


def test_demonstration_figures_are_flagged(data, solar_map):
    tip = {f["id"]: f["properties"]["t"] for f in communes_layer(solar_map).data["features"]}[LENS]
    assert tip.endswith("⚠ données de démonstration")
    assert "Source : production : démonstration ; potentiel : démonstration" in tip
    assert "données de démonstration" in maps.legend_html(maps.map_view(data, "solar_uptake", None))
    events = maps.map_view(data, "events", None)
    assert events.demo is False and events.period.label == "2023–2024 (cumul)"


def test_periods(data):
    assert maps.resolve_period(data.values, "pv_energy_mwh", None) == maps.Period(2024, "2024")
    assert maps.resolve_period(data.values, "pv_energy_mwh", 2019) == maps.Period(2019, "2019")
    p = maps.resolve_period(data.values, "visits", 2015)
    assert p.year == 2024 and p.notice == (
        "Pas de données « Passages comptés (compteurs situés dans la commune) » pour 2015 : "
        "la carte montre 2024.")
    assert maps.resolve_period(data.values, "jobs", None).label == "2020–2024 (cumul, y compris sans année)"
    assert maps.resolve_period(data.values, "population", 2023).label == "millésime de la source"


# -------------------------------------------------------------------------- escaping

def hostile(data: maps.MapData) -> maps.MapData:
    """The same data with an HTML/JS payload in every imported string that is shown."""
    communes = data.communes.copy()
    communes.loc[communes["code"] == LENS, "name"] = XSS
    events = data.events.copy()
    events.loc[events.index[0], ["title", "place", "description"]] = [XSS, "`${alert(2)}`", "</script><b>x</b>"]
    events.loc[events.index[0], "theme"] = "<b>thème</b>"
    parks = data.parks.copy()
    parks.loc[parks.index[0], ["name", "kind"]] = [XSS, "'\"><svg onload=alert(3)>"]
    projects = data.investments.copy()
    projects.loc[projects.index[0], ["name", "company"]] = [XSS, "<script>alert(4)</script>"]
    values = pd.concat(data.values)
    values.loc[values["code"] == LENS, "source"] = XSS
    return maps.MapData(communes, values, parks, data.counters, events, projects)


def test_every_string_is_escaped(data):
    bad = hostile(data)
    m = maps.build_map(bad, "population")
    tips = {f["id"]: f["properties"]["t"] for f in communes_layer(m).data["features"]}
    assert tips[LENS].startswith("&lt;img src=x onerror=alert(1)&gt; (62498) · CALL")
    assert "Source : &lt;img src=x onerror=alert(1)&gt;" in tips[LENS]
    texts = [v for g in layers(m) for f in g.data["features"] for v in f["properties"].values()]
    assert texts and all("<" not in t and ">" not in t for t in texts)
    rendered = m.get_root().render()
    for raw in (XSS, "<script>alert(4)", "<svg onload", "<b>thème</b>", "</script><b>"):
        assert raw not in rendered
    assert "&lt;b&gt;thème&lt;/b&gt;" in " ".join(g.layer_name for g in layers(m))
    # The profile and tables are shown by st.dataframe (text, never HTML).
    assert maps.commune_events(bad.events, bad.events["commune_code"].iloc[0])["Événement"].iloc[0] == XSS


def test_legend_escapes_its_text(data):
    view = maps.map_view(hostile(data), "population", None)
    assert XSS in view.source  # shown by the page through escape_md
    view = dataclasses.replace(view, period=maps.Period(None, XSS), legend=[("#000000", XSS)])
    legend = maps.legend_html(view)
    assert XSS not in legend and legend.count("&lt;img src=x onerror=alert(1)&gt;") == 2


# -------------------------------------------------------------------- offline assets

def test_js_and_css_urls_are_local(solar_map, data):
    js, css = offline.asset_links(solar_map)
    assert js == ["../../app/static/vendor/leaflet-1.9.3/leaflet.js"]
    assert css == ["../../app/static/vendor/leaflet-1.9.3/leaflet.css"]
    for m in (solar_map, maps.build_map(data, "events", 2023, focus="CALL")):
        rendered = m.get_root().render()
        assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", rendered)
        assert not re.findall(r"https?://", rendered)
    # folium's classes keep their CDN lists: only this map's elements were pointed home.
    import folium
    assert folium.Map.default_js[0][1].startswith("https://")


def test_remote_assets_are_refused():
    import branca.colormap
    import folium
    import folium.plugins
    m = folium.Map(tiles=None)
    branca.colormap.LinearColormap(["#000000", "#ffffff"]).add_to(m)
    with pytest.raises(offline.RemoteAssetError):
        offline.localize(m)
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(offline.RemoteAssetError, match="not served locally"):
        offline.localize(m)


def test_install_copies_leaflet_once(tmp_path):
    dest = offline.install(tmp_path)
    assert dest == tmp_path / "leaflet-1.9.3"
    for name in offline.LEAFLET_FILES:
        assert (dest / name).read_bytes() == (offline._source_dir() / name).read_bytes()
    stamp = (dest / "leaflet.js").stat().st_mtime_ns
    assert offline.install(tmp_path) == dest
    assert (dest / "leaflet.js").stat().st_mtime_ns == stamp
    # Several server threads or processes starting at once end with one complete copy.
    other = tmp_path / "race"
    errors = []
    threads = [threading.Thread(target=lambda: errors.append(offline.install(other))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [other / "leaflet-1.9.3"] * 4
    assert sorted(p.name for p in other.iterdir()) == ["leaflet-1.9.3"]


def test_map_survives_cache_copy(solar_map):
    # st.cache_data pickles the map: every run gets its own copy to hand to st_folium.
    copy = pickle.loads(pickle.dumps(solar_map))
    strip = lambda h: re.sub(r"_[0-9a-f]{32}", "", h)  # noqa: E731
    assert strip(copy.get_root().render()) == strip(solar_map.get_root().render())
    assert offline.asset_links(copy) == offline.asset_links(solar_map)


# ---------------------------------------------------------------------------- clicks

def test_click_maps_to_a_commune(data):
    locator = CommuneLocator(data.communes)
    click = {"last_object_clicked": {"lat": 50.4556, "lng": 2.8284}}
    assert maps.clicked_commune(click, locator) == LENS
    assert maps.clicked_commune({"last_object_clicked": {"lat": 48.8566, "lng": 2.3522}}, locator) is None
    for value in (None, {}, {"last_object_clicked": None}, {"last_object_clicked": {"lat": "x", "lng": 1}},
                  {"last_object_clicked": {"lat": float("nan"), "lng": 2.8}}, "garbage"):
        assert maps.clicked_commune(value, locator) is None
    # Pan and zoom never rerun the page; the click count makes a click at the same spot new.
    assert maps.RETURNED_OBJECTS == ["last_object_clicked", "last_object_clicked_count"]


def test_selection_updates_the_filters(data):
    c = data.communes
    assert maps.selection_updates(LENS, c, None, None) == {"commune": LENS}
    # A commune outside the chosen agglomeration moves the agglomeration filter with it.
    assert maps.selection_updates(LENS, c, "CABBALR", "62119") == {"commune": LENS, "epci": "CALL"}
    assert maps.selection_updates(LENS, c, "CALL", None) == {"commune": LENS}
    assert maps.selection_updates(LENS, c, "CALL", LENS) == {}
    assert maps.selection_updates(None, c, None, LENS) == {}
    assert maps.selection_updates("99999", c, None, None) == {}


def test_the_map_is_drawn_anew_when_the_selection_leaves_the_clicked_commune():
    assert maps.needs_new_map(LENS, None)          # « Désélectionner la commune »
    assert maps.needs_new_map(LENS, "62510")       # another commune chosen in the sidebar
    assert not maps.needs_new_map(LENS, LENS)      # the click's own selection: keep the view
    assert not maps.needs_new_map(None, None) and not maps.needs_new_map(None, LENS)


def test_selection_layer(data):
    assert maps.selection_layer(data.communes, None) is None
    fg = maps.selection_layer(data.communes, LENS)
    (outline,) = [e for e in offline.walk(fg) if type(e).__name__ == "GeoJson"]
    assert outline.data["features"][0]["id"] == LENS
    assert outline.options["interactive"] is False


# --------------------------------------------------------------------------- profile

def test_lens_profile_against_its_agglomeration_and_the_pma(data, built_db):
    profile = maps.commune_profile(data.values, data.communes, LENS, None).set_index("Indicateur")
    c = duckdb.connect(str(built_db), read_only=True)
    try:
        pop_call, pop_pma = c.execute(
            "SELECT sum(population) FILTER (epci_code = '246200364'), sum(population) FROM communes"
        ).fetchall()[0]
        lens, pma = c.execute(
            "SELECT sum(energy_mwh) FILTER (commune_code = '62498') / sum(potential_mwh) FILTER (commune_code = '62498'),"
            "       sum(energy_mwh) / sum(potential_mwh) "
            "FROM solar_production JOIN solar_potential USING (commune_code) WHERE year = 2024"
        ).fetchall()[0]
        events = c.execute("SELECT count(*) FROM events WHERE commune_code = '62498'").fetchall()[0][0]
    finally:
        c.close()
    pop = profile.loc["Population (habitants)"]
    assert (pop["Commune"], pop["Agglomération"], pop["Pôle métropolitain"]) == (
        f"31{NNBSP}415", fmt.number(pop_call), fmt.number(pop_pma))
    assert pop["Part de la commune dans l'agglomération"] == fmt.percent(31415 / pop_call)
    uptake = profile.loc["Taux de valorisation solaire"]
    assert (uptake["Commune"], uptake["Pôle métropolitain"]) == (fmt.percent(lens, 2), fmt.percent(pma, 2))
    assert uptake["Commune"] == f"2,27{NBSP}%" and uptake["Période"] == "2024"
    assert uptake["Démonstration"] == "oui" and uptake["Part de la commune dans l'agglomération"] == ""
    assert profile.loc["Événements", "Commune"] == str(events) == "11"
    assert profile.loc["Événements", "Démonstration"] == "non"
    assert list(maps.commune_investments(data.investments, LENS)["Montant"]) == [f"140{NBSP}M€", "n.d.", "n.d."]


def test_values_table_for_export(data):
    table = maps.values_table(data, "visits", None)
    col = "Passages comptés (compteurs situés dans la commune)"
    assert len(table) == 150 and table[col].notna().sum() == 6
    # 401 481 with the demonstration's spike of 12 March 2024 at Douvrin (8 times the day's
    # passages, ecotransition.data.demo.DEMO_FAULTS), over the real hours of 2024 (23 on 31 March,
    # 25 on 27 October; 401 394 when every day had 24).
    assert table.iloc[0]["Commune"] == "Douvrin" and table.iloc[0][col] == 401481
    shown = maps.formatted_values(table, "visits")
    assert shown.iloc[0][col] == f"401{NNBSP}481" and shown.iloc[-1][col] == "n.d."


def test_map_query_runs_with_null_parameters(built_db):
    c = duckdb.connect(str(built_db), read_only=True)
    try:
        values = pd.concat(metric_values(c))
        counters = sql.run(c, "map_counter_sites")
    finally:
        c.close()
    assert set(maps.INDICATORS) <= set(values["metric"])
    assert values.duplicated(["code", "metric", "year"]).sum() == 0
    assert counters["site_id"].nunique() == 6
    assert json.loads(json.dumps(values["year"].dropna().astype(int).tolist()))  # plain ints


# ------------------------------------------------------------------------ the page

def test_carte_page_shows_the_selected_commune(built_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.query_params["commune"] = LENS
    at.query_params["indicateur"] = "Production PV"
    at.run()
    at.switch_page("pages/carte.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="indicateur").value == "Production PV"
    assert [s.value for s in at.subheader] == ["Lens"]
    profile = at.dataframe[0].value.set_index("Indicateur")
    assert profile.loc["Production PV", "Commune"] == f"2{NNBSP}451{NBSP}MWh"
    assert profile.loc["Production PV", "Période"] == "2024"
    events = at.dataframe[1].value
    assert len(events) == 11
    assert events.iloc[0][["Date", "Événement", "Participants"]].tolist() == [
        "28 février 2023", "Atelier « Mon avenir en Artois »", "50"]
    projects = at.dataframe[2].value
    assert projects["Entreprise"].tolist() == ["Entreprise Q", "n.d.", "Pôle Métropolitain de l'Artois"]
    legend = " ".join(m.value for m in at.markdown if "ea-legend" in m.value)
    assert "Production photovoltaïque</strong>" in legend and f"970{NBSP}MWh à 4{NNBSP}150{NBSP}MWh" in legend
    assert f"Ensemble du Pôle : <strong>91,6{NBSP}GWh</strong> (toutes les communes)" in legend
    assert "données de démonstration" in legend
    # The map values, highest first, ready for export.
    values = at.dataframe[-1].value
    assert len(values) == 150 and values.iloc[0]["Production photovoltaïque (MWh)"] == f"4{NNBSP}150{NBSP}MWh"


def test_a_counter_site_cites_the_measures_counted_that_year():
    # #12, item 5 on the map: the site comes from a sites file ('test'); its 2024 passages from a
    # generated series, its 2025 ones from an imported file (plus one generated day whose every
    # hour is missing, which adds nothing).
    from conftest import counter_db
    from ecotransition.surfaces.maps import layers

    def hours(first, last, count, source):
        h = pd.date_range(first, pd.Timestamp(last) + pd.Timedelta(hours=23), freq="h")
        return pd.DataFrame({"channel_id": "c1", "start_datetime": h, "end_datetime": h + pd.Timedelta(hours=1),
                             "count": pd.array([count] * len(h), dtype="Int64"), "source": source})
    c = counter_db(pd.concat([hours("2024-12-30", "2024-12-31", 1, "démonstration"),
                              hours("2025-01-01", "2025-01-01", None, "démonstration"),
                              hours("2025-01-02", "2025-01-03", 2, "Comptage (measures.csv)")], ignore_index=True))
    counters = sql.run(c, "map_counter_sites")
    assert list(zip(counters["year"], counters["visits"], counters["source"])) == [
        (2024, 48, "démonstration"), (2025, 96, "Comptage (measures.csv)")]
    assert layers.counter_year(counters, 2025)[0]["source"].tolist() == ["Comptage (measures.csv)"]
    assert layers.counter_year(counters, 2024)[0]["source"].tolist() == ["démonstration"]
    tip = layers._counter_features(counters, 2025)[0]["features"][0]["properties"]["t"]
    assert "Comptage (measures.csv)" in tip and "démonstration" not in tip and "test" not in tip.split("Source")[-1]
