"""Reading and refusing (issue #14, a fresh tester's items 1, 3, 2, 11): a file is read as what it
is whatever its line endings or its name, anything DuckDB's reader raises becomes a French refusal
in the import history, a large file's refusal names its lines, and the small things said once.

Each test runs on a private copy of the built database (writable_db); a refusal must leave every
data table exactly as it was (checksums) and add one « refusé » row to the import history.
"""

from __future__ import annotations

import gzip
import subprocess
import sys

import duckdb
import pytest

from conftest import ROOT
from conftest import data_sums as sums
from conftest import rows
from ecotransition import imports
from ecotransition.imports import LOADED, REFUSED, import_file, readers, validate

HEADER = "channel_id,counter_id,start_datetime,end_datetime,count"
TWO = ["demo-cpt-001-vel,CPT1,2025-06-02T08:00:00+02:00,2025-06-02T09:00:00+02:00,40",
       "demo-cpt-001-vel,CPT1,2025-06-02T09:00:00+02:00,2025-06-02T10:00:00+02:00,41"]
TWO_Z = ["demo-cpt-001-vel,CPT1,2025-06-02T06:00:00Z,2025-06-02T07:00:00Z,40",
         "demo-cpt-001-vel,CPT1,2025-06-02T07:00:00Z,2025-06-02T08:00:00Z,41"]


def problems(message: str) -> list[str]:
    return [m[2:] for m in message.splitlines()[1:]]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecotransition.imports", *args, "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def stored(db) -> list[tuple]:
    """The two hours of 2 June 2025 08:00-10:00 (Paris) of the tests' channel."""
    return rows(db, "SELECT start_datetime::VARCHAR, count FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                    "AND start_datetime >= TIMESTAMP '2025-06-02 08:00' AND start_datetime < TIMESTAMP '2025-06-02 10:00' "
                    "ORDER BY 1")


def history(db) -> list[tuple]:
    return rows(db, "SELECT status, file_name FROM imports ORDER BY imported_at")


# ------------------------------------------------------------------ item 1: line endings

ENDINGS = {
    "CRLF and a final blank LF line": lambda lines: "\r\n".join(lines) + "\r\n\n",
    "LF then CRLF": lambda lines: lines[0] + "\n" + lines[1] + "\r\n" + lines[2] + "\r\n",
    "CRLF header then LF": lambda lines: lines[0] + "\r\n" + "\n".join(lines[1:]) + "\n",
    "CRLF without a final one": lambda lines: "\r\n".join(lines),
    "CR only": lambda lines: "\r".join(lines) + "\r",
}


@pytest.mark.parametrize("instants", ["offsets", "Z"])
@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_any_line_endings_load_the_same_rows(writable_db, tmp_path, ending, encoding, instants):
    lines = [HEADER, *(TWO if instants == "offsets" else TWO_Z)]
    if encoding == "cp1252":   # an accented counter id: not UTF-8, read in Python
        lines = [line.replace("CPT1", "CPTé") for line in lines]
    path = tmp_path / "mesures.csv"
    path.write_bytes(ENDINGS[ending](lines).encode(encoding))
    result = import_file("counter_measures", path, writable_db)
    assert (result.status, result.rows_read, result.rows_loaded) == (LOADED, 2, 2), result.message
    assert stored(writable_db) == [("2025-06-02 08:00:00", 40), ("2025-06-02 09:00:00", 41)]


