"""The stored key of a counter measure (README « Instants of measures »): one reading of each written
instant for the key, the duplicate and the overlap checks, whatever the spelling of its zone, whether
its end is written, and in which file it comes (a fresh tester's findings on issue #14, t14h)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, UNCHANGED, import_file

FIX = Path(__file__).resolve().parent / "fixtures"
HEADER = "channel_id,counter_id,start_datetime,end_datetime,count\n"
STORED = ("SELECT start_datetime, utc_offset, end_datetime, end_utc_offset, count FROM counter_measures "
          "WHERE source LIKE '%{}%' ORDER BY start_datetime")


def problems(message: str) -> list[str]:
    return [m[2:] for m in message.splitlines()[1:]]


def measures(*records: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return (HEADER + "".join(r + "\n" for r in records)).replace("\n", newline).encode(encoding)


def eco(db: Path) -> None:
    """The schema's Eco-Compteur example: channels declaring 86400 s, days of 2022 stored."""
    for dataset, name in [("counter_sites", "ecocompteur_sites.csv"), ("counter_channels", "ecocompteur_channels.csv"),
                          ("counter_measures", "ecocompteur_measures.csv")]:
        assert import_file(dataset, FIX / name, db).status == LOADED


# ------------------------------------------------------------------ t14h finding 13: zones' spellings

@pytest.mark.parametrize("encoding, newline", [("utf-8", "\n"), ("cp1252", "\r\n")])
def test_an_offset_written_with_seconds_is_the_instant_it_says(writable_db, encoding, newline):
    # 14:00Z and 16:00+01:00:00 (15:00Z) are two hours: stored 16:00 and 17:00 in Paris, not both at 16:00.
    data = measures("demo-cpt-001-vel,C1,2025-06-10T14:00:00Z,2025-06-10T15:00:00Z,4",
                    "demo-cpt-001-vel,Cé,2025-06-10T16:00:00+01:00:00,2025-06-10T17:00:00+01:00:00,5",
                    encoding=encoding, newline=newline)
    result = import_file("counter_measures", data, writable_db, file_name="o4.csv")
    assert (result.status, result.rows_loaded) == (LOADED, 2), result.message
    assert rows(writable_db, STORED.format("o4.csv")) == [
        (datetime(2025, 6, 10, 16), 120, datetime(2025, 6, 10, 17), 120, 4),
        (datetime(2025, 6, 10, 17), 120, datetime(2025, 6, 10, 18), 120, 5)]


@pytest.mark.parametrize("written, paris", [
    ("2025-06-11T10:00:00+01:00:00", datetime(2025, 6, 11, 11)),
    ("2025-06-12T10:00:00-01:00:00", datetime(2025, 6, 12, 13)),
    ("2025-06-13T10:00:00 GMT", datetime(2025, 6, 13, 12)),
    ("2025-06-13T10:00:00 UTC", datetime(2025, 6, 13, 12)),
])
def test_accepted_zone_spellings_are_stored_at_their_instant(writable_db, written, paris):
    result = import_file("counter_measures", measures(f"demo-cpt-001-pie,C1,{written},,7"), writable_db,
                         file_name="o5.csv")
    assert result.status == LOADED, result.message
    assert rows(writable_db, STORED.format("o5.csv")) == [(paris, 120, paris.replace(hour=paris.hour + 1), 120, 7)]


ZONE = ("n'est pas une date-heure : un fuseau horaire nommé (PST, CET…) ou un décalage avec des secondes n'est "
        "pas accepté ; écrivez le décalage en heures et minutes (2025-06-10T10:00:00+01:00), ou Z pour UTC")


@pytest.mark.parametrize("written", ["2025-06-20T10:00:00 PST", "2025-06-14T10:00:00 CET",
                                     "2025-06-15T10:00:00 Europe/London", "2025-06-11T10:00:00+01:00:30"])
def test_named_zones_and_offsets_with_seconds_are_refused_naming_the_cell(writable_db, written):
    before = sums(writable_db)
    result = import_file("counter_measures", measures("demo-cpt-001-pie,C1,2025-06-19T10:00:00Z,,1",
                                                      f"demo-cpt-001-pie,C1,{written},,2"), writable_db)
    assert result.status == REFUSED
    assert problems(result.message) == [f"ligne 3, start_datetime : « {written} » {ZONE}"]
    assert sums(writable_db) == before


