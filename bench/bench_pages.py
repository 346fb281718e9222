"""Time every page in Chromium: cold, warm and after a filter change (cache miss).

Starts a Streamlit server on the given database (build one with
`python -m ecotransition.build --db /tmp/s16.duckdb --demo-scale 16`), then for each URL:
- cold: first visit after the server started (full page load);
- reload: the same URL loaded again (full page load: the browser starts the app again,
  about 0.3-0.8 s before the first message);
- in app: the page reached from another one through the sidebar, as staff move around;
- filter (app): another agglomeration chosen in the sidebar, a query-cache miss on the server;
- filter (URL): the page loaded with another agglomeration in the URL (a shared link).
"Ready" means the app reports its script state notRunning, no skeleton is left and every
plotly chart of the page has drawn its SVG.

    python bench/bench_pages.py --db /tmp/s16.duckdb [--repeat 3] [--pages solaire carte]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from conftest import CHROMIUM, PAGES, READY_JS, start_server  # noqa: E402

FILTERS = ["CALL", "CAHC", "CABBALR"]


CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .every(p => p.querySelector('.main-svg'))"""
TITLES = {"": "Vue d'ensemble", "investissements": "Investissements", "solaire": "Solaire",
          "chaine-des-parcs": "Chaîne des parcs", "evenements": "Événements", "carte": "Carte",
          "ecran": "Écran du Grand forum", "donnees": "Données"}


TIMEOUT_MS = 120_000


def _ready(page) -> None:
    page.wait_for_function(READY_JS, timeout=TIMEOUT_MS, polling=50)
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=TIMEOUT_MS, polling=50)


def load(page, url: str) -> float:
    t0 = time.perf_counter()
    page.goto(url)
    _ready(page)
    return time.perf_counter() - t0


class Frames:
    """Counts the WebSocket messages the page receives: a rerun always brings some."""

    def __init__(self, page):
        self.count = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, _frame) -> None:
        self.count += 1


def in_app(page, frames: Frames, action) -> float:
    """Time from a user action in the running app to the rerun's page being ready."""
    before = frames.count
    t0 = time.perf_counter()
    action()
    # The script state may flip to running and back within one render: wait for the rerun's
    # messages instead, then for the page to be ready.
    while frames.count == before:
        page.wait_for_timeout(10)
    _ready(page)
    return time.perf_counter() - t0


def navigate(page, frames: Frames, base: str, path: str) -> float:
    """Open another page, then come back to `path` through the sidebar navigation."""
    other = "evenements" if path != "evenements" else "solaire"
    load(page, f"{base}/{other}")
    return in_app(page, frames, lambda: page.locator('[data-testid="stSidebarNav"]').get_by_role(
        "link", name=TITLES[path], exact=True).click())


def choose_epci(page, frames: Frames, epci: str) -> float:
    box = page.get_by_role("combobox", name="Agglomération")
    box.click()
    return in_app(page, frames, lambda: page.get_by_role("option", name=epci, exact=True).click())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", nargs="+", default=PAGES, metavar="PATH",
                        help="URL paths without the leading slash ('' for the overview)")
    args = parser.parse_args()
    proc, base = start_server(Path(args.db))
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            frames = Frames(page)
            for path in args.pages:
                url = f"{base}/{path}"
                cold = load(page, url)
                reload = statistics.median(load(page, url) for _ in range(args.repeat))
                nav = statistics.median(navigate(page, frames, base, path) for _ in range(args.repeat))
                sep = "&" if "?" in url else "?"
                by_url = statistics.median(
                    load(page, f"{url}{sep}epci={FILTERS[i % len(FILTERS)]}") for i in range(args.repeat)
                )
                by_app = None
                if path != "ecran":  # the screen has no sidebar filters
                    load(page, url)
                    by_app = statistics.median(choose_epci(page, frames, FILTERS[(i + 1) % len(FILTERS)])
                                               for i in range(args.repeat))
                rows.append(("/" + path, cold, reload, nav, by_app, by_url))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"database: {args.db}")
    print(f"{'page':<20} {'cold s':>7} {'reload s':>9} {'in app s':>9} {'filter (app) s':>15} {'filter (URL) s':>15}")
    for path, cold, reload, nav, by_app, by_url in rows:
        app = f"{by_app:>15.2f}" if by_app is not None else f"{'-':>15}"
        print(f"{path:<20} {cold:>7.2f} {reload:>9.2f} {nav:>9.2f} {app} {by_url:>15.2f}")
    print("targets: warm <= 1.5 s, filter change <= 2 s")


if __name__ == "__main__":
    main()