def test_mixed_line_endings_with_a_duplicate_are_refused_naming_both_lines(writable_db, tmp_path):
    before = sums(writable_db)
    lines = [HEADER, *TWO_Z, TWO_Z[0]]
    path = tmp_path / "mixte.csv"
    path.write_bytes((lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r\n" + lines[3] + "\r\n\n").encode())
    done = cli("counter_measures", str(path), "--db", str(writable_db))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[1:] == [
        "- ligne 4, start_datetime : « 2025-06-02T06:00:00Z » en double : même canal et même début qu'à la ligne 2"]
    assert sums(writable_db) == before
    assert history(writable_db)[-1] == ("refusé", "mixte.csv")


@pytest.mark.parametrize("raised, said", [
    (duckdb.InvalidInputException("Error when sniffing file … Line: 7 … state machine reached an invalid state"),
     "ligne 7 : le fichier n'a pas pu être lu (message du lecteur : Error when sniffing file … Line: 7 … state "
     "machine reached an invalid state)"),
    (duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 256.0 KiB"),
     "mémoire insuffisante pour vérifier ce fichier : rien n'a été chargé. Découpez le fichier (par exemple par "
     "mois) et importez les parties l'une après l'autre."),
])
def test_whatever_duckdb_raises_while_reading_is_a_logged_french_refusal(writable_db, tmp_path, monkeypatch,
                                                                          raised, said):
    def fails(*args, **kwargs):
        raise raised

    monkeypatch.setattr(imports, "stage_csv_typed", fails)
    monkeypatch.setattr(imports, "stage_csv", fails)
    before = sums(writable_db)
    path = tmp_path / "m.csv"
    path.write_text("\n".join([HEADER, *TWO_Z]) + "\n")
    result = import_file("counter_measures", path, writable_db)
    assert result.status == REFUSED
    assert problems(result.message) == [said]
    assert sums(writable_db) == before
    assert history(writable_db)[-1] == ("refusé", "m.csv")


# ------------------------------------------------------------------ item 3: a name is not a format

@pytest.mark.parametrize("name", ["mesures.csv.gz", "mesures.csv.zst", "mesures.gz"])
def test_a_plain_csv_named_as_compressed_is_read_as_it_is(writable_db, tmp_path, name):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *TWO_Z]) + "\n")
    done = cli("counter_measures", str(path), "--db", str(writable_db))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Chargé : 2 lignes chargées (2 nouvelles, 0 mise à jour) sur 2 lues.")
    assert stored(writable_db) == [("2025-06-02 08:00:00", 40), ("2025-06-02 09:00:00", 41)]


COMPRESSED = ("fichier compressé (gzip) : décompressez-le puis importez le fichier CSV ou XLSX qu'il contient.")


@pytest.mark.parametrize("dataset, text, name", [
    ("counter_measures", "\n".join([HEADER, *TWO_Z]) + "\n", "mesures.csv.gz"),
    ("counter_measures", "\n".join([HEADER, *TWO_Z]) + "\n", "mesures.csv"),
    ("events", "titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
               "Balade;14/09/2025;14/09/2025;Parc;62540;Parcs;80\n", "agenda.csv.gz"),
])
def test_a_real_gzip_file_is_refused_in_french_whatever_its_name(writable_db, tmp_path, dataset, text, name):
    before = sums(writable_db)
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()))
    done = cli(dataset, str(path), "--db", str(writable_db))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[1:] == ["- " + COMPRESSED]
    assert sums(writable_db) == before
    assert history(writable_db)[-1] == ("refusé", name)


# ------------------------------------------------------------------ item 2: a large file, one bad row

ROWS = 50_000


def large(path, last: str | None) -> list[str]:
    """ROWS hourly measures from 2019-01-01 00:00Z (the schema's own writing), then `last`."""
    con = duckdb.connect()
    lines = [r[0] for r in con.execute(
        "SELECT concat_ws(',', 'demo-cpt-001-vel', 'CPT1', strftime(t, '%Y-%m-%dT%H:%M:%SZ'), "
        "strftime(t + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%SZ'), (h % 50)::VARCHAR) "
        "FROM (SELECT h, TIMESTAMP '2019-01-01' + to_hours(h) AS t FROM range($n) r(h)) ORDER BY h",
        {"n": ROWS}).fetchall()]
    con.close()
    path.write_text("\n".join([HEADER, *lines, *([last] if last else [])]) + "\n")
    return lines


@pytest.fixture()
def no_whole_read(monkeypatch):
    """The detailed check of a large file must not read it whole in Python (memory would grow
    with the file), and details past the cells' cap: the cap is made small here."""
    monkeypatch.setattr(readers, "MAX_CELLS", 100_000)

    def whole_read(*args, **kwargs):
        raise AssertionError("the file was read whole in Python")

    monkeypatch.setattr(imports, "read_table", whole_read)


