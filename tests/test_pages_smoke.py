"""Every page runs under AppTest and renders in Chromium with no error and no outside request."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, PAGES, offline_page, wait_ready

PAGE_FILES = [
    "pages/vue-ensemble.py", "pages/investissements.py", "pages/solaire.py",
    "pages/chaine-des-parcs.py", "pages/evenements.py", "pages/carte.py",
    "pages/ecran.py", "pages/donnees.py",
]


def run_page(page_file: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page_file != "pages/vue-ensemble.py":
        at.switch_page(page_file)
        at.run()
    return at


@pytest.mark.parametrize("page_file", PAGE_FILES)
def test_page_runs_without_exception(built_db, page_file):
    at = run_page(page_file)
    assert not at.exception, [e.value for e in at.exception]
    # Every page shows real data: a table, a chart, a metric or a map.
    shown = len(at.dataframe) + len(at.metric) + len(at.get("plotly_chart")) + len(at.get("iframe")) \
        + len(at.markdown) + len(at.get("html"))
    assert shown > 0


@pytest.mark.browser
def test_every_url_renders_in_chromium(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 900})
    # /ecran reloads itself once on a display whose scale it has not seen yet (markup.scale_script),
    # which could blank the page under the check below: give it this viewport's scale beforehand.
    page.context.add_cookies([{"name": "ecran_echelle", "value": "0.75", "url": server}])
    for path in PAGES:
        page.goto(f"{server}/{path}")
        wait_ready(page)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        assert page.locator('[data-testid="stMain"]').inner_text().strip(), path
    assert outside == []
    page.context.close()
