"""The Grand forum screen: timing, slide contents, fallback, QR code (plain pytest), and the
page under AppTest (each slide renders with the built data, the slide follows the clock)."""

from __future__ import annotations

import html
import json
import math
import random
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import constant_perimeter, metric_values
from ecotransition.core import fmt
from ecotransition.data import sql
from ecotransition.surfaces import screen
from ecotransition.ui import store

NNBSP = "\u202f"  # babel's French thousands separator
NBSP = "\u00a0"
REPORT = "Rapport d'activité 2023 PMA"
TODAY = date(2026, 11, 27)
APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


@pytest.fixture()
def fetch(conn):
    return lambda name, **params: sql.run(conn, name, **params)


def scalar(conn, query: str):
    return conn.execute(query).fetchall()[0][0]


# ----------------------------------------------------------------------------- settings

def test_settings_defaults():
    assert screen.settings({}) == screen.Settings(15.0, tuple(screen.SLIDES), "sombre")
    assert tuple(screen.SLIDES) == ("chiffres", "solaire", "parcs", "evenements", "investissements")


@pytest.mark.parametrize("raw, expected", [
    ("5", 5.0), ("2,5", 2.5), ("0", 1.0), ("-3", 1.0), ("1e9", 3600.0),
    ("abc", 15.0), ("nan", 15.0), ("inf", 15.0), ("", 15.0),
])
def test_period_is_read_leniently(raw, expected):
    assert screen.settings({"periode": raw}).period == expected


def test_slides_keep_the_requested_order_and_skip_unknown_names():
    assert screen.settings({"diapos": "parcs, Chiffres,inconnue"}).slides == ("parcs", "chiffres")
    assert screen.settings({"diapos": "inconnue"}).slides == tuple(screen.SLIDES)
    assert screen.settings({"diapos": ["solaire"]}).slides == ("solaire",)


def test_theme():
    assert screen.settings({"theme": "CLAIR"}).theme == "clair"
    assert screen.settings({"theme": "bleu"}).theme == "sombre"


# ------------------------------------------------------------------------------- timing

def test_slide_is_derived_from_the_clock():
    config = screen.Settings(period=15, slides=("a", "b", "c"))
    assert [screen.slide_at(t, config)[1] for t in (0, 14.9, 15, 30, 44.9, 45)] == ["a", "a", "b", "c", "c", "a"]
    # Same instant, same slide: a second screen or a reconnected one shows the same thing.
    t = 1_795_000_000.0
    assert screen.slide_at(t, config) == screen.slide_at(t, config)


def test_a_reconnect_continues_the_show_instead_of_restarting_it():
    config = screen.Settings(period=10, slides=tuple("abcde"))
    for t in (1_795_000_003.0, 1_795_000_027.0, 1_795_000_049.0):
        # A new full run sets a new anchor; the slide shown is the clock's, not the first one.
        assert screen.slide_at(t, config, anchor=t)[0] == math.floor(t / 10) % 5


@pytest.mark.parametrize("seed", range(20))
def test_timer_ticks_never_repeat_nor_skip_a_slide(seed):
    """The browser's timer starts at the anchor and ticks every period, give or take some
    jitter; each tick must land on the next slot whatever the anchor's phase."""
    g = random.Random(seed)
    period = g.choice([1.0, 2.0, 15.0])
    anchor = 1_795_000_000 + g.uniform(0, 1000)
    slots = [screen.slot_at(anchor + k * period + g.uniform(-0.4, 0.4) * period, period, anchor)
             for k in range(50)]
    assert slots == list(range(slots[0], slots[0] + 50))
    assert slots[0] == math.floor(anchor / period)


def test_elapsed_is_measured_from_the_timer_ticks():
    assert screen.elapsed(1000.0, 15, anchor=1000.0) == 0
    assert screen.elapsed(1034.5, 15, anchor=1000.0) == pytest.approx(4.5)


# ------------------------------------------------------------------------------ slides

