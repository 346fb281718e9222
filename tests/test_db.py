"""The read path is hardened, a bad file gives a French message, swaps are atomic."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from ecotransition.data import backup, sql
from ecotransition.data.db import DatabaseError, checksums, modified_copy, open_readonly, stamp


@pytest.mark.parametrize("statement", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY communes TO '/tmp/leak.csv'",
    "ATTACH '/tmp/other.duckdb'",
    "SET memory_limit = '20GB'",
    "SET enable_external_access = true",
])
def test_read_connection_refuses_files_and_settings(built_db, statement):
    conn = open_readonly(built_db)
    try:
        with pytest.raises(duckdb.Error):
            conn.execute(statement).fetchall()
        # The data itself stays readable, and writing is refused.
        assert conn.execute("SELECT count(*) FROM communes").fetchall() == [(150,)]
        with pytest.raises(duckdb.Error):
            conn.execute("DELETE FROM communes").fetchall()
    finally:
        conn.close()


def test_missing_and_corrupt_files_give_french_messages(tmp_path):
    with pytest.raises(DatabaseError, match="introuvable"):
        open_readonly(tmp_path / "absent.duckdb")
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a database" * 500)
    with pytest.raises(DatabaseError, match="illisible"):
        open_readonly(bad)


def test_modified_copy_swaps_only_on_success(writable_db):
    before = stamp(writable_db)
    with pytest.raises(RuntimeError):
        with modified_copy(writable_db) as conn:
            conn.execute("DELETE FROM events")
            raise RuntimeError("interrupted")
    assert stamp(writable_db) == before

    reader = open_readonly(writable_db)  # a viewer holding the old file open
    old = checksums(reader, ["events", "communes"])
    with modified_copy(writable_db) as conn:
        conn.execute("DELETE FROM events")
    assert stamp(writable_db) != before
    # The viewer still reads the old, complete state; a new connection sees the new one.
    assert checksums(reader, ["events", "communes"]) == old
    reader.close()
    fresh = open_readonly(writable_db)
    assert fresh.execute("SELECT count(*) FROM events").fetchall() == [(0,)]
    fresh.close()
    leftovers = [p.name for p in writable_db.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_file_without_the_daily_table_still_opens_with_the_same_figures(writable_db):
    # A database written before counter_daily existed (or restored from such a backup).
    reader = open_readonly(writable_db)
    expected = sql.run(reader, "visits_series", grain="month", epci="CALL", commune=None, site=None, mode=None,
                       annee=2023)
    reader.close()
    with modified_copy(writable_db) as conn:
        conn.execute("DROP TABLE counter_daily")
    reader = open_readonly(writable_db)
    got = sql.run(reader, "visits_series", grain="month", epci="CALL", commune=None, site=None, mode=None,
                  annee=2023)
    reader.close()
    assert len(got) == 24 and got["visits"].sum() > 0
    pd.testing.assert_frame_equal(got, expected)


def test_a_writer_that_names_no_table_gives_every_table_a_new_version(writable_db):
    def versions():
        c = duckdb.connect(str(writable_db), read_only=True)
        try:
            return dict(c.execute("SELECT table_name, version FROM table_versions").fetchall())
        finally:
            c.close()

    before = versions()
    with modified_copy(writable_db, changed=["events"]) as conn:
        conn.execute("CREATE TEMP TABLE _scratch AS SELECT 1 AS x")   # temporary: not a table of the file
        conn.execute("DELETE FROM events")
    after = versions()
    assert set(after) == set(before) and "_scratch" not in after
    assert [t for t in after if after[t] != before[t]] == ["events"]
    with modified_copy(writable_db) as conn:      # a restore, or a writer that does not say
        conn.execute("DELETE FROM investments")
    last = versions()
    assert all(last[t] != after[t] for t in after) and len(set(last.values())) == 1


def test_a_file_written_before_a_column_was_added_opens_with_its_default(built_db, tmp_path):
    """events.position_derived came after files already in use: such a file is read as if every
    position were the event's own (the flags' closure matching runs on it), until its next import."""
    from ecotransition.core import anomalies
    from ecotransition.data import sql
    from ecotransition.data.db import open_readonly

    older = tmp_path / "older.duckdb"
    older.write_bytes(built_db.read_bytes())
    with duckdb.connect(str(older)) as c:
        c.execute("ALTER TABLE events DROP COLUMN position_derived")
        n = c.execute("SELECT count(*) FROM events").fetchall()[0][0]
    conn = open_readonly(older)
    assert conn.execute("SELECT count(*), count(*) FILTER (position_derived) FROM events").fetchall() == [(n, 0)]
    days = sql.run(conn, "counter_event_days", epci=None, commune=None,
                   **anomalies.closure_params(anomalies.Thresholds()))
    fresh = sql.run(open_readonly(built_db), "counter_event_days", epci=None, commune=None,
                    **anomalies.closure_params(anomalies.Thresholds()))
    assert len(days) == len(fresh) > 0


def test_a_database_reached_through_a_symbolic_link_is_updated_in_place(writable_db, tmp_path):
    # t14h finding 7: an import through link.duckdb -> real.duckdb replaced the link by a regular file,
    # and the real database (which other programs open) never received the import.
    from ecotransition.imports import LOADED, import_file

    real = tmp_path / "real" / "real.duckdb"
    real.parent.mkdir()
    writable_db.rename(real)
    link = tmp_path / "link.duckdb"
    link.symlink_to(real)
    f = tmp_path / "parc.csv"
    f.write_text("id;nom;code_commune;surface_ha\nparc-louvre-lens;Parc du Louvre-Lens;62498;21\n", encoding="utf-8")
    assert import_file("park_sites", f, link).status == LOADED
    assert link.is_symlink() and link.resolve() == real
    with duckdb.connect(str(real), read_only=True) as c:
        assert c.execute("SELECT area_ha FROM park_sites WHERE id = 'parc-louvre-lens'").fetchall() == [(21.0,)]
    # The working copy and the lock file lie beside the real file; beside the link only what is
    # named after the configured path (the backups' folder, backup.directory).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "link.duckdb", "parc.csv", "real"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.duckdb", "real.duckdb.lock"]
    # The backup kept before the swap is the old version, a file of its own (a re-check tester: it was
    # a hard link of the symbolic link, so it showed the new version and the old one was gone).
    kept = backup.list_backups(link)
    assert len(kept) == 1 and not kept[0].path.is_symlink()
    with duckdb.connect(str(kept[0].path), read_only=True) as c:
        assert c.execute("SELECT area_ha FROM park_sites WHERE id = 'parc-louvre-lens'").fetchall() != [(21.0,)]