def test_the_same_instant_written_z_and_with_seconds_is_a_duplicate(writable_db):
    result = import_file("counter_measures", measures("demo-cpt-001-vel,C1,2025-06-10T15:00:00Z,,4",
                                                      "demo-cpt-001-vel,C1,2025-06-10T16:00:00+01:00:00,,5"),
                         writable_db)
    assert problems(result.message) == ["ligne 3, start_datetime : « 2025-06-10T16:00:00+01:00:00 » en double : "
                                        "même canal et même début qu'à la ligne 2"]


# ------------------------------------------------------------------ t14h findings 1, 3, 2: calendar days

ECO_DAYS = ("SELECT start_datetime, utc_offset, end_datetime, end_utc_offset, count FROM counter_measures "
            "WHERE channel_id = '353226361' AND start_datetime >= '2023-06-01' ORDER BY start_datetime")


def test_an_eco_compteur_day_without_its_end_is_the_calendar_day_its_correction_replaces(writable_db):
    # g3 then g4: the day written « T00:00:00+01:00 » without an end (the schema's end is optional),
    # on a channel of days (86 400 s), is the Paris date; the same day with its end corrects it.
    eco(writable_db)
    first = import_file("counter_measures", measures("353226361,CPTTEST2031,2023-06-10T00:00:00+01:00,,100",
                                                     "353226361,CPTTEST2031,2023-06-11T00:00:00+01:00,,110"),
                        writable_db, file_name="g3.csv")
    assert (first.status, first.inserted) == (LOADED, 2), first.message
    assert rows(writable_db, ECO_DAYS) == [(datetime(2023, 6, 10), 120, datetime(2023, 6, 11), 120, 100),
                                           (datetime(2023, 6, 11), 120, datetime(2023, 6, 12), 120, 110)]
    fix = import_file("counter_measures", measures(
        "353226361,CPTTEST2031,2023-06-10T00:00:00+01:00,2023-06-11T00:00:00+01:00,120"), writable_db, file_name="g4.csv")
    assert (fix.status, fix.inserted, fix.updated) == (LOADED, 0, 1), fix.message
    assert rows(writable_db, ECO_DAYS) == [(datetime(2023, 6, 10), 120, datetime(2023, 6, 11), 120, 120),
                                           (datetime(2023, 6, 11), 120, datetime(2023, 6, 12), 120, 110)]


def test_days_with_and_without_their_end_in_one_file_are_three_days(writable_db):
    # g5: days 10 and 12 with their end, 11 without: consecutive, disjoint dates.
    eco(writable_db)
    result = import_file("counter_measures", measures(
        "353226361,CPTTEST2031,2023-06-10T00:00:00+01:00,2023-06-11T00:00:00+01:00,100",
        "353226361,CPTTEST2031,2023-06-11T00:00:00+01:00,,110",
        "353226361,CPTTEST2031,2023-06-12T00:00:00+01:00,2023-06-13T00:00:00+01:00,120"), writable_db, file_name="g5.csv")
    assert (result.status, result.inserted) == (LOADED, 3), result.message
    assert rows(writable_db, ECO_DAYS) == [(datetime(2023, 6, 10), 120, datetime(2023, 6, 11), 120, 100),
                                           (datetime(2023, 6, 11), 120, datetime(2023, 6, 12), 120, 110),
                                           (datetime(2023, 6, 12), 120, datetime(2023, 6, 13), 120, 120)]
    assert rows(writable_db, "SELECT day, measures, visits FROM counter_daily WHERE channel_id = '353226361' "
                             "AND day >= '2023-06-01' ORDER BY day") == [
        (date(2023, 6, 10), 1, 100), (date(2023, 6, 11), 1, 110), (date(2023, 6, 12), 1, 120)]


