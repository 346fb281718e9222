"""In Chromium: a staff upload through /donnees, an import from the command line while the
server runs, and imported HTML shown as text (no dialog) on /evenements and /carte."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT, offline_page, start_server, wait_ready

FIX = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "motdepasse-navigateur"
XSS = "<img src=x onerror=alert(1)>"

# In the map's iframe: open the tooltip and the popup of every feature (that is when Leaflet
# puts their HTML in the page) and return the texts shown.
OPEN_EVERY_TOOLTIP = """() => {
  const texts = [];
  const maps = new Set(Object.keys(window).map(k => { try { return window[k]; } catch (e) { return null; } })
                                        .filter(v => v instanceof L.Map));
  for (const map of maps) {
    map.eachLayer(group => {
      if (!group.eachLayer) return;
      group.eachLayer(child => {
        const at = child.getLatLng ? child.getLatLng() : (child.getBounds ? child.getBounds().getCenter() : null);
        if (!at) return;
        for (const kind of ['Tooltip', 'Popup']) {
          const bound = group['get' + kind] && group['get' + kind]();
          if (!bound) continue;
          bound._source = child;  // as Leaflet does for the feature under the pointer
          group['open' + kind](at);
          if (bound.getElement()) texts.push(bound.getElement().textContent);
          group['close' + kind]();
        }
      });
    });
  }
  return texts;
}"""


def no_injected_image(page) -> bool:
    return all(frame.locator('img[src="x"]').count() == 0 for frame in page.frames)


@pytest.mark.browser
def test_imported_html_is_shown_as_text(built_db, browser, tmp_path):
    db = tmp_path / "navigateur.duckdb"
    shutil.copyfile(built_db, db)
    proc, url = start_server(db, {"ECOTRANSITION_ADMIN_PASSWORD": PASSWORD})
    try:
        outside: list[str] = []
        page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        # 1. Staff upload through the page.
        page.goto(f"{url}/donnees")
        wait_ready(page)
        page.get_by_role("tab", name="Importer un fichier").click()
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Jeu de données").click()
        page.get_by_role("option", name="Événements").click()
        wait_ready(page)
        page.get_by_label("Mot de passe du personnel").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        wait_ready(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(FIX / "events_ok.csv"))
        wait_ready(page)
        page.get_by_role("button", name="Importer", exact=True).click()
        page.get_by_text("6 lignes chargées (6 nouvelles, 0 mise à jour)").wait_for(timeout=60_000)
        assert page.get_by_label("Mot de passe du personnel", exact=True).count() == 0   # logged in
        assert PASSWORD not in page.content()

        # 2. The nightly job: the command line while the server runs; no restart needed.
        nightly = tmp_path / "nuit.csv"
        nightly.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                           "<script>alert('nuit')</script> Import de nuit;03/11/2024;;Lens;62498;Culture;5\n",
                           encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "ecotransition.imports", "events", str(nightly),
                              "--db", str(db), "--quiet"], cwd=ROOT, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr

        # 3. The events page shows both titles as text.
        page.goto(f"{url}/evenements")
        wait_ready(page)
        main = page.locator('[data-testid="stMain"]')
        assert main.get_by_text(XSS, exact=False).count() >= 1
        assert main.get_by_text("<script>alert('nuit')</script> Import de nuit", exact=False).count() >= 1
        assert no_injected_image(page)

        # 4. The map: every tooltip and popup opened, the titles are text there too.
        page.goto(f"{url}/carte?indicateur={urllib.parse.quote('Événements')}")
        wait_ready(page)
        frame = None
        for _ in range(60):
            frame = next((f for f in page.frames if f.evaluate("() => typeof L !== 'undefined'")), None)
            if frame is not None and frame.evaluate("() => document.querySelectorAll('.leaflet-interactive').length") > 0:
                break
            page.wait_for_timeout(500)
        assert frame is not None, "the map did not render"
        shown = frame.evaluate(OPEN_EVERY_TOOLTIP)
        assert any(XSS in t for t in shown), "the imported event is not on the map"
        assert any("<script>alert('nuit')</script> Import de nuit" in t for t in shown)
        page.wait_for_timeout(1000)  # an injected <img> would fail to load and run onerror by now
        assert no_injected_image(page)
        assert dialogs == []
        assert outside == []
        page.context.close()
    finally:
        proc.terminate()
        proc.wait(10)


def _login_and_choose(page, url: str, dataset_label: str) -> None:
    page.goto(f"{url}/donnees")
    wait_ready(page)
    page.get_by_role("tab", name="Importer un fichier").click()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Jeu de données").click()
    page.get_by_role("option", name=dataset_label).click()
    wait_ready(page)
    page.get_by_label("Mot de passe du personnel").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    wait_ready(page)


@pytest.mark.browser
def test_handed_cases_through_the_page(built_db, browser, tmp_path):
    """The page gives the same results as the command line: the duplicate refused with both
    lines, the numeric commune codes read, the ODRÉ snapshot asked for."""
    db = tmp_path / "cas.duckdb"
    shutil.copyfile(built_db, db)
    cases = FIX / "cases"
    proc, url = start_server(db, {"ECOTRANSITION_ADMIN_PASSWORD": PASSWORD})
    try:
        outside: list[str] = []
        page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000})
        _login_and_choose(page, url, "Compteurs – mesures")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(cases / "mesures_doublon_exact_utf8.csv"))
        wait_ready(page)
        page.get_by_role("button", name="Importer", exact=True).click()
        page.get_by_text("en double : même canal et même début qu'à la ligne 2").wait_for(timeout=60_000)
        assert page.get_by_text("ligne 4", exact=False).count() >= 1

        _login_and_choose(page, url, "Production solaire par commune")
        page.get_by_label("Millésime du registre ODRÉ (facultatif)", exact=True).fill("2024")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(cases / "odre_agregation_moins_36kw.csv"))
        wait_ready(page)
        page.get_by_role("button", name="Importer", exact=True).click()
        page.get_by_text("à partir de 2024, millésime du registre (indiqué à l'import)", exact=False).wait_for(
            timeout=60_000)
        assert outside == []
        page.context.close()
    finally:
        proc.terminate()
        proc.wait(10)
    import duckdb
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT sites FROM solar_production WHERE commune_code = '62498' AND year = 2024"
                         ).fetchall() == [(251,)]
        assert c.execute("SELECT count(*) FROM counter_measures WHERE start_datetime = TIMESTAMP "
                         "'2025-06-02 08:00:00'").fetchall() == [(0,)]


@pytest.mark.browser
def test_the_catalogue_shows_every_column_and_the_late_data_at_1400_px(server, browser):
    """At 1400 × 900 every header of the catalogue and the freshness and flags sentences are
    inside the page (the grid used to cut « Fraîcheur » and « Anomalies signalées » off at its edge)."""
    page = offline_page(browser, [], viewport={"width": 1400, "height": 900})
    page.goto(f"{server}/donnees")
    wait_ready(page, 90_000)
    table = page.locator('[data-testid="stTable"] table').first
    table.wait_for(timeout=60_000)
    main = page.locator('[data-testid="stMain"]').bounding_box()
    right = main["x"] + main["width"]
    headers = table.locator("thead th")
    names = [h.inner_text().strip() for h in headers.all()]
    assert names == ["Jeu de données", "Lignes", "dont démonstration", "Communes couvertes", "Dernier chargement",
                     "Dernière tentative", "Fraîcheur", "Anomalies signalées", "Sources", "Nom technique"]
    for h in headers.all():
        box = h.bounding_box()
        assert box["x"] >= main["x"] and box["x"] + box["width"] <= min(right, 1400) + 1, h.inner_text()
    # The server's app day is 27 November 2026: the counters are late, and their flags counted.
    row = table.locator("tbody tr", has_text="counter_measures")
    late = row.locator("td", has_text="en retard : dernière donnée le 31 décembre 2024, attendue chaque semaine")
    flags = row.locator("td", has_text="jours-canaux signalés sur")
    for cell in (late, flags):
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= min(right, 1400) + 1
        # Wrapped, not clipped: the cell is as tall as its text.
        assert cell.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1")
    (ROOT / "test-artifacts" / "donnees").mkdir(parents=True, exist_ok=True)
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / "test-artifacts" / "donnees" / "catalogue-1400x900.png"), full_page=True)
    page.context.close()