@pytest.mark.parametrize("bad, said", [
    ("duplicate", "ligne 50002, start_datetime : « 2019-01-01T18:00:00Z » en double : même canal et même début "
                  "qu'à la ligne 20"),
    ("12,5", "ligne 50002, count : « 12,5 » n'est pas un nombre entier"),
    ("short", "ligne 50002 : 4 valeurs pour 5 colonnes (séparateur « , » détecté sur la ligne d'en-tête)"),
])
def test_one_bad_row_of_a_large_file_is_named_by_line_column_and_reason(writable_db, tmp_path, no_whole_read,
                                                                        bad, said):
    before = sums(writable_db)
    path = tmp_path / "grand.csv"
    first = large(path, None)
    after = "demo-cpt-001-vel,CPT1,2024-09-14T08:00:00Z,2024-09-14T09:00:00Z"   # the hour after the last
    assert first[-1].startswith("demo-cpt-001-vel,CPT1,2024-09-14T07:00:00Z,")
    last = {"duplicate": first[18], "12,5": after + ',"12,5"', "short": after}[bad]
    with open(path, "a") as fh:
        fh.write(last + "\n")
    result = import_file("counter_measures", path, writable_db)
    assert result.status == REFUSED
    assert problems(result.message) == [said]
    assert (result.rows_read, result.rows_rejected) == (ROWS + 1, 1)
    assert sums(writable_db) == before
    assert history(writable_db)[-1] == ("refusé", "grand.csv")


def test_many_bad_rows_of_a_large_file_show_the_first_ones(writable_db, tmp_path, no_whole_read):
    path = tmp_path / "grand.csv"
    first = large(path, None)
    with open(path, "a") as fh:
        fh.writelines(line.rsplit(",", 1)[0] + ",x\n" for line in first[:60])
    result = import_file("counter_measures", path, writable_db)
    assert result.status == REFUSED
    assert result.message.splitlines()[0] == "Fichier refusé : 120 erreurs sur 60 lignes. Rien n'a été chargé."
    # Type problems first (phase 1), each with its line, column and reason; then the count of the rest.
    assert problems(result.message) == [f"ligne {50002 + k}, count : « x » n'est pas un nombre entier"
                                        for k in range(50)] + ["… et 70 autres erreurs."]
    # Both lines of each duplicate are known, beyond the ones shown.
    assert str(result.issues[60]) == ("ligne 50002, start_datetime : « 2019-01-01T00:00:00Z » en double : même canal "
                                      "et même début qu'à la ligne 2")


# ------------------------------------------------------------------ item 11: said once, in French

def test_a_missing_file_is_one_french_sentence(writable_db, tmp_path):
    done = cli("counter_measures", str(tmp_path / "absent.csv"), "--db", str(writable_db))
    assert (done.returncode, done.stderr) == (1, f"Import impossible : le fichier {tmp_path / 'absent.csv'} "
                                                 "est introuvable.\n")


TITLE = "l'en-tête semble être à la ligne 2 : supprimez la ou les lignes de titre au-dessus, puis importez de nouveau"


def test_a_title_row_is_said_once_in_a_large_measures_file(writable_db, tmp_path):
    path = tmp_path / "titre.csv"
    path.write_text("Comptages vélo 2025\n" + HEADER + "\n"
                    + "".join(f"demo-cpt-001-vel,CPT1,2019-01-01T{h:02d}:00:00Z,,1\n" for h in range(20)) * 50)
    result = import_file("counter_measures", path, writable_db)
    assert problems(result.message) == [f"ligne 1 : {TITLE}",
                                        "ligne 1 : format reconnu à la ligne 2 : schéma comptage des mobilités – mesures"]


def test_a_title_row_above_an_enedis_header_names_the_enedis_format(writable_db):
    data = ("Production photovoltaïque 2025\n"
            "annee;code_commune;nom_commune;code_epci;domaine_de_tension;nb_sites_photovoltaique_enedis;"
            "energie_produite_annuelle_photovoltaique_enedis_mwh\n"
            "2025;62498;Lens;246200364;BT < 36 kVA;412;2301,5\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="enedis.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        f"ligne 1 : {TITLE}",
        "ligne 1 : format reconnu à la ligne 2 : Enedis – production électrique par filière à la maille commune"]


