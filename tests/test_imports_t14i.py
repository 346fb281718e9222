"""Imports (issue #14, a fresh tester's findings t14i 4, 5, 6 and 7): each test runs on a private
copy of the built database (writable_db) with the tester's values; a refusal leaves every data table
as it was (checksums).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, UNCHANGED, import_file, readers
from test_import_cases import cli, problems, xlsx

ODRE_NO_FILIERE = ["nominstallation", "codeinseecommune", "commune", "datemiseenservice", "puismaxinstallee",
                   "nbinstallations"]
ODRE = ["nominstallation", "codeinseecommune", "commune", "codefiliere", "filiere", "datemiseenservice",
        "puismaxinstallee", "nbinstallations"]


def written(header: list[str], records: list[list], how: str) -> bytes:
    """The file as a partner sends it: `;`-separated CSV in UTF-8 or Windows-1252, or an XLSX sheet."""
    if how == "xlsx":
        return xlsx(header, *records)
    return "\n".join(";".join(map(str, r)) for r in [header, *records]).encode(how) + b"\n"


def imported(db, dataset: str, data: bytes, how: str, **kw):
    steps: list[str] = []
    result = import_file(dataset, data, db, file_name=f"fichier.{'xlsx' if how == 'xlsx' else 'csv'}",
                         progress=lambda f, m: steps.append(m), **kw)
    return result, steps


# --------------------------------------------- finding 5: ODRÉ without filière, or with no solar row

@pytest.mark.parametrize("how", ["utf-8", "cp1252", "xlsx"])
def test_an_odre_register_without_a_filiere_column_is_refused_naming_it(writable_db, how):
    # t14i o1: a register extract already filtered to solar, without its filière columns, read
    # « Fichier déjà importé : rien n'a changé », exit 0, on a first import.
    before = sums(writable_db)
    data = written(ODRE_NO_FILIERE, [["Centrale A", "62498", "Lens", "15/03/2021", "100", "1"],
                                     ["Centrale B", "62119", "Béthune", "10/05/2020", "50", "1"]], how)
    result, steps = imported(writable_db, "solar_production", data, how)
    assert result.status == REFUSED
    assert problems(result.message)[0] == (
        "ligne 1 : colonne manquante : codefiliere ou filiere (la filière de chaque installation, « SOLAI » "
        "ou « Solaire » pour les lignes à charger)")
    assert steps[-1] == "Fichier refusé"
    assert sums(writable_db) == before


@pytest.mark.parametrize("how", ["utf-8", "cp1252", "xlsx"])
def test_an_odre_register_with_no_solar_row_is_refused_saying_so(writable_db, how):
    # t14i o5: only wind read « Fichier déjà importé », as an Enedis file with no commune of the Pôle
    # is refused saying exactly that.
    before = sums(writable_db)
    data = written(ODRE, [["Eolien A", "62498", "Lens", "EOLIE", "Eolien", "15/03/2021", "100", "1"],
                          ["Moulin", "62119", "Béthune", "HYDLQ", "Hydraulique", "10/05/1990", "50", "1"]], how)
    result, steps = imported(writable_db, "solar_production", data, how)
    assert result.status == REFUSED
    assert problems(result.message) == [
        "aucune des 2 lignes du fichier n'est de la filière solaire (colonne « codefiliere » : « SOLAI » ou "
        "« Solaire » attendu) : rien à charger"]
    assert sums(writable_db) == before
    # Without codefiliere, the filière's name is the column named.
    only_name = written([h for h in ODRE if h != "codefiliere"],
                        [["Eolien A", "62498", "Lens", "Eolien", "15/03/2021", "100", "1"]], how)
    result, _ = imported(writable_db, "solar_production", only_name, how)
    assert problems(result.message) == [
        "la seule ligne du fichier n'est pas de la filière solaire (colonne « filiere » : « SOLAI » ou "
        "« Solaire » attendu) : rien à charger"]


def test_the_cli_refuses_the_register_without_filiere_with_exit_1(writable_db, tmp_path):
    f = tmp_path / "o1_odre_nofiliere.csv"
    f.write_bytes(written(ODRE_NO_FILIERE, [["Centrale A", "62498", "Lens", "15/03/2021", "100", "1"]], "utf-8"))
    before = sums(writable_db)
    done = cli("solar_production", str(f), "--db", str(writable_db))
    assert done.returncode == 1
    assert "- ligne 1 : colonne manquante : codefiliere ou filiere" in done.stderr
    assert "déjà importé" not in done.stdout + done.stderr
    assert sums(writable_db) == before


def test_deja_importe_only_when_every_line_of_the_file_is_already_stored(writable_db):
    solar = ["Centrale A", "62498", "Lens", "SOLAI", "Solaire", "15/03/2021", "100", "1"]
    wind = ["Eolien A", "62498", "Lens", "EOLIE", "Eolien", "15/03/2021", "2000", "1"]
    first, _ = imported(writable_db, "solar_production", written(ODRE, [solar], "utf-8"), "utf-8",
                        snapshot_year=2024)
    assert first.status == LOADED
    again, steps = imported(writable_db, "solar_production", written(ODRE, [solar], "utf-8"), "utf-8",
                            snapshot_year=2024)
    assert (again.status, again.rows_read, again.rows_kept) == (UNCHANGED, 1, 1)
    assert steps[-1] == "Fichier déjà importé : rien n'a changé"
    assert again.message.startswith("Aucun changement : 1 ligne du fichier est déjà dans la base")
    # The wind turbine was set aside, not stored: the file is not « déjà importé ».
    mixed, steps = imported(writable_db, "solar_production", written(ODRE, [solar, wind], "utf-8"), "utf-8",
                            snapshot_year=2024)
    assert (mixed.status, mixed.rows_read, mixed.rows_kept) == (UNCHANGED, 2, 1)
    assert steps[-1] == "Rien n'a changé : les lignes retenues sont déjà dans la base"
    assert mixed.message.startswith("Aucun changement : 1 ligne retenue du fichier est déjà dans la base. ")
    assert "1 ligne d'autres filières ignorée" in mixed.message


# ------------------------------------ finding 6: an aggregated ODRÉ row without its number of sites

AGGREGATED = ["Agrégation des installations de moins de 36KW", "62498", "Lens", "SOLAI", "Solaire", "07/10/2009",
              "1450,5"]


@pytest.mark.parametrize("how", ["utf-8", "cp1252", "xlsx"])
def test_an_aggregated_odre_row_with_no_number_of_installations_is_refused_naming_the_cell(writable_db, how):
    # t14i o4: the aggregation counted as 1 site (2021: 2 sites); its stock cannot be guessed.
    before = sums(writable_db)
    data = written(ODRE, [AGGREGATED + [""], ["Centrale", "62498", "Lens", "SOLAI", "Solaire", "15/03/2021",
                                             "100", "1"]], how)
    result, _ = imported(writable_db, "solar_production", data, how)
    assert (result.status, result.rows_rejected) == (REFUSED, 1)
    assert problems(result.message) == [
        "ligne 2, nbinstallations : vide sur une ligne d'agrégation d'installations : leur nombre ne peut pas "
        "être deviné"]
    assert sums(writable_db) == before
    # Without the column at all, the same line is named.
    data = written(ODRE[:-1], [AGGREGATED], how)
    result, _ = imported(writable_db, "solar_production", data, how)
    assert problems(result.message) == [
        "ligne 2, nbinstallations : vide sur une ligne d'agrégation d'installations : leur nombre ne peut pas "
        "être deviné"]
    # Given, it loads from the snapshot year: 250 aggregated + 1.
    data = written(ODRE, [AGGREGATED + ["250"], ["Centrale", "62498", "Lens", "SOLAI", "Solaire", "15/03/2021",
                                                "100", "1"]], how)
    result, _ = imported(writable_db, "solar_production", data, how)
    assert result.status == LOADED
    assert rows(writable_db, "SELECT sites, power_kw FROM solar_production WHERE commune_code = '62498' "
                             "AND year = 2021") == [(251, 1550.5)]


# --------------------------------------- finding 7: a header name with an invisible character inside

MEASURES = ["channel_id", "start_datetime", "end_datetime", "count"]
MEASURE = ["ch-1", "2025-06-01T10:00:00+02:00", "2025-06-01T11:00:00+02:00", "12"]


@pytest.mark.parametrize("how", ["utf-8", "cp1252", "xlsx"])
@pytest.mark.parametrize("dataset, header, record, expected", [
    # t14i v3/v6/v7: « colonne manquante : count » while the person sees a count column.
    ("counter_measures", ["channel_id", "start_datetime", "end_datetime", "co\u00adunt"], MEASURE,
     "colonne manquante : count ; « co<U+00AD>unt » lui ressemble mais contient un caractère invisible "
     "(<U+00AD>) : retapez le nom de la colonne"),
    ("events", ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "partic\u200bip\u200dants"],
     ["Fête", "14/09/2025", "14/09/2025", "Parc", "62540", "Chaîne des parcs", "5"],
     "colonne manquante : participants ; « partic<U+200B>ip<U+200D>ants » lui ressemble mais contient des "
     "caractères invisibles (<U+200B>, <U+200D>) : retapez le nom de la colonne"),
    # An optional column too: Enedis's energy, which was skipped without a word (only sites loaded).
    ("solar_production", ["annee", "code_commune", "nb_sites_photovoltaique_enedis",
                          "energie_produite_annuelle_photo\u2060voltaique_enedis_mwh"], ["2025", "62498", "412", "2301,5"],
     "colonne illisible : energie_produite_annuelle_photovoltaique_enedis_mwh ; "
     "« energie_produite_annuelle_photo<U+2060>voltaique_enedis_mwh » lui ressemble mais contient un caractère "
     "invisible (<U+2060>) : retapez le nom de la colonne"),
])
def test_a_header_name_with_an_invisible_character_is_shown_as_written(writable_db, how, dataset, header, record,
                                                                        expected):
    if how == "cp1252":   # Windows-1252 has no zero-width characters: its soft hyphen only
        header = [h.replace("\u200b", "\u00ad").replace("\u200d", "\u00ad").replace("\u2060", "\u00ad")
                  for h in header]
        expected = expected.replace("<U+200B>, <U+200D>", "<U+00AD>").replace("des caractères invisibles",
                                                                               "un caractère invisible")
        expected = expected.replace("<U+200B>", "<U+00AD>").replace("<U+200D>", "<U+00AD>") \
            .replace("<U+2060>", "<U+00AD>")
    before = sums(writable_db)
    result, _ = imported(writable_db, dataset, written(header, [record], how), how)
    assert result.status == REFUSED
    assert problems(result.message)[0] == "ligne 1 : " + expected
    assert sums(writable_db) == before


# ------------------------------------------------- finding 4: an XLSX sheet's cost bounded before parsing

def streamed_sheet(path, rows: int, dimension: bool = False, prefix: str = "") -> None:
    """A 2-column cadastre_usage workbook written as the tester's (the XML streamed into the zip, no
    <dimension> unless asked): memory does not grow with `rows`. Days from 02/01/2010, 5 users each."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{rel}"><Relationship Id="rId1" '
                   f'Type="{doc}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   f'xmlns:r="{doc}"><sheets><sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{rel}"><Relationship Id="rId1" '
                   f'Type="{doc}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0"?><{p}worksheet {ns}>'.encode()
                      + (f'<{p}dimension ref="A1:B{rows + 1}"/>'.encode() if dimension else b"")
                      + f'<{p}sheetData><{p}row r="1"><{p}c r="A1" t="inlineStr"><{p}is><{p}t>date</{p}t></{p}is>'
                        f'</{p}c><{p}c r="B1" t="inlineStr"><{p}is><{p}t>utilisateurs</{p}t></{p}is></{p}c>'
                        f'</{p}row>'.encode())
            day = date(2010, 1, 1)
            for start in range(2, rows + 2, 10000):
                out.write("".join(
                    f'<{p}row r="{r}"><{p}c r="A{r}" t="inlineStr"><{p}is><{p}t>'
                    f'{day + timedelta(days=r - 1):%d/%m/%Y}</{p}t></{p}is></{p}c><{p}c r="B{r}"><{p}v>5</{p}v>'
                    f'</{p}c></{p}row>' for r in range(start, min(start + 10000, rows + 2))).encode())
            out.write(f"</{p}sheetData></{p}worksheet>".encode())