def test_chiffres_are_the_reports_figures(fetch):
    slide = screen.build("chiffres", fetch)
    assert [(f.value, f.label) for f in slide.figures] == [
        (f"650{NNBSP}000", "habitants"), (f"148{NNBSP}000", "emplois privés"),
        (f"30{NNBSP}000", "entreprises"), (f"4{NNBSP}200", "hectares de parcs"),
    ]
    assert {(f.year, f.source, f.demo) for f in slide.figures} == {("2023", REPORT, False)}
    assert slide.sources == (REPORT,) and not slide.demo
    assert 2 <= len(slide.figures) <= 4


def test_solaire_counts_the_latest_year_and_is_marked_demo(fetch, conn):
    slide = screen.build("solaire", fetch, "sombre")
    year = scalar(conn, "SELECT max(year) FROM solar_production")
    total = scalar(conn, f"SELECT sum(sites) FROM solar_production WHERE year = {year}")
    before = scalar(conn, f"SELECT sum(sites) FROM solar_production WHERE year = {year - 1}")
    sites, growth, potential = slide.figures
    assert sites == screen.Figure(f"{total:,}".replace(",", NNBSP), "installations photovoltaïques",
                                  str(year), "démonstration", True)
    assert growth.value == "+" + f"{(total - before) / before * 100:.1f}".replace(".", ",") + NBSP + "%"
    assert growth.demo
    assert (potential.value, potential.year, potential.source, potential.demo) == \
        (f"3{NNBSP}000", "2023", REPORT, False)
    assert slide.demo and slide.chart_demo and "démonstration" in slide.chart_alt
    trace = slide.chart.data[0]
    assert trace.type == "choroplethmap" and len(trace.locations) == 150
    # The uptake rate, per 1,000 inhabitants, of one commune checked by hand.
    row = conn.execute(f"SELECT c.code, p.sites, c.population FROM communes c JOIN solar_production p "
                       f"ON p.commune_code = c.code AND p.year = {year} ORDER BY c.code LIMIT 1").fetchall()[0]
    assert trace.z[list(trace.locations).index(row[0])] == round(1000 * row[1] / row[2], 1)
    assert any("démonstration" in a.text for a in slide.chart.layout.annotations)
    # The colour scale stops at the 95th percentile, said on its last tick.
    assert trace.zmax == trace.colorbar.tickvals[-1] and trace.colorbar.ticktext[-1].endswith("et +")


def test_solar_map_needs_no_tiles(fetch):
    dark = screen.build("solaire", fetch, "sombre").chart
    light = screen.build("solaire", fetch, "clair").chart
    assert light.layout.map.style == "white-bg"
    style = dark.layout.map.style
    assert style["sources"] == {} and [layer["type"] for layer in style["layers"]] == ["background"]
    assert "glyphs" not in style and "sprite" not in style
    for fig in (dark, light):
        text = fig.to_json()
        assert "mapbox" not in text and "http" not in text


