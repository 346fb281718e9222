"""The Grand forum screen in Chromium at 1920×1080 with every outside request blocked:
no Streamlit chrome, large type, a QR code, charts drawn offline, slides that rotate.

Screenshots of every slide (both themes) are saved to test-artifacts/ecran/ for a human look."""

from __future__ import annotations

import io
import time

import pytest
from test_screen import SLIDE_DATES

from conftest import ROOT, offline_page, wait_ready

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "ecran"
SCREEN = {"width": 1920, "height": 1080}
SLIDES = ["chiffres", "solaire", "parcs", "evenements", "investissements"]
CHROME = ["stSidebar", "stSidebarCollapsedControl", "stExpandSidebarButton", "stSidebarNav", "stHeader",
          "stToolbar", "stStatusWidget", "stDecoration", "stMainMenu"]

# Font sizes (CSS px) of every element that holds text of its own, outside the charts.
TEXT_SIZES = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.closest('.js-plotly-plot')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    out.push([parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('.js-plotly-plot text')]
  .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
  .map(t => [parseFloat(getComputedStyle(t).fontSize), t.textContent.trim()])"""


def open_screen(browser, server, outside, query: str):
    page = offline_page(browser, outside, viewport=SCREEN)
    page.goto(f"{server}/ecran?{query}")
    wait_ready(page)
    return page


@pytest.mark.parametrize("theme", ["sombre", "clair"])
@pytest.mark.parametrize("name", SLIDES)
def test_slide_is_readable_from_the_room(server, browser, name, theme):
    outside: list[str] = []
    page = open_screen(browser, server, outside, f"diapos={name}&periode=600&theme={theme}")
    page.wait_for_selector(f'[data-slide="{name}"]')
    has_chart = name in ("solaire", "parcs")
    if has_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg")
    if name == "solaire":
        page.wait_for_selector(".js-plotly-plot canvas")
        page.wait_for_timeout(4000)  # software WebGL here: let the map finish drawing
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{theme}.png"))

    # No Streamlit chrome visible from the room.
    for test_id in CHROME:
        loc = page.locator(f'[data-testid="{test_id}"]')
        assert all(not loc.nth(k).is_visible() for k in range(loc.count())), test_id
    # Figures at least 64 px high, every text at least 28 px, chart text at least 20 px.
    values = page.locator(".ecran-value")
    if name != "evenements":
        sizes = values.evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert max(sizes) >= 64
    text = page.evaluate(TEXT_SIZES)
    small = [t for t in text if t[0] < 28]
    assert text and not small, small
    if has_chart:
        chart_text = page.evaluate(CHART_TEXT_SIZES)
        assert chart_text and min(size for size, _ in chart_text) >= 20, chart_text
    # Nothing hidden behind the footer or cut at the bottom of the screen.
    footer_top = page.locator(".ecran-foot").bounding_box()["y"]
    bottoms = page.locator(".ecran-figure, .ecran-item, .js-plotly-plot").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().bottom)")
    assert bottoms and max(bottoms) <= footer_top + 1
    # The QR code, drawn locally and big enough to scan.
    qr = page.locator('img[alt*="QR code"]')
    assert qr.is_visible() and qr.bounding_box()["width"] >= 200
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.get_by_text(SLIDE_DATES[name]).is_visible()     # the slide's own date
    if has_chart:
        assert page.locator(".ecran-badge").is_visible()
        assert "données de démonstration" in page.locator(".ecran-foot").inner_text()
    if name == "solaire":
        # The map really drew (many colours), with no tile, font or style fetched.
        from PIL import Image
        image = Image.open(io.BytesIO(page.locator(".js-plotly-plot").screenshot()))
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 50
    assert page.locator('[data-testid="stException"], [data-testid="stAlert"]').count() == 0
    assert outside == []
    page.context.close()


OBSERVE = """() => {
  window.__changes = []; window.__minOpacity = 1; window.__statusSeen = false;
  let last = null;
  const check = () => {
    const el = document.querySelector('[data-slide]');
    const name = el && el.getAttribute('data-slide');
    if (name && name !== last) { last = name; window.__changes.push([performance.now(), name]); }
    for (const s of document.querySelectorAll('[data-stale="true"]'))
      window.__minOpacity = Math.min(window.__minOpacity, parseFloat(getComputedStyle(s).opacity));
    for (const s of document.querySelectorAll('[data-testid="stStatusWidget"]'))
      if (s.getBoundingClientRect().height > 0) window.__statusSeen = true;
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, attributes: true});
  window.__start = performance.now();
  check();
}"""


def test_slides_rotate_by_themselves(server, browser):
    period, slides = 3, ["chiffres", "evenements", "investissements"]
    outside: list[str] = []
    page = open_screen(browser, server, outside, f"periode={period}&diapos={','.join(slides)}")
    page.evaluate(OBSERVE)
    for k in range(2, 5):
        # Each next slide within `periode` + 2 s of the previous one (the wait fails otherwise).
        page.wait_for_function(f"window.__changes.length >= {k}", timeout=(period + 2) * 1000)
    changes = page.evaluate("window.__changes")
    names = [n for _, n in changes]
    first = slides.index(names[0])
    assert names == [slides[(first + k) % 3] for k in range(len(names))]
    gaps = [(b[0] - a[0]) / 1000 for a, b in zip(changes, changes[1:])]
    assert all(g <= period + 2 for g in gaps), gaps
    # While the next slide is computed, the current one neither greys out nor shows "Running…".
    assert page.evaluate("window.__minOpacity") == 1
    assert page.evaluate("window.__statusSeen") is False
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert outside == []
    page.context.close()


def test_a_reload_carries_on_with_the_show(server, browser):
    """Reloading (as after a lost connection) shows the clock's slide, not the first one."""
    period, slides = 2, ["chiffres", "evenements", "investissements"]
    outside: list[str] = []
    page = open_screen(browser, server, outside, f"periode={period}&diapos={','.join(slides)}")
    for _ in range(3):
        page.reload()
        wait_ready(page)
        before = time.time()
        slot = int(page.locator(".ecran-foot .fill").get_attribute("data-slot"))
        name = page.locator("[data-slide]").first.get_attribute("data-slide")
        # The slot counts periods since the epoch: the show resumes where the clock is.
        assert abs(slot - before / period) < 10
        assert name == slides[slot % len(slides)]
    assert outside == []
    page.context.close()


KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})()"""


def test_a_lost_connection_does_not_stop_the_show(server, browser):
    """The server side of the connection goes away: Streamlit reconnects and the show goes
    on where the clock is, with no error box in front of the room."""
    period, slides = 2, ["chiffres", "evenements", "investissements"]
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=SCREEN)
    page.add_init_script(KEEP_SOCKETS)
    page.goto(f"{server}/ecran?periode={period}&diapos={','.join(slides)}")
    wait_ready(page)
    page.evaluate(OBSERVE)
    page.evaluate("window.__sockets.forEach(s => s.close())")
    page.wait_for_function("window.__changes.length >= 3", timeout=30_000)
    page.wait_for_function("window.__sockets.length >= 2")
    slot = int(page.locator(".ecran-foot .fill").get_attribute("data-slot"))
    assert abs(slot - time.time() / period) < 10
    assert not page.locator('[role="dialog"]').is_visible()
    assert outside == []
    page.context.close()


def test_a_fatal_client_error_is_healed_by_reloading(server, browser):
    """Some errors close Streamlit's connection for good (a cache miss, a message it cannot
    read): the page's watchdog reloads it once the server answers, and the show resumes."""
    period, slides = 2, ["chiffres", "evenements", "investissements"]
    outside: list[str] = []
    page = offline_page(browser, outside, viewport=SCREEN)
    page.add_init_script(KEEP_SOCKETS)
    page.goto(f"{server}/ecran?periode={period}&diapos={','.join(slides)}")
    wait_ready(page)
    page.evaluate("window.__before_reload = true")
    page.evaluate("""() => window.__sockets.at(-1).dispatchEvent(
        new MessageEvent('message', {data: new Uint8Array([255, 255, 255, 255, 15]).buffer}))""")
    page.wait_for_function("window.__before_reload === undefined",
                           timeout=int((screen_limit(period) + 30) * 1000))
    wait_ready(page)
    page.evaluate(OBSERVE)
    page.wait_for_function("window.__changes.length >= 3", timeout=30_000)
    assert outside == []
    page.context.close()


def screen_limit(period: float) -> float:
    from ecotransition.surfaces.screen import watchdog_limit
    return watchdog_limit(period)