def test_a_naive_time_in_the_march_gap_is_refused_once(writable_db):
    data = (HEADER + "\ndemo-cpt-001-vel,CPT1,2025-03-30T02:30:00,2025-03-30T03:30:00,4\n").encode()
    result = import_file("counter_measures", data, writable_db, file_name="mars.csv")
    assert problems(result.message) == [
        "ligne 2, start_datetime : « 2025-03-30T02:30:00 » heure inexistante : passage à l'heure d'été (l'heure de "
        "2 h à 3 h est sautée ; indiquez le décalage, par exemple +01:00)"]


def test_the_writer_never_draws_duckdbs_progress_bar():
    con = duckdb.connect()
    validate.install_macros(con)
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall() == [(False,)]


def test_invisible_characters_of_a_quoted_value_are_shown(writable_db):
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            "Balade;14/09/2025;14/09/2025;Parc;62540;Parcs;8\u200b0\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert problems(result.message) == ["ligne 2, participants : « 8<U+200B>0 » n'est pas un nombre entier"]
    assert str(validate.Issue(1, 3, "titre", "Bal\u200bade\u202e", "en double")) == \
        "ligne 3, titre : « Bal<U+200B>ade<U+202E> » en double"


def test_the_data_pages_worker_names_the_bad_row_of_a_large_file(writable_db, tmp_path):
    from ecotransition.imports.worker import import_in_worker

    before = sums(writable_db)
    path = tmp_path / "grand.csv"
    first = large(path, None)
    data = path.read_bytes() + (first[18] + "\n").encode()
    result = import_in_worker("counter_measures", data, writable_db, "grand.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 50002, start_datetime : « 2019-01-01T18:00:00Z » en double : même canal et même début qu'à la ligne 20"]
    assert sums(writable_db) == before
    assert history(writable_db)[-1] == ("refusé", "grand.csv")


def test_the_data_pages_worker_reads_mixed_line_endings(writable_db):
    from ecotransition.imports.worker import import_in_worker

    data = (HEADER + "\r\n" + TWO_Z[0] + "\n" + TWO_Z[1] + "\r\n\n").encode()
    result = import_in_worker("counter_measures", data, writable_db, "mixte.csv")
    assert (result.status, result.rows_loaded) == (LOADED, 2), result.message
    assert stored(writable_db) == [("2025-06-02 08:00:00", 40), ("2025-06-02 09:00:00", 41)]


@pytest.mark.parametrize("bad", [False, True])
def test_a_large_windows_1252_file_is_read_by_duckdb_beyond_the_cells_cap(writable_db, tmp_path, no_whole_read, bad):
    before = sums(writable_db)
    path = tmp_path / "grand.csv"
    first = large(path, None)
    text = path.read_text().replace(",CPT1,", ",CPTé,") + (first[18].replace(",CPT1,", ",CPTé,") + "\n" if bad else "")
    path.write_bytes(text.encode("cp1252"))
    result = import_file("counter_measures", path, writable_db)
    if bad:
        assert result.status == REFUSED
        assert problems(result.message) == [
            "ligne 50002, start_datetime : « 2019-01-01T18:00:00Z » en double : même canal et même début "
            "qu'à la ligne 20"]
        assert sums(writable_db) == before
    else:
        assert (result.status, result.rows_read, result.encoding) == (LOADED, ROWS, "Windows-1252"), result.message
        assert rows(writable_db, "SELECT count FROM counter_measures WHERE channel_id = 'demo-cpt-001-vel' "
                                 "AND start_datetime = TIMESTAMP '2019-01-01 19:00:00'") == [(18,)]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_a_fraction_of_a_second_is_refused_naming_the_cell(writable_db, encoding):
    before = sums(writable_db)
    counter = "CPT1" if encoding == "utf-8" else "CPTé"
    data = (HEADER + f"\ndemo-cpt-001-vel,{counter},2025-02-15T10:00:00.5Z,2025-02-15T11:00:00Z,7\n").encode(encoding)
    result = import_file("counter_measures", data, writable_db, file_name="fraction.csv")
    assert problems(result.message) == [
        "ligne 2, start_datetime : « 2025-02-15T10:00:00.5Z » fraction de seconde : un début ou une fin de mesure "
        "s'écrit à la seconde près (par exemple 2025-02-15T10:00:00Z)"]
    assert sums(writable_db) == before
