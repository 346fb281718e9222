"""Imports that never lie: the fault kinds of real public files (tests/fixtures/cases, copied
from shared/cases/imports) and variants of each kind, through every reader and path.

Each case runs on a private copy of the built database; a refusal must leave every data table
exactly as it was (checksums), and a load must store exactly the right values.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest

from conftest import ROOT
from conftest import data_sums as sums
from conftest import rows
from ecotransition.data.db import DatabaseBusy
from ecotransition.imports import LOADED, REFUSED, UNCHANGED, import_file

CASES = Path(__file__).resolve().parent / "fixtures" / "cases"


def problems(message: str) -> list[str]:
    return [m[2:] for m in message.splitlines()[1:]]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecotransition.imports", *args, "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def xlsx(header: list[str], *records: list) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in records:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ 1. duplicate keys in one file

MEASURE_HEADER = "channel_id,counter_id,start_datetime,end_datetime,count\n"
DUPLICATE = "ligne 4, start_datetime : « 2025-06-02T08:00:00+02:00 » en double : même canal et même début qu'à la ligne 2"


@pytest.mark.parametrize("variant", ["utf-8 (fast path)", "windows-1252", "different counts", "xlsx", "cli"])
def test_the_same_channel_and_instant_twice_is_refused_whatever_the_path(writable_db, tmp_path, variant):
    before = sums(writable_db)
    data = (CASES / "mesures_doublon_exact_utf8.csv").read_bytes()
    if variant == "windows-1252":   # an accented counter id makes it Windows-1252, read in Python
        data = data.decode().replace("CPT1", "CPTé").encode("cp1252")
    elif variant == "different counts":
        head, _, last = data.rstrip(b"\n").rpartition(b"\n")
        data = head + b"\n" + last.replace(b",40", b",41") + b"\n"
    elif variant == "xlsx":
        text = data.decode().splitlines()
        data = xlsx(text[0].split(","), *[line.split(",") for line in text[1:]])
    if variant == "cli":
        done = cli("counter_measures", str(CASES / "mesures_doublon_exact_utf8.csv"), "--db", str(writable_db))
        assert done.returncode == 1 and DUPLICATE in done.stderr
    else:
        result = import_file("counter_measures", data, writable_db, file_name=f"mesures.{variant[:4]}")
        assert result.status == REFUSED
        assert problems(result.message) == [DUPLICATE]
    assert sums(writable_db) == before
    # Never added together: the stored hour is still the demonstration's own.
    assert rows(writable_db, "SELECT count(*) FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                             "AND start_datetime = TIMESTAMP '2025-06-02 08:00:00'") == [(0,)]


def test_a_repeated_key_in_a_staff_file_names_both_lines(writable_db):
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            "Balade;14/09/2025;14/09/2025;Parc;62540;Parcs;80\n"
            "Balade;14/09/2025;14/09/2025;Parc;62540;Parcs;90\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 3, titre : « Balade » en double : même titre et même date de début qu'à la ligne 2"]


# ------------------------------------------------------------------ 2. codes written as numbers

def test_commune_codes_written_as_numbers_are_read_as_insee_codes(writable_db):
    result = import_file("solar_production", CASES / "enedis_code_commune_float.csv", writable_db)
    assert (result.status, result.rows_read, result.rows_loaded) == (LOADED, 3, 2)
    assert "hors des communes" not in result.message
    assert rows(writable_db, "SELECT commune_code, sites, energy_mwh FROM solar_production WHERE year = 2025 "
                             "ORDER BY commune_code") == [("62119", 388, 2010.0), ("62498", 415, 3151.5)]
    again = import_file("solar_production", CASES / "enedis_code_commune_float.csv", writable_db)
    assert again.status == UNCHANGED
    # Its three lines (two voltage ranges of Lens, one of Béthune) are all kept and stored: the
    # two commune-years they make are not « 2 lignes retenues » of a file that set none aside.
    assert again.message.startswith("Aucun changement : les 3 lignes du fichier sont déjà dans la base")


@pytest.mark.parametrize("code, expected", [("62498,0", "62498"), ("2540", "02540"), ("2540.0", "02540")])
def test_other_numeric_spellings_of_a_code(writable_db, code, expected):
    # 2005: a past year without rows in the built database (a year after this one is refused).
    data = f"code_commune;annee;sites\n{code};2005;7\n".encode()
    result = import_file("solar_production", data, writable_db, file_name="modele.csv")
    if expected == "02540":   # a valid INSEE code, but of a commune outside the Pôle
        assert result.status == REFUSED
        assert problems(result.message) == [f"ligne 2, code_commune : « {code} » n'est pas une commune du Pôle "
                                            "métropolitain de l'Artois"]
    else:
        assert result.status == LOADED
        assert rows(writable_db, "SELECT commune_code, sites FROM solar_production WHERE year = 2005") == [
            (expected, 7)]


def test_an_ambiguous_code_is_refused_naming_its_cell(writable_db):
    before = sums(writable_db)
    data = ("annee;code_commune;nom_commune;nb_sites_photovoltaique_enedis\n"
            "2025;62498.5;Lens;3\n2025;62119;Béthune;4\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="enedis.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 2, code_commune : « 62498.5 » n'est pas un code commune INSEE (5 chiffres)"]
    assert sums(writable_db) == before


def test_a_file_without_any_commune_of_the_pole_says_so(writable_db):
    before = sums(writable_db)
    data = ("annee;code_commune;nom_commune;nb_sites_photovoltaique_enedis\n"
            "2025;59350;Lille;300\n2025;75056;Paris;900\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="enedis_nord.csv")
    assert result.status == REFUSED
    assert "déjà dans la base" not in result.message
    assert problems(result.message) == ["aucune des 2 lignes du fichier ne concerne une commune du Pôle "
                                        "métropolitain de l'Artois (colonne « code_commune ») : rien à charger"]
    assert sums(writable_db) == before


# ------------------------------------------------------------------ 3. very long cells

def test_a_huge_unused_column_is_skipped(writable_db):
    shape = "POLYGON((" + ",".join(f"2.{i:06d} 50.{i:06d}" for i in range(12_000)) + "))"
    assert len(shape) > 131_072
    data = ("annee;code_commune;nom_commune;nb_sites_photovoltaique_enedis;"
            "energie_produite_annuelle_photovoltaique_enedis_mwh;Geo Shape\n"
            f'2025;62498;Lens;412;2301,5;"{shape}"\n').encode()
    result = import_file("solar_production", data, writable_db, file_name="enedis_ods.csv")
    assert result.status == LOADED
    assert rows(writable_db, "SELECT sites, energy_mwh FROM solar_production WHERE commune_code = '62498' "
                             "AND year = 2025") == [(412, 2301.5)]


# ------------------------------------------------------------------ 4. ODRÉ aggregated rows

def lens_sites(db: Path) -> dict[int, int]:
    return dict(rows(db, "SELECT year, sites FROM solar_production WHERE commune_code = '62498' ORDER BY year"))


def test_an_aggregated_register_row_counts_from_the_snapshot_not_from_its_old_date(writable_db):
    before = lens_sites(writable_db)
    result = import_file("solar_production", CASES / "odre_agregation_moins_36kw.csv", writable_db)
    assert result.status == LOADED
    after = lens_sites(writable_db)
    # No file name year: the snapshot is the file's latest commissioning (2021).
    assert {y: n for y, n in after.items() if y < 2021} == {y: n for y, n in before.items() if y < 2021}
    assert after[2021] == 251
    assert "1 ligne agrégeant plusieurs installations comptée à partir de 2021" in result.message


@pytest.mark.parametrize("how", ["option", "file name", "span of years"])
def test_the_snapshot_year_can_be_given_or_read_from_the_file_name(writable_db, how):
    data = (CASES / "odre_agregation_moins_36kw.csv").read_bytes()
    if how == "option":
        result = import_file("solar_production", data, writable_db, file_name="registre.csv", snapshot_year=2024)
    elif how == "file name":
        result = import_file("solar_production", data, writable_db, file_name="registre-national_2024-06-30.csv")
    else:   # t14h finding 10: « 2009 », the first year of the name, was refused as before 2021
        result = import_file("solar_production", data, writable_db, file_name="odre_registre_2009_2024.csv")
    assert result.status == LOADED
    after = lens_sites(writable_db)
    # The one dated installation from 2021 on; the 250 aggregated ones from 2024 only.
    assert [after[y] for y in (2021, 2022, 2023, 2024)] == [1, 1, 1, 251]


def test_the_cli_takes_the_snapshot_year(writable_db):
    done = cli("solar_production", str(CASES / "odre_agregation_moins_36kw.csv"), "--db", str(writable_db),
               "--millesime", "2023")
    assert done.returncode == 0, done.stderr
    assert "à partir de 2023, millésime du registre (indiqué à l'import)" in done.stdout
    assert lens_sites(writable_db)[2023] == 251


# ------------------------------------------------------------------ 5. date-times in date columns

def test_a_date_time_in_a_date_column_keeps_the_date_csv_and_xlsx(writable_db):
    csv_result = import_file("events", CASES / "evenements_date_heure.csv", writable_db)
    assert csv_result.status == LOADED
    assert "1 valeur de « date_debut » avec une heure : seule la date est gardée" in csv_result.message
    header = ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "participants"]
    book = xlsx(header, ["Balade test XLSX", datetime(2025, 9, 14, 10, 0), datetime(2025, 9, 14, 17, 30),
                         "Parc d'Olhain", "62540", "Chaîne des parcs", 80])
    xlsx_result = import_file("events", book, writable_db, file_name="agenda.xlsx")
    assert xlsx_result.status == LOADED
    assert rows(writable_db, "SELECT title, start_date::VARCHAR, end_date::VARCHAR FROM events "
                             "WHERE title LIKE 'Balade test%' ORDER BY title") == [
        ("Balade test XLSX", "2025-09-14", "2025-09-14"), ("Balade test des parcs", "2025-09-14", "2025-09-14")]


# ------------------------------------------------------------------ 6. a missing column never erases

def test_a_measures_file_without_count_is_refused(writable_db):
    before = sums(writable_db)
    data = (MEASURE_HEADER.replace(",count", "") +
            "demo-cpt-001-vel,CPT1,2024-06-02T08:00:00+02:00,2024-06-02T09:00:00+02:00\n").encode()
    result = import_file("counter_measures", data, writable_db, file_name="sans_comptage.csv")
    assert result.status == REFUSED and "ligne 1 : colonne manquante : count" in problems(result.message)
    assert sums(writable_db) == before


def test_a_channels_file_without_direction_keeps_the_stored_direction(writable_db):
    stored = rows(writable_db, "SELECT channel_id, site_id, direction, time_step FROM counter_channels "
                               "ORDER BY channel_id LIMIT 1")[0]
    with duckdb.connect(str(writable_db)) as c:
        c.execute("UPDATE counter_channels SET direction = 'N', source = 'Comptage importé' WHERE channel_id = $c",
                  {"c": stored[0]})
    data = f"channel_id,site_id\n{stored[0]},{stored[1]}\n".encode()
    result = import_file("counter_channels", data, writable_db, file_name="canaux.csv")
    assert result.status in (LOADED, UNCHANGED)
    assert rows(writable_db, "SELECT direction, time_step FROM counter_channels WHERE channel_id = $c",
                c=stored[0]) == [("N", stored[3])]


# ------------------------------------------------------------------ 7. a title row above the header

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_title_row_above_the_header_is_pointed_at(writable_db, kind):
    header = ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "participants"]
    record = ["Balade", "14/09/2025", "14/09/2025", "Parc", "62540", "Parcs", "80"]
    if kind == "csv":
        data = ("Agenda 2025 de la PMA;;;;;;\n" + ";".join(header) + "\n" + ";".join(record) + "\n").encode()
    else:
        book = openpyxl.Workbook()
        book.active.append(["Agenda 2025 de la PMA"])
        book.active.append(header)
        book.active.append(record)
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    result = import_file("events", data, writable_db, file_name=f"agenda.{kind}")
    assert result.status == REFUSED
    assert problems(result.message)[0] == ("ligne 1 : l'en-tête semble être à la ligne 2 : supprimez la ou les "
                                           "lignes de titre au-dessus, puis importez de nouveau")


# ------------------------------------------------------------------ 8. a path is a path

@pytest.mark.parametrize("name", ["m[1].csv", "m*.csv", "m?.csv"])
def test_a_file_name_with_pattern_characters_is_read_as_it_is(writable_db, tmp_path, name):
    (tmp_path / "m1.csv").write_text(MEASURE_HEADER + "demo-cpt-001-vel,C,2025-06-03T08:00:00+02:00,,99\n")
    target = tmp_path / name
    target.write_text(MEASURE_HEADER + "demo-cpt-001-vel,C,2025-06-02T08:00:00+02:00,,40\n")
    done = cli("counter_measures", str(target), "--db", str(writable_db))
    assert done.returncode == 0, done.stderr
    assert rows(writable_db, "SELECT start_datetime::VARCHAR, count FROM counter_measures "
                             "WHERE channel_id = 'demo-cpt-001-vel' AND start_datetime >= DATE '2025-06-01'") == [
        ("2025-06-02 08:00:00", 40)]
    assert rows(writable_db, "SELECT file_name FROM imports ORDER BY imported_at DESC LIMIT 1") == [(name,)]


def test_a_path_starting_with_a_tilde_is_that_folder_not_the_home_folder(writable_db, tmp_path):
    # t14j finding 4: DuckDB's reader expands a leading « ~ »: a folder named « ~ » in the current
    # folder read $HOME/m.csv instead (count 99 stored), while the history hashed the right file.
    home = tmp_path / "home"
    (home).mkdir()
    (home / "m.csv").write_text(MEASURE_HEADER + "demo-cpt-001-vel,C,2025-06-02T08:00:00+02:00,,99\n")
    (tmp_path / "~").mkdir()
    (tmp_path / "~" / "m.csv").write_text(MEASURE_HEADER + "demo-cpt-001-vel,C,2025-06-02T08:00:00+02:00,,40\n")
    done = subprocess.run([sys.executable, "-m", "ecotransition.imports", "counter_measures", "~/m.csv",
                           "--db", str(writable_db), "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert rows(writable_db, "SELECT count FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                             "AND start_datetime = TIMESTAMP '2025-06-02 08:00:00'") == [(40,)]


# ------------------------------------------------------------------ 9. text that changes how it reads

def test_format_and_control_characters_are_removed_from_text(writable_db):
    title = "Parc\u202egnp.exe\u200b et\u2066 fête\x07"
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            f"{title};14/09/2025;;Parc\u200d d'Olhain;62540;Parcs;\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert result.status == LOADED
    assert rows(writable_db, "SELECT title, place FROM events WHERE start_date = DATE '2025-09-14'") == [
        ("Parcgnp.exe et fête", "Parc d'Olhain")]


def test_a_short_file_with_a_few_control_characters_is_text(writable_db):
    """Five control characters in a three-line agenda: the file was refused as « ni un CSV (texte) »
    (a threshold of 2 for a short file); they are removed from the title like the others, but vertical
    tab, form feed and NEL break the line, and the unit separator U+001F separates: a space, never two
    words glued (t14h finding 12)."""
    data = ("titre,date_debut,date_fin,lieu,code_commune,theme,participants\r\n"
            "A\vB\fC\x85D\x1fE\x7fF,17/09/2025,17/09/2025,Parc,62540,Chaîne des parcs,5\r\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT title FROM events WHERE start_date = DATE '2025-09-17'") == [("A B C D EF",)]


@pytest.mark.parametrize("reader", ["csv", "xlsx"])
def test_line_breaks_and_tabs_become_spaces_in_one_line_texts_descriptions_keep_lines(writable_db, reader):
    header = ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "participants", "description"]
    record = ["Tab\tNL\nCR\rX", "14/09/2025", "", "L\u2028ine\u2029 d'Olhain", "62540", "Parcs", "",
              "Première ligne\r\ndeuxième\u2028troisième\tfin"]
    if reader == "xlsx":
        data, name = xlsx(header, record), "agenda.xlsx"
    else:
        quoted = ['"' + v.replace('"', '""') + '"' for v in record]
        data, name = (";".join(header) + "\n" + ";".join(quoted) + "\n").encode(), "agenda.csv"
    result = import_file("events", data, writable_db, file_name=name)
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT title, place, description FROM events WHERE start_date = DATE '2025-09-14' "
                             "AND title LIKE 'Tab%'") == [
        ("Tab NL CR X", "L ine d'Olhain", "Première ligne\ndeuxième\ntroisième fin")]


# ------------------------------------------------------------------ 10. a database held by another program

def test_an_import_refuses_while_another_program_writes_the_database(writable_db):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(60)", str(writable_db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        before = writable_db.stat()
        with pytest.raises(DatabaseBusy) as refused:
            import_file("events", CASES / "evenements_date_heure.csv", writable_db)
        assert f"processus {holder.pid}" in str(refused.value) and "verrou d'écriture" in str(refused.value)
        # The program, never its arguments (an analyst's command line may hold a password: t14h finding 16).
        assert f"processus {holder.pid}, programme « {Path(sys.executable).name} »)" in str(refused.value)
        assert "time.sleep" not in str(refused.value) and str(writable_db) not in str(refused.value)
        done = cli("events", str(CASES / "evenements_date_heure.csv"), "--db", str(writable_db))
        assert done.returncode == 1 and "ouverte en écriture par un autre programme" in done.stderr
        after = writable_db.stat()
        assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert import_file("events", CASES / "evenements_date_heure.csv", writable_db).status == LOADED
    # Both refusals (the function's and the CLI's) are in the history, as a full disk's are, merged by
    # the import that followed them (t14h finding 16).
    assert rows(writable_db, "SELECT status, file_name, left(message, 84) FROM imports ORDER BY imported_at") == [
        ("refusé", "evenements_date_heure.csv",
         "Import impossible : Refusé : la base copy.duckdb est ouverte en écriture par un autr"),
        ("refusé", "evenements_date_heure.csv",
         "Import impossible : Refusé : la base copy.duckdb est ouverte en écriture par un autr"),
        ("chargé", "evenements_date_heure.csv", "1 ligne chargée (1 nouvelle, 0 mise à jour) sur 1 lue. Format : modèle Événements. 1")]
    assert "Le refus sera inscrit dans l'historique des imports au prochain import réussi." in done.stderr


ANALYST = ("import duckdb, os, sys; c = duckdb.connect(sys.argv[1]); c.execute(\"PRAGMA wal_autocheckpoint='10GB'\"); "
           "c.execute(\"UPDATE indicators SET value = 424242 WHERE id = 'acc_capacite_gwh'\"); "
           "c.execute('CREATE TABLE analyst_notes AS SELECT 42 AS answer'); os._exit(0)")


def test_a_log_left_by_a_killed_program_is_saved_into_the_base_before_an_import(writable_db):
    # t14i finding 1: an analyst's session committed, then was killed before saving its log into the
    # file. The import copied the file without the log and published it beside the old log: nobody
    # could open the base any more (« WAL … does not match »), and the analyst's work was lost.
    subprocess.run([sys.executable, "-c", ANALYST, str(writable_db)], check=True)
    wal = writable_db.with_name(writable_db.name + ".wal")
    assert wal.stat().st_size > 0
    result = import_file("events", CASES / "evenements_date_heure.csv", writable_db)
    assert result.status == LOADED, result.message
    assert not wal.exists()
    assert rows(writable_db, "SELECT value FROM indicators WHERE id = 'acc_capacite_gwh'") == [(424242.0,)]
    assert rows(writable_db, "SELECT answer FROM analyst_notes") == [(42,)]
    assert rows(writable_db, "SELECT count(*) FROM events WHERE title = 'Balade test des parcs'") == [(1,)]
    assert list(writable_db.parent.glob(f".{writable_db.name}.*")) == []


def another_program(db, statement: str) -> None:
    """Another process (an analyst's DuckDB) opens the base, runs `statement` and closes it."""
    subprocess.run([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                    "c.execute(sys.argv[2]); c.close()", str(db), statement], check=True)


def refused_while_another_program_writes(monkeypatch, db, statement: str) -> None:
    """An events import during which another program runs `statement` on the base, at the import's
    first stamping of table versions: refused as modified meanwhile (DatabaseBusy), in French."""
    from ecotransition.data import db as db_module

    real = db_module._stamp_versions
    calls = []

    def meanwhile(conn, changed):
        if not calls:
            another_program(db, statement)
        calls.append(1)
        real(conn, changed)

    monkeypatch.setattr(db_module, "_stamp_versions", meanwhile)
    with pytest.raises(DatabaseBusy) as refused:
        import_file("events", CASES / "evenements_date_heure.csv", db)
    assert "a été modifiée par un autre programme pendant l'opération. Rien n'a changé." in str(refused.value)
    monkeypatch.setattr(db_module, "_stamp_versions", real)


def test_an_unreadable_log_left_beside_the_base_refuses_and_changes_nothing(writable_db, tmp_path):
    # A log that is not this file's (left by a program on another copy, then moved): DuckDB refuses
    # to replay it, so the import refuses too, in French, and leaves file and log as they were.
    other = tmp_path / "other.duckdb"
    shutil.copyfile(writable_db, other)
    another_program(other, "CREATE TABLE t (x INT)")
    subprocess.run([sys.executable, "-c", ANALYST, str(other)], check=True)
    wal = writable_db.with_name(writable_db.name + ".wal")
    shutil.move(other.with_name("other.duckdb.wal"), wal)
    log = wal.read_bytes()
    before = writable_db.stat()
    done = cli("events", str(CASES / "evenements_date_heure.csv"), "--db", str(writable_db))
    assert done.returncode == 1
    assert "le journal d'écriture copy.duckdb.wal, laissé à côté de la base par un programme" in done.stderr
    assert "Rien n'a changé" in done.stderr and "Traceback" not in done.stderr
    after = writable_db.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    assert wal.read_bytes() == log


def test_a_log_without_its_file_is_kept_aside_and_the_build_gives_a_readable_base(writable_db):
    # A re-check tester's B: the base deleted (to rebuild) and its log left: the build published a new
    # file beside a log that was not its own, and nobody could open it.
    subprocess.run([sys.executable, "-c", ANALYST, str(writable_db)], check=True)
    wal = writable_db.with_name(writable_db.name + ".wal")
    log = wal.read_bytes()
    writable_db.unlink()
    done = subprocess.run([sys.executable, "-m", "ecotransition.build", "--db", str(writable_db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not wal.exists()
    [kept] = writable_db.parent.glob(f"{writable_db.name}.wal.orphelin-*")
    assert kept.read_bytes() == log
    assert rows(writable_db, "SELECT count(*) FROM communes") == [(150,)]


def test_a_program_that_opens_the_base_while_its_log_is_saved_keeps_its_work(writable_db, monkeypatch):
    # A re-check tester's A: while an import saved a leftover log into the base, a program opened it and
    # wrote: the import moved that program's new log aside, dropped it, and said « Chargé ».
    subprocess.run([sys.executable, "-c", ANALYST, str(writable_db)], check=True)
    # The first stamping is _absorb_wal's, on its replayed copy.
    refused_while_another_program_writes(monkeypatch, writable_db, "CREATE TABLE second_note AS SELECT 7 AS x")
    assert rows(writable_db, "SELECT x FROM second_note") == [(7,)]
    assert rows(writable_db, "SELECT answer FROM analyst_notes") == [(42,)]


def test_a_program_that_writes_and_closes_during_an_import_keeps_its_work(writable_db, monkeypatch):
    # t14i finding 2: a program opened the base, wrote and closed while an import worked on its copy
    # (no lock left to see at the end): the copy was swapped in and the program's work was lost.
    refused_while_another_program_writes(monkeypatch, writable_db, "CREATE TABLE analyst_notes AS SELECT 42 AS answer")
    assert rows(writable_db, "SELECT answer FROM analyst_notes") == [(42,)]
    assert rows(writable_db, "SELECT count(*) FROM events WHERE title = 'Balade test des parcs'") == [(0,)]


# ------------------------------------------------------------------ exact instants

def hours_utc(first: str, n: int) -> list[str]:
    start = datetime.fromisoformat(first.replace("Z", "+00:00"))
    return [(start + timedelta(hours=k)).strftime("%Y-%m-%dT%H:%M:%SZ") for k in range(n)]


def measures(instants: list[str], counts: list) -> bytes:
    return (MEASURE_HEADER + "".join(f"demo-cpt-001-vel,C,{t},,{'' if c is None else c}\n"
                                     for t, c in zip(instants, counts))).encode()


def day_sums(db: Path, day: str) -> list[tuple]:
    # Daily sums are kept per source: a correction file's measure has its own.
    return rows(db, "SELECT sum(visits), sum(measures), sum(missing_measures) FROM counter_daily "
                    "WHERE channel_id = 'demo-cpt-001-vel' AND day = $d::DATE", d=day)


def test_the_25_hours_of_the_october_change_are_25_measures(writable_db):
    # Local 00:00 (+02:00) to 24:00 (+01:00) on Sunday 26 October 2025: 25 real hours.
    instants = hours_utc("2025-10-25T22:00:00Z", 25)
    result = import_file("counter_measures", measures(instants, [10] * 25), writable_db, file_name="oct.csv")
    assert (result.status, result.rows_loaded) == (LOADED, 25)
    assert day_sums(writable_db, "2025-10-26") == [(250, 25, 0)]
    # Start and end each with their offset: the first 02:00 ends at 02:00 +01:00, the second at 03:00.
    assert rows(writable_db, "SELECT utc_offset, end_datetime, end_utc_offset, count FROM counter_measures "
                             "WHERE channel_id = 'demo-cpt-001-vel' AND start_datetime = TIMESTAMP '2025-10-26 02:00' "
                             "ORDER BY utc_offset DESC") == [
        (120, datetime(2025, 10, 26, 2), 60, 10), (60, datetime(2025, 10, 26, 3), 60, 10)]
    # A later correction addresses the second 02:00 (+01:00) alone.
    fix = (MEASURE_HEADER + "demo-cpt-001-vel,C,2025-10-26T02:00:00+01:00,,\n").encode()
    corrected = import_file("counter_measures", fix, writable_db, file_name="correction.csv")
    assert (corrected.status, corrected.inserted, corrected.updated) == (LOADED, 0, 1)
    assert "1 mesure dans l'heure répétée du passage à l'heure d'hiver, gardée avec son décalage horaire" \
        in corrected.message
    assert day_sums(writable_db, "2025-10-26") == [(240, 25, 1)]


def test_the_march_change_day_has_23_hours(writable_db):
    instants = hours_utc("2025-03-29T23:00:00Z", 23)   # local 00:00 (+01:00) to 24:00 (+02:00)
    result = import_file("counter_measures", measures(instants, [4] * 23), writable_db, file_name="mars.csv")
    assert result.status == LOADED
    assert day_sums(writable_db, "2025-03-30") == [(92, 23, 0)]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "xlsx"])
def test_naive_local_times_follow_one_rule_in_every_reader(writable_db, encoding):
    header = ["channel_id", "counter_id", "start_datetime", "end_datetime", "count"]
    good = [["demo-cpt-001-vel", "Cé", "2025-10-26 01:00:00", "", "6"],
            ["demo-cpt-001-vel", "Cé", "2025-10-26 03:00:00", "", "2"]]
    gap = [["demo-cpt-001-vel", "Cé", "2025-03-30 02:30:00", "", "1"]]
    repeated = [["demo-cpt-001-vel", "Cé", "2025-10-26 02:30:00", "", "1"]]

    def encode(records):
        if encoding == "xlsx":
            return xlsx(header, *records)
        text = ",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in records)
        return text.replace("Cé", "C" if encoding == "utf-8" else "Cé").encode(encoding)

    name = f"naif.{'xlsx' if encoding == 'xlsx' else 'csv'}"
    before = sums(writable_db)
    refused = import_file("counter_measures", encode(gap), writable_db, file_name=name)
    assert problems(refused.message) == [
        "ligne 2, start_datetime : « 2025-03-30 02:30:00 » heure inexistante : passage à l'heure d'été (l'heure "
        "de 2 h à 3 h est sautée ; indiquez le décalage, par exemple +01:00)"]
    # The October hour happens twice: a time without offset cannot say which.
    refused = import_file("counter_measures", encode(repeated), writable_db, file_name=name)
    assert problems(refused.message) == [
        "ligne 2, start_datetime : « 2025-10-26 02:30:00 » heure ambiguë : passage à l'heure d'hiver (l'heure "
        "de 2 h à 3 h a lieu deux fois ; indiquez le décalage, +02:00 pour la première, +01:00 pour la seconde)"]
    assert sums(writable_db) == before
    loaded = import_file("counter_measures", encode(good), writable_db, file_name=name)
    assert loaded.status == LOADED
    assert rows(writable_db, "SELECT start_datetime::VARCHAR, utc_offset, count FROM counter_measures "
                             "WHERE channel_id = 'demo-cpt-001-vel' AND start_datetime::DATE = DATE '2025-10-26' "
                             "ORDER BY 1") == [("2025-10-26 01:00:00", 120, 6), ("2025-10-26 03:00:00", 60, 2)]


# Every measure is stored at its instant in Paris time, whatever offset the file wrote; a
# calendar-day measure (midnight to midnight in its written offset) at the Paris midnights of its
# dates. The duplicate, overlap and correction checks use that stored key (README « Heures »).

@pytest.mark.parametrize("reader", ["utf-8", "cp1252", "xlsx"])
def test_a_summer_hour_written_plus_one_is_stored_at_its_paris_instant(writable_db, reader):
    # 24 hours of 10 June 2025 written in fixed winter time (+01:00), 10 passages each, then the
    # same instant as the stored « 08:00+01:00 » written in UTC: it replaces it.
    records = [[ "demo-cpt-004-vel", "Cé", f"2025-06-10T{h:02d}:00:00+01:00",
                 f"2025-06-10T{h + 1:02d}:00:00+01:00" if h < 23 else "2025-06-11T00:00:00+01:00", "10"]
               for h in range(24)]
    header = ["channel_id", "counter_id", "start_datetime", "end_datetime", "count"]
    if reader == "xlsx":
        data = xlsx(header, *records)
    else:
        text = ",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in records)
        data = text.replace("Cé", "C" if reader == "utf-8" else "Cé").encode(reader)
    name = "juin.xlsx" if reader == "xlsx" else "juin.csv"
    first = import_file("counter_measures", data, writable_db, file_name=name)
    assert (first.status, first.rows_loaded) == (LOADED, 24), first.message
    # 08:00+01:00 is 09:00 in Paris; 23:00+01:00 is midnight of 11 June.
    assert rows(writable_db, "SELECT min(start_datetime), max(start_datetime), min(utc_offset), max(utc_offset) "
                             "FROM counter_measures WHERE channel_id = 'demo-cpt-004-vel' AND source LIKE '%juin%'") \
        == [(datetime(2025, 6, 10, 1), datetime(2025, 6, 11, 0), 120, 120)]
    fix = (MEASURE_HEADER + "demo-cpt-004-vel,C4,2025-06-10T07:00:00Z,2025-06-10T08:00:00Z,99\n").encode()
    corrected = import_file("counter_measures", fix, writable_db, file_name="corr.csv")
    assert (corrected.status, corrected.inserted, corrected.updated) == (LOADED, 0, 1), corrected.message
    assert rows(writable_db, "SELECT count(*), sum(count) FROM counter_measures WHERE channel_id = 'demo-cpt-004-vel' "
                             "AND start_datetime BETWEEN '2025-06-10 01:00' AND '2025-06-11 00:00'") == [(24, 329)]
    assert rows(writable_db, "SELECT start_datetime, utc_offset, count FROM counter_measures "
                             "WHERE channel_id = 'demo-cpt-004-vel' AND start_datetime = '2025-06-10 09:00'") == [
        (datetime(2025, 6, 10, 9), 120, 99)]


def test_one_wall_clock_with_two_offsets_is_two_instants(writable_db):
    data = (MEASURE_HEADER + "demo-cpt-006-vel,C6,2025-06-02T08:00:00+01:00,2025-06-02T09:00:00+01:00,5\n"
                             "demo-cpt-006-vel,C6,2025-06-02T08:00:00+02:00,2025-06-02T09:00:00+02:00,6\n").encode()
    result = import_file("counter_measures", data, writable_db, file_name="u2.csv")
    assert (result.status, result.inserted) == (LOADED, 2), result.message
    assert rows(writable_db, "SELECT start_datetime, utc_offset, count FROM counter_measures "
                             "WHERE source LIKE '%u2.csv%' ORDER BY 1") == [
        (datetime(2025, 6, 2, 8), 120, 6), (datetime(2025, 6, 2, 9), 120, 5)]
    # The same instant written twice (+01:00 and Z) is a duplicate: refused with both lines.
    twice = (MEASURE_HEADER + "demo-cpt-006-vel,C6,2025-06-03T08:00:00+01:00,,5\n"
                              "demo-cpt-006-vel,C6,2025-06-03T07:00:00Z,,6\n").encode()
    refused = import_file("counter_measures", twice, writable_db, file_name="u2b.csv")
    assert problems(refused.message) == ["ligne 3, start_datetime : « 2025-06-03T07:00:00Z » en double : même canal "
                                         "et même début qu'à la ligne 2"]


def test_a_correction_written_plus_one_in_summer_replaces_the_demo_hour(writable_db):
    data = (MEASURE_HEADER + "demo-cpt-001-vel,C1,2024-06-04T08:00:00+01:00,2024-06-04T09:00:00+01:00,777\n").encode()
    before = rows(writable_db, "SELECT count(*), sum(count) FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                               "AND start_datetime::DATE = '2024-06-04'")
    result = import_file("counter_measures", data, writable_db, file_name="a4.csv")
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, "SELECT start_datetime, utc_offset, count FROM counter_measures "
                             "WHERE source LIKE '%a4.csv%'") == [(datetime(2024, 6, 4, 9), 120, 777)]
    assert rows(writable_db, "SELECT count(*) FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                             "AND start_datetime::DATE = '2024-06-04'") == [(before[0][0],)]


@pytest.mark.parametrize("written", ["2022-10-30T00:00:00+02:00,2022-10-31T00:00:00+01:00",
                                     "2022-10-29T22:00:00Z,2022-10-30T23:00:00Z",
                                     "2022-10-30T00:00:00+01:00,2022-10-31T00:00:00+01:00"])
def test_a_calendar_day_is_keyed_on_paris_midnights(writable_db, written):
    fix = Path(__file__).resolve().parent / "fixtures"
    for dataset, name in [("counter_sites", "ecocompteur_sites.csv"), ("counter_channels", "ecocompteur_channels.csv"),
                          ("counter_measures", "ecocompteur_measures.csv")]:
        assert import_file(dataset, fix / name, writable_db).status == LOADED
    # Eco-Compteur writes 30/10/2022 « 00:00+01:00 » to « 00:00+01:00 »: the 25 hours of that date.
    day = ("SELECT start_datetime, utc_offset, end_datetime, end_utc_offset, count FROM counter_measures "
           "WHERE channel_id = '353226361' AND start_datetime::DATE = '2022-10-30'")
    assert rows(writable_db, day) == [(datetime(2022, 10, 30), 120, datetime(2022, 10, 31), 60, 15)]
    data = (MEASURE_HEADER + f"353226361,CPTTEST2031,{written},16\n").encode()
    result = import_file("counter_measures", data, writable_db, file_name="corr.csv")
    assert (result.status, result.inserted, result.updated) == (LOADED, 0, 1), result.message
    assert rows(writable_db, day) == [(datetime(2022, 10, 30), 120, datetime(2022, 10, 31), 60, 16)]


def test_a_stored_month_is_seen_by_the_overlap_check_of_a_later_hour(writable_db):
    # A month's total, then an hour inside it 19 days after its start: refused, naming the month.
    month = (MEASURE_HEADER + "demo-cpt-002-vel,C2,2025-03-01T00:00:00+01:00,2025-04-01T00:00:00+02:00,3000\n").encode()
    assert import_file("counter_measures", month, writable_db, file_name="mois.csv").status == LOADED
    before = sums(writable_db)
    hour = (MEASURE_HEADER + "demo-cpt-002-vel,C2,2025-03-20T08:00:00+01:00,2025-03-20T09:00:00+01:00,10\n").encode()
    refused = import_file("counter_measures", hour, writable_db, file_name="heure.csv")
    assert problems(refused.message) == [
        "ligne 2, start_datetime : « 2025-03-20T08:00:00+01:00 » chevauche la mesure déjà en base : "
        "de 2025-03-01T00:00:00+01:00 à 2025-04-01T00:00:00+02:00"]
    assert sums(writable_db) == before


LINE_3_WIDTH = "- ligne 3 : 6 valeurs pour 5 colonnes (séparateur « , » détecté sur la ligne d'en-tête)"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_more_than_a_thousand_lines_of_the_wrong_width_are_all_counted(writable_db, encoding):
    # 3 000 measures, every second count written « 1,5 » unquoted: 1 500 lines of 6 values. UTF-8
    # goes through the numbered copy (1 000 kept, the rest counted), Windows-1252 through Python.
    records = []
    for k in range(3000):
        start = datetime(2025, 1, 1) + timedelta(hours=k)
        end = start + timedelta(hours=1)
        records.append(f"demo-cpt-001-pie,C{'é' if encoding == 'cp1252' else ''},{start:%Y-%m-%dT%H:%M:%SZ},"
                       f"{end:%Y-%m-%dT%H:%M:%SZ},{'1,5' if k % 2 else '7'}\n")
    data = (MEASURE_HEADER + "".join(records)).encode(encoding)
    before = sums(writable_db)
    result = import_file("counter_measures", data, writable_db, file_name="largeur.csv")
    assert result.status == REFUSED
    assert result.message.splitlines()[0] == "Fichier refusé : 1500 erreurs sur 1500 lignes. Rien n'a été chargé."
    assert result.message.splitlines()[1] == LINE_3_WIDTH
    assert result.message.splitlines()[-1] == "- … et 1450 autres erreurs."
    assert (result.rows_read, result.rows_rejected) == (3000, 1500)
    assert sums(writable_db) == before


def test_overlaps_with_stored_measures_beyond_a_thousand_are_counted(writable_db):
    # 1 100 hours shifted by 30 minutes over the demonstration's hours of June 2024: each meets
    # the two stored hours around it. The first 1 000 problems are kept, the others counted.
    start = datetime(2024, 6, 1, 0, 30)
    body = "".join(f"demo-cpt-001-vel,C1,{start + timedelta(hours=k):%Y-%m-%dT%H:%M:%S}+02:00,,{k % 7}\n"
                   for k in range(1100))
    before = sums(writable_db)
    result = import_file("counter_measures", (MEASURE_HEADER + body).encode(), writable_db, file_name="decale.csv")
    assert result.message.splitlines()[0] == "Fichier refusé : 2200 erreurs sur 1100 lignes. Rien n'a été chargé."
    assert problems(result.message)[:2] == [
        "ligne 2, start_datetime : « 2024-06-01T00:30:00+02:00 » chevauche la mesure déjà en base : "
        "de 2024-06-01T00:00:00+02:00 à 2024-06-01T01:00:00+02:00",
        "ligne 2, start_datetime : « 2024-06-01T00:30:00+02:00 » chevauche la mesure déjà en base : "
        "de 2024-06-01T01:00:00+02:00 à 2024-06-01T02:00:00+02:00"]
    assert problems(result.message)[-1] == "… et 2150 autres erreurs."
    assert (result.rows_read, result.rows_rejected) == (1100, 1100)
    assert sums(writable_db) == before


# ------------------------------------------------------------------ bounded cost: caps before parsing

def test_an_xlsx_bomb_is_refused_before_it_is_read(writable_db):
    import zipfile
    before = sums(writable_db)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<row>" + " " * (210 * 2**20) + "</row>")
    data = out.getvalue()
    assert len(data) < 2 * 2**20
    result = import_file("events", data, writable_db, file_name="bombe.xlsx")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "classeur trop volumineux une fois décompressé (210 Mio ; limite 200 Mio) : il n'a pas été lu. "
        "Exportez la feuille en CSV ou découpez-la."]
    assert sums(writable_db) == before


def test_too_many_columns_or_cells_are_refused_naming_the_cap(writable_db, monkeypatch):
    from ecotransition.imports import readers
    wide = (";".join(f"c{k}" for k in range(301)) + "\n").encode()
    result = import_file("events", wide, writable_db, file_name="large.csv")
    assert problems(result.message) == ["301 colonnes sur la ligne d'en-tête (limite 300) : ce n'est pas un "
                                        "fichier de ce jeu de données."]
    monkeypatch.setattr(readers, "MAX_CELLS", 20)
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            + "Balade;14/09/2025;;Parc;62540;Parcs;80\n" * 3).encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert problems(result.message) == ["4 lignes × 7 colonnes = 28 cellules (limite 20) : découpez le fichier."]


def test_a_killed_import_leaves_no_temporary_file_after_the_next_one(writable_db):
    spill = writable_db.with_name(f".{writable_db.name}.import.upload.killed.tmp")
    copy = writable_db.with_name(f".{writable_db.name}.write.killed.tmp")
    # DuckDB's own spill folder of that copy, beyond the writer's memory limit (<copy>.tmp)
    spilled = copy.with_name(copy.name + ".tmp")
    spill.write_bytes(b"x" * 1000)
    copy.write_bytes(b"x" * 1000)
    spilled.mkdir()
    (spilled / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1000)
    assert import_file("events", CASES / "evenements_date_heure.csv", writable_db).status == LOADED
    assert not spill.exists() and not copy.exists() and not spilled.exists()


def test_a_full_disk_gives_a_french_message_and_changes_nothing(writable_db, monkeypatch, capsys):
    import errno

    from ecotransition.data import db as dbmod
    from ecotransition.imports.__main__ import main

    before = sums(writable_db)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dbmod.shutil, "copyfile", full)
    assert main(["events", str(CASES / "evenements_date_heure.csv"), "--db", str(writable_db), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Import impossible : disque plein" in err
    assert "Le refus sera inscrit dans l'historique des imports au prochain import réussi." in err
    monkeypatch.undo()
    assert sums(writable_db) == before
    assert not list(writable_db.parent.glob(f".{writable_db.name}.*.tmp*"))
    # The refusal is in the history as soon as a working copy can be written again, once.
    import_file("events", CASES / "evenements_date_heure.csv", writable_db)
    import_file("events", CASES / "evenements_date_heure.csv", writable_db)
    assert rows(writable_db, "SELECT dataset, file_name, status, message LIKE 'Import impossible : disque plein%' "
                             "FROM imports ORDER BY imported_at, rowid")[-3:] == [
        ("events", "evenements_date_heure.csv", "refusé", True),
        ("events", "evenements_date_heure.csv", "chargé", False),
        ("events", "evenements_date_heure.csv", "inchangé", False)]
    from ecotransition.imports import journal_path
    assert not journal_path(writable_db).exists()


def test_a_full_disk_that_cannot_take_the_history_either_says_so(writable_db, monkeypatch, capsys):
    import errno

    import ecotransition.imports as imports
    from ecotransition.data import db as dbmod
    from ecotransition.imports.__main__ import main

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dbmod.shutil, "copyfile", full)
    monkeypatch.setattr(imports, "_journal", full)
    assert main(["events", str(CASES / "evenements_date_heure.csv"), "--db", str(writable_db), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Import impossible : disque plein" in err
    assert "L'historique des imports n'a pas pu être complété non plus (disque plein" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ the data page's worker process

def test_the_worker_gives_the_same_result_as_the_command_line(writable_db):
    from ecotransition.imports.worker import import_in_worker
    steps = []
    result = import_in_worker("counter_measures", (CASES / "mesures_doublon_exact_utf8.csv").read_bytes(),
                              writable_db, "mesures.csv", progress=lambda f, m: steps.append((f, m)))
    assert (result.status, result.file_name) == (REFUSED, "mesures.csv")
    assert problems(result.message) == [DUPLICATE]
    assert steps[0] == (0.02, "Lecture du fichier") and steps[-1] == (1.0, "Fichier refusé")
    loaded = import_in_worker("solar_production", (CASES / "odre_agregation_moins_36kw.csv").read_bytes(),
                              writable_db, "registre.csv", snapshot_year=2024)
    assert loaded.status == LOADED and lens_sites(writable_db)[2024] == 251
    assert not list(writable_db.parent.glob(f".{writable_db.name}.import.*.tmp"))


def test_a_worker_out_of_time_changes_nothing_and_says_so(writable_db):
    from ecotransition.imports.worker import import_in_worker
    before = sums(writable_db)
    result = import_in_worker("events", (CASES / "evenements_date_heure.csv").read_bytes(), writable_db,
                              "agenda.csv", time_limit=0.05)
    assert result.status == REFUSED
    assert result.message.startswith("Import impossible : l'import s'est arrêté avant la fin")
    assert sums(writable_db) == before


def test_the_worker_reports_a_database_held_by_another_program(writable_db):
    from ecotransition.imports.worker import import_in_worker
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(60)", str(writable_db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(DatabaseBusy, match="ouverte en écriture par un autre programme"):
            import_in_worker("events", (CASES / "evenements_date_heure.csv").read_bytes(), writable_db, "a.csv")
    finally:
        holder.kill()
        holder.wait()


def test_a_file_name_loses_its_invisible_characters(writable_db):
    result = import_file("events", (CASES / "evenements_date_heure.csv").read_bytes(), writable_db,
                         file_name="agenda\u202egnp.exe\u200b.csv")
    assert result.file_name == "agendagnp.exe.csv"
    assert rows(writable_db, "SELECT file_name FROM imports ORDER BY imported_at DESC LIMIT 1") == [
        ("agendagnp.exe.csv",)]



# ------------------------------------------------------------------ found by trying to break it

def test_a_repeated_enedis_or_register_row_is_refused_not_added(writable_db):
    before = sums(writable_db)
    enedis = ("annee;code_commune;nom_commune;domaine_de_tension;nb_sites_photovoltaique_enedis;"
              "energie_produite_annuelle_photovoltaique_enedis_mwh\n2025;62498;Lens;BT < 36 kVA;412;2301,5\n"
              "2025;62498;Lens;BT < 36 kVA;412;2301,5\n2025;62498;Lens;HTA;3;850\n").encode()
    result = import_file("solar_production", enedis, writable_db, file_name="enedis.csv")
    assert problems(result.message) == ["ligne 3, code_commune : « 62498 » en double : même commune, même année "
                                        "et même domaine de tension qu'à la ligne 2"]
    odre = (CASES / "odre_agregation_moins_36kw.csv").read_bytes()
    result = import_file("solar_production", odre + odre.splitlines(keepends=True)[-1], writable_db,
                         file_name="registre.csv")
    assert problems(result.message) == ["ligne 4, codeinseecommune : « 62498 » en double : même installation du "
                                        "registre qu'à la ligne 3"]
    assert sums(writable_db) == before


def test_a_date_with_an_invalid_time_names_the_time_part(writable_db):
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            "A;14/09/2025 25:00;;Parc;62540;Parcs;1\nB;2025-09-14T23:30:00+02:00;;Parc;62540;Parcs;1\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert problems(result.message) == [
        "ligne 2, date_debut : « 14/09/2025 25:00 » n'est pas une date : la partie heure n'est pas valide (une "
        "heure valide est acceptée, seule la date est gardée)"]


def test_a_title_without_separators_and_a_very_wide_header(writable_db):
    data = ("Production solaire 2025 – export\n"
            "annee;code_commune;nom_commune;nb_sites_photovoltaique_enedis\n2025;62498;Lens;3\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="export.csv")
    assert problems(result.message)[0].startswith("ligne 1 : l'en-tête semble être à la ligne 2")
    wide = (";".join(f"c{k}" for k in range(20_005)) + "\n").encode()
    result = import_file("events", wide, writable_db, file_name="large.csv")
    assert problems(result.message) == ["20005 colonnes sur la ligne d'en-tête (limite 300) : ce n'est pas un "
                                        "fichier de ce jeu de données."]


def test_checksums_see_swapped_values_and_repeated_rows(tmp_path):
    from ecotransition.data.db import checksums
    sums_of = []
    for data in ([("a", 1), ("b", 2)], [("a", 2), ("b", 1)], [("a", 1), ("a", 1)], [("b", 2), ("b", 2)]):
        with duckdb.connect() as c:
            c.execute("CREATE TABLE t (k VARCHAR, v INTEGER)")
            c.executemany("INSERT INTO t VALUES (?, ?)", data)
            sums_of.append(checksums(c, ["t"])["t"])
    assert len(set(sums_of)) == 4


# ------------------------------------------------------------------ one number rule

NOT_NUMBERS = ["0x10", "0X1F", "1_000", "1e3", ".5e1"]


@pytest.mark.parametrize("variant", ["utf-8 (fast path)", "utf-8 offsets", "windows-1252", "xlsx", "cli"])
def test_hexadecimal_underscores_and_exponents_are_not_counts_whatever_the_path(writable_db, tmp_path, variant):
    """DuckDB's casts read « 0x10 » as 16, « 1_000 » as 1000, « 1e3 » as 1000: the text is checked
    first, the same way in every reader; « 12,0 » and « 12.0 » are the whole count 12 alike."""
    before = sums(writable_db)
    channel = "demo-cpt-001-vel" if variant != "windows-1252" else "demo-cpt-001-vél"
    instants = [f"2025-06-02T{h:02d}:00:00Z" for h in range(len(NOT_NUMBERS))]
    if variant == "utf-8 offsets":
        instants = [f"2025-06-02T{h:02d}:00:00+02:00" for h in range(len(NOT_NUMBERS))]
    records = [[channel, "CPT1", s, "", v] for s, v in zip(instants, NOT_NUMBERS)]
    text = MEASURE_HEADER + "".join(",".join(r) + "\n" for r in records)
    data = xlsx(MEASURE_HEADER.strip().split(","), *records) if variant == "xlsx" else \
        text.encode("cp1252" if variant == "windows-1252" else "utf-8")
    expected = [f"ligne {k + 2}, count : « {v} » n'est pas un nombre entier" for k, v in enumerate(NOT_NUMBERS)]
    if variant == "cli":
        path = tmp_path / "mesures.csv"
        path.write_bytes(data)
        done = cli("counter_measures", str(path), "--db", str(writable_db))
        assert done.returncode == 1
        assert all(e in done.stderr for e in expected), done.stderr
    else:
        result = import_file("counter_measures", data, writable_db,
                             file_name="mesures.xlsx" if variant == "xlsx" else "mesures.csv")
        assert result.status == REFUSED
        assert [p for p in problems(result.message) if "canal" not in p] == expected
    assert sums(writable_db) == before


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "xlsx"])
def test_a_whole_count_with_a_decimal_comma_or_point_is_the_same_count(writable_db, encoding):
    records = [["demo-cpt-001-vel", "CPT1", "2025-06-02T08:00:00Z", "", "12,0"],
               ["demo-cpt-001-vel", "CPT1", "2025-06-02T09:00:00Z", "", "12.0"],
               ["demo-cpt-001-vel", "CPT1", "2025-06-02T10:00:00Z", "", "+12"]]
    text = MEASURE_HEADER + "".join(",".join(f'"{c}"' if "," in c else c for c in r) + "\n" for r in records)
    if encoding == "cp1252":
        text = text.replace("CPT1", "CPTé")
    data = xlsx(MEASURE_HEADER.strip().split(","), *records) if encoding == "xlsx" else text.encode(encoding)
    result = import_file("counter_measures", data, writable_db,
                         file_name="mesures.xlsx" if encoding == "xlsx" else "mesures.csv")
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT hour(start_datetime), count FROM counter_measures WHERE channel_id = "
                             "'demo-cpt-001-vel' AND start_datetime::DATE = DATE '2025-06-02' "
                             "AND hour(start_datetime) BETWEEN 10 AND 12 ORDER BY 1") == [(10, 12), (11, 12), (12, 12)]


