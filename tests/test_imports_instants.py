"""The stored key of a counter measure (README « Instants of measures »): one reading of each written
instant for the key, the duplicate and the overlap checks, whatever the spelling of its zone, whether
its end is written, and in which file it comes (a fresh tester's findings on issue #14, t14h)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, import_file

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

