"""Imports (issue #14, a re-check tester's findings): measures that overlap, « 1.000 » read as 1,
settings, counts in messages, the load's own failures. Each test runs on a private copy of the
built database (writable_db); a refusal must leave every data table as it was (checksums).
"""

from __future__ import annotations

import duckdb
import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, import_file
from test_import_cases import CASES, MEASURE_HEADER, cli, problems, xlsx

CH = "demo-cpt-001-vel"
HEAD = MEASURE_HEADER.strip().split(",")


def encode(records: list[list[str]], variant: str) -> tuple[bytes, str]:
    """The records as a measures file of the variant: the UTF-8 fast path, Windows-1252 (an accented
    counter id), XLSX text cells; and its name."""
    if variant == "xlsx":
        return xlsx(HEAD, *records), "mesures.xlsx"
    text = MEASURE_HEADER + "".join(",".join(r) + "\n" for r in records)
    if variant == "windows-1252":
        return text.replace(",C,", ",Cé,").encode("cp1252"), "mesures.csv"
    return text.encode(), "mesures.csv"


def run(db, tmp_path, records, variant):
    """(refused?, problems) of importing the records, through import_file or the CLI."""
    data, name = encode(records, "utf-8" if variant in ("cli", "page") else variant)
    if variant == "page":   # /donnees: the upload imported by a worker process (imports.worker)
        from ecotransition.imports.worker import import_in_worker
        result = import_in_worker("counter_measures", data, db, name)
        return result.status == REFUSED, problems(result.message)
    if variant == "cli":
        path = tmp_path / name
        path.write_bytes(data)
        done = cli("counter_measures", str(path), "--db", str(db))
        return done.returncode == 1, [line[2:] for line in done.stderr.splitlines() if line.startswith("- ")]
    result = import_file("counter_measures", data, db, file_name=name)
    return result.status == REFUSED, problems(result.message)


def hour_count(db, hour: str) -> list[tuple]:
    return rows(db, "SELECT count(*), sum(count) FROM counter_measures WHERE channel_id = $c "
                    "AND start_datetime >= $h::TIMESTAMP AND start_datetime < $h::TIMESTAMP + INTERVAL 1 HOUR",
                c=CH, h=hour)


# ------------------------------------------------------------------ 1. overlapping measures

VARIANTS = ["utf-8 offsets", "utf-8 (fast path)", "windows-1252", "xlsx", "cli", "page"]


def z(local: str) -> str:
    """A June instant written « +02:00 » as the schema writes it, in UTC (…Z)."""
    from datetime import datetime, timezone
    return datetime.fromisoformat(local).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("variant", VARIANTS)
