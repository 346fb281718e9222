"""axe-core report for every page: serious/critical violations, ours versus Streamlit's own.

    python bench/a11y.py [--db data/ecotransition.duckdb]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from conftest import CHROMIUM, PAGES, READY_JS, start_server  # noqa: E402
from ecotransition.core.a11y import (  # noqa: E402
    BLOCKING, MARK_CHROME_JS, STREAMLIT_CHROME, mark_nodes, split_violations, summarise,
)
from ecotransition.core.paths import db_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    args = parser.parse_args()
    proc, base = start_server(db_path(args.db))
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for path in PAGES:
                page.goto(f"{base}/{path}")
                page.wait_for_function(READY_JS, timeout=120_000)
                page.wait_for_timeout(2000)
                page.evaluate(MARK_CHROME_JS, STREAMLIT_CHROME)
                violations = Axe().run(page).response["violations"]
                mark_nodes(page, violations)
                ours, theirs = split_violations(violations)
                rows.append(("/" + path, ours, theirs))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"{'page':<20} {'ours (serious+critical)':<40} streamlit's own")
    for path, ours, theirs in rows:
        o = [f"{i}:{imp}x{n}" for i, imp, n in summarise(ours) if imp in BLOCKING]
        t = [f"{i}:{imp}x{n}" for i, imp, n in summarise(theirs)]
        print(f"{path:<20} {', '.join(o) or '-':<40} {', '.join(t) or '-'}")
    minor = sorted({(i, imp) for _, ours, _ in rows for i, imp, _ in summarise(ours) if imp not in BLOCKING})
    if minor:
        print("moderate/minor in our content:", ", ".join(f"{i} ({imp})" for i, imp in minor))


if __name__ == "__main__":
    main()