def _font_sizes(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("font", "tickfont", "textfont") and isinstance(v, dict) and "size" in v:
                yield v["size"]
            yield from _font_sizes(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _font_sizes(v)


@pytest.mark.parametrize("name", ["solaire", "parcs"])
def test_chart_text_is_readable_from_5_m(fetch, name):
    chart = screen.build(name, fetch).chart
    sizes = list(_font_sizes(json.loads(chart.to_json())))
    assert sizes and min(sizes) >= 20
    assert chart.layout.separators == ", "


def test_parcs_counts_passages_of_the_last_complete_year(fetch, conn):
    slide = screen.build("parcs", fetch)
    rows = conn.execute("SELECT year(start_datetime) AS y, sum(count) FROM counter_measures "
                        "GROUP BY y ORDER BY y").fetchall()
    (y0, _), (y1, v1) = rows[-2], rows[-1]
    # The change: the days each counter counted in full both years, as on the overview and
    # /chaine-des-parcs (a counter that started during 2023 is not growth, 29 February has no pair).
    same1, same0 = constant_perimeter(conn, y1)
    passages, change, green = slide.figures
    assert (passages.value, passages.year, passages.demo) == (f"{int(v1):,}".replace(",", NNBSP), str(y1), True)
    assert change.value == fmt.signed_percent(same1 / same0 - 1)
    leap = " (mêmes jours, hors 29 février)" if y1 % 4 == 0 or y0 % 4 == 0 else ""
    assert change.label == f"de passages par rapport à {y0}"
    assert slide.message == f"{change.value} de passages en {y1} par rapport à {y0}{leap}."
    assert (green.value, green.source, green.demo) == ("420", REPORT, False)
    assert [b.name for b in slide.chart.data if b.type == "bar"] == ["Piétons", "Vélos"]
    assert list(slide.chart.data[0].x) == [str(y) for y, _ in rows]
    assert slide.demo


def test_an_unfinished_year_is_not_compared_with_a_full_one(gaps):
    """The fixture's Lens counter has ten days of 2025: the slide shows 2024, the last full year."""
    from ecotransition.data import sql as fixture_sql

    indicators = pd.DataFrame(columns=["id", "year", "label", "unit", "value", "source"])
    slide = screen.parcs(metric_values(gaps), fixture_sql.run(gaps, "communes_geo"),
                         fixture_sql.run(gaps, "screen_visits_yearly"),
                         fixture_sql.run(gaps, "visits_channel_years", epci=None, commune=None),
                         indicators, screen.PALETTES["sombre"])
    assert [f.year for f in slide.figures] == ["2024", "2024"]
    assert slide.figures[0].value == f"25{NNBSP}872"
    assert "2025" not in slide.message


def test_evenements_show_the_most_recent_when_none_is_coming(fetch, conn):
    slide = screen.build("evenements", fetch, today=TODAY)
    assert slide.title == "Derniers événements"
    assert "Aucun événement à venir" in slide.message
    expected = conn.execute("SELECT title FROM events WHERE coalesce(end_date, start_date) < DATE '2026-11-27' "
                            "ORDER BY start_date DESC, title LIMIT 4").fetchall()
    assert [i.title for i in slide.items] == [t for (t,) in expected]
    assert slide.items[0].when == "3 juillet 2024"
    assert slide.sources == (REPORT,) and not slide.demo


def test_evenements_show_the_next_ones_first(fetch, conn):
    slide = screen.build("evenements", fetch, today=date(2024, 1, 20))
    assert slide.title == "Prochains événements"
    expected = conn.execute("SELECT title FROM events WHERE start_date >= DATE '2024-01-20' "
                            "ORDER BY start_date, title LIMIT 4").fetchall()
    assert [i.title for i in slide.items] == [t for (t,) in expected]
    assert "Grand forum 2024" in [i.title for i in slide.items]


@pytest.mark.parametrize("start, end, text", [
    (date(2023, 6, 30), None, "30 juin 2023"),
    (date(2024, 6, 1), date(2024, 6, 2), "1er–2 juin 2024"),
    (date(2023, 7, 1), date(2023, 8, 31), "1er juillet – 31 août 2023"),
    (date(2023, 12, 30), date(2024, 1, 2), "30 décembre 2023 – 2 janvier 2024"),
    ("2023-06-30", "2023-06-30", "30 juin 2023"),
])
def test_date_range(start, end, text):
    assert screen.date_range(start, end) == text


def test_investissements(fetch, conn):
    slide = screen.build("investissements", fetch)
    assert [(f.value, f.year, f.source) for f in slide.figures] == [
        (f"2,5{NBSP}Md€", "2023", REPORT), (f"4{NNBSP}000", "2023", REPORT), ("450", "2023", REPORT)]
    assert slide.figures[1].label == ("nouveaux emplois annoncés d'ici 2025, en avance de 1\u202f600\xa0emplois "
                                      "sur la trajectoire 2020–2025 en 2023")
    named = {n for (n,) in conn.execute("SELECT name FROM investments WHERE source <> 'démonstration'").fetchall()}
    assert slide.items and {i.title for i in slide.items} <= named
    assert slide.items[0].title == "Gigafactory ACC"
    assert not slide.demo


def test_every_slide_has_a_plain_title_and_at_most_four_figures(fetch):
    for name in screen.SLIDES:
        slide = screen.build(name, fetch, today=TODAY)
        assert slide.title and slide.message and len(slide.figures) <= 4
        for f in slide.figures:
            assert f.year and f.source
            assert f.value != "0" or not f.demo


# --------------------------------------------------------------------------- resilience

def test_last_good_builds_once_per_version_and_keeps_the_last_good_value():
    cache, calls = screen.LastGood(), []
    version = ["v1"]

    def build():
        calls.append(version[0])
        if version[0] == "broken":
            raise RuntimeError("database locked")
        return f"slide {version[0]}"

    get = lambda: cache.get("k", lambda: version[0], build, lambda: "placeholder")  # noqa: E731
    assert [get(), get()] == ["slide v1", "slide v1"] and calls == ["v1"]
    version[0] = "broken"
    assert get() == "slide v1" and cache.failures == 1
    version[0] = "v2"
    assert get() == "slide v2"
    assert len(cache) == 1


def test_last_good_falls_back_when_nothing_ever_loaded_or_the_version_fails():
    cache = screen.LastGood()

    def boom():
        raise OSError("no file")

    assert cache.get("k", boom, lambda: 1, lambda: "placeholder") == "placeholder"
    assert cache.get("k", lambda: 1, lambda: "good", lambda: "placeholder") == "good"
    assert cache.get("k", boom, lambda: "never", lambda: "placeholder") == "good"


# ---------------------------------------------------------------------------------- QR

@pytest.mark.parametrize("configured, page_url, expected", [
    ("https://tableau.example.fr/", "http://127.0.0.1:8501/ecran", "https://tableau.example.fr/"),
    (None, "http://192.168.1.20:8501/ecran", "http://192.168.1.20:8501/"),
    ("  ", "https://pma.example.fr/tableau/ecran", "https://pma.example.fr/tableau/"),
    (None, "http://localhost:8501/", "http://localhost:8501/"),
    (None, None, "http://localhost:8501/"),
    (None, "about:blank", "http://localhost:8501/"),
])
def test_public_url(configured, page_url, expected):
    assert screen.public_url(configured, page_url) == expected


def test_qr_code_is_a_local_svg_with_alt_text():
    tag = screen.qr_svg('http://exemple.fr/?a="b"')
    src = re.search(r'src="([^"]+)"', tag).group(1)
    assert src.startswith("data:image/svg+xml")
    svg = unquote(src).split(",", 1)[1]
    # Nothing for the browser to fetch: no link, no external image or font.
    assert svg.startswith("<svg") and not re.search(r"href|url\(|@import", svg)
    alt = html.unescape(re.search(r'alt="([^"]+)"', tag).group(1))
    assert alt == 'QR code : ouvrir le tableau de bord (http://exemple.fr/?a="b")'
    assert screen.qr_svg("http://a.fr/") != screen.qr_svg("http://b.fr/")


# -------------------------------------------------------------------------------- HTML

def test_html_escapes_text_from_files():
    slide = screen.Slide("evenements", "<b>Titre</b>", "Message & co",
                         figures=(screen.Figure("1", "<img src=x>", "2023", "<script>"),),
                         items=(screen.Item("1er mai", "<script>alert(1)</script>", "Lieu <i>"),))
    out = screen.header_html(slide, "", "http://x/") + screen.body_html(slide) + \
        screen.footer_html(slide, "Données au 1er mai 2024", 0, 5, 15, 3)
    assert "<script>" not in out and "<b>" not in out and "<img src=x>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "Message &amp; co" in out


def test_css_hides_streamlit_chrome_and_keeps_text_large():
    css = screen.css("sombre")
    for test_id in ("stSidebar", "stHeader", "stToolbar", "stStatusWidget", "stDecoration",
                    "stSidebarCollapsedControl"):
        assert f'[data-testid="{test_id}"]' in css
    assert '[data-stale="true"]' in css
    # Every size in units of the 1920×1080 design (--u), never in fixed pixels.
    assert not re.search(r"font-size: \d+px", css)
    sizes = [float(s) for s in re.findall(r"font-size: calc\(([\d.]+) \* var\(--u\)\)", css)]
    assert min(sizes) >= 28 and max(sizes) >= 64
    assert "--u: min(calc(100vw / 1920), calc(100vh / 1080))" in css
    assert not re.search(r"(?<![\d.])[1-9]\d*px", css.replace("0px", "")), re.findall(r"[^\n]*\d+px[^\n]*", css)


def test_screen_scale_from_the_browser():
    assert screen.scale(None) == 1 and screen.scale("0.65") == 0.65 and screen.scale("2.00") == 2
    assert screen.scale("abc") == 1 and screen.scale("nan") == 1 and screen.scale("9") == 3
    assert screen.scale("0.1") == 0.5
    js = screen.scale_script()
    assert "innerWidth / 1920, innerHeight / 1080" in js and screen.SCALE_COOKIE in js and "location.reload()" in js


def test_charts_are_drawn_for_the_screen_scale(fetch):
    slide = screen.build("parcs", fetch)
    big = screen.scaled_slide(slide, 2)
    sizes = sorted(_font_sizes(json.loads(slide.chart.to_json())))
    assert sorted(_font_sizes(json.loads(big.chart.to_json()))) == [2 * s for s in sizes]
    assert big.chart.layout.height == 2 * screen.CHART_HEIGHT == 1436
    assert big.chart.layout.margin.t == 2 * slide.chart.layout.margin.t
    assert screen.scaled_slide(slide, 1) is slide and big.figures == slide.figures


def test_the_map_shows_the_territory_whatever_the_charts_shape():
    bounds = (2.2, 50.35, 3.15, 50.75)
    b = screen.fit_bounds(bounds)
    assert b["west"] < 2.2 and b["east"] > 3.15 and b["south"] < 50.35 and b["north"] > 50.75
    # Width over height (web mercator) no more than the flattest chart: the width binds.
    import math
    merc = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    ratio = math.radians(b["east"] - b["west"]) / (merc(b["north"]) - merc(b["south"]))
    assert ratio == pytest.approx(screen.MAP_ASPECT, rel=1e-6)


def test_footer_progress_starts_where_the_slide_is():
    out = screen.footer_html(screen.unavailable("parcs"), "Données au 31 décembre 2024", 2, 5, 15.0, 4.5, slot=7)
    assert "animation-duration:15.000s;animation-delay:-4.500s" in out
    assert 'data-slot="7"' in out and "3/5" in out and "Données au 31 décembre 2024" in out


# t12h finding 5: a real export's name (120 characters) pushed the report's source and the badge off the screen.
LONG_FILE = ("Export Eco-Compteur Chaîne des parcs de l'Artois – tous les sites – du 01-01-2024 au 31-12-2024 "
             "(version corrigée n°2).csv")


def test_the_footer_shortens_imported_file_names_and_keeps_the_badge_apart():
    assert screen.screen_source(f"Comptage des mobilités ({LONG_FILE}, import du 30/11/2026)") == \
        "Comptage des mobilités (Export Eco-C…ée n°2).csv, import du 30/11/2026)"
    assert screen.screen_source(f"Import {LONG_FILE} du 30/11/2026") == "Import Export Eco-C…ée n°2).csv du 30/11/2026"
    # Names of 24 characters or fewer, and sources that are not an import, whole.
    short = "Comptage des mobilités (comptages_parcs_2024.csv, import du 30/11/2026)"
    assert screen.screen_source(short) == short
    assert screen.screen_source("Rapport d'activité 2023 PMA") == "Rapport d'activité 2023 PMA"
    assert screen.shorten_middle("abcdefghij", 5) == "ab…ij" and screen.shorten_middle("abc", 5) == "abc"
    slide = screen.Slide("parcs", "t", "m", figures=(
        screen.Figure("1", "a", "2024", f"Comptage des mobilités (<b>{LONG_FILE}</b>, import du 30/11/2026) ; "
                      "démonstration", demo=True),
        screen.Figure("420 km", "b", "2023", "Rapport d'activité 2023 PMA")))
    out = screen.footer_html(slide, "Données au 1er mai 2024", 0, 5, 15, 3)
    assert ('<div class="sources">Source : Comptage des mobilités (&lt;b&gt;Export Ec…°2).csv&lt;/b&gt;, import du '
            "30/11/2026) ; Rapport d&#x27;activité 2023 PMA</div>"
            '<div class="meta"><div class="stamp">Données au 1er mai 2024</div>'
            '<div class="demo">⚠ données de démonstration</div></div>') in out


def test_many_imported_files_are_one_entry_of_the_footer_after_the_report():
    # t12i finding 4: twelve monthly imports filled the footer's two lines and cut off the source of
    # the slide's other card (« Rapport d'activité 2023 PMA »).
    monthly = " ; ".join(f"Import mesures-2025-{m:02d}.csv du 0{m % 9 + 1}/{m:02d}/2025" for m in range(1, 13))
    slide = screen.Slide("parcs", "t", "m", figures=(
        screen.Figure("1", "a", "2025", monthly), screen.Figure("420 km", "b", "2023", "Rapport d'activité 2023 PMA")))
    assert screen.footer_sources(slide.sources) == [
        "Rapport d'activité 2023 PMA", "12 fichiers importés, le dernier le 04/12/2025"]
    out = screen.footer_html(slide, "Données au 1er mai 2025", 0, 5, 15, 3)
    assert ('<div class="sources">Source : Rapport d&#x27;activité 2023 PMA ; 12 fichiers importés, le dernier le '
            "04/12/2025</div>") in out
    two = screen.Slide("parcs", "t", "m", figures=(screen.Figure("1", "a", "2025", "Import a.csv du 01/01/2025 ; "
                                                                 "Import b.csv du 02/01/2025"),))
    assert screen.footer_sources(two.sources) == ["Import a.csv du 01/01/2025", "Import b.csv du 02/01/2025"]


def test_chart_messages_differ_at_each_rotation():
    a, b = screen.chart_config(7), screen.chart_config(8)
    assert a != b and a["staticPlot"] and not a["displayModeBar"]


def test_watchdog_reloads_only_a_stopped_show_with_a_live_server():
    js = screen.watchdog_html(15)
    assert js.startswith("<script>") and "location.reload()" in js and "_stcore/health" in js
    assert f"< {int(screen.watchdog_limit(15) * 1000)})" in js and screen.watchdog_limit(15) == 65
    assert "window.__ecranWatchdog" in js  # one watchdog even when the page reruns


def test_fit_zoom_frames_the_territory():
    bounds = (2.3, 50.3, 3.1, 50.65)
    assert 9 < screen.fit_zoom(bounds, 940, 520) < 10.5
    assert screen.fit_zoom(bounds, 1880, 1040) == pytest.approx(screen.fit_zoom(bounds, 940, 520) + 1, abs=0.01)


# ----------------------------------------------------------------------------- AppTest

SLOT0 = 75 * math.floor(datetime(2026, 11, 27, 10, 0).timestamp() / 75)  # a slot of slide 0 at period 15


def run_screen(monkeypatch, now: float, **params) -> AppTest:
    monkeypatch.setattr(screen, "clock", lambda: now)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/ecran.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html") if not h.proto.body.startswith("<style>"))


EXPECTED = {
    "chiffres": [f"650{NNBSP}000", "habitants", f"148{NNBSP}000", "Source : Rapport d&#x27;activité 2023 PMA"],
    "solaire": ["installations photovoltaïques", f"3{NNBSP}000", "données de démonstration"],
    "parcs": ["passages comptés dans les parcs", "420", "données de démonstration"],
    "evenements": ["Derniers événements", "Relais de la flamme olympique", "3 juillet 2024"],
    "investissements": [f"2,5{NBSP}Md€", f"4{NNBSP}000", "Gigafactory ACC"],
}
# Each slide's own date: the report's 2023 figures, the 2024 series, the last event listed.
SLIDE_DATES = {"chiffres": "Données au 31 décembre 2023", "solaire": "Données au 31 décembre 2024",
               "parcs": "Données au 31 décembre 2024", "evenements": "Données au 3 juillet 2024",
               "investissements": "Données au 31 décembre 2023"}


@pytest.fixture()
def fresh_cache(monkeypatch):
    monkeypatch.setattr(screen, "CACHE", screen.LastGood())
    monkeypatch.delenv("ECOTRANSITION_PUBLIC_URL", raising=False)
    # The app's day, so that the slides' age (2023 figures: 35 months) does not depend on the run's.
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2026-11-27")


@pytest.mark.parametrize("name", list(screen.SLIDES))
def test_each_slide_renders_with_the_built_data(built_db, monkeypatch, fresh_cache, name):
    at = run_screen(monkeypatch, SLOT0 + 1, diapos=name)
    text = shown(at)
    assert f'data-slide="{name}"' in text
    for expected in EXPECTED[name]:
        assert expected in text, expected
    assert SLIDE_DATES[name] in text
    assert 'alt="QR code : ouvrir le tableau de bord (http://localhost:8501/)"' in text
    charts = at.get("plotly_chart")
    assert len(charts) == (1 if name in ("solaire", "parcs") else 0)
    if name == "solaire":
        spec = json.loads(charts[0].proto.spec)
        assert spec["data"][0]["type"] == "choroplethmap" and len(spec["data"][0]["locations"]) == 150
    assert not at.error


def test_the_slide_follows_the_clock(built_db, monkeypatch, fresh_cache):
    names = list(screen.SLIDES)
    for k in (0, 1, 2, 3, 4, 5, 7):
        at = run_screen(monkeypatch, SLOT0 + 15 * k + 3)
        assert f'data-slide="{names[k % 5]}"' in shown(at), k
    slides = ("investissements", "chiffres", "parcs")
    for now in (SLOT0 + 1, SLOT0 + 5, SLOT0 + 9):
        at = run_screen(monkeypatch, now, periode="4", diapos=",".join(slides))
        position = math.floor(now / 4) % 3
        assert f'data-slide="{slides[position]}"' in shown(at) and f"{position + 1}/3" in shown(at)


def test_url_parameters_and_public_url(built_db, monkeypatch, fresh_cache):
    monkeypatch.setenv("ECOTRANSITION_PUBLIC_URL", "https://tableau.pole-artois.example/")
    at = run_screen(monkeypatch, SLOT0, periode="20", diapos="evenements", theme="clair")
    text = shown(at)
    assert "QR code : ouvrir le tableau de bord (https://tableau.pole-artois.example/)" in text
    assert "animation-duration:20.000s" in text
    # The screen's own style sheet (the app's phone rules come first).
    style = next(h.proto.body for h in at.get("html") if h.proto.body.startswith("<style>") and "--u" in h.proto.body)
    assert screen.PALETTES["clair"].background in style


def test_a_failing_query_keeps_the_last_good_figures(built_db, monkeypatch, fresh_cache):
    at = run_screen(monkeypatch, SLOT0, diapos="chiffres")
    assert f"650{NNBSP}000" in shown(at)

    def broken(*args, **kwargs):
        raise RuntimeError("IO Error: could not read the database file")

    # New data arrive (the version changes) but every query fails.
    monkeypatch.setattr(store, "query", broken)
    monkeypatch.setattr(store, "data_version", lambda: ("changed",))
    at = run_screen(monkeypatch, SLOT0 + 75, diapos="chiffres")
    assert f"650{NNBSP}000" in shown(at)
    assert not at.error and not at.exception
    assert screen.CACHE.failures >= 1


def test_a_slide_that_never_loaded_shows_a_calm_message(built_db, monkeypatch, fresh_cache):
    def broken(*args, **kwargs):
        raise RuntimeError("IO Error")

    monkeypatch.setattr(store, "query", broken)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["diapos"] = "parcs"
    monkeypatch.setattr(screen, "clock", lambda: SLOT0)
    at.switch_page("pages/ecran.py")
    at.run()
    assert not at.exception and not at.error
    assert "arrivent dans un instant" in shown(at)