@pytest.fixture
def openpyxl_calls(monkeypatch):
    """How many times a workbook was opened by openpyxl, and how many sheets it searched for their
    <dimension> (openpyxl 3.1 parses a whole sheet that has none)."""
    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser

    calls = {"load_workbook": 0, "parse_dimensions": 0}
    load, dims = openpyxl.load_workbook, WorkSheetParser.parse_dimensions

    def counted_load(*a, **kw):
        calls["load_workbook"] += 1
        return load(*a, **kw)

    def counted_dims(self):
        calls["parse_dimensions"] += 1
        return dims(self)

    monkeypatch.setattr(openpyxl, "load_workbook", counted_load)
    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", counted_dims)
    return calls


def refused_before_parsing(db, dataset: str, path, openpyxl_calls) -> list[str]:
    """The problems of importing `path` into `dataset`, after checking it was refused, that openpyxl
    opened nothing and that no table changed."""
    before = sums(db)
    result = import_file(dataset, path, db)
    assert result.status == REFUSED
    assert openpyxl_calls == {"load_workbook": 0, "parse_dimensions": 0}
    assert sums(db) == before
    return problems(result.message)


def test_an_xlsx_sheet_beyond_the_cells_cap_is_refused_before_openpyxl_parses_it(writable_db, tmp_path,
                                                                                  openpyxl_calls):
    # t14i xb_big: 190 MiB of XML (4.9 M cells) under the 200 MiB cap was still parsing after 300 s.
    # 1 000 000 rows × 2 columns and the header: 2 000 002 cells, 2 over the cap, counted to the end.
    f = tmp_path / "xb_cap.xlsx"
    streamed_sheet(f, 1_000_000)
    assert refused_before_parsing(writable_db, "cadastre_usage", f, openpyxl_calls) == [
        "feuille de 2\u202f000\u202f002 cellules (limite 2\u202f000\u202f000 pour un classeur XLSX) : elle n'a pas "
        "été lue. Découpez-la ou exportez-la en CSV (un CSV peut compter jusqu'à 20\u202f000\u202f000 cellules)."]


