"""Time every page in Chromium: cold, warm and after a filter change (cache miss).

Starts a Streamlit server on the given database (build one with
`python -m ecotransition.build --db /tmp/s16.duckdb --demo-scale 16`), then for each URL:
cold = first visit after the server started, warm = the same URL again, filter = the
same page with another agglomeration in the URL (a query-cache miss). "Ready" means the
app reports its script state notRunning and no skeleton is left.

    python bench/bench_pages.py --db /tmp/s16.duckdb [--repeat 3]
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

from conftest import CHROMIUM, PAGES, READY_JS, start_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

FILTERS = ["CALL", "CAHC", "CABBALR"]


def load(page, url: str) -> float:
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(READY_JS, timeout=120_000, polling=50)
    return time.perf_counter() - t0


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
            for path in args.pages:
                url = f"{base}/{path}"
                cold = load(page, url)
                warm = statistics.median(load(page, url) for _ in range(args.repeat))
                sep = "&" if "?" in url else "?"
                filt = statistics.median(
                    load(page, f"{url}{sep}epci={FILTERS[i % len(FILTERS)]}") for i in range(args.repeat)
                )
                rows.append(("/" + path, cold, warm, filt))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"database: {args.db}")
    print(f"{'page':<20} {'cold s':>8} {'warm s':>8} {'filter s':>9}")
    for path, cold, warm, filt in rows:
        print(f"{path:<20} {cold:>8.2f} {warm:>8.2f} {filt:>9.2f}")
    print("targets: warm <= 1.5 s, filter change <= 2 s")


if __name__ == "__main__":
    main()