def test_overlapping_measures_of_a_channel_are_refused_naming_both_lines(writable_db, tmp_path, variant):
    """10:00-11:00, 10:30-11:30 and 10:00:30-11:00:30: the hour counted 18 before."""
    before = sums(writable_db)
    spans = [("2025-06-02T10:00:00+02:00", "2025-06-02T11:00:00+02:00"),
             ("2025-06-02T10:30:00+02:00", "2025-06-02T11:30:00+02:00"),
             ("2025-06-02T10:00:30+02:00", "2025-06-02T11:00:30+02:00")]
    written = [(z(s), z(e)) for s, e in spans] if variant in ("utf-8 (fast path)", "cli", "page") else spans
    refused, said = run(writable_db, tmp_path, [[CH, "C", s, e, "6"] for s, e in written], variant)
    assert refused
    assert said == [
        f"ligne 3, start_datetime : « {written[1][0]} » chevauche la mesure de la ligne 4 "
        "(de 2025-06-02T10:00:30+02:00 à 2025-06-02T11:00:30+02:00)",
        f"ligne 4, start_datetime : « {written[2][0]} » chevauche la mesure de la ligne 2 "
        "(de 2025-06-02T10:00:00+02:00 à 2025-06-02T11:00:00+02:00)"]
    assert sums(writable_db) == before
    assert hour_count(writable_db, "2025-06-02 10:00") == [(0, None)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_measure_overlapping_a_stored_one_is_refused_a_same_instant_one_corrects_it(writable_db, tmp_path,
                                                                                        variant):
    stored = [[CH, "C", "2025-06-02T10:00:00+02:00", "2025-06-02T11:00:00+02:00", "6"],
              [CH, "C", "2025-06-02T11:00:00+02:00", "2025-06-02T12:00:00+02:00", "7"]]
    assert import_file("counter_measures", encode(stored, "utf-8")[0], writable_db,
                       file_name="avant.csv").status == LOADED
    before = sums(writable_db)
    start, end = "2025-06-02T10:30:00+02:00", "2025-06-02T11:30:00+02:00"
    if variant in ("utf-8 (fast path)", "cli", "page"):
        start, end = z(start), z(end)
    refused, said = run(writable_db, tmp_path, [[CH, "C", start, end, "5"]], variant)
    assert refused
    assert said == [
        f"ligne 2, start_datetime : « {start} » chevauche la mesure déjà en base : "
        "de 2025-06-02T10:00:00+02:00 à 2025-06-02T11:00:00+02:00",
        f"ligne 2, start_datetime : « {start} » chevauche la mesure déjà en base : "
        "de 2025-06-02T11:00:00+02:00 à 2025-06-02T12:00:00+02:00"]
    assert sums(writable_db) == before
    # The same channel and start instant is a correction: it replaces the stored measure.
    start, end = "2025-06-02T10:00:00+02:00", "2025-06-02T11:00:00+02:00"
    if variant in ("utf-8 (fast path)", "cli", "page"):
        start, end = z(start), z(end)
    refused, said = run(writable_db, tmp_path, [[CH, "C", start, end, "9"]], variant)
    assert not refused, said
    assert hour_count(writable_db, "2025-06-02 10:00") == [(1, 9)]
    assert hour_count(writable_db, "2025-06-02 11:00") == [(1, 7)]


def test_a_longer_measure_that_overlaps_nothing_is_accepted(writable_db):
    """A 90-minute measure after an outage, between hourly ones (README « Mesures qui se chevauchent »)."""
    records = [[CH, "C", "2025-06-02T08:00:00Z", "2025-06-02T09:00:00Z", "4"],
               [CH, "C", "2025-06-02T09:00:00Z", "2025-06-02T10:30:00Z", "9"],
               [CH, "C", "2025-06-02T10:30:00Z", "2025-06-02T11:30:00Z", "3"]]
    result = import_file("counter_measures", encode(records, "utf-8")[0], writable_db, file_name="m.csv")
    assert (result.status, result.rows_loaded) == (LOADED, 3), result.message


def test_an_empty_end_is_the_length_of_the_channels_other_measures(writable_db):
    """An empty end is as long as the channel's measures with an end (here an hour), for the overlap
    check as when stored."""
    records = [[CH, "C", "2025-06-02T08:00:00Z", "", "4"],
               [CH, "C", "2025-06-02T08:30:00Z", "2025-06-02T09:30:00Z", "9"]]
    result = import_file("counter_measures", encode(records, "utf-8")[0], writable_db, file_name="m.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [
        "ligne 3, start_datetime : « 2025-06-02T08:30:00Z » chevauche la mesure de la ligne 2 "
        "(de 2025-06-02T10:00:00+02:00 à 2025-06-02T11:00:00+02:00)"]


def test_an_empty_end_on_a_channel_declaring_a_day_for_hourly_measures_is_an_hour(writable_db, tmp_path):
    """The Eco-Compteur fixture's channels declare 86400 s; hourly measures without ends are not
    refused as overlapping, and end an hour later (the shortest gap between the channel's starts)."""
    from test_imports import FIX
    import_file("counter_sites", FIX / "ecocompteur_sites.csv", writable_db)
    import_file("counter_channels", FIX / "ecocompteur_channels.csv", writable_db)
    records = [["353226370", "C", f"2025-06-02T{h:02d}:00:00Z", "", "3"] for h in range(8, 11)]
    result = import_file("counter_measures", encode(records, "utf-8")[0], writable_db, file_name="m.csv")
    assert (result.status, result.rows_loaded) == (LOADED, 3), result.message
    assert rows(writable_db, "SELECT hour(start_datetime), hour(end_datetime) FROM counter_measures "
                             "WHERE channel_id = '353226370' AND start_datetime::DATE = DATE '2025-06-02' "
                             "ORDER BY 1") == [(10, 11), (11, 12), (12, 13)]


# ------------------------------------------------------------------ 2. « 1.000 »: thousands or decimals?

WHOLE = ("est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers ou les "
         "décimales ; écrivez le nombre entier sans séparateur (par exemple 1000 pour mille)")
DECIMAL = ("est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers ou les "
           "décimales, et rien d'autre dans le fichier ne le dit ; écrivez les milliers sans séparateur (1000) "
           "ou la virgule décimale avec une autre précision (1,0 ou 1,0000)")


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_count_written_1_000_is_refused_as_ambiguous_12_0_stays_12(writable_db, tmp_path, variant):
    before = sums(writable_db)
    instants = ["2025-06-02T08:00:00Z", "2025-06-02T09:00:00Z", "2025-06-02T10:00:00Z"]
    counts = ["1.000", "12.0", "12,500"]
    records = [[CH, "C", t, "", f'"{c}"' if "," in c and variant != "xlsx" else c] for t, c in zip(instants, counts)]
    refused, said = run(writable_db, tmp_path, records, variant)
    assert refused
    assert said == [f"ligne 2, count : « 1.000 » {WHOLE}", f"ligne 4, count : « 12,500 » {WHOLE}"]
    assert sums(writable_db) == before
    # Without the ambiguous ones the same file loads, 12.0 being 12.
    refused, said = run(writable_db, tmp_path, [records[1]], variant)
    assert not refused, said
    assert hour_count(writable_db, "2025-06-02 11:00") == [(1, 12)]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "xlsx"])
