"""Imports (issue #14, a fresh tester's findings t14i 3 and 8): a key written with non-breaking spaces,
double spaces or decomposed accents (NFD) is the same key — within one file (refused, naming both
lines) and against the stored rows (updated, never a second row). Each test runs on a private copy of
the built database (writable_db) with the tester's values, in UTF-8, Windows-1252 (where the text is
representable) and XLSX.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, import_file
from ecotransition.imports.validate import install_macros
from test_import_cases import xlsx

VARIANTS = ["csv", "windows-1252", "xlsx"]
EVENT_HEAD = ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "participants"]
INVEST_HEAD = ["nom", "entreprise", "secteur", "code_commune", "montant_eur", "emplois", "statut", "annee_annonce"]
PARK_HEAD = ["id", "nom", "code_commune", "lat", "lon"]


def write(tmp_path: Path, name: str, head: list[str], records: list[list[str]], variant: str) -> Path:
    """The records as a file of the variant: UTF-8 or Windows-1252 CSV (« ; »), or an XLSX sheet."""
    if variant == "xlsx":
        f = tmp_path / f"{name}.xlsx"
        f.write_bytes(xlsx(head, *records))
        return f
    f = tmp_path / f"{name}.csv"
    text = "\n".join(";".join(r) for r in [head, *records]) + "\n"
    if variant == "windows-1252":
        try:
            f.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
        except UnicodeEncodeError:
            pytest.skip("not representable in Windows-1252")
    else:
        f.write_text(text, encoding="utf-8")
    return f


# ------------------------------------------ events: the report's workshop, written the French way

# The stored « Atelier « Mon avenir en Artois » » of 28/02/2023 (50 participants) as Word's and
# Excel's French autocorrect write it (U+00A0 or U+202F inside the guillemets), or with double spaces.
WORKSHOP = {
    "nbsp": ("Atelier «\u00a0Mon avenir en Artois\u00a0»", "Atelier «\u00a0Mon avenir en Artois\u00a0»"),
    "narrow-nbsp": ("Atelier «\u202fMon avenir\u2007en Artois\u202f»", "Atelier «\u202fMon avenir\u2007en Artois\u202f»"),
    "double-spaces": ("Atelier  «  Mon avenir en   Artois » ", "Atelier « Mon avenir en Artois »"),
    "upper-case": ("ATELIER « MON AVENIR EN ARTOIS\u00a0»", "ATELIER « MON AVENIR EN ARTOIS\u00a0»"),
}
PARTICIPANTS_2023 = "SELECT sum(participants) FROM events WHERE year(start_date) = 2023"
WORKSHOP_ROWS = "SELECT id, title, participants FROM events WHERE title ILIKE 'atelier%mon avenir%'"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("spelling", list(WORKSHOP))
def test_a_stored_event_written_with_other_blanks_is_updated_not_doubled(writable_db, tmp_path, variant, spelling):
    # t14i k8: « 1 nouvelle », a second event evt-2023-02-28-atelier-mon-avenir-en-artois-f035cd beside
    # the stored one, and 2023's participants 267 301 instead of 267 251.
    assert rows(writable_db, PARTICIPANTS_2023) == [(267241,)]
    written, stored = WORKSHOP[spelling]
    f = write(tmp_path, "k8_events_guillemets", EVENT_HEAD,
              [[written, "28/02/2023", "28/02/2023", "Béthune", "62119", "Emploi", "60"]], variant)
    result = import_file("events", f, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, PARTICIPANTS_2023) == [(267251,)]
    # The stored row keeps its id; its title is the file's, non-breaking spaces kept (French
    # typography), runs of ordinary spaces made one.
    assert rows(writable_db, WORKSHOP_ROWS) == [("evt-2023-02-28-atelier-avenir-en-artois", stored, 60)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_events_with_the_same_title_written_two_ways_in_one_file_are_refused(writable_db, tmp_path, variant):
    # t14i k7: « Fête du parc » and « Fête  du<U+00A0>parc » on the same day were loaded as two events (80 + 80).
    before = sums(writable_db)
    f = write(tmp_path, "k7_events_blanks", EVENT_HEAD, [
        ["Fête du parc", "14/09/2025", "14/09/2025", "Parc", "62540", "Chaîne des parcs", "80"],
        ["Fête  du\u00a0parc", "14/09/2025", "14/09/2025", "Parc", "62540", "Chaîne des parcs", "80"]], variant)
    result = import_file("events", f, writable_db)
    assert result.status == REFUSED
    assert ("ligne 3, titre : « Fête  du\u00a0parc » en double : même titre et même date de début qu'à la "
            "ligne 2") in result.message
    assert sums(writable_db) == before


@pytest.mark.parametrize("variant", ["csv", "xlsx"])
def test_a_title_in_decomposed_accents_is_the_same_event(writable_db, tmp_path, variant):
    # NFD (e + U+0301, as macOS and some exports write it) is stored in NFC: one event, updated.
    nfc = write(tmp_path, "nfc", EVENT_HEAD,
                [["Fête de l'étang", "14/09/2025", "", "Béthune centre", "62119", "Chaîne des parcs", "5"]], variant)
    assert import_file("events", nfc, writable_db).inserted == 1
    nfd = write(tmp_path, "nfd", EVENT_HEAD, [["Fe\u0302te de l'e\u0301tang", "14/09/2025", "",
                                               "Be\u0301thune  centre", "62119", "Chaîne des parcs", "6"]], variant)
    result = import_file("events", nfd, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, "SELECT title, length(title), place, length(place), participants FROM events "
                             "WHERE start_date = '2025-09-14' AND title LIKE 'F%tang'") == [
        ("Fête de l'étang", 15, "Béthune centre", 14, 6)]
    # In one file, the two spellings are one key: refused naming both lines.
    both = write(tmp_path, "both", EVENT_HEAD, [
        ["Fête de l'étang", "15/09/2025", "", "Parc", "62119", "Thème", "5"],
        ["Fe\u0302te\u202fde l'e\u0301tang", "15/09/2025", "", "Parc", "62119", "Thème", "6"]], variant)
    result = import_file("events", both, writable_db)
    assert result.status == REFUSED
    assert "ligne 3, titre : « Fe\u0302te\u202fde l'e\u0301tang » en double" in result.message
    assert "qu'à la ligne 2" in result.message


def test_places_written_in_nfc_and_nfd_are_one_place(writable_db, tmp_path):
    # t14i v8: « Béthune centre » in NFC and in NFD were stored as two distinct places.
    f = write(tmp_path, "v8_events_nfd_place", EVENT_HEAD, [
        ["Ev NFC", "14/09/2025", "14/09/2025", "Béthune centre", "62119", "Chaîne des parcs", "5"],
        ["Ev NFD", "15/09/2025", "15/09/2025", "Be\u0301thune centre", "62119", "Chaîne des parcs", "6"]], "csv")
    assert import_file("events", f, writable_db).status == LOADED
    assert rows(writable_db, "SELECT DISTINCT place, length(place) FROM events WHERE title LIKE 'Ev NF%'") == [
        ("Béthune centre", 14)]


# ------------------------------------------------------------------------------- investments

GIGAFACTORY = {
    "nbsp": "Gigafactory\u00a0ACC",
    "narrow-nbsp": "Gigafactory\u202fACC",
    "double-spaces": " Gigafactory  ACC",
}
COMPANY = "Automotive Cells Company (ACC)"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("spelling", list(GIGAFACTORY))
def test_a_stored_investment_written_with_other_blanks_is_updated_not_doubled(writable_db, tmp_path, variant, spelling):
    # t14i k6: an update of the stored « Gigafactory ACC » (450 → 500 jobs) written with an NBSP
    # was « 1 nouvelle », inv-gigafactory-acc-f3161a, and the jobs went 4 000 → 4 500.
    assert rows(writable_db, "SELECT sum(jobs) FROM investments") == [(4000,)]
    f = write(tmp_path, "k6_invest_nbsp", INVEST_HEAD, [
        [GIGAFACTORY[spelling], COMPANY.replace(" ", "  "), "Batteries & électromobilité", "62132", "", "500",
         "en production", "2021"]], variant)
    result = import_file("investments", f, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, "SELECT sum(jobs), count(*) FROM investments") == [(4050, 25)]
    assert rows(writable_db, "SELECT id, company, jobs FROM investments WHERE name LIKE 'Gigafactory%'") == [
        ("inv-acc-gigafactory", COMPANY, 500)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_investments_with_the_same_name_written_two_ways_in_one_file_are_refused(writable_db, tmp_path, variant):
    # t14i k5: « Usine X »/« ACME » and « Usine  X »/« acme » were loaded as two investments.
    before = sums(writable_db)
    f = write(tmp_path, "k5_invest_dup", INVEST_HEAD, [
        ["Usine X", "ACME", "Industrie", "62119", "1000000", "10", "annoncé", "2024"],
        ["Usine  X", "acme", "Industrie", "62119", "1000000", "12", "annoncé", "2024"],
        ["Usine\u00a0X", "Acme\u202f", "Industrie", "62119", "1000000", "12", "annoncé", "2024"]], variant)
    result = import_file("investments", f, writable_db)
    assert result.status == REFUSED
    assert "ligne 3, nom : « Usine  X » en double : même nom et même entreprise qu'à la ligne 2" in result.message
    assert "ligne 4, nom : « Usine\u00a0X » en double : même nom et même entreprise qu'à la ligne 2" in result.message
    assert sums(writable_db) == before


@pytest.mark.parametrize("variant", ["csv", "xlsx"])
def test_a_typographic_apostrophe_is_the_apostrophe_of_the_key(writable_db, tmp_path, variant):
    # A re-check tester's C: « Parc d’innovation de l’Artois » (U+2019, as autocorrect writes it) beside
    # the stored « Parc d'innovation de l'Artois » was a second investment.
    first = write(tmp_path, "apostrophe_1", INVEST_HEAD, [
        ["Parc d'innovation de l'Artois", "SPL", "Immobilier", "62119", "", "10", "annoncé", "2024"]], variant)
    assert import_file("investments", first, writable_db).inserted == 1
    again = write(tmp_path, "apostrophe_2", INVEST_HEAD, [
        ["Parc d\u2019innovation de l\u2019Artois", "SPL", "Immobilier", "62119", "", "12", "annoncé", "2024"]], variant)
    result = import_file("investments", again, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, "SELECT count(*), sum(jobs) FROM investments WHERE company = 'SPL'") == [(1, 12)]


# ------------------------------------------------------------------------------------ parks

@pytest.mark.parametrize("variant", ["csv", "xlsx"])
def test_a_park_id_in_nfd_is_the_id_in_nfc(writable_db, tmp_path, variant):
    # t14i v4: ids parc-étang (NFC, 10 characters) and parc-étang (NFD, e + U+0301, 11) were stored
    # as two parks with identical-looking ids.
    before = sums(writable_db)
    f = write(tmp_path, "v4_parks_nfd", PARK_HEAD, [
        ["parc-étang", "Parc de l'étang", "62498", "50.43", "2.83"],
        ["parc-e\u0301tang", "Parc de l'étang bis", "62498", "50.44", "2.84"]], variant)
    result = import_file("park_sites", f, writable_db)
    assert result.status == REFUSED
    assert "ligne 3, id : « parc-e\u0301tang » en double : même identifiant qu'à la ligne 2" in result.message
    assert sums(writable_db) == before
    # Against a stored park: the NFD id updates the NFC one (written in Windows-1252 first, where
    # only the composed « é » exists).
    nfc = write(tmp_path, "nfc", PARK_HEAD, [["parc-étang", "Parc de l'étang", "62498", "50.43", "2.83"]],
                "windows-1252" if variant == "csv" else variant)
    assert import_file("park_sites", nfc, writable_db).inserted == 1
    nfd = write(tmp_path, "nfd", PARK_HEAD, [["parc-e\u0301tang", "Parc de l'e\u0301tang", "62498", "50.44", "2.84"]],
                variant)
    result = import_file("park_sites", nfd, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, "SELECT id, length(id), name, lat FROM park_sites WHERE id LIKE 'parc-%tang'") == [
        ("parc-étang", 10, "Parc de l'étang", 50.44)]


# ------------------------------------------------------------------- finding 8: Enedis domains

ENEDIS_HEAD = ["annee", "code_commune", "nom_commune", "code_epci", "domaine_de_tension",
               "nb_sites_photovoltaique_enedis", "energie_produite_annuelle_photovoltaique_enedis_mwh"]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("domain", ["BT<36kVA", "bt\u00a0<\u00a036 kva", "BT  <  36 KVA"])
def test_a_voltage_domain_written_with_other_blanks_is_a_duplicate(writable_db, tmp_path, variant, domain):
    # t14i e2: « BT < 36 kVA » and « BT<36kVA » for Lens 2025 were summed: 824 sites and 4 603 MWh.
    before = sums(writable_db)
    f = write(tmp_path, "e2_enedis_dom_spaces", ENEDIS_HEAD, [
        ["2025", "62498", "Lens", "246200364", "BT < 36 kVA", "412", "2301,5"],
        ["2025", "62498", "Lens", "246200364", domain, "412", "2301,5"],
        ["2025", "62498", "Lens", "246200364", "BT > 36 kVA", "3", "100"]], variant)
    result = import_file("solar_production", f, writable_db)
    assert result.status == REFUSED, result.message
    assert ("ligne 3, code_commune : « 62498 » en double : même commune, même année et même domaine de tension "
            "qu'à la ligne 2") in result.message
    assert sums(writable_db) == before


# ----------------------------------------------------------- the NFC rule's cheap test is complete

def test_a_text_left_as_written_by_the_text_macros_is_in_nfc():
    # _line and _txt call nfc_normalize only on a text that their regular expression flags (marks,
    # _NFC_RANGES): every assigned code point, alone or after a letter, a letter with a mark, a Hangul
    # syllable or jamo, a Greek or Devanagari letter, is either flagged or already NFC by DuckDB's own
    # normalisation (a test of the ranges against the pinned DuckDB's Unicode tables).
    conn = duckdb.connect()
    install_macros(conn)
    bases = ["e", "a\u0301", "가", "\u1100", "ε", "क"]
    assert conn.execute(
        # Planes 0-2 and the tags and selectors of plane 14: nothing else is assigned (Unicode 15).
        "WITH cp AS (SELECT i::INTEGER AS i FROM range(1, 196608) t(i) WHERE i NOT BETWEEN 55296 AND 57343 "
        "            UNION ALL SELECT i::INTEGER FROM range(917504, 918000) t(i)), "
        "s AS (SELECT b || chr(i) || 'x' AS v FROM cp, unnest($b) u(b) UNION ALL SELECT chr(i) FROM cp) "
        "SELECT count(*) FILTER (_line(v) IS NOT DISTINCT FROM v AND nfc_normalize(v) <> v), "
        "       count(*) FILTER (_txt(v) IS NOT DISTINCT FROM v AND nfc_normalize(v) <> v) FROM s",
        {"b": bases}).fetchall() == [(0, 0)]
    assert conn.execute("SELECT _line('parc-e\u0301tang'), length(_line('parc-e\u0301tang')), "
                        "_line(' Be\u0301thune  centre\u00a0 '), _txt('Ligne  1\u0301\nLigne 2'), "
                        "_nk(' Atelier «\u00a0Mon  avenir\u202fen\u2007Artois » '), _nk('E\u0301TANG\tdu  Parc')"
                        ).fetchall() == [
        # A free text keeps its spaces; trim takes the non-breaking space at an end too.
        ("parc-étang", 10, "Béthune centre", "Ligne  1\u0301\nLigne 2",
         "atelier « mon avenir en artois »", "etang du parc")]


def test_an_odre_register_row_written_with_other_blanks_is_a_duplicate(writable_db):
    # The register's own key (name, commune, date, power, count) folds blanks the same way.
    before = sums(writable_db)
    data = ("nominstallation;codeinseecommune;commune;codefiliere;filiere;datemiseenservice;puismaxinstallee;"
            "nbinstallations\n"
            "Centrale toiture entrepôt;62498;Lens;SOLAI;Solaire;15/03/2021;100;1\n"
            "Centrale\u00a0toiture  entrepo\u0302t ;62498;Lens;SOLAI;Solaire;15/03/2021;100;1\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="registre.csv", snapshot_year=2024)
    assert result.status == REFUSED, result.message
    assert ("ligne 3, codeinseecommune : « 62498 » en double : même installation du registre qu'à la ligne 2"
            in result.message)
    assert sums(writable_db) == before
