"""The Grand forum screen on the displays rooms have, in Chromium with every outside request
blocked: from a 1280×720 projector to a 4K TV at device scale 1, 16:9 and 16:10, every slide
fills the screen with nothing cut off or overlapping, type and QR code in proportion to the
screen, and the QR code decodes (zbarimg) to the dashboard's address.

Screenshots of every slide at every size go to test-artifacts/ecran-ecrans/ for a human look."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from itertools import combinations

import pytest

from conftest import ROOT, TEST_TODAY, offline_page, start_server, stop_server, wait_ready

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "ecran-ecrans"
DISPLAYS = [(1280, 720), (1440, 900), (1920, 1080), (2560, 1600), (3840, 2160)]
SLIDES = ["chiffres", "solaire", "parcs", "evenements", "investissements"]
ZBARIMG = shutil.which("zbarimg")

# Shares of the screen's height (the design's sizes on 1920×1080, less 10 % for the 16:10
# screens, whose width sets the scale): the headline figure (80 px beside a chart, 124 px
# alone), an event's title (42 px), any text (28 px), chart text (22 px) and the QR code (230 px).
HEADLINE, ITEM_TITLE, TEXT, CHART_TEXT, QR = 0.06, 0.033, 0.023, 0.017, 0.18

# What the room sees, each as one box: the slide's blocks must not overlap one another.
BLOCKS = ".ecran-heading, .ecran-qr img, .ecran-figure, .ecran-item, .js-plotly-plot, .ecran-foot"
BOXES = f"""() => [...document.querySelectorAll('{BLOCKS}')].map(e => {{
  const r = e.getBoundingClientRect();
  const kind = e.matches('img') ? 'qr' : e.classList.contains('js-plotly-plot') ? 'chart'
    : [...e.classList].find(c => c.startsWith('ecran-'));
  return {{kind, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
           // Content cut off by its own box (cards and list items hide what overflows them).
           clipped: getComputedStyle(e).overflow !== 'visible'
             && (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)}};
}})"""
# Font sizes of every element holding text of its own, outside the charts.
TEXT_SIZES = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
  .filter(el => !el.closest('.js-plotly-plot') && el.getBoundingClientRect().width > 0
          && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .map(el => [parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 40)])"""
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('.js-plotly-plot text')]
  .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
  .map(t => [parseFloat(getComputedStyle(t).fontSize), t.textContent.trim()])"""


def scale_of(width: int, height: int) -> float:
    """What the page's script reports (markup.scale_script): the design's scale, by 0.05."""
    return round(min(width / 1920, height / 1080) * 20) / 20


def open_display(browser, server: str, outside: list, width: int, height: int, query: str):
    """The screen at this size, its scale cookie already set as the page sets it (so that its
    one reload does not race the test; test_the_screen_reports_its_scale checks that reload)."""
    page = offline_page(browser, outside, viewport={"width": width, "height": height})
    page.context.add_cookies([{"name": "ecran_echelle", "value": f"{scale_of(width, height):.2f}", "url": server}])
    page.goto(f"{server}/ecran?{query}")
    wait_ready(page)
    return page


def overlap(a: dict, b: dict) -> float:
    w = min(a["right"], b["right"]) - max(a["left"], b["left"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(w, 0) * max(h, 0)


def decode_qr(png) -> list[str]:
    out = subprocess.run([ZBARIMG, "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=60)
    return [line for line in out.stdout.splitlines() if line]


def fitting_blocks(page, width: int, height: int) -> list[dict]:
    """The slide's blocks (BOXES), checked: heading, QR code, footer and figures or items present,
    everything inside the screen, nothing cut inside its box, no two blocks on each other."""
    boxes = page.evaluate(BOXES)
    kinds = {b["kind"] for b in boxes}
    assert {"ecran-heading", "qr", "ecran-foot"} <= kinds, kinds
    assert kinds & {"ecran-figure", "ecran-item"}, kinds
    outside_screen = [b for b in boxes if b["left"] < -1 or b["top"] < -1
                      or b["right"] > width + 1 or b["bottom"] > height + 1]
    assert not outside_screen, outside_screen
    clipped = [b for b in boxes if b["clipped"] and b["kind"] != "chart"]
    assert not clipped, clipped
    overlapping = [(a["kind"], b["kind"]) for a, b in combinations(boxes, 2) if overlap(a, b) > 1]
    assert not overlapping, overlapping
    return boxes


@pytest.mark.parametrize("width, height", DISPLAYS, ids=[f"{w}x{h}" for w, h in DISPLAYS])
@pytest.mark.parametrize("name", SLIDES)
def test_slide_fills_and_fits_the_display(server, browser, name, width, height):
    outside: list[str] = []
    page = open_display(browser, server, outside, width, height, f"diapos={name}&periode=600")
    page.wait_for_selector(f'[data-slide="{name}"]')
    if name in ("solaire", "parcs"):
        page.wait_for_selector(".js-plotly-plot .main-svg")
    if name == "solaire":
        page.wait_for_selector(".js-plotly-plot canvas")
        page.wait_for_timeout(5000)  # software WebGL: let the map finish drawing
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}-{width}x{height}.png"
    page.screenshot(path=str(shot))

    boxes = fitting_blocks(page, width, height)
    kinds = {b["kind"] for b in boxes}
    if name in ("solaire", "parcs"):
        assert "chart" in kinds
    # The slide uses the screen: its blocks reach from the top to the footer.
    footer = next(b for b in boxes if b["kind"] == "ecran-foot")
    body = [b for b in boxes if b["kind"] in ("ecran-figure", "ecran-item", "chart")]
    assert footer["top"] - max(b["bottom"] for b in body) < 0.05 * height
    assert min(b["top"] for b in boxes) < 0.05 * height
    # Type in proportion to the screen: the headline figure readable from 5 m at every size.
    if name == "evenements":
        titles = page.locator(".ecran-item .title").evaluate_all(
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert titles and min(titles) >= ITEM_TITLE * height, titles
    else:
        values = page.locator(".ecran-value").evaluate_all(
            "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert values and max(values) >= HEADLINE * height, values
    small = [t for t in page.evaluate(TEXT_SIZES) if t[0] < TEXT * height]
    assert not small, small
    if name in ("solaire", "parcs"):
        chart_text = page.evaluate(CHART_TEXT_SIZES)
        assert chart_text and min(s for s, _ in chart_text) >= CHART_TEXT * height, chart_text
    # The QR code: large, and a phone's reader gets the dashboard's address from the screen.
    qr = next(b for b in boxes if b["kind"] == "qr")
    assert qr["right"] - qr["left"] >= QR * height
    if ZBARIMG:
        assert decode_qr(shot) == [f"{server}/"]
    assert page.locator('[data-testid="stException"], [data-testid="stAlert"]').count() == 0
    assert outside == []
    page.context.close()


@pytest.mark.skipif(ZBARIMG is None, reason="zbarimg (Debian zbar-tools) is not installed")
def test_the_qr_code_decodes_from_across_the_room(server, browser, tmp_path):
    """The smallest display, its screenshot shrunk to half its width (a phone's camera that
    sees the whole screen in 640 pixels, from the back of the room): the code still decodes."""
    from PIL import Image

    outside: list[str] = []
    page = open_display(browser, server, outside, 1280, 720, "diapos=chiffres&periode=600")
    page.wait_for_selector('[data-slide="chiffres"]')
    page.screenshot(path=str(tmp_path / "full.png"))
    image = Image.open(tmp_path / "full.png")
    image.resize((640, 360), Image.Resampling.LANCZOS).save(tmp_path / "far.png")
    assert decode_qr(tmp_path / "far.png") == [f"{server}/"]
    assert outside == []
    page.context.close()


def test_the_screen_reports_its_scale_and_keeps_rotating(server, browser):
    """Without the cookie, a 1280×720 screen sets it and reloads once; its charts are then
    drawn for it (text at 0.65 × the design's) and the show goes on."""
    period, slides = 3, ["parcs", "chiffres"]
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/ecran?periode={period}&diapos={','.join(slides)}")
    page.wait_for_event("framenavigated", timeout=60_000)   # the page's own reload
    wait_ready(page)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["ecran_echelle"] == "0.65"
    page.wait_for_selector(".js-plotly-plot .main-svg",
                           timeout=(2 * period + 10) * 1000)
    # The visits chart's smallest text (legend, annotation) is 24 px in the 1920×1080 design.
    sizes = page.evaluate(CHART_TEXT_SIZES)
    assert min(s for s, _ in sizes) == pytest.approx(24 * 0.65, abs=0.01)
    page.evaluate("""() => { window.__names = [];
      new MutationObserver(() => { const e = document.querySelector('[data-slide]');
        const n = e && e.getAttribute('data-slide'); if (n && n !== window.__names.at(-1)) window.__names.push(n); })
      .observe(document.body, {subtree: true, childList: true, attributes: true}); }""")
    page.wait_for_function("window.__names.length >= 3", timeout=(3 * period + 10) * 1000)
    names = page.evaluate("window.__names")
    assert all(a != b for a, b in zip(names, names[1:])) and set(names) == set(slides)
    assert page.evaluate("document.cookie").count("ecran_echelle") == 1
    assert outside == []
    page.context.close()


# #12, item 11: one-word titles longer than the screen's width (a projector's 1280 pixels hold about
# 45 characters of an event's title), one of them with markup and an ampersand to be shown as text.
LONG_TITLE = "Incomprehensiblementinterminablementanticonstitutionnellementmotsansespacespourlecran"
HOSTILE_TITLE = "<b>Parc&Fête</b>Anticonstitutionnellementinterminablementincroyablementgigantesque"
# And twice a sentence of 250 characters at a place of 120 (the tester's): cut after two lines, and one.
SENTENCE = ("Grande journée de la transition écologique et solidaire du Pôle métropolitain de l'Artois avec "
            "ateliers, conférences, balades commentées, marché de producteurs locaux et concerts en plein air "
            "jusqu'au bout de la nuit dans tous les parcs de la Chaîne")
PLACE = ("Parc départemental d'Olhain, entrée principale côté Maisnil-lès-Ruitz, parking visiteurs numéro trois "
         "près de l'accueil")
LONG_DISPLAYS = [(1280, 720), (1920, 1080), (3840, 2160)]


@pytest.fixture(scope="module")
def long_titles_server(built_db, tmp_path_factory):
    """The demo database with two events to come whose titles are single long words."""
    db = tmp_path_factory.mktemp("long-titles") / "ecotransition.duckdb"
    db.write_bytes(built_db.read_bytes())
    csv = db.parent / "evenements.csv"
    csv.write_text("titre,date_debut,date_fin,lieu,code_commune,theme,participants\n"
                   f"{LONG_TITLE},01/12/2026,,Lens,62498,Test,\n"
                   f'"{HOSTILE_TITLE}",02/12/2026,,Liévin,62510,Test,\n'
                   f'"{SENTENCE}",03/12/2026,04/12/2026,"{PLACE}",62540,Chaîne des parcs,1000000\n'
                   f'"{SENTENCE}",05/12/2026,,"{PLACE}",62540,Chaîne des parcs,\n',
                   encoding="utf-8")
    env = {**os.environ, "ECOTRANSITION_TODAY": TEST_TODAY}
    done = subprocess.run([sys.executable, "-m", "ecotransition.imports", "events", str(csv), "--db", str(db), "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    proc, url = start_server(db, {"ECOTRANSITION_TODAY": TEST_TODAY})
    yield url
    stop_server(proc)


@pytest.mark.parametrize("width, height", LONG_DISPLAYS, ids=[f"{w}x{h}" for w, h in LONG_DISPLAYS])
def test_a_title_longer_than_the_screen_wraps_whole_and_as_text(long_titles_server, browser, width, height):
    outside: list[str] = []
    page = open_display(browser, long_titles_server, outside, width, height, "diapos=evenements&periode=600")
    page.wait_for_selector('[data-slide="evenements"]')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"evenements-titres-longs-{width}x{height}.png"))
    fitting_blocks(page, width, height)
    titles = page.locator(".ecran-item .title").evaluate_all("""els => els.map(e => {
      const r = e.getBoundingClientRect(), item = e.closest('.ecran-item').getBoundingClientRect();
      const line = parseFloat(getComputedStyle(e).lineHeight);
      return {text: e.textContent, tags: e.querySelectorAll('*').length,
              // A line hidden (glyphs may overhang the last line by a pixel or two: not a line).
              cut: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + line / 3
                   || r.right > item.right + 1 || r.bottom > item.bottom + 1,
              lines: Math.round(r.height / line)}; })""")
    # The two one-word titles whole on two lines (nothing cut, no ellipsis), the markup shown as text;
    # the sentence on two lines, the rest of it cut inside its card (whole on /evenements).
    # Four such events, the most the slide lists: four cards of two lines each still fit.
    assert [t["text"] for t in titles] == [LONG_TITLE, HOSTILE_TITLE, SENTENCE, SENTENCE]
    assert [(t["tags"], t["cut"], t["lines"]) for t in titles] == [(0, False, 2)] * 2 + [(0, True, 2)] * 2
    assert page.locator('[data-testid="stException"]').count() == 0
    assert outside == []
    page.context.close()


# t12g finding 5: an imported counter file beside the demo counters (a mixed figure) and the report's
# card: every card's source shows whole in the footer, on two lines at most. t12h finding 5: a real
# export's name (120 characters) is cut in its middle on the screen (whole on /donnees), and the
# demonstration badge, a block beside the sources, is inside the screen at 16:9 and 16:10 sizes
# (inline at the end of the second line it overhung the bottom edge by 1–2 px even with « m.csv »).
LONG_SOURCE = "Comptage des mobilités (comptages_parcs_2024.csv, import du 30/11/2026)"
LONG_FILE = ("Export Eco-Compteur Chaîne des parcs de l'Artois – tous les sites – du 01-01-2024 au 31-12-2024 "
             "(version corrigée n°2).csv")
FOOTER_DISPLAYS = LONG_DISPLAYS + [(1440, 900), (1680, 1050), (2560, 1600)]
SOURCES = {
    "nom-court": (LONG_SOURCE, LONG_SOURCE),
    "nom-long": (f"Comptage des mobilités ({LONG_FILE}, import du 30/11/2026)",
                 "Comptage des mobilités (Export Eco-C…ée n°2).csv, import du 30/11/2026)"),
}


@pytest.fixture(scope="module", params=list(SOURCES))
def long_source_server(request, built_db, tmp_path_factory):
    import duckdb

    stored, shown = SOURCES[request.param]
    db = tmp_path_factory.mktemp("long-source") / "ecotransition.duckdb"
    db.write_bytes(built_db.read_bytes())
    with duckdb.connect(str(db)) as c:
        c.execute("UPDATE counter_daily SET source = $s WHERE channel_id LIKE 'demo-cpt-001%'", {"s": stored})
    proc, url = start_server(db, {"ECOTRANSITION_TODAY": TEST_TODAY})
    yield request.param, shown, url
    stop_server(proc)


@pytest.mark.parametrize("width, height", FOOTER_DISPLAYS, ids=[f"{w}x{h}" for w, h in FOOTER_DISPLAYS])
def test_every_cards_source_shows_whole_in_the_footer(long_source_server, browser, width, height):
    kind, shown, server = long_source_server
    outside: list[str] = []
    page = open_display(browser, server, outside, width, height, "diapos=parcs&periode=600")
    page.wait_for_selector('[data-slide="parcs"]')
    page.wait_for_selector(".js-plotly-plot .main-svg")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"parcs-sources-{kind}-{width}x{height}.png"))
    fitting_blocks(page, width, height)
    # A line hidden is cut (glyphs such as « ⚠ » overhang the last line by a pixel or two: not a line).
    foot = page.locator(".ecran-foot .sources").evaluate("""e => {
      const line = parseFloat(getComputedStyle(e).lineHeight);
      return {text: e.textContent, cut: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + line / 3,
              lines: Math.round(e.getBoundingClientRect().height / line)}; }""")
    # Each source once, the demonstration said by the badge only; nothing of the line cut.
    assert foot["text"] == f"Source : {shown} ; Rapport d'activité 2023 PMA", foot
    assert not foot["cut"] and foot["lines"] <= 2, foot
    # The badge whole, inside the screen, beside the sources and not on them.
    badge = page.locator(".ecran-foot .demo").evaluate("""e => { const r = e.getBoundingClientRect();
      const s = e.closest('.ecran-foot').querySelector('.sources').getBoundingClientRect();
      return {text: e.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom,
              after_sources: r.left >= s.right - 1, cut: e.scrollWidth > e.clientWidth + 1}; }""")
    assert badge["text"] == "⚠ données de démonstration" and badge["after_sources"] and not badge["cut"], badge
    assert badge["left"] >= 0 and badge["top"] >= 0 and badge["right"] <= width and badge["bottom"] <= height, badge
    cut = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] *')]
      .filter(e => e.getBoundingClientRect().width > 0 && !e.closest('.js-plotly-plot')
                   && getComputedStyle(e).overflow !== 'visible' && e.scrollWidth > e.clientWidth + 1)
      .map(e => e.className + ': ' + e.textContent.slice(0, 60))""")
    assert cut == []
    assert outside == []
    page.context.close()