def test_whole_number_columns_of_every_dataset_refuse_1_000(writable_db, encoding):
    """Participants of an event (a staff spreadsheet), sites of the solar template."""
    header = ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "participants"]
    record = ["Fête des Terrils é", "14/09/2025", "", "Loos-en-Gohelle", "62528", "Chaîne des parcs", "1.000"]
    data = xlsx(header, record) if encoding == "xlsx" else \
        (";".join(header) + "\n" + ";".join(record) + "\n").encode(encoding)
    result = import_file("events", data, writable_db, file_name="agenda.xlsx" if encoding == "xlsx" else "agenda.csv")
    assert result.status == REFUSED
    assert problems(result.message) == [f"ligne 2, participants : « 1.000 » {WHOLE}"]


def indicators(db, *values: str, encoding: str = "utf-8") -> tuple[str, list[str], list[tuple]]:
    header = ["id", "annee", "libelle", "valeur", "unite"]
    records = [[f"t_{k}", "2024", "Essai é", v, "kWh"] for k, v in enumerate(values)]
    data = xlsx(header, *records) if encoding == "xlsx" else \
        (";".join(header) + "\n" + "".join(";".join(r) + "\n" for r in records)).encode(encoding)
    result = import_file("indicators", data, db, file_name="i.xlsx" if encoding == "xlsx" else "i.csv")
    return result.status, problems(result.message) if result.status == REFUSED else [], \
        rows(db, "SELECT id, value FROM indicators WHERE id LIKE 't\\_%' ESCAPE '\\' ORDER BY id")


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "xlsx"])
def test_a_decimal_column_reads_1_000_as_the_file_tells_or_refuses_it(writable_db, encoding):
    # Nothing else says which: refused, naming the cell.
    assert indicators(writable_db, "1.000", encoding=encoding)[:2] == (REFUSED, [f"ligne 2, valeur : « 1.000 » {DECIMAL}"])
    # A decimal comma elsewhere in the file: the point separates thousands (« 1.234,5 » is 1234.5 too).
    assert indicators(writable_db, "1.000", "2,5", encoding=encoding) == (LOADED, [], [("t_0", 1000.0), ("t_1", 2.5)])
    # The same column writes a decimal point with one decimal: the point is the decimal mark.
    assert indicators(writable_db, "1.000", "12.5", encoding=encoding)[2] == [("t_0", 1.0), ("t_1", 12.5)]
    # Points between groups of thousands (« 1.234.567 »): the comma is the decimal mark.
    assert indicators(writable_db, "12,500", "1.234.567", encoding=encoding)[2] == [("t_0", 12.5), ("t_1", 1234567.0)]


def test_a_latitude_of_three_decimals_is_read_by_its_range(writable_db):
    """50.434 as thousands (50 434) is no latitude: one reading only lies in the column's range."""
    data = ("id;nom;code_commune;lat;lon;surface_ha\n"
            "p_test;Parc essai;62498;50.434;2.833;12,5\n").encode()
    result = import_file("park_sites", data, writable_db, file_name="parcs.csv")
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT lat, lon, area_ha FROM park_sites WHERE id = 'p_test'") == [(50.434, 2.833, 12.5)]


def test_a_number_cell_of_a_spreadsheet_is_never_ambiguous(writable_db):
    """An XLSX number cell 1.234 is the number 1.234 (the text rule is for text cells)."""
    header = ["id", "annee", "libelle", "valeur", "unite"]
    data = xlsx(header, ["t_0", 2024, "Essai", 1.234, "kWh"], ["t_1", 2024, "Essai", 1000, "kWh"])
    result = import_file("indicators", data, writable_db, file_name="i.xlsx")
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT id, value FROM indicators WHERE id IN ('t_0', 't_1') ORDER BY id") == [
        ("t_0", 1.234), ("t_1", 1000.0)]


