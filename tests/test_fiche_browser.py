"""The fiche commune in Chromium: reached from the sidebar, downloaded as PDF, printed on A4.

Screenshots (screen and print layouts) are saved to test-artifacts/fiche/ for a human look."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT, offline_page, wait_ready

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")]
ARTIFACTS = ROOT / "test-artifacts" / "fiche"


def _text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_fiche_from_the_sidebar_then_pdf_and_print(server, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(f"{server}/solaire?commune=62498")
    wait_ready(page, 90_000)
    page.get_by_role("link", name="Fiche de Lens").click()
    page.wait_for_function("() => location.pathname.endsWith('/commune') && location.search.includes('code=62498')",
                           timeout=30_000)
    wait_ready(page, 90_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Fiche commune — Lens").wait_for(timeout=30_000)
    assert "Taux de valorisation" in main.inner_text() and "Passages comptés" in main.inner_text()
    page.wait_for_timeout(1500)   # charts drawn
    page.screenshot(path=str(ARTIFACTS / "lens-ecran.png"), full_page=True)

    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Télécharger la fiche (PDF)").click()
    assert info.value.suggested_filename == "62498_Lens.pdf"
    pdf = info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert "31 415 habitants" in _text(pdf, tmp_path, "download.pdf")

    # Printed by the browser: A4, the fiche without the app's menus.
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "lens-impression.png"), full_page=True)
    printed = _text(page.pdf(format="A4", print_background=True), tmp_path, "print.pdf")
    assert "Fiche commune — Lens" in printed and "2,27 %" in printed
    for chrome in ("Filtres", "Vue d'ensemble", "Télécharger la fiche"):
        assert chrome not in printed, chrome
    assert outside == []
    page.context.close()


def test_fiche_link_in_the_map_profile_to_a_commune_with_gaps(server, browser):
    """Béthune has no counter: its fiche says so and shows n.d., never 0."""
    page = offline_page(browser, [], viewport={"width": 1500, "height": 1000})
    page.goto(f"{server}/carte?commune=62119")
    wait_ready(page, 90_000)
    page.get_by_role("link", name="Fiche de la commune").click()
    page.wait_for_function("() => location.search.includes('code=62119')", timeout=30_000)
    wait_ready(page, 90_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Fiche commune — Béthune").wait_for(timeout=30_000)
    assert "Aucun compteur de passages de la Chaîne des parcs n'est situé dans la commune." in main.inner_text()
    visits = main.locator("tr", has_text="Passages comptés").first.inner_text()
    assert "n.d." in visits and "\t0\t" not in visits
    page.context.close()


def test_imported_target_text_stays_text(browser, built_db, tmp_path):
    """A target imported with links, markup and a formula in its label and source: literal on the
    fiche (no link at all), in its chart and in the PDF."""
    from conftest import start_server, stop_server
    from ecotransition.imports import LOADED, import_file

    db = tmp_path / "copy.duckdb"
    db.write_bytes(built_db.read_bytes())
    hostile = "[lien](http://evil.example) <b>gras</b> $x^2$"
    f = tmp_path / "objectifs.csv"
    f.write_text("id;annee;libelle;valeur;unite;theme;cible;annee_cible;zone;valeur_reference;annee_reference;source\n"
                 f"objectif_hostile;2024;{hostile};5;u;Solaire;10;2026;62498;2;2020;www.evil.example\n",
                 encoding="utf-8")
    assert import_file("indicators", f, db).status == LOADED
    proc, url = start_server(db)
    try:
        page = offline_page(browser, [], viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(f"{url}/commune?code=62498")
        wait_ready(page, 90_000)
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("Objectifs et trajectoires").wait_for(timeout=30_000)
        assert main.locator("a[href*='evil']").count() == 0
        assert main.locator("strong", has_text="gras").count() == 0 or "<b>gras</b>" in main.inner_text()
        with page.expect_download(timeout=120_000) as info:
            page.get_by_role("button", name="Télécharger la fiche (PDF)").click()
        text = " ".join(_text(info.value.path().read_bytes(), tmp_path, "h.pdf").split())
        assert "[lien](http://evil.example) <b>gras</b> $x^2$" in text and "www.evil.example" in text
        page.context.close()
    finally:
        stop_server(proc)