@pytest.mark.parametrize("prefix", ["", "x"])
def test_the_xlsx_caps_count_rows_and_cells_whatever_the_tags_prefix(tmp_path, monkeypatch, prefix):
    # Some generators write « <x:c> » under a prefixed namespace: the same count. Beyond the cap,
    # the sheet is read only up to it (« plus de »).
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 1000)
    f = tmp_path / "w.xlsx"
    streamed_sheet(f, 600, prefix=prefix)
    with pytest.raises(readers.ReadError) as refused:
        readers.read_xlsx(f.read_bytes())
    assert str(refused.value).startswith("feuille de 1\u202f202 cellules (limite 1\u202f000 pour un classeur XLSX)")
    monkeypatch.setattr(readers, "MAX_XLSX_ROWS", 500)
    with pytest.raises(readers.ReadError) as refused:
        readers.read_xlsx(f.read_bytes())
    assert str(refused.value).startswith("feuille de 601 lignes (limite 500) : elle n'a pas été lue.")
    streamed_sheet(f, 60_000, prefix=prefix)   # 6 MiB of XML read by 4 MiB: stopped past the cap
    with pytest.raises(readers.ReadError) as refused:
        readers.read_xlsx(f.read_bytes())
    assert str(refused.value).startswith("feuille de plus de 500 lignes (limite 500)")