# ------------------------------------------------------------------ 3. settings, counts, the load's failures

@pytest.mark.parametrize("text, size", [("3221225472", 3 * 2**30), ("3GiB", 3 * 2**30), ("3 GiB", 3 * 2**30),
                                        ("3G", 3 * 2**30), ("3 Go", 3 * 10**9), ("3GB", 3 * 10**9),
                                        ("1,5 Gio", 3 * 2**29), ("1536M", 1536 * 2**20), (" 2 gib ", 2 * 2**30)])
def test_the_import_memory_setting_takes_the_usual_units(text, size):
    from ecotransition.imports.__main__ import memory_limit
    assert memory_limit(text) == size


@pytest.mark.parametrize("text, said", [
    ("abc", "ECOTRANSITION_IMPORT_MEMORY='abc' n'est pas une taille de mémoire : écrivez par exemple 3GiB, 3 Go, "
            "1536M ou un nombre d'octets (3221225472)."),
    ("3 GiB par import", "ECOTRANSITION_IMPORT_MEMORY='3 GiB par import' n'est pas une taille de mémoire : écrivez "
                         "par exemple 3GiB, 3 Go, 1536M ou un nombre d'octets (3221225472)."),
    ("-1", "ECOTRANSITION_IMPORT_MEMORY='-1' n'est pas une taille de mémoire : écrivez par exemple 3GiB, 3 Go, "
           "1536M ou un nombre d'octets (3221225472)."),
    ("3", "ECOTRANSITION_IMPORT_MEMORY='3' : 3 octets, c'est trop peu pour un import "
          "(au moins 1 610 612 736 octets, soit 1,5 Gio ou 1,61 Go : en dessous, DuckDB ne peut pas démarrer ses fils d'exécution)."),
    # 512 MiB aborted in DuckDB (« cannot allocate memory for thread-local data »), 256 MiB in a traceback.
    ("512M", "ECOTRANSITION_IMPORT_MEMORY='512M' : 536 870 912 octets, c'est trop peu pour un import "
             "(au moins 1 610 612 736 octets, soit 1,5 Gio ou 1,61 Go : en dessous, DuckDB ne peut pas démarrer ses fils d'exécution)."),
    # 1 GiB aborted 3 times in 11 on a 1 M-row file overlapping stored measures.
    ("1G", "ECOTRANSITION_IMPORT_MEMORY='1G' : 1 073 741 824 octets, c'est trop peu pour un import "
           "(au moins 1 610 612 736 octets, soit 1,5 Gio ou 1,61 Go : en dessous, DuckDB ne peut pas démarrer ses fils d'exécution)."),
    # « 1,5 Go » is 1,5 × 10⁹ bytes, less than 1,5 Gio: both said in bytes (t14h finding 10).
    ("1,5 Go", "ECOTRANSITION_IMPORT_MEMORY='1,5 Go' : 1 500 000 000 octets, c'est trop peu pour un import "
               "(au moins 1 610 612 736 octets, soit 1,5 Gio ou 1,61 Go : en dessous, DuckDB ne peut pas démarrer ses fils d'exécution)."),
])
def test_a_bad_import_memory_setting_is_refused_in_french_naming_it(writable_db, tmp_path, monkeypatch, text, said):
    path = tmp_path / "m.csv"
    path.write_text(MEASURE_HEADER + f"{CH},C,2025-06-02T08:00:00Z,,4\n")
    monkeypatch.setenv("ECOTRANSITION_IMPORT_MEMORY", text)
    done = cli("counter_measures", str(path), "--db", str(writable_db))
    assert (done.returncode, done.stderr.strip()) == (1, f"Import impossible : {said}")
    monkeypatch.setenv("ECOTRANSITION_IMPORT_MEMORY", "3 GiB")
    done = cli("counter_measures", str(path), "--db", str(writable_db))
    assert done.returncode == 0, done.stderr


def test_the_lowest_accepted_import_memory_runs_an_import(writable_db, tmp_path, monkeypatch):
    path = tmp_path / "m.csv"
    path.write_text(MEASURE_HEADER + f"{CH},C,2025-06-02T08:00:00Z,,4\n")
    monkeypatch.setenv("ECOTRANSITION_IMPORT_MEMORY", "1536M")
    done = cli("counter_measures", str(path), "--db", str(writable_db))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("failures", [1, 2])
