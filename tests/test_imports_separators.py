"""Imports (issue #14, fault kind « 1.000 »): which separator is the decimal mark is told by the
whole file (README « Nombres », rules 2 and 3): every column, the ones the dataset does not use
included, every row read, also the ones set aside (other communes, other filières), and never an
XLSX number cell, whose text is the reader's writing of a number, not the person's.
Each test runs on a private copy of the built database (writable_db).
"""

from __future__ import annotations

import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, import_file
from test_import_cases import cli, problems, xlsx
from test_imports_recheck import DECIMAL

BOTH = ("est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers ou les "
        "décimales, et le fichier se contredit ailleurs (des décimales après un point et d'autres après une "
        "virgule, ou ce séparateur aussi entre des milliers) ; écrivez les milliers sans séparateur (1000) ou "
        "la virgule décimale avec une autre précision (1,0 ou 1,0000)")

ODRE_HEADER = ["nominstallation", "codeinseecommune", "commune", "codeepci", "codefiliere", "filiere", "regime",
               "datemiseenservice", "puismaxinstallee", "nbinstallations", "energieannuelleglissanteproduite"]
ENEDIS_HEADER = ["annee", "code_commune", "nom_commune", "code_epci", "domaine_de_tension",
                 "nb_sites_photovoltaique_enedis", "energie_produite_annuelle_photovoltaique_enedis_mwh"]
INDICATOR_HEADER = ["id", "annee", "libelle", "valeur", "unite", "theme", "cible"]


def encoded(header: list[str], records: list[list], encoding: str) -> bytes:
    """The records as a « ; » CSV in `encoding` (an accented name, so that Windows-1252 is not also
    UTF-8), or as an XLSX workbook (text cells for strings)."""
    if encoding == "xlsx":
        return xlsx(header, *records)
    return (";".join(header) + "\n" + "".join(";".join(str(v) for v in r) + "\n" for r in records)).encode(encoding)


def imported(db, dataset: str, header, records, encoding: str, name: str):
    data = encoded(header, records, encoding)
    result = import_file(dataset, data, db, file_name=f"{name}.{'xlsx' if encoding == 'xlsx' else 'csv'}")
    return result.status, problems(result.message) if result.status == REFUSED else []


def lens_power_2021(db) -> list[tuple]:
    return rows(db, "SELECT sites, power_kw FROM solar_production WHERE commune_code = '62498' AND year = 2021")


ENCODINGS = ["utf-8", "cp1252", "xlsx"]


# ------------------------------------------------------------------ columns the dataset does not use