def test_an_xlsx_sheet_is_parsed_once_and_loads(writable_db, tmp_path, openpyxl_calls):
    # Was: two workbooks opened (formulas and values), each parsing a sheet without <dimension> twice.
    f = tmp_path / "cadastre.xlsx"
    streamed_sheet(f, 3000)
    result = import_file("cadastre_usage", f, writable_db)
    assert (result.status, result.rows_read, result.inserted) == (LOADED, 3000, 3000)
    assert openpyxl_calls == {"load_workbook": 1, "parse_dimensions": 0}
    assert rows(writable_db, "SELECT count(*), sum(users), min(date), max(date) FROM cadastre_usage "
                             "WHERE source LIKE 'Import cadastre.xlsx%'") == [(3000, 15000, date(2010, 1, 2),
                                                                               date(2018, 3, 20))]
    # A sheet with its <dimension>: openpyxl reads it, as before.
    streamed_sheet(f, 10, dimension=True)
    openpyxl_calls.update(load_workbook=0, parse_dimensions=0)
    assert import_file("cadastre_usage", f, writable_db).status == UNCHANGED
    assert openpyxl_calls == {"load_workbook": 1, "parse_dimensions": 1}


def test_a_workbook_with_formulas_is_still_read_twice_to_find_formulas_without_a_value(writable_db, openpyxl_calls):
    book = openpyxl.Workbook()
    book.active.append(["code_commune", "potentiel_mwh"])
    book.active.append(["62498", "=1+1"])   # openpyxl writes no computed value
    out = io.BytesIO()
    book.save(out)
    result = import_file("solar_potential", out.getvalue(), writable_db, file_name="potentiel.xlsx")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 2, potentiel_mwh : formule sans valeur calculée : ouvrez le classeur dans le tableur et "
        "enregistrez-le avant l'import"]
    assert openpyxl_calls["load_workbook"] == 2


def test_the_sheet_names_are_listed_without_parsing_a_sheet(tmp_path, openpyxl_calls):
    # The page lists them in the server process as soon as a workbook is chosen: a sheet without
    # <dimension> was parsed whole for it.
    f = tmp_path / "w.xlsx"
    streamed_sheet(f, 50_000)
    assert readers.sheet_names(f.read_bytes()) == ["Feuille1"]
    assert openpyxl_calls["parse_dimensions"] == 0