def test_a_refusal_whose_history_line_runs_out_of_memory_is_still_a_french_refusal(writable_db, monkeypatch,
                                                                                   failures):
    import ecotransition.imports as imports
    real, calls = imports._log, []

    def short_of_memory(conn, result, now):
        calls.append(result.status)
        if len(calls) <= failures:
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 16.0 KiB")
        real(conn, result, now)

    monkeypatch.setattr(imports, "_log", short_of_memory)
    data = (MEASURE_HEADER + f"{CH},C,2025-06-02T08:00:00Z,,douze\n").encode()
    result = import_file("counter_measures", data, writable_db, file_name="oom.csv")
    assert result.status == REFUSED
    assert problems(result.message) == ["ligne 2, count : « douze » n'est pas un nombre entier"]
    if failures == 1:   # the temporary tables dropped, the second try wrote it
        assert history(writable_db, "oom.csv") == (1, 1, "refusé")
    else:               # journaled, then merged by the next import
        assert rows(writable_db, "SELECT count(*) FROM imports WHERE file_name = 'oom.csv'") == [(0,)]
        monkeypatch.setattr(imports, "_log", real)
        import_file("counter_measures", data, writable_db, file_name="autre.csv")
        assert history(writable_db, "oom.csv") == (1, 1, "refusé")


def test_out_of_memory_while_closing_the_working_copy_is_a_french_refusal(writable_db, monkeypatch):
    import duckdb

    from ecotransition.data import db as dbmod
    real = dbmod._stamp_versions

    def short_of_memory(conn, changed):
        raise duckdb.OutOfMemoryException("Out of Memory Error: Failed to allocate block of 32768 bytes")

    monkeypatch.setattr(dbmod, "_stamp_versions", short_of_memory)
    before = sums(writable_db)
    data = (MEASURE_HEADER + f"{CH},C,2025-06-02T08:00:00Z,,4\n").encode()
    result = import_file("counter_measures", data, writable_db, file_name="stamp.csv")
    assert result.status == REFUSED and (result.inserted, result.rows_loaded) == (0, 0)
    assert result.message.splitlines() == [
        "Fichier refusé : 1 erreur. Rien n'a été chargé.",
        "- mémoire insuffisante pour enregistrer cet import : rien n'a été chargé. Découpez le fichier (par "
        "exemple par mois) et importez les parties l'une après l'autre.",
        "Le refus sera inscrit dans l'historique des imports au prochain import."]
    assert sums(writable_db) == before
    monkeypatch.setattr(dbmod, "_stamp_versions", real)
    import_file("counter_measures", data, writable_db, file_name="ensuite.csv")
    assert history(writable_db, "stamp.csv")[2] == "refusé"


def history(db, name: str) -> tuple:
    """(rows read, rows rejected, status) of the file's last import."""
    return rows(db, "SELECT rows_read, rows_rejected, status FROM imports WHERE file_name = $n "
                    "ORDER BY imported_at DESC, rowid DESC LIMIT 1", n=name)[0]


def test_rows_rejected_are_the_data_lines_the_message_names(writable_db):
    # A title row above the header of a 1 000-row file: the file is refused as a whole, no data line named.
    body = "".join(f"{CH},C,2025-06-{1 + h // 24:02d}T{h % 24:02d}:00:00Z,,4\n" for h in range(1000))
    result = import_file("counter_measures", ("Export du compteur\n" + MEASURE_HEADER + body).encode(), writable_db,
                         file_name="titre.csv")
    assert result.status == REFUSED
    assert result.message.splitlines()[0] == "Fichier refusé : 2 erreurs. Rien n'a été chargé."
    assert (result.rows_rejected, history(writable_db, "titre.csv")[1:]) == (0, (0, "refusé"))
    # Two bad lines: 2, as the message says.
    bad = MEASURE_HEADER + f"{CH},C,2025-06-02T08:00:00Z,,x\n{CH},C,2025-06-02T09:00:00Z,,4\n{CH},C,2025-06-02T10:00:00Z,,-1\n"
    result = import_file("counter_measures", bad.encode(), writable_db, file_name="m.csv")
    assert result.message.splitlines()[0] == "Fichier refusé : 2 erreurs sur 2 lignes. Rien n'a été chargé."
    assert history(writable_db, "m.csv") == (3, 2, "refusé")


