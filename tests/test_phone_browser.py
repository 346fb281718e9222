"""Phones first: a resident who opens a page from the Grand forum's QR code, on a 390 × 844 phone,
sees the page's title and its first figures without any tap; the sidebar is closed but one tap
away, and nothing is wider than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import offline_context, wait_ready

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)


# The first figures of each page: the overview's first headline sentence, the thematic pages'
# first card, the map itself.
@pytest.mark.parametrize("path, title, first_figure", [
    ("/", "Écotransition Artois — vue d'ensemble", '[data-testid="stMain"] li'),
    ("/solaire", "Solaire photovoltaïque", '[data-testid="stMetric"]'),
    ("/chaine-des-parcs", "Chaîne des parcs", '[data-testid="stMetric"]'),
    ("/carte", "Carte du territoire", "iframe"),
])
def test_a_phone_lands_on_the_page_not_the_sidebar(server, browser, path, title, first_figure):
    outside: list[str] = []
    context = offline_context(browser, outside, **PHONE)
    page = context.new_page()
    page.goto(server + path)
    wait_ready(page, 90_000)
    h1 = page.locator('[data-testid="stMain"] h1', has_text=title)
    h1.wait_for(timeout=30_000)
    box = h1.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844 and box["x"] >= 0
    sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0     # closed: off the screen
    figure = page.locator(first_figure).first
    figure.wait_for(timeout=30_000)
    top = figure.bounding_box()["y"]
    assert top + min(figure.bounding_box()["height"], 120) <= 844, f"the first figure starts at {top} px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / f"phone{path.replace('/', '_') or '_'}.png"))
    # Still reachable: one tap opens the navigation.
    page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.tap()
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Carte").wait_for(state="visible", timeout=10_000)
    assert outside == []
    context.close()