@pytest.mark.parametrize("value, stored", [("0x10", None), ("1_000", None), ("1e3", None), ("12,5", 12.5),
                                           ("1 234,5", 1234.5), ("-0.5", -0.5)])
def test_indicator_values_follow_the_same_number_rule(writable_db, value, stored):
    data = ("id;annee;libelle;valeur;unite\n"
            f"test_nombre;2024;Essai;{value};%\n").encode()
    result = import_file("indicators", data, writable_db, file_name="indicateurs.csv")
    if stored is None:
        assert result.status == REFUSED
        assert problems(result.message) == [f"ligne 2, valeur : « {value} » n'est pas un nombre"]
    else:
        assert result.status == LOADED, result.message
        assert rows(writable_db, "SELECT value FROM indicators WHERE id = 'test_nombre'") == [(stored,)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_four_digit_code_no_lost_zero_explains_is_refused_not_outside(writable_db, kind):
    """« 6249 » on a Lens row (e_4digit.csv): 06249 is no commune, so it is not « hors territoire »."""
    before = sums(writable_db)
    header = ["annee", "code_commune", "nom_commune", "nb_sites_photovoltaique_enedis"]
    records = [["2025", "6249", "Lens", "412"], ["2025", "62119", "Béthune", "388"]]
    data = xlsx(header, *records) if kind == "xlsx" else \
        (";".join(header) + "\n" + "".join(";".join(r) + "\n" for r in records)).encode()
    result = import_file("solar_production", data, writable_db, file_name=f"enedis.{kind}")
    assert result.status == REFUSED
    assert problems(result.message) == ["ligne 2, code_commune : « 6249 » n'est pas un code commune INSEE (5 chiffres)"]
    assert "hors des communes" not in result.message
    assert sums(writable_db) == before


# ------------------------------------------------------------------ plausible dates, register snapshot

@pytest.fixture()
def app_day(monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2026-11-30")


@pytest.mark.parametrize("variant", ["utf-8 (fast path)", "windows-1252", "xlsx"])
def test_measures_outside_the_plausible_range_are_refused_naming_the_cell(writable_db, app_day, variant):
    """From 2000 to the app's day + 2 days (README « Dates plausibles »): a year 9999 would read as
    « never late », a year 1900 as history."""
    before = sums(writable_db)
    channel = "demo-cpt-001-vél" if variant == "windows-1252" else "demo-cpt-001-vel"
    records = [[channel, "C", "2025-06-02T06:00:00Z", "", "4"],
               [channel, "C", "9999-12-31T22:00:00Z", "", "5"],
               [channel, "C", "1900-06-02T06:00:00Z", "", "6"],
               [channel, "C", "2026-12-02T21:00:00Z", "2026-12-02T22:00:00Z", "7"],   # 22:00-23:00 on the 2nd
               [channel, "C", "2026-12-02T23:00:00Z", "", "8"]]                       # 3 December in Paris
    text = MEASURE_HEADER + "".join(",".join(r) + "\n" for r in records)
    data = xlsx(MEASURE_HEADER.strip().split(","), *records) if variant == "xlsx" else \
        text.encode("cp1252" if variant == "windows-1252" else "utf-8")
    result = import_file("counter_measures", data, writable_db,
                         file_name="mesures.xlsx" if variant == "xlsx" else "mesures.csv")
    assert result.status == REFUSED
    assert [p for p in problems(result.message) if "canal" not in p] == [
        "ligne 3, start_datetime : « 9999-12-31T22:00:00Z » est postérieure au 02/12/2026 (date du jour + 2 jours) "
        ": date non plausible",
        "ligne 4, start_datetime : « 1900-06-02T06:00:00Z » est antérieure au 01/01/2000 : date non plausible",
        "ligne 6, start_datetime : « 2026-12-02T23:00:00Z » est postérieure au 02/12/2026 (date du jour + 2 jours) "
        ": date non plausible"]
    assert sums(writable_db) == before


def test_events_may_be_announced_but_not_centuries_ahead(writable_db, app_day):
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            "Fête 2030;14/09/2030;;Parc;62540;Parcs;80\n"
            "Faute de frappe;14/09/2205;;Parc;62540;Parcs;80\n"
            "Ancienne;14/09/1995;;Parc;62540;Parcs;80\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 3, date_debut : « 14/09/2205 » est postérieure au 29/11/2031 (date du jour + 5 ans) : "
        "date non plausible",
        "ligne 4, date_debut : « 14/09/1995 » est antérieure au 01/01/2000 : date non plausible"]


@pytest.mark.parametrize("snapshot, reason", [
    (2030, "millésime du registre 2030 (indiqué à l'import) : postérieur à l'année en cours (2026) ; indiquez "
           "l'année de l'extraction"),
    (2019, "millésime du registre 2019 (indiqué à l'import) : antérieur à la dernière mise en service du fichier "
           "(2021) ; indiquez l'année de l'extraction"),
])
def test_a_register_snapshot_in_the_future_or_before_its_installations_is_refused(writable_db, app_day,
                                                                                  snapshot, reason):
    before = sums(writable_db)
    result = import_file("solar_production", CASES / "odre_agregation_moins_36kw.csv", writable_db,
                         snapshot_year=snapshot)
    assert result.status == REFUSED
    assert problems(result.message) == [reason]
    assert sums(writable_db) == before


def test_an_aggregated_register_row_without_a_date_is_the_stock_at_the_snapshot(writable_db, app_day):
    """o_nodate.csv: « Agrégation… », 250 installations, no commissioning date: not dropped."""
    before = lens_sites(writable_db)
    data = ("nominstallation;codeinseecommune;commune;codefiliere;filiere;datemiseenservice;puismaxinstallee;"
            "nbinstallations\n"
            "Agrégation des installations de moins de 36KW;62498;Lens;SOLAI;Solaire;;1450,5;250\n"
            "Centrale toiture entrepôt (exemple);62498;Lens;SOLAI;Solaire;15/03/2021;100;1\n"
            "Sans date ni agrégation;62498;Lens;SOLAI;Solaire;;10;1\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="registre.csv", snapshot_year=2024)
    assert result.status == LOADED, result.message
    after = lens_sites(writable_db)
    assert {y: n for y, n in after.items() if y < 2021} == {y: n for y, n in before.items() if y < 2021}
    assert [after[y] for y in (2021, 2022, 2023, 2024)] == [1, 1, 1, 251]
    assert rows(writable_db, "SELECT power_kw FROM solar_production WHERE commune_code = '62498' AND year = 2024"
                ) == [(1550.5,)]
    assert "1 ligne agrégeant plusieurs installations comptée à partir de 2024" in result.message
    assert "1 ligne d'installations solaires sans date de mise en service ignorée" in result.message


def test_a_file_cannot_call_its_rows_demonstration_data(writable_db):
    # A re-check tester's N7: an agenda whose `source` said « démonstration » put the demonstration
    # badge on real imported rows. That word is the app's own mark of the rows it generates.
    before = sums(writable_db)
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants;source\n"
            "Fête A;20/09/2025;;Parc;62540;Fête;10;Mairie de Lens\n"
            "Fête B;21/09/2025;;Parc;62540;Fête;10; Démonstration \n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 3, source : « Démonstration » est réservé aux données de démonstration que l'application génère : "
        "indiquez la source réelle de la ligne, ou laissez la cellule vide"]
    assert sums(writable_db) == before