def test_a_register_snapshot_refusal_rejects_no_line(writable_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2026-11-30")
    result = import_file("solar_production", CASES / "odre_agregation_moins_36kw.csv", writable_db,
                         snapshot_year=2030)
    assert result.status == REFUSED
    assert result.message.splitlines()[0] == "Fichier refusé : 1 erreur. Rien n'a été chargé."
    assert history(writable_db, "odre_agregation_moins_36kw.csv")[1:] == (0, "refusé")


def test_counts_in_messages_agree_in_number(writable_db):
    from ecotransition.core.labels import count
    assert [count(n, "ligne") for n in (0, 1, 2, 1000)] == ["0 ligne", "1 ligne", "2 lignes", "1000 lignes"]
    # One value on a line of a seven-column file.
    data = ("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
            "Balade seule\n").encode()
    result = import_file("events", data, writable_db, file_name="agenda.csv")
    assert problems(result.message) == [
        "ligne 2 : 1 valeur pour 7 colonnes (séparateur « ; » détecté sur la ligne d'en-tête)"]
    # The only line of an Enedis file is outside the Pôle.
    data = ("annee;code_commune;nom_commune;nb_sites_photovoltaique_enedis\n2024;59350;Lille;12\n").encode()
    result = import_file("solar_production", data, writable_db, file_name="enedis.csv")
    assert problems(result.message) == [
        "la seule ligne du fichier ne concerne pas une commune du Pôle métropolitain de l'Artois (colonne "
        "« code_commune ») : rien à charger"]


@pytest.mark.parametrize("error, said", [
    (duckdb.ConstraintException("Constraint Error: Duplicate key"),
     "le chargement dans la base a échoué après les vérifications (message de la base : Constraint Error: "
     "Duplicate key) : rien n'a été chargé."),
    (duckdb.OutOfMemoryException("Out of Memory Error: could not allocate"),
     "mémoire insuffisante pour charger ce fichier : rien n'a été chargé. Découpez le fichier (par exemple par "
     "mois) et importez les parties l'une après l'autre."),
])
def test_a_failure_while_loading_checked_rows_is_a_logged_refusal(writable_db, tmp_path, monkeypatch, capsys,
                                                                  error, said):
    """The rows are written, then the daily sums fail: everything is undone, the refusal is logged."""
    from ecotransition.data import sql
    from ecotransition.imports.__main__ import main

    def fails(*args, **kwargs):
        raise error

    before = sums(writable_db)
    monkeypatch.setattr(sql, "materialize", fails)
    path = tmp_path / "m.csv"
    path.write_text(MEASURE_HEADER + f"{CH},C,2025-06-02T08:00:00Z,,4\n")
    result = import_file("counter_measures", path, writable_db)
    assert (result.status, result.rows_loaded, problems(result.message)) == (REFUSED, 0, [said])
    assert sums(writable_db) == before
    assert history(writable_db, "m.csv") == (1, 0, "refusé")
    # The command line exits 1 with the same reason.
    assert main(["counter_measures", str(path), "--db", str(writable_db), "--quiet"]) == 1
    assert said in capsys.readouterr().err
    assert sums(writable_db) == before


# ------------------------------------------------------------------ 4. a million bad lines, bounded

@pytest.mark.parametrize("variant", ["utf-8 (fast path)", "windows-1252"])
def test_issues_beyond_the_collected_ones_are_counted_not_kept(writable_db, tmp_path, monkeypatch, variant):
    """validate.COLLECTED issues per check are kept (here 3), the others counted: the message and the
    history still say how many errors on how many lines."""
    from ecotransition.imports import validate
    monkeypatch.setattr(validate, "COLLECTED", 3)
    records = [[CH, "C", f"2025-06-02T{h:02d}:00:00Z", "", "x"] for h in range(5)]
    records.append([CH, "C", "2025-06-02T06:00:00Z", "", "-1"])
    refused, said = run(writable_db, tmp_path, records, variant)
    assert refused
    # The type checks are one query: its first 3 issues by line are kept.
    assert said == ["ligne 2, count : « x » n'est pas un nombre entier",
                    "ligne 3, count : « x » n'est pas un nombre entier",
                    "ligne 4, count : « x » n'est pas un nombre entier",
                    "… et 3 autres erreurs."]
    assert history(writable_db, "mesures.csv") == (6, 6, "refusé")
    message = rows(writable_db, "SELECT message FROM imports WHERE file_name = 'mesures.csv'")[0][0]
    assert message.splitlines()[0] == "Fichier refusé : 6 erreurs sur 6 lignes. Rien n'a été chargé."
