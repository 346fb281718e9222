"""axe-core on every page in Chromium: no serious or critical violation caused by our code."""

from __future__ import annotations

import pytest

from conftest import PAGES, offline_page, wait_ready
from ecotransition.core.a11y import (
    BLOCKING, MARK_CHROME_JS, STREAMLIT_CHROME, mark_nodes, split_violations, summarise,
)


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violation_in_our_content(server, browser, path):
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright")
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{server}/{path}")
        wait_ready(page)
        page.wait_for_timeout(1500)  # charts and maps finish drawing after the script run
        page.evaluate(MARK_CHROME_JS, STREAMLIT_CHROME)
        results = axe_mod.Axe().run(page)
        violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
        mark_nodes(page, violations)
        ours, _streamlit = split_violations(violations)
        assert summarise(ours) == [], path
    finally:
        page.context.close()
