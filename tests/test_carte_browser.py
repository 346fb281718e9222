"""/carte in Chromium with every request outside 127.0.0.1 blocked: the map draws its 150
communes from local assets, a click selects a commune, moving the map does not rerun."""

from __future__ import annotations

import pytest

from conftest import offline_page, wait_ready
from ecotransition.surfaces import maps, offline

pytestmark = pytest.mark.browser

FRAME = 'iframe[title="streamlit_folium.st_folium"]'
COMMUNE_PATHS = "path.ea-commune.leaflet-interactive"
LENS_INSIDE = (50.4556, 2.8284)  # inside Lens, about 1.9 km from every marker

TRACK_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__runs = 0;
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def open_map(page, url: str):
    page.goto(url)
    frame = page.frame_locator(FRAME)
    frame.locator(COMMUNE_PATHS).nth(149).wait_for(state="attached", timeout=90_000)
    wait_ready(page, 60_000)
    return frame


def map_frame(page):
    return next(f for f in page.frames if "streamlit_folium.st_folium" in f.url)


def screen_point(page, frame, lat: float, lon: float) -> tuple[float, float]:
    x, y = map_frame(page).evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon])
    box = frame.locator("#map_div").bounding_box()
    return box["x"] + x, box["y"] + y


def test_carte_draws_the_150_communes_with_no_outside_request(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1500, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    frame = open_map(page, f"{server}/carte")

    assert frame.locator(COMMUNE_PATHS).count() == 150
    # The page ran through dashboard.py (navigation and shared filters), even on a cold server.
    assert "Filtres" in page.locator('[data-testid="stSidebar"]').inner_text()
    # Leaflet came from the app's own static folder; nothing left the machine.
    leaflet = f"{server}/app/static/vendor/{offline.LEAFLET_DIR_NAME}/leaflet.js"
    assert leaflet in requested
    assert outside == []
    assert not [u for u in requested if not u.startswith((server, "data:", "blob:"))]

    # The agglomeration outlines are drawn over the communes and let clicks through.
    assert frame.locator("path:not(.leaflet-interactive)[stroke-width='2.5']").count() == 3
    # The legend is in French formats.
    legend = page.locator(".ea-legend").inner_text()
    assert "Population municipale (habitants)" in legend and "6\u202f978 à 31\u202f415" in legend
    page.context.close()


def test_click_selects_the_commune_and_moving_the_map_does_not_rerun(server, browser):
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1500, "height": 1000})
    frame = open_map(page, f"{server}/carte?indicateur=Production%20PV")
    page.evaluate(TRACK_RUNS)

    # Hover shows an escaped, French tooltip; a click selects the commune.
    x, y = screen_point(page, frame, *LENS_INSIDE)
    page.mouse.move(x, y)
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=10_000)
    assert "Lens (62498) · CALL" in tooltip.inner_text()
    assert "Production photovoltaïque : 2\u202f451\xa0MWh · 2024" in tooltip.inner_text()
    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('commune=62498')", timeout=30_000)
    wait_ready(page, 60_000)
    assert page.evaluate("window.__runs") >= 1
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Lens" in main and "Désélectionner la commune" in main
    shown = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').evaluate_all(
        "els => els.map(e => (e.querySelector('input') || {}).value || e.innerText)")
    assert any("Lens (62498)" in s for s in shown), shown
    # The selection is outlined without redrawing the map (still 150 communes).
    frame.locator("path[stroke-width='4.5']").wait_for(state="attached", timeout=10_000)
    assert frame.locator(COMMUNE_PATHS).count() == 150

    # Deselecting clears the filter and the URL.
    page.get_by_role("button", name="Désélectionner la commune").click()
    page.wait_for_function("() => !location.search.includes('commune=')", timeout=30_000)
    wait_ready(page, 60_000)
    assert "Profil d'une commune" in page.locator('[data-testid="stMain"]').inner_text()
    frame.locator("path[stroke-width='4.5']").wait_for(state="detached", timeout=10_000)

    # Pan and zoom: st_folium only returns the last clicked object, so no rerun.
    page.evaluate("window.__runs = 0")
    box = frame.locator("#map_div").bounding_box()
    page.mouse.move(box["x"] + 150, box["y"] + 150)
    page.mouse.down()
    page.mouse.move(box["x"] + 260, box["y"] + 220, steps=8)
    page.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(2000)
    assert page.evaluate("window.__runs") == 0
    assert outside == []
    page.context.close()


