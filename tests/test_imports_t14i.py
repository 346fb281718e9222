"""Imports (issue #14, a fresh tester's findings t14i 4, 5, 6 and 7): each test runs on a private
copy of the built database (writable_db) with the tester's values; a refusal leaves every data table
as it was (checksums).
"""

from __future__ import annotations

import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, UNCHANGED, import_file
from test_import_cases import problems, xlsx

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