def test_a_midnight_without_end_on_an_hourly_channel_is_an_hour(writable_db):
    # g1 then g2 on a demonstration channel (3 600 s, hours stored): the day without end is its
    # channel's step, an hour at the instant written (01:00 in Paris); a day over it then overlaps it.
    records = ("demo-cpt-004-vel,C4,2025-06-10T00:00:00+01:00,,100", "demo-cpt-004-vel,C4,2025-06-11T00:00:00+01:00,,110")
    assert import_file("counter_measures", measures(*records), writable_db, file_name="g1.csv").status == LOADED
    assert rows(writable_db, STORED.format("g1.csv")) == [
        (datetime(2025, 6, 10, 1), 120, datetime(2025, 6, 10, 2), 120, 100),
        (datetime(2025, 6, 11, 1), 120, datetime(2025, 6, 11, 2), 120, 110)]
    day = import_file("counter_measures", measures(
        "demo-cpt-004-vel,C4,2025-06-10T00:00:00+01:00,2025-06-11T00:00:00+01:00,120"), writable_db)
    assert problems(day.message) == [
        "ligne 2, start_datetime : « 2025-06-10T00:00:00+01:00 » chevauche la mesure déjà en base : "
        "de 2025-06-10T01:00:00+02:00 à 2025-06-10T02:00:00+02:00"]


def test_a_lone_midnight_without_end_on_a_channel_storing_days_is_its_date(writable_db):
    # The channel now declares 3 600 s but stores days (2022): its step stays the measured day (a
    # channel with measures keeps the step they have), and a lone 01/01/2023 without an end is that
    # date, not an hour.
    eco(writable_db)
    channels = b"channel_id,site_id,time_step\n353226361,300014141,3600\n"
    assert import_file("counter_channels", channels, writable_db, file_name="ch.csv").status == UNCHANGED
    assert rows(writable_db, "SELECT time_step FROM counter_channels WHERE channel_id = '353226361'") == [(86400,)]
    result = import_file("counter_measures", measures("353226361,C,2023-01-01T00:00:00+01:00,,77"), writable_db,
                         file_name="seul.csv")
    assert result.status == LOADED, result.message
    assert rows(writable_db, STORED.format("seul.csv")) == [(datetime(2023, 1, 1), 60, datetime(2023, 1, 2), 60, 77)]

def test_a_utc_day_is_an_instant_and_hours_inside_it_overlap(writable_db):
    # z1 then z2: 12/06 00:00Z → 13/06 00:00Z is that UTC day (02:00 to 02:00 in Paris), not the
    # Paris date 12/06; the hours 22:00Z and 23:00Z of 12/06 are inside it, refused.
    day = measures("demo-cpt-003-pie,C3,2025-06-12T00:00:00Z,2025-06-13T00:00:00Z,240")
    assert import_file("counter_measures", day, writable_db, file_name="z1.csv").status == LOADED
    assert rows(writable_db, STORED.format("z1.csv")) == [
        (datetime(2025, 6, 12, 2), 120, datetime(2025, 6, 13, 2), 120, 240)]
    before = sums(writable_db)
    hours = measures("demo-cpt-003-pie,C3,2025-06-12T22:00:00Z,2025-06-12T23:00:00Z,10",
                     "demo-cpt-003-pie,C3,2025-06-12T23:00:00Z,2025-06-13T00:00:00Z,10")
    refused = import_file("counter_measures", hours, writable_db, file_name="z2.csv")
    assert problems(refused.message) == [
        "ligne 2, start_datetime : « 2025-06-12T22:00:00Z » chevauche la mesure déjà en base : "
        "de 2025-06-12T02:00:00+02:00 à 2025-06-13T02:00:00+02:00"]   # the first measure inside it is named
    assert sums(writable_db) == before


def test_days_in_other_offsets_are_instants_paris_offsets_are_dates(writable_db):
    # c1: +0100 and +01 midnights are Paris dates; a Z day and a -05:00 day are instants.
    eco(writable_db)
    result = import_file("counter_measures", measures(
        "353226361,CPTTEST2031,2023-06-10T00:00:00+0100,2023-06-11T00:00:00+0100,100",
        "353226361,CPTTEST2031,2023-06-11T00:00:00+01,2023-06-12T00:00:00+01,110",
        "353226361,CPTTEST2031,2023-06-12T00:00:00Z,2023-06-13T00:00:00Z,120",
        "353226361,CPTTEST2031,2023-06-13T00:00:00-05:00,2023-06-14T00:00:00-05:00,130"), writable_db)
    assert (result.status, result.inserted) == (LOADED, 4), result.message
    assert rows(writable_db, ECO_DAYS) == [(datetime(2023, 6, 10), 120, datetime(2023, 6, 11), 120, 100),
                                           (datetime(2023, 6, 11), 120, datetime(2023, 6, 12), 120, 110),
                                           (datetime(2023, 6, 12, 2), 120, datetime(2023, 6, 13, 2), 120, 120),
                                           (datetime(2023, 6, 13, 7), 120, datetime(2023, 6, 14, 7), 120, 130)]


