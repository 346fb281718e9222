"""The fiche commune: its figures (the metric layer's), its PDF, the CLI that makes all 150, the page."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, ROOT
from ecotransition.core import metrics
from ecotransition.data import sql
from ecotransition.data.db import open_readonly
from ecotransition.surfaces import fiche, fiche_pdf, maps
from pages._ui import escape_md

NNBSP, NBSP = "\u202f", "\xa0"


def _data(db: Path) -> maps.MapData:
    c = open_readonly(db)
    try:
        return maps.load_data(lambda name, **params: sql.run(c, name, **params))
    finally:
        c.close()


@pytest.fixture(scope="module")
def data(built_db):
    return _data(built_db)


@pytest.fixture(scope="module")
def gaps_data(gaps_db):
    return _data(gaps_db)


def lines(f: fiche.Fiche) -> dict[str, fiche.Line]:
    return {line.key: line for s in f.sections for line in s.lines}


# --------------------------------------------------------------------------- figures

def test_lens_fiche_has_the_figures_of_every_other_surface(data):
    f = fiche.build(data, "62498")
    by = lines(f)
    assert (f.name, f.epci, f.population) == ("Lens", "CALL", f"31{NNBSP}415")
    uptake = by["solar_uptake"]
    assert (uptake.commune, uptake.epci, uptake.pma, uptake.period) == (
        f"2,27{NBSP}%", f"2,76{NBSP}%", f"3,05{NBSP}%", "2024")
    # The same figure as the map's profile, from the same definition.
    profile = maps.commune_profile(data.values, data.communes, "62498", None).set_index("Indicateur")
    assert profile.loc["Taux de valorisation solaire", "Commune"] == uptake.commune
    assert profile.loc["Passages comptés", "Commune"] == by["visits"].commune == f"359{NNBSP}737"
    assert by["events"].commune == "11" and by["jobs"].commune == "217"
    assert by["investment_eur"].commune == f"140{NBSP}M€"
    per = metrics.per_commune(data.values, data.communes, "solar_uptake", 2024)["value"].dropna()
    expected_rank = int((per > per["62498"]).sum()) + 1
    assert uptake.rank == f"{expected_rank}e sur {len(per)} communes renseignées · 25e sur 36 dans la CALL"
    assert uptake.demo and by["events"].demo is False
    assert f.summary[0] == f"Lens compte 31{NNBSP}415 habitants (population municipale), dans l'agglomération CALL."
    assert f.summary[2] == f"Les compteurs situés dans la commune ont enregistré 359{NNBSP}737 passages en 2024 (démonstration)."
    parks = f.sections[2].listing
    assert {"Parc du Louvre-Lens", "Louvre Lens Vallée"} <= set(parks.loc[parks["Où"] == "dans la commune", "Lieu"])
    assert len(f.sections[3].listing) == 11 and len(f.sections[4].listing) == 3
    assert f.uptake_distribution.notna().sum() == 150


def test_a_commune_without_counter_says_so_never_zero(data):
    f = fiche.build(data, "62119")   # Béthune
    visits = lines(f)["visits"]
    assert visits.commune == "n.d." and visits.value is None
    assert "Aucun compteur de passages de la Chaîne des parcs n'est situé dans la commune." in f.summary


def test_fiches_of_communes_with_gaps(gaps_data):
    lievin = fiche.build(gaps_data, "62510")
    by = lines(lievin)
    assert by["solar_potential_mwh"].commune == "n.d." and by["solar_uptake"].commune == "n.d."
    assert by["solar_uptake"].rank is None
    assert (by["solar_uptake"].epci, by["solar_uptake"].pma) == (f"5,40{NBSP}%", f"5,25{NBSP}%")
    assert by["pv_energy_mwh"].commune == f"420{NBSP}MWh"
    assert lievin.summary[1] == "Le taux de valorisation solaire de Liévin n'est pas connu pour 2024 : potentiel non renseigné."
    assert "Taux de valorisation : CALL : 1 commune sur 2 ; hors Liévin : potentiel non renseigné" in lievin.coverage_notes[7]
    carvin = fiche.build(gaps_data, "62215")
    by = lines(carvin)
    assert [by[k].commune for k in ("pv_sites", "pv_energy_mwh", "solar_uptake", "visits")] == ["n.d."] * 4
    assert carvin.summary[1].endswith(": production non renseignée.")
    assert carvin.sections[2].listing.empty and carvin.sections[2].empty.startswith("Aucun site")
    assert fiche.build(gaps_data, "99999") is None


# --------------------------------------------------------------------------- PDF

def _pdf_text(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(not Path("/usr/bin/pdftoppm").exists(), reason="poppler-utils not installed")
def test_the_pdf_opens_with_names_figures_sources_and_nothing_overflows(data, tmp_path):
    f = fiche.build(data, "62498")
    path = tmp_path / fiche_pdf.file_name(f)
    path.write_bytes(fiche_pdf.render(f))
    assert path.name == "62498_Lens.pdf"
    text = _pdf_text(path).replace(NNBSP, " ").replace(NBSP, " ")   # pdftotext writes the French spaces as spaces
    for expected in ("Lens", "Code INSEE 62498", "31 415 habitants", "2,27 %", "2,76 %", "3,05 %", "359 737",
                     "Rapport d'activité 2023 PMA", "démonstration", "Parc du Louvre-Lens", "Sources et couverture"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert "DejaVuSans" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])   # embedded
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(out)], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 1 <= len(pages) <= 3
    # Every word inside the page, within the 10 mm margins (595 × 842 pt, 10 mm ≈ 28 pt).
    bbox = _pdf_text(path, "-bbox")
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', bbox)
    assert len(words) > 300
    assert all(float(x0) >= 27 and float(x1) <= 595 - 27 and float(y1) <= 842 for x0, y0, x1, y1 in words)


def test_file_names_are_plain():
    f = fiche.Fiche("62427", "Hénin-Beaumont", "CAHC", "", [], [], None, None, None)
    assert fiche_pdf.file_name(f) == "62427_Henin-Beaumont.pdf"
    f = fiche.Fiche("62001", "Ablain-Saint-Nazaire / ../x", "CALL", "", [], [], None, None, None)
    assert fiche_pdf.file_name(f) == "62001_Ablain-Saint-Nazaire-x.pdf"


def test_the_cli_makes_every_fiche(built_db, tmp_path):
    out = tmp_path / "fiches"
    run = subprocess.run([sys.executable, "-m", "ecotransition.fiches", "--out", str(out), "--db", str(built_db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900,
                         env={**os.environ, "ECOTRANSITION_TODAY": "2027-01-05"})
    assert run.returncode == 0, run.stderr
    # Each fiche dates its data as the page does (t12h finding 6).
    text = " ".join(_pdf_text(out / "62498_Lens.pdf").split())
    assert ("Compteurs – mesures — En retard : dernière donnée le 31 décembre 2024, attendue chaque semaine."
            in text), text[:600]
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 150 and all(re.fullmatch(r"62\d{3}_[A-Za-z0-9-]+\.pdf", n) for n in files)
    assert "62498_Lens.pdf" in files
    assert (out / "62498_Lens.pdf").read_bytes().startswith(b"%PDF")
    assert "150 fiches écrites" in run.stdout


@pytest.mark.parametrize("args, message", [
    (["--epci", "XYZ"], "Agglomération inconnue : « XYZ »"),
    (["--annee", "1850"], "Année 1850 absente des données (années disponibles : 2015–2024)."),
    (["--annee", "abc"], "année invalide : « abc »"),
])
def test_the_cli_refuses_in_french(built_db, tmp_path, args, message):
    bad = subprocess.run([sys.executable, "-m", "ecotransition.fiches", "--out", str(tmp_path / "x"),
                          "--db", str(built_db), *args], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode in (1, 2) and message in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    unwritable = subprocess.run([sys.executable, "-m", "ecotransition.fiches", "--out", "/proc/fiches",
                                 "--db", str(built_db)], cwd=ROOT, capture_output=True, text=True)
    assert unwritable.returncode == 1 and "Dossier de sortie impossible à créer : /proc/fiches" in unwritable.stderr


def test_markdown_escaping_breaks_links_and_autolinks():
    shown = escape_md("[lien](http://evil.example) www.evil.example a@b.fr <b>x</b> $x$")
    for pattern in ("](", "http://", "www.", "@b", "<b>", "$x$"):
        assert pattern not in shown, pattern
    assert shown.replace("\u2060", "").replace("\\", "") == "[lien](http://evil.example) www.evil.example a@b.fr &lt;b&gt;x&lt;/b&gt; $x$"


# --------------------------------------------------------------------------- page

@pytest.fixture()
def gaps_app(gaps_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_DB", str(gaps_db))
    return gaps_db


def _page(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page("pages/commune.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_shows_the_fiche_of_its_link(built_db):
    at = _page(code="62498")
    assert at.title[0].value == "Fiche commune — Lens"
    assert at.session_state["commune"] == "62498"
    solar = at.table[1].value
    assert solar.loc["Taux de valorisation", "Lens"] == f"2,27{NBSP}%"
    assert solar.loc["Taux de valorisation", "CALL"] == f"2,76{NBSP}%"
    assert [s.value for s in at.subheader][:5] == [
        "Population et comparaison par habitant", "Solaire photovoltaïque", "Chaîne des parcs", "Événements",
        "Investissements"]
    assert "Lens compte 31" in at.markdown[0].value


def test_the_page_of_a_commune_with_gaps_and_without_one(gaps_app):
    at = _page(code="62215")
    solar = at.table[1].value
    assert solar.loc["Taux de valorisation", "Carvin"] == escape_md("n.d.")   # st.table renders Markdown
    assert solar.loc["Taux de valorisation", "PMA"] == f"5,25{NBSP}%"
    assert any("hors Carvin : production non renseignée" in c.value for c in at.caption)
    at = _page()
    assert at.title[0].value == "Fiche commune" and "Choisissez une commune" in at.info[0].value
    at = _page(code="99999")
    assert at.title[0].value == "Fiche commune"


HOSTILE = "[clic](http://evil.example) <img src=x onerror=alert(1)> $x^2$ **gras** \"guillemets\""


def test_imported_text_stays_text_on_the_page_and_in_the_pdf(writable_db, tmp_path):
    import duckdb

    c = duckdb.connect(str(writable_db))
    try:
        c.execute("INSERT INTO events (id, title, start_date, place, commune_code, participants, source) "
                  "VALUES ('hostile', $t, DATE '2024-12-01', $t, '62498', 12, $t)", {"t": HOSTILE})
    finally:
        c.close()
    at = _page(code="62498")
    events = at.table[5].value   # after the events figures
    assert escape_md(HOSTILE) in set(events["Événement"])
    f = fiche.build(_data(writable_db), "62498")
    path = tmp_path / "f.pdf"
    path.write_bytes(fiche_pdf.render(f))
    text = " ".join(_pdf_text(path).split())
    assert "[clic](http://evil.example) <img src=x onerror=alert(1)>" in text   # printed as typed