@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_odre_energy_written_with_points_between_thousands_makes_1_450_kw_1450(writable_db, encoding):
    """t14g finding 5 (f/o3_cross_groups.csv): the register's energy column is not one the import
    stores, its « 1.380.000 » still says the point separates thousands (rule 3)."""
    record = ["Centrale A é", "62498", "Lens", "246200364", "SOLAI", "Solaire", "", "15/03/2021", "1.450", "1",
              "1.380.000"]
    assert imported(writable_db, "solar_production", ODRE_HEADER, [record], encoding, "odre") == (LOADED, [])
    assert lens_power_2021(writable_db) == [(1, 1450.0)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_unused_column_with_a_decimal_comma_makes_the_point_thousands(writable_db, encoding):
    """Enedis' other filières (« Energie … Eolien », not stored) write « 2,5 »: the solar « 3.151 » is 3151."""
    header = ENEDIS_HEADER + ["energie_produite_annuelle_eolien_enedis_mwh"]
    records = [["2024", "62498", "Lens é", "246200364", "BT", "412", "3.151", "2,5"]]
    assert imported(writable_db, "solar_production", header, records, encoding, "enedis") == (LOADED, [])
    assert rows(writable_db, "SELECT sites, energy_mwh FROM solar_production WHERE commune_code = '62498' "
                             "AND year = 2024") == [(412, 3151.0)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_unused_column_with_a_decimal_point_makes_12_500_twelve_and_a_half(writable_db, encoding):
    """Rule 3 the other way: the point as decimal mark in an unused column (« 0.75 »): the comma
    separates thousands, « 12,500 » is 12500 (not 12.5)."""
    header = ENEDIS_HEADER + ["taux_autoconsommation"]
    records = [["2024", "62498", "Lens é", "246200364", "BT", "412", '"12,500"' if encoding != "xlsx" else "12,500",
                "0.75"]]
    assert imported(writable_db, "solar_production", header, records, encoding, "enedis") == (LOADED, [])
    assert rows(writable_db, "SELECT energy_mwh FROM solar_production WHERE commune_code = '62498' "
                             "AND year = 2024") == [(12500.0,)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_percentage_with_a_decimal_comma_tells_too(writable_db, encoding):
    """« 12,5 % » (a rate the import does not store) writes a decimal comma: « 3.151 » is 3151."""
    header = ENEDIS_HEADER + ["part_autoconsommation"]
    records = [["2024", "62498", "Lens é", "246200364", "BT", "412", "3.151", "12,5 %"]]
    assert imported(writable_db, "solar_production", header, records, encoding, "enedis") == (LOADED, [])
    assert rows(writable_db, "SELECT energy_mwh FROM solar_production WHERE commune_code = '62498' "
                             "AND year = 2024") == [(3151.0,)]


# ------------------------------------------------------------------ rows the dataset sets aside

@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_row_of_another_commune_still_tells_the_separators(writable_db, encoding):
    """A national Enedis file: Liévin is in the Pôle, Arras (62041) is not and is set aside, its
    « 2010,5 » still says how the file writes decimals: Lens's « 3.151 » is 3151."""
    records = [["2024", "62498", "Lens é", "246200364", "BT", "412", "3.151"],
               ["2024", "62041", "Arras", "200033579", "BT", "388", "2010,5"]]
    assert imported(writable_db, "solar_production", ENEDIS_HEADER, records, encoding, "enedis") == (LOADED, [])
    assert rows(writable_db, "SELECT energy_mwh FROM solar_production WHERE commune_code = '62498' "
                             "AND year = 2024") == [(3151.0,)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_register_row_of_another_filiere_still_tells_the_separators(writable_db, encoding):
    """ODRÉ: a wind turbine's « 2300,5 » kW (set aside: not solar) says the comma is the decimal mark."""
    records = [["Centrale A é", "62498", "Lens", "246200364", "SOLAI", "Solaire", "", "15/03/2021", "1.450", "1", ""],
               ["Éolienne B", "62498", "Lens", "246200364", "EOLIE", "Eolien", "", "15/03/2021", "2300,5", "1", ""]]
    assert imported(writable_db, "solar_production", ODRE_HEADER, records, encoding, "odre") == (LOADED, [])
    assert lens_power_2021(writable_db) == [(1, 1450.0)]


# ------------------------------------------------------------------ huge cells are not numbers

def test_a_huge_cell_is_never_read_as_evidence(writable_db):
    """A 160 003-character cell of points between groups of three digits would say « thousands » if it
    were read as a number; it is longer than any number (validate.EVIDENCE_CHARS), so « 1.450 » stays
    ambiguous, refused naming its cell."""
    shape = "1" + ".000" * 40_000
    assert len(shape) > 131_072
    header = ODRE_HEADER + ["Geo Shape"]
    record = ["Centrale A é", "62498", "Lens", "246200364", "SOLAI", "Solaire", "", "15/03/2021", "1.450", "1", "",
              shape]
    before = sums(writable_db)
    assert imported(writable_db, "solar_production", header, [record], "utf-8", "odre") == (
        REFUSED, [f"ligne 2, puismaxinstallee : « 1.450 » {DECIMAL}"])
    assert sums(writable_db) == before
    # The same file with a real thousands separator elsewhere loads, the huge cell skipped.
    record[10] = "1.380.000"
    assert imported(writable_db, "solar_production", header, [record], "utf-8", "odre") == (LOADED, [])
    assert lens_power_2021(writable_db) == [(1, 1450.0)]


# ------------------------------------------------------------------ XLSX number cells are not evidence

def n20() -> bytes:
    """t14g's f/n20_xlsx_text_1.500.xlsx: « 1.500 » typed as text, 1.5 a number cell on the next row."""
    return xlsx(INDICATOR_HEADER[:6], ["t1", 2024, "Test", "1.500", "u", "Territoire"],
                ["t2", 2024, "Test", 1.5, "u", "Territoire"])


NOT_TOLD = f"ligne 2, valeur : « 1.500 » {DECIMAL}"


def test_a_number_cell_does_not_tell_how_a_text_cell_is_written(writable_db):
    before = sums(writable_db)
    result = import_file("indicators", n20(), writable_db, file_name="n20.xlsx")
    assert (result.status, problems(result.message)) == (REFUSED, [NOT_TOLD])
    assert sums(writable_db) == before
    assert rows(writable_db, "SELECT count(*) FROM indicators WHERE id IN ('t1', 't2')") == [(0,)]


def test_a_number_cell_does_not_tell_it_from_the_cli_nor_from_the_page(writable_db, tmp_path):
    path = tmp_path / "n20.xlsx"
    path.write_bytes(n20())
    done = cli("indicators", str(path), "--db", str(writable_db))
    assert done.returncode == 1
    assert [line[2:] for line in done.stderr.splitlines() if line.startswith("- ")] == [NOT_TOLD]
    from ecotransition.imports.worker import import_in_worker   # /donnees: the upload, in a worker process
    result = import_in_worker("indicators", n20(), writable_db, "n20.xlsx")
    assert (result.status, problems(result.message)) == (REFUSED, [NOT_TOLD])


def test_a_number_cell_elsewhere_does_not_make_a_text_comma_thousands(writable_db):
    """The number cell 2.5 (cible) is no decimal point of the person's: « 12,500 » typed as text
    stays ambiguous (it was read as 12500)."""
    data = xlsx(INDICATOR_HEADER, ["t1", 2024, "Test", "12,500", "u", "Territoire", 2.5])
    result = import_file("indicators", data, writable_db, file_name="i.xlsx")
    assert (result.status, problems(result.message)) == (REFUSED, [f"ligne 2, valeur : « 12,500 » {DECIMAL}"])


def test_text_cells_of_a_workbook_still_tell(writable_db):
    """« 2,5 » typed as text in the workbook says the comma is the decimal mark: « 1.500 » is 1500,
    and the number cell 1.5 stays 1.5 (f/n21 with a number cell added)."""
    data = xlsx(INDICATOR_HEADER[:6], ["t1", 2024, "Test", "1.500", "u", "Territoire"],
                ["t2", 2024, "Test", "2,5", "u", "Territoire"], ["t3", 2024, "Test", 1.5, "u", "Territoire"])
    result = import_file("indicators", data, writable_db, file_name="i.xlsx")
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT id, value FROM indicators WHERE id IN ('t1', 't2', 't3') ORDER BY id") == [
        ("t1", 1500.0), ("t2", 2.5), ("t3", 1.5)]


# ------------------------------------------------------------------ evidence that contradicts itself

@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_file_writing_both_decimal_marks_does_not_tell(writable_db, encoding):
    """Codes written « 62498.0 » (a point as decimal mark) and another filière's « 2,5 » (a comma):
    the file says both, so the solar « 12,500 » is refused, not read as 12500 by the codes' point."""
    header = ENEDIS_HEADER + ["energie_produite_annuelle_eolien_enedis_mwh"]
    records = [["2024", "62498.0", "Lens é", "246200364", "BT", "412", '"12,500"' if encoding != "xlsx" else "12,500",
                '"2,5"' if encoding != "xlsx" else "2,5"]]
    before = sums(writable_db)
    assert imported(writable_db, "solar_production", header, records, encoding, "enedis") == (
        REFUSED, [f"ligne 2, energie_produite_annuelle_photovoltaique_enedis_mwh : « 12,500 » {BOTH}"])
    assert sums(writable_db) == before


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_column_tells_before_the_file(writable_db, encoding):
    """The powers write « 2,5 » (comma decimal): their « 1.450 » is 1450 kW, whatever a point
    decimal elsewhere in the register (« 0.95 » in a column the import does not use)."""
    header = ODRE_HEADER + ["tauxdisponibilite"]
    records = [["Centrale A é", "62498", "Lens", "246200364", "SOLAI", "Solaire", "", "15/03/2021", "1.450", "1", "",
                "0.95"],
               ["Centrale B", "62498", "Lens", "246200364", "SOLAI", "Solaire", "", "15/03/2021", "2,5", "1", "",
                "0.95"]]
    assert imported(writable_db, "solar_production", header, records, encoding, "odre") == (LOADED, [])
    assert lens_power_2021(writable_db) == [(2, 1452.5)]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_column_writing_both_decimal_marks_does_not_tell(writable_db, encoding):
    """« 12.5 » and « 2,5 » in the same column: « 1.500 » there is refused (it was read as 1.5)."""
    header = INDICATOR_HEADER[:6]
    records = [["t1", "2024", "Test é", "1.500", "u", "Territoire"], ["t2", "2024", "Test", "12.5", "u", "Territoire"],
               ["t3", "2024", "Test", '"2,5"' if encoding != "xlsx" else "2,5", "u", "Territoire"]]
    assert imported(writable_db, "indicators", header, records, encoding, "i") == (
        REFUSED, [f"ligne 2, valeur : « 1.500 » {BOTH}"])


# ------------------------------------------------------------------ the numbered copy (DuckDB's reading)

def test_the_numbered_copy_reads_its_evidence_from_every_column(tmp_path):
    """The detailed reading of a large CSV (readers.numbered_copy staged by DuckDB) takes its
    evidence from the copy's columns the dataset does not use, and skips a huge cell. No dataset
    with decimal columns takes that path today (only measures are read by DuckDB): staged here by hand."""
    import duckdb

    from ecotransition.imports.datasets import DATASETS
    from ecotransition.imports.readers import numbered_copy
    from ecotransition.imports.validate import install_macros, match_header, resolve_separators, stage_csv

    source, copy = tmp_path / "i.csv", tmp_path / "copy.csv"
    huge = "1" + ".000" * 40_000
    source.write_text("id;annee;libelle;valeur;unite;note;forme\n"
                      f"t1;2024;Essai;1.500;u;2.000.000;{huge}\n"
                      f"t2;2024;Essai;12,500;u;;{huge}\n", encoding="utf-8")
    table, copied = numbered_copy(source, copy, ";")
    conn = duckdb.connect()
    install_macros(conn)
    match = match_header(table.header, DATASETS["indicators"].formats)
    staged = stage_csv(conn, str(copy), ";", table.header, match, True)
    assert (copied, staged.exact_lines) == (2, True)
    resolve_separators(conn, staged)
    # « 2.000.000 » in the unused « note »: the point separates thousands, the comma is decimal.
    assert conn.execute("SELECT line, value FROM _parsed ORDER BY line").fetchall() == [(2, 1500.0), (3, 12.5)]
    conn.close()