def test_a_day_among_hours_of_a_fixed_offset_file_is_the_interval_it_writes(writable_db):
    # k1: an export in fixed winter time (+01:00 in June), hours then a 24-hour total (an outage)
    # then hours: consecutive intervals, loaded as written (Paris 21:00 on 9/06 to 04:00 on 11/06).
    hours = lambda day, first, n: [f"demo-cpt-004-pie,C4,2025-06-{day}T{h:02d}:00:00+01:00,"   # noqa: E731
                                   f"2025-06-{day}T{h + 1:02d}:00:00+01:00,10" for h in range(first, first + n)]
    records = (hours("09", 20, 3) + ["demo-cpt-004-pie,C4,2025-06-09T23:00:00+01:00,2025-06-10T00:00:00+01:00,10",
                                     "demo-cpt-004-pie,C4,2025-06-10T00:00:00+01:00,2025-06-11T00:00:00+01:00,240"]
               + hours("11", 0, 3))
    result = import_file("counter_measures", measures(*records), writable_db, file_name="k1.csv")
    assert (result.status, result.inserted) == (LOADED, 8), result.message
    stored = rows(writable_db, STORED.format("k1.csv"))
    assert stored[4] == (datetime(2025, 6, 10, 1), 120, datetime(2025, 6, 11, 1), 120, 240)
    assert [s[0] for s in stored] == [datetime(2025, 6, 9, 21), datetime(2025, 6, 9, 22), datetime(2025, 6, 9, 23),
                                      datetime(2025, 6, 10, 0), datetime(2025, 6, 10, 1), datetime(2025, 6, 11, 1),
                                      datetime(2025, 6, 11, 2), datetime(2025, 6, 11, 3)]


# ------------------------------------------------------------------ t14h finding 11: the end's clock

GAP = ("heure inexistante : passage à l'heure d'été (l'heure de 2 h à 3 h est sautée ; indiquez le décalage, "
       "par exemple +01:00)")
REPEATED = ("heure ambiguë : passage à l'heure d'hiver (l'heure de 2 h à 3 h a lieu deux fois ; indiquez le "
            "décalage, +02:00 pour la première, +01:00 pour la seconde)")


def xlsx_measures(*records: list) -> bytes:
    import io

    import openpyxl
    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    for r in records:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("start, end, reason", [
    ("2025-03-30 01:00:00", "2025-03-30 02:30:00", GAP),         # n5: 02:30 never happened on 30/03
    ("2025-10-26 01:30:00", "2025-10-26 02:30:00", REPEATED),    # n3: 1 or 2 hours after the start
    ("2025-10-26 01:00:00", "2025-10-26 02:00:00", REPEATED),    # n1
])
@pytest.mark.parametrize("reader", ["utf-8", "cp1252", "xlsx"])
def test_a_naive_end_follows_the_start_s_daylight_saving_rules(writable_db, start, end, reason, reader):
    before = sums(writable_db)
    if reader == "xlsx":   # date-time cells, naive as Excel writes them
        data = xlsx_measures(["demo-cpt-002-vel", "C2", datetime.fromisoformat(start), datetime.fromisoformat(end), 5])
        name, shown = "n.xlsx", end.replace(" ", "T")   # a cell is shown in ISO form
    else:
        data = measures(f"demo-cpt-002-vel,C{'é' if reader == 'cp1252' else '2'},{start},{end},5", encoding=reader)
        name, shown = "n.csv", end
    result = import_file("counter_measures", data, writable_db, file_name=name)
    assert result.status == REFUSED
    assert problems(result.message) == [f"ligne 2, end_datetime : « {shown} » {reason}"]
    assert sums(writable_db) == before


def test_a_naive_end_after_the_repeated_hour_is_not_ambiguous(writable_db):
    # 26/10 01:00 → 03:00 without a zone: 03:00 happens once, the measure lasts 3 hours.
    result = import_file("counter_measures", measures("demo-cpt-002-vel,C2,2025-10-26 01:00:00,2025-10-26 03:00:00,5"),
                         writable_db, file_name="n6.csv")
    assert result.status == LOADED, result.message
    assert rows(writable_db, STORED.format("n6.csv")) == [
        (datetime(2025, 10, 26, 1), 120, datetime(2025, 10, 26, 3), 60, 5)]
