"""Time the Solaire, Chaîne des parcs and Événements pages on a big database.

Two parts, both printed:
- queries: every named query these pages run, on the read-only connection the app uses,
  for the default view and filtered views (median of --repeat runs, each a cache miss);
- script runs: the whole page script under AppTest (server side, no browser): the first run
  (cold query cache), the same view again (warm) and a filter change (query-cache miss).
- browser (--browser): Chromium on a fresh server, "ready" as in bench/bench_pages.py: cold,
  warm (same URL again), filter change (another agglomeration: a query-cache miss) and, for the
  parks page, a granularity change in the URL.

    python -m ecotransition.build --db /tmp/s16.duckdb --demo-scale 16
    python bench/bench_thematic.py --db /tmp/s16.duckdb [--repeat 5] [--browser]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecotransition.data import sql  # noqa: E402
from ecotransition.data.db import open_readonly  # noqa: E402

AREA = dict(epci=None, commune=None)
VISITS = dict(epci=None, commune=None, site=None, mode=None, annee=None)
QUERIES = [
    ("metrics_solar", {}),
    ("metrics_visits", {}),
    ("solar_by_year", AREA),
    ("cadastre_users", {}),
    ("events_list", dict(annee=None)),
    ("park_sites_list", {}),
    ("visits_channel_years", AREA),
    ("visits_channel_years", dict(epci="CALL", commune=None)),
    ("visits_series", dict(VISITS, grain="month")),
    ("visits_series", dict(VISITS, grain="week")),
    ("visits_series", dict(VISITS, grain="day")),
    ("visits_series", dict(VISITS, grain="day", epci="CALL")),
    ("visits_series", dict(VISITS, grain="day", commune="62498", annee=2023)),
    ("visits_series", dict(VISITS, grain="day", mode="BIKE")),
    ("visits_seasonality", VISITS),
    ("visits_seasonality", dict(VISITS, epci="CABBALR", annee=2024)),
]
PAGES = ["pages/solaire.py", "pages/chaine-des-parcs.py", "pages/evenements.py"]


def bench_queries(path: Path, repeat: int) -> None:
    conn = open_readonly(path)
    n = conn.execute("SELECT count(*) FROM counter_measures").fetchall()[0][0]
    print(f"database: {path} ({n:,} counter measures)".replace(",", " "))
    print(f"{'query':<22} {'median ms':>10} {'min ms':>8} {'rows':>6}  parameters")
    for name, params in QUERIES:
        times, rows = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = len(sql.run(conn, name, **params))
            times.append((time.perf_counter() - t0) * 1000)
        shown = {k: v for k, v in params.items() if v is not None}
        print(f"{name:<22} {statistics.median(times):>10.0f} {min(times):>8.0f} {rows:>6}  {shown}")


def bench_scripts(path: Path, repeat: int) -> None:
    os.environ["ECOTRANSITION_DB"] = str(path)
    from streamlit.testing.v1 import AppTest

    print(f"\n{'page (AppTest, server side)':<30} {'cold s':>7} {'warm s':>7} {'filter s':>9}")
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
        at.run()
        at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        warm = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
        filt = []
        for i, epci in enumerate(["CALL", "CAHC", "CABBALR"][:max(1, repeat)]):
            at.session_state["epci"] = epci
            at.session_state["annee"] = 2019 + i  # a new year too: every page's queries miss the cache
            t0 = time.perf_counter()
            at.run()
            filt.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
        print(f"{page:<30} {cold:>7.2f} {statistics.median(warm):>7.2f} {statistics.median(filt):>9.2f}")


def bench_browser(path: Path, repeat: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_pages import load
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM, start_server

    urls = {
        "/solaire": ["?epci=CALL", "?epci=CAHC", "?epci=CABBALR"],
        "/chaine-des-parcs": ["?epci=CALL", "?epci=CAHC", "?epci=CABBALR", "?pas=Jour", "?pas=Semaine",
                              "?pas=Jour&annee=2023"],
        "/evenements": ["?epci=CALL", "?epci=CAHC", "?epci=CABBALR"],
    }
    proc, base = start_server(path)
    print(f"\n{'page (Chromium)':<20} {'cold s':>7} {'warm s':>7} {'change s':>9}  changes")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="fr-FR")
            for url, changes in urls.items():
                cold = load(page, base + url)
                warm = statistics.median(load(page, base + url) for _ in range(repeat))
                changed = [load(page, base + url + q) for q in changes]
                print(f"{url:<20} {cold:>7.2f} {warm:>7.2f} {statistics.median(changed):>9.2f}  "
                      + " ".join(f"{q}={t:.2f}" for q, t in zip(changes, changed)))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time the pages in Chromium")
    args = parser.parse_args()
    path = Path(args.db)
    bench_queries(path, args.repeat)
    bench_scripts(path, min(args.repeat, 3))
    if args.browser:
        bench_browser(path, min(args.repeat, 3))
    print(f"\nmachine: {os.cpu_count()} CPU, load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