def test_hostile_names_stay_text_in_the_browser(browser, built_db, tmp_path):
    """A standalone render of the map (served by routes, no server) with an HTML/JS payload
    in every shown string: tooltips and popups show it as text, nothing executes."""
    import duckdb
    from test_maps import LENS, XSS, hostile

    from ecotransition.data import sql

    c = duckdb.connect(str(built_db), read_only=True)
    try:
        data = maps.load_data(lambda name, **params: sql.run(c, name, **params))
    finally:
        c.close()
    bad = hostile(data)
    m = maps.build_map(bad, "events")  # event layers shown
    html = m.get_root().render()
    vendor = offline.install(tmp_path / "vendor")
    base = "http://127.0.0.1:9/component/x/index.html"
    outside, dialogs = [], []

    context = browser.new_context(viewport={"width": 1200, "height": 900})

    def route(r):
        url = r.request.url
        if url == base:
            r.fulfill(body=html, content_type="text/html; charset=utf-8")
        elif "/app/static/vendor/" in url:
            r.fulfill(path=str(vendor.parent / url.split("/app/static/vendor/")[1]))
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base)
    page.locator(COMMUNE_PATHS).nth(149).wait_for(state="attached", timeout=30_000)
    name = m.get_name()

    def point(lat, lon):
        x, y = page.evaluate(f"([a, b]) => {{ const p = {name}.latLngToContainerPoint([a, b]); return [p.x, p.y]; }}",
                             [lat, lon])
        return x, y

    page.mouse.move(*point(*LENS_INSIDE))
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(timeout=10_000)
    assert tip.inner_text().startswith(f"{XSS} ({LENS}) · CALL")
    assert "Événements : 11 · 2023–2024 (cumul)" in tip.inner_text()
    # The hostile event: its popup shows the title, place and description as text.
    event = bad.events.iloc[0]
    page.mouse.click(*point(event["lat"], event["lon"]))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert XSS in popup.inner_text() and "`${alert(2)}`" in popup.inner_text()
    assert "</script><b>x</b>" in popup.inner_text()
    page.wait_for_timeout(500)
    assert page.locator("img[src='x'], .leaflet-popup-content b, .leaflet-tooltip img").count() == 0
    assert page.locator(".leaflet-control-layers b, svg[onload]").count() == 0
    assert dialogs == [] and outside == []
    context.close()


def test_every_click_selects_and_the_profile_downloads_as_numbers(server, browser, tmp_path):
    """Click Lens, deselect, click the same pixel again: selected again each time (streamlit-folium
    only sends a value that changed); deselecting closes what the click opened. The profile's
    export, downloaded and opened in LibreOffice Calc, holds numbers."""
    from spreadsheets import SOFFICE, calc_read

    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    frame = open_map(page, f"{server}/carte")
    x, y = screen_point(page, frame, *LENS_INSIDE)
    main = page.locator('[data-testid="stMain"]')
    for how in ("button", "button", "sidebar"):
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_function("() => location.search.includes('commune=62498')", timeout=30_000)
        wait_ready(page, 60_000)
        main.locator("h3", has_text="Lens").wait_for(timeout=10_000)
        if how == "button":
            page.get_by_role("button", name="Désélectionner la commune").click()
        else:
            box = page.get_by_role("combobox", name="Commune")
            box.click()
            box.fill("Toutes")  # the list opens at Lens, far below its first option
            page.get_by_role("option", name="Toutes les communes", exact=True).click()
        page.wait_for_function("() => !location.search.includes('commune=')", timeout=30_000)
        wait_ready(page, 60_000)
        assert "Profil d'une commune" in main.inner_text()
        frame = page.frame_locator(FRAME)
        frame.locator(COMMUNE_PATHS).nth(149).wait_for(state="attached", timeout=60_000)
        # Drawn afresh: nothing of the last click left open, and Lens at the same pixel.
        assert frame.locator(".leaflet-tooltip, .leaflet-popup").count() == 0
        assert screen_point(page, frame, *LENS_INSIDE) == pytest.approx((x, y), abs=1)

    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('commune=62498')", timeout=30_000)
    wait_ready(page, 60_000)
    files = []
    for button in ("Exporter en CSV (Excel)", "Exporter en XLSX"):
        with page.expect_download(timeout=60_000) as info:
            page.locator('[data-testid="stDownloadButton"]', has_text=button).first.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        files.append(target)
    assert [f.name for f in files] == ["profil_62498.csv", "profil_62498.xlsx"]
    assert outside == []
    page.context.close()
    if SOFFICE is None:
        pytest.skip("LibreOffice not installed: the downloaded files were not opened")
    read = calc_read(files, tmp_path, "default")
    for f in files:
        header, *rows = read[f.name]
        population = dict(zip(header, next(r for r in rows if r[0] == "Population")))
        assert (population["Commune"], population["Unité"]) == (31415, "habitants")
        assert population["Part de la commune dans l'agglomération (%)"] == 13.0


SCROLLER = """() => {
    // Streamlit scrolls its main view, not the window: the first scrollable ancestor of the title.
    let e = document.querySelector('[data-testid="stMain"] h1');
    while (e && !(e.scrollHeight > e.clientHeight && getComputedStyle(e).overflowY !== 'visible')) e = e.parentElement;
    return e ? e.scrollTop : document.scrollingElement.scrollTop;
}"""


def test_on_a_phone_one_finger_scrolls_the_page_past_the_map(server, browser):
    # t15i finding 10: at 390 px the map fills the screen, and one finger on it moved the map, so a
    # resident could not scroll to the commune's profile below. Now one finger scrolls the page (two
    # move and zoom the map); a mouse still drags the map.
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                        is_mobile=True, has_touch=True)
    frame = open_map(page, f"{server}/carte")
    leaflet = map_frame(page)
    assert leaflet.evaluate("() => window.map.dragging.enabled()") is False
    assert "leaflet-touch-drag" not in leaflet.evaluate("() => window.map.getContainer().className")
    center = leaflet.evaluate("() => window.map.getCenter().toString()")
    box = frame.locator("#map_div").bounding_box()
    before = page.evaluate(SCROLLER)
    cdp = page.context.new_cdp_session(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + 250   # one finger on the map, moved 200 px up
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for k in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 20 * k}]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(800)
    assert page.evaluate(SCROLLER) > before + 100
    assert leaflet.evaluate("() => window.map.getCenter().toString()") == center
    assert outside == []
    page.context.close()
    desk = offline_page(browser, outside, viewport={"width": 1500, "height": 1000})
    open_map(desk, f"{server}/carte")
    assert map_frame(desk).evaluate("() => window.map.dragging.enabled()") is True
    desk.context.close()
